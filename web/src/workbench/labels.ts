/** Names of message types, states and customs codes in the current language; unknown values shown as they are. */
import { useMemo } from 'react';
import { useT } from '../i18n/index.tsx';
import { statusNames } from '../ui/messages.ts';
import { returnNames, typeNames } from './messages.ts';
import { returnKey } from './model.ts';

const has = (table: Record<string, string>, key: string) => Object.hasOwn(table, key);

export function useLabels() {
  const tn = useT(typeNames);
  const sn = useT(statusNames);
  const rn = useT(returnNames);
  return useMemo(
    () => ({
      type: (type: string) => (has(typeNames['zh-CN'], type) ? `${tn(type as keyof (typeof typeNames)['zh-CN'])} ${type.slice(3, 6)}` : type),
      status: (status: string) => (has(statusNames['zh-CN'], status) ? sn(status as keyof (typeof statusNames)['zh-CN']) : status),
      /** "120 海关入库". */
      ret: (code: string | null) => {
        if (!code) return '';
        const k = returnKey(code);
        return has(returnNames['zh-CN'], k) ? `${code} ${rn(k as keyof (typeof returnNames)['zh-CN'])}` : code;
      },
    }),
    [tn, sn, rn],
  );
}
