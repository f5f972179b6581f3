/** The rate table or the positive list: search, export as CSV, import a CSV or JSON file (refusals listed row by row). */
import { useState } from 'react';
import { api, download, query } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { DataTable, ErrorNote, Loaded, useLoad } from '../ui/index.tsx';
import { FileImport } from '../ui/FileImport.tsx';
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
  const [mode, setMode] = useState<'merge' | 'replace'>('merge');
  const [exportError, setExportError] = useState<unknown>(null);

  const q = needle.trim().toLowerCase();
  const matching = (items: Row[]) => items.filter((r) => !q || `${r.hsPrefix} ${'name' in r ? r.name : ''} ${r.note ?? ''}`.toLowerCase().includes(q));

  async function send(file: File) {
    // The file's own bytes: the API tells a non-UTF-8 CSV apart itself.
    const type = /\.json$/i.test(file.name) || file.type === 'application/json' ? 'application/json' : 'text/csv';
    const result = await api<ImportResult>('POST', `${k.url}${query({ mode })}`, { raw: { data: file, type } });
    list.reload();
    return result;
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
          <button type="button" onClick={() => void download(`${k.url}.csv`, k.file).catch(setExportError)} data-testid="tariff-export">
            {t('exportCsv')}
          </button>
        </div>
        <ErrorNote error={exportError} />
        <Loaded state={list}>
          {(data) => {
            const rows = matching(data.items);
            return (
              <>
                <p className="muted small" role="status">
                  {t('rowsCount', { n: rows.length, shown: Math.min(rows.length, limit) })}
                </p>
                <DataTable
                  testId={`tariff-${kind}`}
                  head={[t('hsPrefix'), ...(kind === 'rates' ? [t('vat'), t('consumption'), t('duty')] : [t('itemName')]), t('note')]}
                  rows={rows.slice(0, limit)}
                  empty={<p>{t('noRows')}</p>}
                  row={(r) => (
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
                  )}
                />
                {rows.length > limit ? (
                  <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
                    {t('showMore')}
                  </button>
                ) : null}
              </>
            );
          }}
        </Loaded>
      </section>

      <FileImport
        heading={t('importTitle')}
        hint={<p className="muted small">{t('importHint', { columns: k.columns })}</p>}
        label={t('file')}
        accept=".csv,.json,text/csv,application/json"
        testId="tariff-file"
        send={send}
        fields={
          <label>
            {t('mode')}
            <select value={mode} onChange={(e) => setMode(e.target.value as 'merge' | 'replace')}>
              <option value="merge">{t('modeMerge')}</option>
              <option value="replace">{t('modeReplace')}</option>
            </select>
          </label>
        }
      >
        {(result) => (
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
        )}
      </FileImport>
    </>
  );
}
