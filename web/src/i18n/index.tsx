/**
 * Translation: Chinese first, English by a switch. Each feature defines its own messages with
 * `defineMessages(zh, en)`; the English table must have exactly the Chinese table's keys (the type
 * checker refuses a missing one), so no string of the console exists in one language only.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'zh-CN' | 'en';
export const LANGS: Lang[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'silkgate.lang';

export interface Messages<K extends string> {
  'zh-CN': Record<K, string>;
  en: Record<K, string>;
}

export function defineMessages<K extends string>(zh: Record<K, string>, en: NoInfer<Record<K, string>>): Messages<K> {
  return { 'zh-CN': zh, en };
}

type Vars = Record<string, string | number>;

/** `{name}` placeholders filled from vars; numbers formatted for the language. */
export function format(template: string, vars: Vars | undefined, lang: Lang): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) return whole;
    return typeof v === 'number' ? v.toLocaleString(lang) : v;
  });
}

interface LangState {
  lang: Lang;
  setLang(lang: Lang): void;
}

const LangContext = createContext<LangState>({ lang: 'zh-CN', setLang: () => undefined });

function initialLang(): Lang {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN';
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLangState(next);
  }, []);
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useLang(): LangState {
  return useContext(LangContext);
}

/** The translate function of one feature's messages, in the current language. */
export function useT<K extends string>(messages: Messages<K>): (key: K, vars?: Vars) => string {
  const { lang } = useLang();
  return useCallback((key: K, vars?: Vars) => format(messages[lang][key], vars, lang), [messages, lang]);
}

/** Dates and numbers in the current language (China time: the zone's and customs' clock). */
export function useFormat() {
  const { lang } = useLang();
  return useMemo(() => {
    const dateTime = new Intl.DateTimeFormat(lang, { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    const number = new Intl.NumberFormat(lang);
    const money = new Intl.NumberFormat(lang, { style: 'currency', currency: 'CNY' });
    const wholeMoney = new Intl.NumberFormat(lang, { style: 'currency', currency: 'CNY', maximumFractionDigits: 0 });
    return {
      dateTime: (v: string | number | Date | null | undefined) => (v === null || v === undefined || v === '' ? '—' : dateTime.format(new Date(v))),
      number: (n: number) => number.format(n),
      /** Integer fen as yuan. */
      fen: (fen: number) => money.format(fen / 100),
      /** Integer fen as whole yuan, for a figure at a glance. */
      yuan: (fen: number) => wholeMoney.format(Math.round(fen / 100)),
    };
  }, [lang]);
}
