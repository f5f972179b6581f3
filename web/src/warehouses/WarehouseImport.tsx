/** Import entries from a CSV (all or nothing): the API's faults by line and field on refusal, the counts on success; a template to start from. */
import { Link, Redirect, useLocation } from 'wouter';
import { api } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { Loading, Page } from '../ui/index.tsx';
import { FileImport } from '../ui/FileImport.tsx';
import { common } from '../app/messages.ts';
import { mayAdd } from './access.ts';
import { m } from './messages.ts';
import { CSV_COLUMNS } from './types.ts';

/** The header and one example row; a BOM so spreadsheets open it as UTF-8. */
const TEMPLATE =
  '\uFEFF' +
  [CSV_COLUMNS.join(','), '海联达拉斯仓 Dallas TX,502,Dallas,"4500 Mountain Creek Pkwy, Dallas, TX 75236",32.6957,-96.9366,12000,storage|fulfilment|returns,Amazon|Walmart,yes,Lin Wei,+1-214-555-0134,dallas@example.com']
    .map((l) => l + '\r\n')
    .join('');

/** Made when asked for: a blob URL kept around would outlive the page's need of it. */
function saveTemplate() {
  const url = URL.createObjectURL(new Blob([TEMPLATE], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'overseas-warehouses-template.csv';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function WarehouseImport() {
  const t = useT(m);
  const c = useT(common);
  const { session } = useSession();
  const [location] = useLocation();

  if (session === undefined) return <Loading />;
  if (session === null) return <Redirect to={`~/login?next=${encodeURIComponent(`/warehouses${location}`)}`} replace />;
  if (!mayAdd(session)) {
    return (
      <Page title={t('importTitle')}>
        <p role="alert">{c('forbidden')}</p>
        <Link href="/">{t('back')}</Link>
      </Page>
    );
  }

  return (
    <Page title={t('importTitle')}>
      <Link href="/">{t('back')}</Link>
      <FileImport
        hint={
          <>
            <p>{t('importHint')}</p>
            <p className="muted small">
              {t('columns', { columns: CSV_COLUMNS.join(',') })} ·{' '}
              <button type="button" onClick={saveTemplate} data-testid="warehouse-template">
                {t('template')}
              </button>
            </p>
          </>
        }
        label={t('chooseFile')}
        accept=".csv,text/csv"
        testId="warehouse-csv"
        send={async (file) => api<{ added: number; updated: number }>('POST', '/api/v1/warehouses/import', { raw: { data: await file.text(), type: 'text/csv' } })}
      >
        {(result) => (
          <p role="status" data-testid="warehouse-imported">
            {t('imported', result)} <Link href="/">{t('toDirectory')}</Link>
          </p>
        )}
      </FileImport>
    </Page>
  );
}
