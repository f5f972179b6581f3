/** Small pieces every page uses: loading data, showing an API error field by field, a page frame. */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { common } from '../app/messages.ts';
import { uiMessages } from './messages.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` on mount and whenever `deps` change; the last answer wins. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error: unknown) => !ac.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => ac.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Silkgate`;
  }, [title]);
  return (
    <section className="page">
      <header className="page-head">
        <h1>{title}</h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Loading() {
  const t = useT(common);
  return (
    <p className="muted" role="status">
      {t('loading')}
    </p>
  );
}

/** An error from the API: its message, and each issue with field, rule, expected and actual. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT(common);
  const u = useT(uiMessages);
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div className="error-note" role="alert">
      <strong>{e ? `${e.code}` : t('errorTitle')}</strong> {e ? e.message : error instanceof Error ? error.message : String(error)}
      {e && e.issues.length > 0 ? (
        <table className="issues">
          <thead>
            <tr>
              <th scope="col">{u('field')}</th>
              <th scope="col">{u('rule')}</th>
              <th scope="col">{u('expected')}</th>
              <th scope="col">{u('actual')}</th>
            </tr>
          </thead>
          <tbody>
            {e.issues.map((i, n) => (
              <tr key={n}>
                <td>
                  <code>{i.path}</code>
                </td>
                <td>{i.rule}</td>
                <td>{i.expected}</td>
                <td>
                  <code>{i.actual}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          {t('retry')}
        </button>
      ) : null}
    </div>
  );
}

/** A labelled statistic: a number big, its label small. */
export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
