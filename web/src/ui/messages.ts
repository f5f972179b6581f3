import { defineMessages } from '../i18n/index.tsx';

export const uiMessages = defineMessages(
  {
    field: '字段',
    rule: '规则',
    expected: '应为',
    actual: '实际',
    code: '错误代码',
    status: 'HTTP 状态',
  },
  {
    field: 'Field',
    rule: 'Rule',
    expected: 'Expected',
    actual: 'Actual',
    code: 'Error code',
    status: 'HTTP status',
  },
);
