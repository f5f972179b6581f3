/**
 * One message: its records and their fields, the receipt timeline, the clearance checks and, for
 * a refusal, every reason field by field with what to fix. Asks again every 2 s while anything
 * may still change, so a receipt appears without a reload.
 */
import { useEffect } from 'react';
import { Link, useParams } from 'wouter';
import { api, download } from '../api.ts';
import { useFormat, useT } from '../i18n/index.tsx';
import { ErrorNote, IssuesTable, Loading, useLoad } from '../ui/index.tsx';
import { codeHints, codesIn, hintFor, type HintCode } from './codes.ts';
import { useLabels } from './labels.ts';
import { wb } from './messages.ts';
import { RecordFields } from './RecordFields.tsx';
import { NUMBER_KEYS, cstTime, headOf, returnTone, settled, statusTone, type ClearanceView, type MessageView, type RecordView } from './model.ts';

const POLL_MS = 2000;
const CLEARANCE_STATE = { waiting: 'clearWaiting', matched: 'clearMatched', refused: 'clearRefused' } as const;

function Hints({ codes }: { codes: HintCode[] }) {
  const t = useT(wb);
  const h = useT(codeHints);
  if (!codes.length) return <p className="small">{t('noHint')}</p>;
  return (
    <div className="wb-hints">
      {codes.map((c) => (
        <p key={c} data-testid="fix-hint">
          <strong>
            {t('whatToFix')} ({c}):
          </strong>{' '}
          {h(c)}
        </p>
      ))}
    </div>
  );
}

/** Rejected records and refused inventories: the code, customs' words, the findings and what to fix. */
function Rejection({ records, clearance }: { records: RecordView[]; clearance: ClearanceView[] }) {
  const t = useT(wb);
  const label = useLabels();
  const rejected = records.filter((r) => r.status === 'rejected' || r.status === 'refused');
  const refusals = clearance.filter((x) => x.refusal);
  if (!rejected.length && !refusals.length) return null;
  return (
    <section className="card wb-rejection" data-testid="rejection" aria-labelledby="wb-rejection">
      <h3 id="wb-rejection">{t('rejection')}</h3>
      {rejected.map((r) => {
        const refusal = refusals.find((x) => x.declarationId === r.id)?.refusal;
        const codes = [...new Set([hintFor(refusal?.code), hintFor(r.returnStatus), ...codesIn(r.returnInfo)].filter((c): c is HintCode => !!c))];
        return (
          <div key={r.id} className="wb-reject">
            <p>
              <strong>{t('record', { n: r.seq + 1 })}</strong> <span className="badge bad">{label.ret(r.returnStatus) || label.status(r.status)}</span>
            </p>
            {r.returnInfo ? <pre className="wb-info">{r.returnInfo}</pre> : null}
            {refusal?.issues?.length ? <IssuesTable issues={refusal.issues} testId="refusal-issues" /> : null}
            <Hints codes={codes} />
          </div>
        );
      })}
      {refusals
        .filter((x) => !rejected.some((r) => r.id === x.declarationId))
        .map((x) => (
          <div key={x.declarationId} className="wb-reject">
            <p>
              <span className="badge bad">{t('code', { code: x.refusal!.code })}</span>
            </p>
            <ul>
              {x.refusal!.reasons.map((m, i) => (
                <li key={i}>{m}</li>
              ))}
            </ul>
            {x.refusal!.issues?.length ? <IssuesTable issues={x.refusal!.issues} testId="refusal-issues" /> : null}
            <Hints codes={[hintFor(x.refusal!.code)].filter((c): c is HintCode => !!c)} />
          </div>
        ))}
    </section>
  );
}

function Clearance({ list }: { list: ClearanceView[] }) {
  const t = useT(wb);
  const fmt = useFormat();
  if (!list.length) return null;
  return (
    <section className="card" aria-labelledby="wb-clearance">
      <h3 id="wb-clearance">{t('clearance')}</h3>
      {list.map((x) => (
        <dl key={x.declarationId} className="wb-dl" data-testid="clearance">
          <dt>{t('state')}</dt>
          <dd>
            <span className={`badge ${x.state === 'refused' ? 'bad' : x.state === 'waiting' ? 'warn' : 'ok'}`}>{x.state in CLEARANCE_STATE ? t(CLEARANCE_STATE[x.state as keyof typeof CLEARANCE_STATE]) : x.state}</span>
          </dd>
          <dt>{t('deadline')}</dt>
          <dd>{fmt.dateTime(x.deadline)}</dd>
          {x.tax ? (
            <>
              <dt>{t('tax')}</dt>
              <dd>
                {t('dutiable')} {t('yuan', { v: x.tax.dutiable })} · {t('customsTax')} {t('yuan', { v: x.tax.customsTax })} · {t('vat')} {t('yuan', { v: x.tax.valueAddedTax })} · {t('consumptionTax')}{' '}
                {t('yuan', { v: x.tax.consumptionTax })} · <strong>{t('total')} {t('yuan', { v: x.tax.total })}</strong>
              </dd>
            </>
          ) : null}
          {x.warnings?.length ? (
            <>
              <dt>{t('warnings')}</dt>
              <dd>{x.warnings.join('；')}</dd>
            </>
          ) : null}
          {x.releasedAt ? (
            <>
              <dt>{t('releasedAt')}</dt>
              <dd>{fmt.dateTime(x.releasedAt)}</dd>
            </>
          ) : null}
        </dl>
      ))}
    </section>
  );
}

