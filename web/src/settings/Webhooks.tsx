/** The enterprise's webhooks: list, add (the signing secret shown once), delete, recent deliveries. */
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { ConfirmButton, DataTable, Loaded, useAction, useLoad } from '../ui/index.tsx';
import { Panel } from './Panel.tsx';
import { st } from './messages.ts';
import { SecretOnce } from './SecretOnce.tsx';

interface Hook {
  id: number;
  url: string;
  active: boolean;
  createdAt: string;
}
interface Delivery {
  id: string;
  receiptId: number;
  status: string;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
const DELIVERY_TONE: Record<string, string> = { delivered: 'ok', pending: 'warn', dead: 'bad' };
const DELIVERY_NAME = { delivered: 'delivered', pending: 'pending', dead: 'dead' } as const;

function Deliveries({ hook }: { hook: Hook }) {
  const t = useT(st);
  const fmt = useFormat();
  const deliveries = useLoad((signal) => api<{ items: Delivery[] }>('GET', `/api/v1/webhooks/${hook.id}/deliveries`, { signal }), [hook.id]);
  return (
    <Loaded state={deliveries}>
      {(data) => (
        <DataTable
          testId="deliveries"
          caption={t('deliveries')}
          head={[t('receipt'), t('deliveryStatus'), t('attempts'), t('response'), t('createdAt'), t('deliveredAt')]}
          rows={data.items}
          empty={<p className="muted small">{t('noDeliveries')}</p>}
          row={(d) => (
            <tr key={d.id}>
              <td>#{d.receiptId}</td>
              <td>
                <span className={`badge ${DELIVERY_TONE[d.status] ?? ''}`}>{d.status in DELIVERY_NAME ? t(DELIVERY_NAME[d.status as keyof typeof DELIVERY_NAME]) : d.status}</span>
                {d.lastError ? <div className="muted small">{d.lastError}</div> : null}
              </td>
              <td>{d.attempts}</td>
              <td>{d.responseStatus ?? '—'}</td>
              <td className="small">{fmt.dateTime(d.createdAt)}</td>
              <td className="small">{fmt.dateTime(d.deliveredAt)}</td>
            </tr>
          )}
        />
      )}
    </Loaded>
  );
}

export function Webhooks() {
  const t = useT(st);
  const fmt = useFormat();
  const hooks = useLoad((signal) => api<{ items: Hook[] }>('GET', '/api/v1/webhooks', { signal }), []);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const { busy, error: problem, run } = useAction(hooks.reload);

  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      setSecret((await api<Hook & { secret: string }>('POST', '/api/v1/webhooks', { body: { url: url.trim() } })).secret);
      setUrl('');
    });
  };
  const remove = (h: Hook) =>
    run(async () => {
      await api('DELETE', `/api/v1/webhooks/${h.id}`);
    });

  return (
    <Panel
      intro={t('hooksIntro')}
      secret={secret ? <SecretOnce title={t('hookSecretTitle')} secret={secret} onDone={() => setSecret(null)} testId="hook-secret" /> : null}
      problem={problem}
      title={t('addHook')}
      onSubmit={add}
      form={
        <>
          <div className="toolbar">
            <label className="st-grow">
              {t('url')}
              <input type="url" required maxLength={2000} value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://" data-testid="hook-url" />
            </label>
            <button type="submit" className="primary" disabled={busy} data-testid="hook-add">
              {t('add')}
            </button>
          </div>
          <p className="small muted">
            {t('events')}: {t('eventsAll')}
          </p>
        </>
      }
    >
      <Loaded state={hooks}>
        {(data) => (
          <ul className="st-hooks" aria-label={t('hooksLabel')}>
            {data.items.length === 0 ? <li className="muted">{t('noHooks')}</li> : null}
            {data.items.map((h) => (
              <li key={h.id} className="card" data-testid="hook-row" data-active={h.active}>
                <div className="st-hook-head">
                  <code className="st-url">{h.url}</code>
                  <span className={`badge ${h.active ? 'ok' : ''}`}>{h.active ? t('activeHook') : t('inactiveHook')}</span>
                  <span className="muted small">
                    {t('createdAt')} {fmt.dateTime(h.createdAt)}
                  </span>
                </div>
                <div className="st-actions">
                  <button type="button" onClick={() => setOpen(open === h.id ? null : h.id)} aria-expanded={open === h.id}>
                    {open === h.id ? t('hideDeliveries') : t('deliveries')}
                  </button>
                  {h.active ? <ConfirmButton label={t('remove')} confirm={t('confirmRemove')} onConfirm={() => void remove(h)} busy={busy} /> : null}
                </div>
                {open === h.id ? <Deliveries hook={h} /> : null}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </Panel>
  );
}
