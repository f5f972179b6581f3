/**
 * 海外仓名录: the public directory with filters, a world map (its own chunk, loaded after the
 * list) and each entry; for an overseas-warehouse enterprise also adding, editing, removing and
 * a CSV import.
 */
import { lazy, Suspense, useMemo, useState, type FormEvent } from 'react';
import { Link, Route, Switch } from 'wouter';
import { api, query } from '../api.ts';
import { useLang, useT } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { DataTable, FilterSelect, Loaded, Page, useLoad } from '../ui/index.tsx';
import { common } from '../app/messages.ts';
import { mayAdd } from './access.ts';
import { useEntryLabels } from './labels.ts';
import { m, serviceNames } from './messages.ts';
import { SERVICES, type Warehouse } from './types.ts';
import WarehouseDetail from './WarehouseDetail.tsx';
import WarehouseForm from './WarehouseForm.tsx';
import WarehouseImport from './WarehouseImport.tsx';
import './warehouses.css';

const WarehouseMap = lazy(() => import('./WarehouseMap.tsx'));

interface Filter {
  country: string;
  service: string;
  platform: string;
  eligible9810: string;
  q: string;
}
const NO_FILTER: Filter = { country: '', service: '', platform: '', eligible9810: '', q: '' };

const list = (f: Partial<Filter>, signal: AbortSignal) => api<{ items: Warehouse[] }>('GET', `/api/v1/warehouses${query({ ...f })}`, { signal }).then((r) => r.items);

function Directory() {
  const t = useT(m);
  const c = useT(common);
  const s = useT(serviceNames);
  const label = useEntryLabels();
  const { lang } = useLang();
  const { session } = useSession();
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [text, setText] = useState('');
  // Every entry (the API gives them all, at most 2,000) for the choices; the filtered ones for the list and the map.
  const all = useLoad((signal) => list({}, signal), []);
  const filtered = useLoad((signal) => list(filter, signal), [filter]);
  const items = filtered.data;

  const countries = useMemo(() => [...new Set((all.data ?? []).map((w) => w.country))].map((code) => ({ value: code, label: label.country(code) })).sort((a, b) => a.label.localeCompare(b.label, lang)), [all.data, label, lang]);
  const platforms = useMemo(() => [...new Set((all.data ?? []).flatMap((w) => w.platforms))].sort((a, b) => a.localeCompare(b)), [all.data]);

  const set = (k: keyof Filter) => (value: string) => setFilter((x) => ({ ...x, [k]: value }));
  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilter((x) => ({ ...x, q: text.trim() }));
  };
  const reset = () => {
    setText('');
    setFilter(NO_FILTER);
  };

  return (
    <Page
      title={t('title')}
      actions={
        mayAdd(session) ? (
          <>
            <Link href="/new" className="wh-button">
              {t('add')}
            </Link>
            <Link href="/import" className="wh-button">
              {t('importCsv')}
            </Link>
          </>
        ) : null
      }
    >
      <p className="muted">{t('intro')}</p>
      <form className="toolbar card" role="search" aria-label={t('filters')} onSubmit={search}>
        <FilterSelect label={t('country')} value={filter.country} onChange={set('country')} options={countries} testId="filter-country" />
        <FilterSelect label={t('service')} value={filter.service} onChange={set('service')} options={SERVICES.map((x) => ({ value: x, label: s(x) }))} />
        <FilterSelect label={t('platform')} value={filter.platform} onChange={set('platform')} options={platforms.map((x) => ({ value: x, label: x }))} />
        <FilterSelect
          label={t('eligible9810')}
          value={filter.eligible9810}
          onChange={set('eligible9810')}
          options={[
            { value: 'true', label: t('eligibleYes') },
            { value: 'false', label: t('eligibleNo') },
          ]}
        />
        <label>
          {t('q')}
          <input type="search" value={text} placeholder={t('qPlaceholder')} onChange={(e) => setText(e.target.value)} maxLength={100} />
        </label>
        <button type="submit" className="primary">
          {c('search')}
        </button>
        <button type="button" onClick={reset}>
          {c('reset')}
        </button>
      </form>

      <section className="card" aria-labelledby="wh-map-title">
        <h2 id="wh-map-title">{t('mapTitle')}</h2>
        <Suspense fallback={<p className="muted" role="status">{t('mapLoading')}</p>}>{items ? <WarehouseMap items={items} /> : null}</Suspense>
        <p className="wh-legend muted small">
          <span>
            <span className="swatch" aria-hidden="true" />
            {t('eligibleYes')}
          </span>
          <span>
            <span className="swatch no9810" aria-hidden="true" />
            {t('eligibleNo')}
          </span>
          <span>{t('mapHint')}</span>
        </p>
      </section>

      <section className="card" aria-labelledby="wh-list-title">
        <h2 id="wh-list-title">{t('listTitle')}</h2>
        <Loaded state={filtered}>
          {(list) => (
            <>
              <p className="muted small" role="status" data-testid="warehouse-count">
                {t('count', { n: list.length })}
              </p>
              <DataTable
                className="wh-table"
                testId="warehouse-list"
                head={[t('colName'), t('colLocation'), t('colArea'), t('colServices'), t('colPlatforms'), t('col9810')]}
                rows={list}
                empty={<p>{t('empty')}</p>}
                row={(w) => (
                  <tr key={w.id}>
                    <td>
                      <Link href={`/${w.id}`}>{w.name}</Link>
                    </td>
                    <td>{label.place(w)}</td>
                    <td className="nowrap">{label.area(w)}</td>
                    <td>{label.services(w)}</td>
                    <td>{w.platforms.join(', ')}</td>
                    <td>{w.eligible9810 ? <span className="badge ok">{c('yes')}</span> : <span className="badge">{c('no')}</span>}</td>
                  </tr>
                )}
              />
            </>
          )}
        </Loaded>
      </section>
    </Page>
  );
}

export default function WarehousesPage() {
  return (
    <Switch>
      <Route path="/" component={Directory} />
      <Route path="/new">{() => <WarehouseForm />}</Route>
      <Route path="/import" component={WarehouseImport} />
      <Route path="/:id/edit">{(p) => <WarehouseForm id={Number(p.id)} />}</Route>
      <Route path="/:id">{(p) => <WarehouseDetail id={Number(p.id)} />}</Route>
    </Switch>
  );
}
