/** The enterprise's API keys: list, create (scopes, expiry), rotate with a grace period, revoke. */
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { common } from '../app/messages.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { ErrorNote, Loading, useLoad } from '../ui/index.tsx';
import { st } from './messages.ts';
import { SecretOnce } from './SecretOnce.tsx';

interface KeyView {
  id: number;
  prefix: string;
  label: string;
  scopes: string[];
  state: 'active' | 'retiring' | 'revoked' | 'expired';
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}
interface Issued {
  apiKey: string;
  key: KeyView;
  previous?: KeyView;
}

const SCOPES = ['declare', 'read', 'manage'] as const;
const SCOPE_LABEL = { declare: 'scopeDeclare', read: 'scopeRead', manage: 'scopeManage' } as const;
const EXPIRY_DAYS = ['', '30', '90', '365'];
const GRACE = [
  ['0', 'graceNone'],
  ['3600', 'graceHour'],
  ['86400', 'graceDay'],
  ['604800', 'graceWeek'],
] as const;
const TONE = { active: 'ok', retiring: 'warn', revoked: 'bad', expired: 'bad' } as const;

export function ApiKeys() {
  const t = useT(st);
  const c = useT(common);
  const fmt = useFormat();
  const { data, error, loading, reload } = useLoad((signal) => api<{ keys: KeyView[] }>('GET', '/api/v1/keys', { signal }), []);
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['declare', 'read']));
  const [days, setDays] = useState('90');
  const [grace, setGrace] = useState('3600');
  const [issued, setIssued] = useState<Issued | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (work: () => Promise<void>) => {
    setProblem(null);
    setBusy(true);
    try {
      await work();
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
      reload();
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    if (!scopes.size) return setProblem(new Error(t('pickScope')));
    void act(async () => {
      const body = { label: label.trim(), scopes: SCOPES.filter((s) => scopes.has(s)), ...(days ? { expiresInDays: Number(days) } : {}) };
      setIssued(await api<Issued>('POST', '/api/v1/keys', { body }));
      setLabel('');
    });
  };
  const rotate = (k: KeyView) => act(async () => setIssued(await api<Issued>('POST', `/api/v1/keys/${k.id}/rotate`, { body: { graceSeconds: Number(grace) } })));
  const revoke = (k: KeyView) =>
    act(async () => {
      await api('DELETE', `/api/v1/keys/${k.id}`);
      setConfirming(null);
    });
  const toggle = (s: string) => setScopes((old) => (old.has(s) ? new Set([...old].filter((x) => x !== s)) : new Set([...old, s])));

  return (
    <div className="st-panel">
      <p className="muted">{t('keysIntro')}</p>
      {issued ? (
        <SecretOnce
          title={t('secretTitle')}
          secret={issued.apiKey}
          note={issued.previous?.revokedAt ? t('rotatedFrom', { prefix: issued.previous.prefix, at: fmt.dateTime(issued.previous.revokedAt) }) : undefined}
          onDone={() => setIssued(null)}
          testId="key-secret"
        />
      ) : null}
      <ErrorNote error={problem} />
      <form className="card st-form" onSubmit={create} aria-label={t('createKey')}>
        <h3>{t('createKey')}</h3>
        <div className="toolbar">
          <label className="st-grow">
            {t('label')}
            <input required maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} data-testid="key-label" />
          </label>
          <label>
            {t('expiry')}
            <select value={days} onChange={(e) => setDays(e.target.value)}>
              {EXPIRY_DAYS.map((d) => (
                <option key={d} value={d}>
                  {d ? t('days', { n: Number(d) }) : t('noExpiry')}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset className="st-scopes">
          <legend>{t('scopes')}</legend>
          {SCOPES.map((s) => (
            <label key={s} className="st-check">
              <input type="checkbox" checked={scopes.has(s)} onChange={() => toggle(s)} data-testid={`key-scope-${s}`} />
              <span>{t(SCOPE_LABEL[s])}</span>
            </label>
          ))}
        </fieldset>
        <div className="toolbar">
          <button type="submit" className="primary" disabled={busy} data-testid="key-create">
            {t('create')}
          </button>
        </div>
      </form>
      <ErrorNote error={error} onRetry={reload} />
      {!data && loading ? <Loading /> : null}
      {data ? (
        <label className="st-grace">
          {t('grace')}
          <select value={grace} onChange={(e) => setGrace(e.target.value)}>
            {GRACE.map(([v, name]) => (
              <option key={v} value={v}>
                {t(name)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {data ? (
        <div className="table-wrap">
          <table data-testid="keys">
            <caption className="st-sr">{t('keysLabel')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('label')}</th>
                <th scope="col">{t('prefix')}</th>
                <th scope="col">{t('scopes')}</th>
                <th scope="col">{t('state')}</th>
                <th scope="col">{t('lastUsedAt')}</th>
                <th scope="col">{t('expiresAt')}</th>
                <th scope="col">{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {data.keys.map((k) => (
                <tr key={k.id} data-testid="key-row" data-prefix={k.prefix} data-state={k.state}>
                  <td>
                    {k.label}
                    <div className="muted small">
                      {t('createdAt')} {fmt.dateTime(k.createdAt)}
                    </div>
                  </td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(', ')}</td>
                  <td>
                    <span className={`badge ${TONE[k.state]}`}>{t(k.state)}</span>
                    {k.state === 'retiring' && k.revokedAt ? (
                      <div className="muted small">
                        {t('revokedAt')} {fmt.dateTime(k.revokedAt)}
                      </div>
                    ) : null}
                  </td>
                  <td className="small">{k.lastUsedAt ? fmt.dateTime(k.lastUsedAt) : t('never')}</td>
                  <td className="small">{k.expiresAt ? fmt.dateTime(k.expiresAt) : t('noExpiry')}</td>
                  <td>
                    {k.state === 'active' ? (
                      <button type="button" onClick={() => void rotate(k)} disabled={busy} aria-label={`${t('rotate')} ${k.prefix}`} data-testid="key-rotate">
                        {t('rotate')}
                      </button>
                    ) : null}
                    {k.state !== 'revoked' ? (
                      confirming === k.id ? (
                        <div className="st-actions">
                          <button type="button" className="danger" onClick={() => void revoke(k)} disabled={busy} data-testid="key-revoke-confirm">
                            {t('confirmRevoke', { prefix: k.prefix })}
                          </button>
                          <button type="button" onClick={() => setConfirming(null)}>
                            {c('cancel')}
                          </button>
                        </div>
                      ) : (
                        <button type="button" className="danger" onClick={() => setConfirming(k.id)} aria-label={`${t('revoke')} ${k.prefix}`} data-testid="key-revoke">
                          {t('revoke')}
                        </button>
                      )
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.keys.length === 0 ? <p className="muted st-empty">{t('noKeys')}</p> : null}
        </div>
      ) : null}
    </div>
  );
}
