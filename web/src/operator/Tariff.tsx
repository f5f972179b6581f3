/** The rate table or the positive list: search, export as CSV, import a CSV or JSON file (refusals listed row by row). */
import { useState, type FormEvent } from 'react';
import { api, download, query } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { ErrorNote, Loading, useLoad } from '../ui/index.tsx';
import { m } from './messages.ts';

interface RateRow {
  hsPrefix: string;
  vat: number;
  consumption: number;
  duty: number;
  note: string | null;
}
interface PositiveRow {
  hsPrefix: string;
  name: string;
  note: string | null;
}
type Row = RateRow | PositiveRow;

interface ImportResult {
  rows: number;
  inserted: number;
  updated: number;
  removed: number;
  total: number;
  warnings: Array<{ row: number; hsPrefix: string; message: string }>;
}

const KINDS = {
  rates: { url: '/api/v1/tariff/rates', file: 'rates.csv', columns: 'hs_prefix,vat,consumption,duty,note' },
  positive: { url: '/api/v1/tariff/positive-list', file: 'positive-list.csv', columns: 'hs_prefix,name,note' },
} as const;
const PAGE = 100;

export default function Tariff({ kind }: { kind: keyof typeof KINDS }) {
  const t = useT(m);
  const k = KINDS[kind];
  const list = useLoad((signal) => api<{ count: number; items: Row[] }>('GET', k.url, { signal }), [k.url]);
  const [needle, setNeedle] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<'merge' | 'replace'>('merge');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImportResult | null>(null);

  const q = needle.trim().toLowerCase();
  const rows = (list.data?.items ?? []).filter((r) => !q || `${r.hsPrefix} ${'name' in r ? r.name : ''} ${r.note ?? ''}`.toLowerCase().includes(q));

  async function upload(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      // The file's own bytes: the API tells a non-UTF-8 CSV apart itself.
      const type = /\.json$/i.test(file.name) || file.type === 'application/json' ? 'application/json' : 'text/csv';
      setResult(await api<ImportResult>('POST', `${k.url}${query({ mode })}`, { raw: { data: file, type } }));
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <section className="card">
        <p className="muted">{kind === 'rates' ? t('ratesHint') : t('positiveHint')}</p>
        <div className="toolbar">
          <label>
            {t('searchPrefix')}
            <input
              type="search"
              value={needle}
              onChange={(e) => {
                setNeedle(e.target.value);
                setLimit(PAGE);
              }}
              data-testid="tariff-search"
            />
          </label>
          <button type="button" onClick={() => void download(`${k.url}.csv`, k.file).catch(setError)} data-testid="tariff-export">
            {t('exportCsv')}
          </button>
        </div>
        <ErrorNote error={list.error} onRetry={list.reload} />
        {!list.data ? (
          list.error ? null : <Loading />
        ) : (
          <>
            <p className="muted small" role="status">
              {t('rowsCount', { n: rows.length, shown: Math.min(rows.length, limit) })}
            </p>
            {rows.length === 0 ? (
              <p>{t('noRows')}</p>
            ) : (
              <div className="table-wrap">
                <table data-testid={`tariff-${kind}`}>
                  <thead>
                    <tr>
                      <th scope="col">{t('hsPrefix')}</th>
                      {kind === 'rates' ? (
                        <>
                          <th scope="col">{t('vat')}</th>
                          <th scope="col">{t('consumption')}</th>
                          <th scope="col">{t('duty')}</th>
                        </>
                      ) : (
                        <th scope="col">{t('itemName')}</th>
                      )}
                      <th scope="col">{t('note')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, limit).map((r) => (
                      <tr key={r.hsPrefix}>
                        <td>
                          <code>{r.hsPrefix}</code>
                        </td>
                        {'vat' in r ? (
                          <>
                            <td>{r.vat}</td>
                            <td>{r.consumption}</td>
                            <td>{r.duty}</td>
                          </>
                        ) : (
                          <td>{r.name}</td>
                        )}
                        <td className="small">{r.note ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {rows.length > limit ? (
              <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
                {t('showMore')}
              </button>
            ) : null}
          </>
        )}
      </section>

      <form className="card" onSubmit={(e) => void upload(e)} aria-busy={busy} aria-labelledby={`import-${kind}`}>
        <h2 id={`import-${kind}`}>{t('importTitle')}</h2>
        <p className="muted small">{t('importHint', { columns: k.columns })}</p>
        <div className="toolbar">
          <label>
            {t('file')}
            <input type="file" accept=".csv,.json,text/csv,application/json" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="tariff-file" />
          </label>
          <label>
            {t('mode')}
            <select value={mode} onChange={(e) => setMode(e.target.value as 'merge' | 'replace')}>
              <option value="merge">{t('modeMerge')}</option>
              <option value="replace">{t('modeReplace')}</option>
            </select>
          </label>
          <button type="submit" className="primary" disabled={busy || !file}>
            {busy ? t('importing') : t('upload')}
          </button>
        </div>
        <ErrorNote error={error} />
        {result ? (
          <div role="status" data-testid="tariff-imported">
            <p>{t('importedCounts', { rows: result.rows, inserted: result.inserted, updated: result.updated, removed: result.removed, total: result.total })}</p>
            {result.warnings.length ? (
              <>
                <h3>{t('warnings')}</h3>
                <ul className="small">
                  {result.warnings.map((w, i) => (
                    <li key={i}>{t('warningRow', { row: w.row, prefix: w.hsPrefix, message: w.message })}</li>
                  ))}
                </ul>
              </>
            ) : null}
          </div>
        ) : null}
      </form>
    </>
  );
}
