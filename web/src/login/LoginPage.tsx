import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { ApiError } from '../api.ts';
import { defineMessages, useT } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Page } from '../ui/index.tsx';

const m = defineMessages(
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

export default function LoginPage() {
  const t = useT(m);
  const { login } = useSession();
  const [, navigate] = useLocation();
  const search = useSearch();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const next = new URLSearchParams(search).get('next');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const known = error instanceof ApiError && (error.status === 401 || error.status === 423);
  return (
    <Page title={t('title')}>
      <form className="card login" onSubmit={(e) => void submit(e)} aria-busy={busy}>
        <label>
          {t('username')}
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </label>
        <label>
          {t('password')}
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {known ? (
          <p className="error-note" role="alert">
            {(error as ApiError).status === 423 ? t('locked') : t('wrong')}
          </p>
        ) : (
          <ErrorNote error={error} />
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('busy') : t('submit')}
        </button>
        <p className="muted small">{t('demoHint')}</p>
      </form>
    </Page>
  );
}