function Timeline({ m }: { m: MessageView }) {
  const t = useT(wb);
  const fmt = useFormat();
  const label = useLabels();
  const many = m.records.length > 1;
  return (
    <section className="card" aria-labelledby="wb-timeline">
      <h3 id="wb-timeline">{t('timeline')}</h3>
      {m.receipts.length === 0 ? <p className="muted">{t('noReceipts')}</p> : null}
      <ol className="timeline" data-testid="timeline" aria-live="polite">
        {m.receipts.map((r) => {
          const rec = many ? m.records.find((x) => x.id === r.declarationId) : undefined;
          return (
            <li key={r.id} className={returnTone(r.returnStatus)} data-testid="receipt" data-status={r.returnStatus} data-type={r.messageType}>
              <div className="small muted">
                <time dateTime={cstTime(r.returnTime) ?? r.receivedAt}>{fmt.dateTime(cstTime(r.returnTime) ?? r.receivedAt)}</time> · {label.type(r.messageType)}
                {rec ? ` · ${t('record', { n: rec.seq + 1 })}` : ''}
              </div>
              <strong>{label.ret(r.returnStatus)}</strong>
              {r.returnInfo ? <div className="wb-info-line">{r.returnInfo}</div> : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

export default function MessageDetail() {
  const t = useT(wb);
  const fmt = useFormat();
  const label = useLabels();
  const id = Number(useParams<{ id: string }>().id);
  const { data: m, error, reload } = useLoad((signal) => api<MessageView>('GET', `/api/v1/messages/${id}`, { signal }), [id]);
  const live = !!m && !['refused', 'failed'].includes(m.status) && m.records.some((r) => !settled(m.messageType, r.status));
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [live, reload]);

  if (!m) return error ? <ErrorNote error={error} onRetry={reload} /> : <Loading />;
  const rejected = m.status === 'refused' || m.records.some((r) => r.status === 'rejected');
  return (
    <div className="wb-detail" data-testid="message-detail" data-status={m.status}>
      <div className="page-head">
        <h2>{t('detailTitle', { type: label.type(m.messageType), id: m.id })}</h2>
        <div className="page-actions">
          <Link href="/">{t('back')}</Link>
          <button type="button" onClick={() => void download(`/api/v1/messages/${m.id}/raw`, `message-${m.id}.xml`)} data-testid="download-raw">
            {t('download')}
          </button>
          {rejected ? (
            <Link href={`/submit?from=${m.id}`} className="wb-button" data-testid="resubmit">
              {t('resubmit')}
            </Link>
          ) : null}
        </div>
      </div>
      <ErrorNote error={error} onRetry={reload} />
      <section className="card">
        <dl className="wb-dl">
          <dt>{t('status')}</dt>
          <dd>
            <span className={`badge ${statusTone(m.status)}`} data-testid="message-status">
              {label.status(m.status)}
            </span>
          </dd>
          <dt>{t('guid')}</dt>
          <dd>
            <code>{m.guid}</code>
          </dd>
          <dt>{t('copMsgId')}</dt>
          <dd>
            <code>{m.copMsgId}</code>
          </dd>
          <dt>{t('receivedAt')}</dt>
          <dd>{fmt.dateTime(m.receivedAt)}</dd>
          <dt>{t('forwardedAt')}</dt>
          <dd>{fmt.dateTime(m.forwardedAt)}</dd>
        </dl>
        {live ? (
          <p className="muted small" role="status">
            {t('waiting')}
          </p>
        ) : null}
      </section>
      <Rejection records={m.records} clearance={m.clearance ?? []} />
      <div className="grid">
        <Timeline m={m} />
        <Clearance list={m.clearance ?? []} />
      </div>
      <section className="card" aria-labelledby="wb-records">
        <h3 id="wb-records">{t('records')}</h3>
        {m.records.map((r) => {
          const head = r.fields ? headOf(r.fields) : {};
          return (
            <article key={r.id} className="wb-record" data-testid="record" data-status={r.status}>
              <p className="wb-nums">
                <strong>{t('record', { n: r.seq + 1 })}</strong> <span className={`badge ${statusTone(r.status)}`}>{label.status(r.status)}</span>
                {NUMBER_KEYS.map((k) => {
                  const v = k === 'invtNo' ? (r.invtNo ?? head[k]) : k === 'preNo' ? (r.preNo ?? head[k]) : head[k];
                  return typeof v === 'string' && v ? (
                    <span key={k} className="wb-num">
                      <span className="muted small">{k}</span> <code>{v}</code>
                    </span>
                  ) : null;
                })}
              </p>
              {r.returnStatus ? (
                <p className="small">
                  {t('returnStatus')}: <strong>{label.ret(r.returnStatus)}</strong> {r.returnInfo ? `· ${r.returnInfo}` : ''}
                </p>
              ) : null}
              {r.fields ? <RecordFields node={r.fields} /> : null}
            </article>
          );
        })}
      </section>
    </div>
  );
}
