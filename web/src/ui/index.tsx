/** Small pieces every page uses: loading data, showing an API error field by field, a page frame, tables, actions. */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { ApiError, type Issue } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { common } from '../app/messages.ts';
import { uiMessages } from './messages.ts';

export interface LoadState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` on mount and whenever `deps` change; the last answer wins. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): LoadState<T> {
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

/** A page's tabs as links: the active one marked, and announced as the current page unless `page` says otherwise. */
export function Tabs({ label, tabs }: { label: string; tabs: ReadonlyArray<{ href: string; label: string; active: boolean; page?: boolean; testId?: string }> }) {
  return (
    <nav className="tabs" aria-label={label}>
      {tabs.map((x) => (
        <Link key={x.href} href={x.href} className={x.active ? 'active' : ''} aria-current={(x.page ?? x.active) ? 'page' : undefined} data-testid={x.testId}>
          {x.label}
        </Link>
      ))}
    </nav>
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
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div className="error-note" role="alert">
      <strong>{e ? `${e.code}` : t('errorTitle')}</strong> {e ? e.message : error instanceof Error ? error.message : String(error)}
      {e && e.issues.length > 0 ? <IssuesTable issues={e.issues} /> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          {t('retry')}
        </button>
      ) : null}
    </div>
  );
}

/** A load's outcome in place: its error (with a retry when it can), loading, or `children` given the data. */
export function Loaded<T>({ state, children }: { state: { data: T | null | undefined; error: unknown; reload?: () => void }; children: (data: T) => ReactNode }) {
  return (
    <>
      <ErrorNote error={state.error} onRetry={state.reload} />
      {state.data != null ? children(state.data) : state.error ? null : <Loading />}
    </>
  );
}

/** Each issue of a refusal on its row: field, rule, expected, actual. */
export function IssuesTable({ issues, testId }: { issues: Issue[]; testId?: string }) {
  const u = useT(uiMessages);
  return (
    <DataTable
      className="issues"
      testId={testId}
      head={[u('field'), u('rule'), u('expected'), u('actual')]}
      rows={issues}
      row={(i, n) => (
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
      )}
    />
  );
}

/** Rows under column headings, scrolling sideways on a narrow screen; `empty`, when given, stands in for a table without rows. */
export function DataTable<T>(p: { head: ReactNode[]; rows: readonly T[]; row: (r: T, i: number) => ReactNode; empty?: ReactNode; caption?: string; testId?: string; className?: string }) {
  if (!p.rows.length && p.empty !== undefined) return p.empty;
  return (
    <div className="table-wrap">
      <table className={p.className} data-testid={p.testId}>
        {p.caption ? <caption className="sr-only">{p.caption}</caption> : null}
        <thead>
          <tr>
            {p.head.map((h, i) => (
              <th key={i} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{p.rows.map((r, i) => p.row(r, i))}</tbody>
      </table>
    </div>
  );
}

/** One change at a time: `busy` while the work of `run` goes on, its error kept for an ErrorNote, `after` (a reload, say) once it ends either way. */
export function useAction(after?: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (work: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      after?.();
    }
  };
  return { busy, error, setError, run };
}

/** A destructive action asked for twice: the button, then its confirmation and a cancel in its place. */
export function ConfirmButton({ label, confirm, name, onConfirm, busy, testId }: { label: string; confirm: string; name?: string; onConfirm(): void; busy: boolean; testId?: string }) {
  const t = useT(common);
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)} aria-label={name} data-testid={testId}>
        {label}
      </button>
    );
  }
  return (
    <>
      <button type="button" className="danger" onClick={onConfirm} disabled={busy} data-testid={testId && `${testId}-confirm`}>
        {confirm}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        {t('cancel')}
      </button>
    </>
  );
}

/** A filter's choice: "all" (the empty value) first, then each option. */
export function FilterSelect({ label, value, onChange, options, testId }: { label: string; value: string; onChange(value: string): void; options: ReadonlyArray<{ value: string; label: string }>; testId?: string }) {
  const t = useT(common);
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">{t('all')}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
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
