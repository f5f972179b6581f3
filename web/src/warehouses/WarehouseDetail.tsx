/** One directory entry: every field, the contact, services and platforms; edit and remove for its keeper. */
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, ApiError } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { useSession } from '../session.tsx';
import { ErrorNote, Loading, Page, useAction, useLoad } from '../ui/index.tsx';
import { common } from '../app/messages.ts';
import { mayChange } from './access.ts';
import { useEntryLabels } from './labels.ts';
import { m } from './messages.ts';
import type { Warehouse } from './types.ts';

export default function WarehouseDetail({ id }: { id: number }) {
  const t = useT(m);
  const c = useT(common);
  const f = useFormat();
  const label = useEntryLabels();
  const { session } = useSession();
  const [, navigate] = useLocation();
  const entry = useLoad((signal) => api<Warehouse>('GET', `/api/v1/warehouses/${id}`, { signal }), [id]);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const w = entry.data;

  const remove = () =>
    run(async () => {
      await api('DELETE', `/api/v1/warehouses/${id}`);
      navigate('/');
    });

  if (!w) {
    const missing = entry.error instanceof ApiError && entry.error.status === 404;
    return (
      <Page title={t('title')}>
        {missing ? <p role="alert">{t('notFound')}</p> : <ErrorNote error={entry.error} onRetry={entry.reload} />}
        {entry.loading ? <Loading /> : null}
        <Link href="/">{t('back')}</Link>
      </Page>
    );
  }

  return (
    <Page
      title={w.name}
      actions={
        mayChange(session, w) ? (
          <>
            <Link href={`/${w.id}/edit`} className="wh-button">
              {t('edit')}
            </Link>
            <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={confirming}>
              {t('remove')}
            </button>
          </>
        ) : null
      }
    >
      <Link href="/">{t('back')}</Link>
      {confirming ? (
        <div className="card" role="alertdialog" aria-labelledby="wh-confirm">
          <p id="wh-confirm">{t('confirmRemove', { name: w.name })}</p>
          <div className="toolbar">
            <button type="button" className="danger" onClick={() => void remove()} disabled={busy} autoFocus>
              {t('confirm')}
            </button>
            <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
              {c('cancel')}
            </button>
          </div>
        </div>
      ) : null}
      <ErrorNote error={error} />
      <section className="card wh-detail" data-testid="warehouse-detail">
        <dl>
          <dt>{t('country')}</dt>
          <dd>{label.country(w.country)}</dd>
          <dt>{t('city')}</dt>
          <dd>{w.city}</dd>
          <dt>{t('address')}</dt>
          <dd>{w.address}</dd>
          <dt>{t('coordinates')}</dt>
          <dd>
            {w.latitude.toFixed(4)}, {w.longitude.toFixed(4)}
          </dd>
          <dt>{t('colArea')}</dt>
          <dd>{label.area(w)}</dd>
          <dt>{t('services')}</dt>
          <dd>{w.services.length ? label.services(w) : t('none')}</dd>
          <dt>{t('colPlatforms')}</dt>
          <dd>{w.platforms.length ? w.platforms.join(', ') : t('none')}</dd>
          <dt>{t('eligible9810')}</dt>
          <dd>{w.eligible9810 ? <span className="badge ok">{t('eligibleYes')}</span> : <span className="badge">{t('eligibleNo')}</span>}</dd>
          <dt>{t('contact')}</dt>
          <dd>{w.contact.name}</dd>
          <dt>{t('phone')}</dt>
          <dd>
            <a href={`tel:${w.contact.phone.replace(/[^+\d]/g, '')}`}>{w.contact.phone}</a>
          </dd>
          <dt>{t('email')}</dt>
          <dd>
            <a href={`mailto:${w.contact.email}`}>{w.contact.email}</a>
          </dd>
          <dt>{t('updatedAt')}</dt>
          <dd>{f.dateTime(w.updatedAt)}</dd>
        </dl>
      </section>
    </Page>
  );
}
