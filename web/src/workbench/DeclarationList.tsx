/**
 * The searchable list of declarations: by number, type, status, direction and date, newest first,
 * a page at a time. The filters live in the address (back and forward keep them); the first page
 * refreshes itself while any row may still change.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, query } from '../api.ts';
import { common } from '../app/messages.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { ErrorNote, Loading, useLoad } from '../ui/index.tsx';
import { useLabels } from './labels.ts';
import { wb } from './messages.ts';
import { EXPORT_TYPES, IMPORT_TYPES, NUMBER_KEYS, RECORD_STATUSES, settled, statusTone, type ListPage } from './model.ts';

const FILTERS = ['q', 'type', 'status', 'direction', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const REFRESH_MS = 2000;

export default function DeclarationList() {
  const t = useT(wb);
  const c = useT(common);
  const fmt = useFormat();
  const label = useLabels();
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const current = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Filters;
  const before = params.get('before') ?? '';
  const [form, setForm] = useState<Filters>(current);
  useEffect(() => setForm(current), [search]); // eslint-disable-line react-hooks/exhaustive-deps

  const { data, error, loading, reload } = useLoad((signal) => api<ListPage>('GET', `/api/v1/declarations${query({ ...current, before, limit: 50 })}`, { signal }), [search]);
  const live = !before && !!data?.items.some((i) => !settled(i.messageType, i.status));
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, reload]);

  const go = (f: Partial<Filters> & { before?: string }) => {
    const qs = query(f).slice(1);
    navigate(qs ? `~/workbench?${qs}` : '~/workbench');
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go(form);
  };
  const field = (k: keyof Filters) => ({ value: form[k], onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }) });

  return (
    <div className="wb-list">
      <form className="toolbar card" onSubmit={submit} role="search" aria-label={t('listLabel')}>
        <label className="wb-grow">
          {t('q')}
          <input type="search" {...field('q')} placeholder={t('qHint')} title={t('qHint')} data-testid="list-q" />
        </label>
        <label>
          {t('type')}
          <select {...field('type')} data-testid="list-type">
            <option value="">{c('all')}</option>
            {[...IMPORT_TYPES, ...EXPORT_TYPES].map((x) => (
              <option key={x} value={x}>
                {label.type(x)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('status')}
          <select {...field('status')} data-testid="list-status">
            <option value="">{c('all')}</option>
            {RECORD_STATUSES.map((x) => (
              <option key={x} value={x}>
                {label.status(x)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('direction')}
          <select {...field('direction')}>
            <option value="">{c('all')}</option>
            <option value="import">{t('import')}</option>
            <option value="export">{t('export')}</option>
          </select>
        </label>
        <label>
          {t('from')}
          <input type="date" {...field('from')} />
        </label>
        <label>
          {t('to')}
          <input type="date" {...field('to')} />
        </label>
        <button type="submit" className="primary" data-testid="list-search">
          {c('search')}
        </button>
        <button type="button" onClick={() => go({})}>
          {c('reset')}
        </button>
      </form>
      <ErrorNote error={error} onRetry={reload} />
      {live ? (
        <p className="muted small" role="status">
          {t('autoRefresh')}
        </p>
      ) : null}
      {!data && loading ? <Loading /> : null}
      {data ? (
        <div className="table-wrap">
          <table data-testid="declarations">
            <caption className="wb-sr">{t('listLabel')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('colNumbers')}</th>
                <th scope="col">{t('colType')}</th>
                <th scope="col">{t('colMode')}</th>
                <th scope="col">{t('colStatus')}</th>
                <th scope="col">{t('colReturn')}</th>
                <th scope="col">{t('colReceived')}</th>
                <th scope="col">{t('colUpdated')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((i) => (
                <tr key={i.id} data-testid="declaration-row" data-message={i.messageId} data-status={i.status}>
                  <td>
                    <Link href={`/messages/${i.messageId}`} className="wb-numbers" title={`${t('open')} ${label.type(i.messageType)} #${i.messageId}`}>
                      {NUMBER_KEYS.filter((k) => i[k]).map((k) => (
                        <span key={k}>
                          <span className="muted small">{k}</span> <code>{i[k]}</code>
                        </span>
                      ))}
                      {NUMBER_KEYS.some((k) => i[k]) ? null : <span>#{i.messageId}</span>}
                    </Link>
                  </td>
                  <td>{label.type(i.messageType)}</td>
                  <td>{i.mode ?? '—'}</td>
                  <td>
                    <span className={`badge ${statusTone(i.status)}`}>{label.status(i.status)}</span>
                  </td>
                  <td className="wb-return">
                    {i.returnStatus ? <strong>{label.ret(i.returnStatus)}</strong> : '—'}
                    {i.returnInfo ? <div className="muted small">{i.returnInfo}</div> : null}
                  </td>
                  <td className="small">{fmt.dateTime(i.receivedAt)}</td>
                  <td className="small">{fmt.dateTime(i.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.items.length === 0 ? <p className="muted wb-empty">{t('empty')}</p> : null}
        </div>
      ) : null}
      <nav className="toolbar" aria-label={t('listLabel')}>
        <button type="button" onClick={() => go(current)} disabled={!before}>
          {t('newer')}
        </button>
        <button type="button" onClick={() => data?.next && go({ ...current, before: data.next })} disabled={!data?.next} data-testid="list-older">
          {t('older')}
        </button>
      </nav>
    </div>
  );
}
