/** The enterprise's API keys: list, create (scopes, expiry), rotate with a grace period, revoke. */
import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { ConfirmButton, DataTable, Loaded, useAction, useLoad } from '../ui/index.tsx';
import { Panel } from './Panel.tsx';
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
  const fmt = useFormat();
  const keys = useLoad((signal) => api<{ keys: KeyView[] }>('GET', '/api/v1/keys', { signal }), []);
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['declare', 'read']));
  const [days, setDays] = useState('90');
  const [grace, setGrace] = useState('3600');
  const [issued, setIssued] = useState<Issued | null>(null);
  const { busy, error: problem, setError: setProblem, run } = useAction(keys.reload);

  const create = (e: FormEvent) => {
    e.preventDefault();
    if (!scopes.size) return setProblem(new Error(t('pickScope')));
    void run(async () => {
      const body = { label: label.trim(), scopes: SCOPES.filter((s) => scopes.has(s)), ...(days ? { expiresInDays: Number(days) } : {}) };
      setIssued(await api<Issued>('POST', '/api/v1/keys', { body }));
      setLabel('');
    });
  };
  const rotate = (k: KeyView) => run(async () => setIssued(await api<Issued>('POST', `/api/v1/keys/${k.id}/rotate`, { body: { graceSeconds: Number(grace) } })));
  const revoke = (k: KeyView) =>
    run(async () => {
      await api('DELETE', `/api/v1/keys/${k.id}`);
    });
  const toggle = (s: string) => setScopes((old) => (old.has(s) ? new Set([...old].filter((x) => x !== s)) : new Set([...old, s])));

  return (
    <Panel
      intro={t('keysIntro')}
      secret={
        issued ? (
          <SecretOnce
            title={t('secretTitle')}
            secret={issued.apiKey}
            note={issued.previous?.revokedAt ? t('rotatedFrom', { prefix: issued.previous.prefix, at: fmt.dateTime(issued.previous.revokedAt) }) : undefined}
            onDone={() => setIssued(null)}
            testId="key-secret"
          />
        ) : null
      }
      problem={problem}
      title={t('createKey')}
      onSubmit={create}
      form={
        <>
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
        </>
      }
    >
      <Loaded state={keys}>
        {(data) => (
          <>
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
            <DataTable
              testId="keys"
              caption={t('keysLabel')}
              head={[t('label'), t('prefix'), t('scopes'), t('state'), t('lastUsedAt'), t('expiresAt'), t('actions')]}
              rows={data.keys}
              empty={<p className="muted">{t('noKeys')}</p>}
              row={(k) => (
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
                    <div className="st-actions">
                      {k.state === 'active' ? (
                        <button type="button" onClick={() => void rotate(k)} disabled={busy} aria-label={`${t('rotate')} ${k.prefix}`} data-testid="key-rotate">
                          {t('rotate')}
                        </button>
                      ) : null}
                      {k.state !== 'revoked' ? (
                        <ConfirmButton label={t('revoke')} name={`${t('revoke')} ${k.prefix}`} confirm={t('confirmRevoke', { prefix: k.prefix })} onConfirm={() => void revoke(k)} busy={busy} testId="key-revoke" />
                      ) : null}
                    </div>
                  </td>
                </tr>
              )}
            />
          </>
        )}
      </Loaded>
    </Panel>
  );
}
