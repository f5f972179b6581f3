/** One filing: its fields, contacts, documents (downloadable) and history; the decisions its state allows. */
import { useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, ApiError, download } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { ErrorNote, Loading, useAction, useLoad } from '../ui/index.tsx';
import { roles as roleNames } from '../app/messages.ts';
import { actions, decisions, documentKinds, m, statuses } from './messages.ts';
import { StatusBadge } from './Filings.tsx';
import { TRANSITIONS, known, type Decision, type DocumentInfo, type Enterprise, type HistoryEntry } from './types.ts';
import './operator.css';

interface Loaded {
  e: Enterprise;
  documents: DocumentInfo[];
  history: HistoryEntry[];
}

export default function FilingDetail({ id }: { id: number }) {
  const t = useT(m);
  const r = useT(roleNames);
  const s = useT(statuses);
  const d = useT(decisions);
  const a = useT(actions);
  const k = useT(documentKinds);
  const f = useFormat();
  const data = useLoad(
    async (signal): Promise<Loaded> => {
      const [e, docs, hist] = await Promise.all([
        api<Enterprise>('GET', `/api/v1/enterprises/${id}`, { signal }),
        api<{ documents: DocumentInfo[] }>('GET', `/api/v1/enterprises/${id}/documents`, { signal }),
        api<{ history: HistoryEntry[] }>('GET', `/api/v1/enterprises/${id}/history`, { signal }),
      ]);
      return { e, documents: docs.documents, history: hist.history };
    },
    [id],
  );
  const [reason, setReason] = useState('');
  const [missingReason, setMissingReason] = useState(false);
  const { busy, error, setError, run } = useAction();
  const [done, setDone] = useState<{ decision: Decision; status: string } | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  if (!data.data) return <section className="card">{data.error ? <ErrorNote error={data.error} onRetry={data.reload} /> : <Loading />}</section>;
  const { e, documents, history } = data.data;
  const allowed = (Object.keys(TRANSITIONS) as Decision[]).filter((x) => TRANSITIONS[x].from.includes(e.status));
  const needsReason = allowed.some((x) => TRANSITIONS[x].reason);

  async function decide(decision: Decision) {
    if (TRANSITIONS[decision].reason && !reason.trim()) {
      setMissingReason(true);
      reasonRef.current?.focus();
      return;
    }
    setMissingReason(false);
    setDone(null);
    await run(async () => {
      const body = { decision, ...(reason.trim() ? { reason: reason.trim() } : {}), ...(e.updatedAt ? { basedOn: e.updatedAt } : {}) };
      const after = await api<Enterprise>('POST', `/api/v1/enterprises/${id}/review`, { body });
      setDone({ decision, status: after.status });
      setReason('');
      data.reload();
    });
  }

  const conflict = error instanceof ApiError && error.status === 409;
  return (
    <>
      <Link href="/filings">{t('backToQueue')}</Link>
      <div className="op-detail" data-testid="filing-detail">
        <div className="op-main">
          <section className="card">
            <h2>
              {e.name} <StatusBadge status={e.status} />
            </h2>
            <table className="op-fields">
              <tbody>
                <tr>
                  <th scope="row">{t('code')}</th>
                  <td>
                    <code>{e.code}</code>
                  </td>
                </tr>
                <tr>
                  <th scope="row">{t('uscc')}</th>
                  <td>
                    <code>{e.uscc ?? '—'}</code>
                  </td>
                </tr>
                <tr>
                  <th scope="row">{t('dxpId')}</th>
                  <td>
                    <code>{e.dxpId}</code>
                  </td>
                </tr>
                <tr>
                  <th scope="row">{t('roles')}</th>
                  <td>{e.roles.map((x) => known(r, roleNames['zh-CN'], x)).join(' / ')}</td>
                </tr>
                <tr>
                  <th scope="row">{t('createdAt')}</th>
                  <td>{f.dateTime(e.createdAt)}</td>
                </tr>
                <tr>
                  <th scope="row">{t('updatedAt')}</th>
                  <td>{f.dateTime(e.updatedAt)}</td>
                </tr>
              </tbody>
            </table>
            <h3>{t('contacts')}</h3>
            <ul>
              {e.contacts.map((c, i) => (
                <li key={i}>
                  {c.name} · {c.role} · {c.phone} · <a href={`mailto:${c.email}`}>{c.email}</a>
                </li>
              ))}
            </ul>
          </section>

          <section className="card" aria-labelledby="docs-title">
            <h2 id="docs-title">{t('documents')}</h2>
            {documents.length === 0 ? (
              <p className="muted">{t('noDocuments')}</p>
            ) : (
              <ul>
                {documents.map((doc) => (
                  <li key={doc.id}>
                    {known(k, documentKinds['zh-CN'], doc.kind)} · {doc.filename} · {t('size', { kb: Math.max(1, Math.round(doc.size / 1024)) })} · {f.dateTime(doc.uploadedAt)}{' '}
                    <button type="button" onClick={() => void download(`/api/v1/enterprises/${id}/documents/${doc.id}`, doc.filename).catch(setError)} aria-label={`${t('download')} ${doc.filename}`}>
                      {t('download')}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section className="card" aria-labelledby="history-title">
            <h2 id="history-title">{t('history')}</h2>
            {history.length === 0 ? (
              <p className="muted">{t('noHistory')}</p>
            ) : (
              <ol className="timeline" data-testid="filing-history">
                {history.map((h) => (
                  <li key={h.id} className={h.to === 'approved' ? 'ok' : h.to === 'rejected' || h.to === 'revoked' || h.to === 'suspended' ? 'bad' : ''}>
                    <strong>{known(a, actions['zh-CN'], h.action)}</strong>
                    {h.from || h.to ? ` · ${h.from ? `${known(s, statuses['zh-CN'], h.from)} ` : ''}→ ${h.to ? known(s, statuses['zh-CN'], h.to) : '—'}` : null}
                    <div className="muted small">
                      {f.dateTime(h.at)}
                      {h.actor ? ` · ${t('by', { actor: h.actor })}` : null}
                    </div>
                    {h.reason ? <div>{t('reasonIs', { reason: h.reason })}</div> : null}
                  </li>
                ))}
              </ol>
            )}
          </section>
        </div>
        <section className="card op-decision" aria-labelledby="decision-title">
          <h2 id="decision-title">{t('decision')}</h2>
          {allowed.length === 0 ? (
            <p className="muted">{t('noDecision')}</p>
          ) : (
            <>
              {needsReason ? (
                <label>
                  {allowed.every((x) => TRANSITIONS[x].reason) ? t('reasonRequired') : t('reason')}
                  <textarea
                    ref={reasonRef}
                    rows={3}
                    maxLength={1000}
                    value={reason}
                    onChange={(ev) => setReason(ev.target.value)}
                    aria-invalid={missingReason || undefined}
                    aria-describedby={missingReason ? 'reason-missing' : undefined}
                    data-testid="review-reason"
                  />
                  {missingReason ? (
                    <span id="reason-missing" className="error-note" role="alert">
                      {t('reasonRequired')}
                    </span>
                  ) : null}
                </label>
              ) : null}
              <div className="toolbar" style={{ marginTop: '0.6rem' }}>
                {allowed.map((x) => (
                  <button key={x} type="button" className={x === 'approve' || x === 'reinstate' ? 'primary' : 'danger'} onClick={() => void decide(x)} disabled={busy} data-testid={`decide-${x}`}>
                    {busy ? t('deciding') : d(x)}
                  </button>
                ))}
              </div>
            </>
          )}
          {done ? (
            <p className="badge ok" role="status" data-testid="review-done">
              {t('decided', { action: d(done.decision), status: known(s, statuses['zh-CN'], done.status) })}
            </p>
          ) : null}
          {conflict ? (
            <p className="error-note" role="alert">
              {t('conflict')}{' '}
              <button
                type="button"
                onClick={() => {
                  setError(null);
                  data.reload();
                }}
              >
                {t('reload')}
              </button>
            </p>
          ) : null}
          <ErrorNote error={error} />
        </section>
      </div>
    </>
  );
}
