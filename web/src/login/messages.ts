import { defineMessages } from '../i18n/index.tsx';

export const m = defineMessages(
  {
    title: '登录控制台',
    username: '用户名',
    password: '密码',
    submit: '登录',
    busy: '正在登录…',
    wrong: '用户名或密码不正确。',
    locked: '登录失败次数过多，账户已暂时锁定，请稍后再试。',
    demoHint: '演示环境：各角色的用户名和密码见 data/demo-credentials.json（例如 demo-ebp）。',
  },
  {
    title: 'Log in to the console',
    username: 'User name',
    password: 'Password',
    submit: 'Log in',
    busy: 'Logging in…',
    wrong: 'The user name or password is not correct.',
    locked: 'Too many failed logins: the account is locked for a while. Try again later.',
    demoHint: 'Demo zone: each role’s user name and password are in data/demo-credentials.json (for example demo-ebp).',
  },
);
