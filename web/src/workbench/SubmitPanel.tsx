/**
 * Submitting declarations: one pasted message or a batch of files, sent in dependency order,
 * signed by the platform-held key where the type needs a signature; each answer listed, a
 * refusal field by field. `?from=<id>` opens a stored message for correction.
 */
import { useEffect, useState, type DragEvent } from 'react';
import { Link, useSearch } from 'wouter';
import { api, ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { ErrorNote, Loading } from '../ui/index.tsx';
import { wb } from './messages.ts';
import { useLabels } from './labels.ts';
import { SIGNED_TYPES, decodeStored, hasSignature, isJson, messageTypeOf, prepareResubmission, stageOf } from './model.ts';

interface Item {
  name: string;
  body: string | File;
  json: boolean;
  type: string | null;
}

type Result = { name: string; type: string | null; signed: boolean } & ({ ok: true; id: number; status: string } | { ok: false; error: unknown });

interface Ack {
  id: number;
  messageType: string;
  status: string;
}

/** Requests in flight within one stage. */
const CONCURRENCY = 3;

async function toItem(f: File): Promise<Item> {
  const head = await f.slice(0, 4096).text();
  return { name: f.name, body: f, json: f.name.toLowerCase().endsWith('.json') || isJson(head), type: messageTypeOf(head) };
}

async function sendOne(item: Item, sign: boolean): Promise<Result> {
  let data: BodyInit = item.body;
  let signed = false;
  try {
    if (sign && !item.json && item.type && SIGNED_TYPES.has(item.type)) {
      const text = typeof item.body === 'string' ? item.body : await item.body.text();
      if (!hasSignature(text)) {
        data = await api<string>('POST', '/api/v1/signatures', { raw: { data: item.body, type: 'application/xml' } });
        signed = true;
      }
    }
    const ack = await api<Ack>('POST', '/api/v1/messages', { raw: { data, type: item.json ? 'application/json' : 'application/xml' } });
    return { name: item.name, type: ack.messageType, signed, ok: true, id: ack.id, status: ack.status };
  } catch (error) {
    return { name: item.name, type: item.type, signed, ok: false, error };
  }
}

async function storedText(id: number, signal: AbortSignal): Promise<string> {
  const res = await fetch(`/api/v1/messages/${id}/raw`, { credentials: 'same-origin', signal });
  if (!res.ok) {
    const j = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new ApiError(res.status, j.error?.code ?? `HTTP_${res.status}`, j.error?.message ?? res.statusText);
  }
  return prepareResubmission(decodeStored(await res.arrayBuffer()));
}

export default function SubmitPanel() {
  const t = useT(wb);
  const label = useLabels();
  const from = Number(new URLSearchParams(useSearch()).get('from')) || null;
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [sign, setSign] = useState(true);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [results, setResults] = useState<Result[]>([]);
  const [problem, setProblem] = useState<unknown>(null);
  const [loadingFrom, setLoadingFrom] = useState(false);

  useEffect(() => {
    if (!from) return;
    const ac = new AbortController();
    setLoadingFrom(true);
    storedText(from, ac.signal).then(
      (s) => {
        setText(s);
        setLoadingFrom(false);
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        setProblem(err);
        setLoadingFrom(false);
      },
    );
    return () => ac.abort();
  }, [from]);

  const send = async () => {
    setProblem(null);
    const items: Item[] = [];
    if (text.trim()) items.push({ name: t('pasted'), body: text, json: isJson(text), type: messageTypeOf(text.slice(0, 4096)) });
    for (const f of files) items.push(await toItem(f));
    if (!items.length) {
      setProblem(new Error(t('nothing')));
      return;
    }
    setBusy(true);
    setResults([]);
    setProgress({ done: 0, total: items.length });
    const out: Result[] = new Array(items.length);
    const order = items.map((_, i) => i).sort((a, b) => stageOf(items[a].type) - stageOf(items[b].type) || a - b);
    const stages = [...new Set(order.map((i) => stageOf(items[i].type)))];
    let done = 0;
    for (const stage of stages) {
      const todo = order.filter((i) => stageOf(items[i].type) === stage);
      let next = 0;
      const worker = async () => {
        while (next < todo.length) {
          const i = todo[next++];
          out[i] = await sendOne(items[i], sign);
          done++;
          setProgress({ done, total: items.length });
          setResults(out.filter(Boolean));
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
    }
    setResults([...out]);
    setBusy(false);
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    const dropped = [...e.dataTransfer.files].filter((f) => /\.(xml|json)$/i.test(f.name));
    setFiles((old) => [...old, ...dropped]);
  };
  const accepted = results.filter((r) => r.ok).length;
  const refused = results.length - accepted;

  return (
    <div className="wb-submit">
      {from ? (
        <div className="card" data-testid="resubmit-note">
          <h2>{t('resubmitTitle')}</h2>
          <p>{t('resubmitFrom', { id: from })}</p>
          <p className="small">{t('resubmitRules')}</p>
        </div>
      ) : null}
      {loadingFrom ? <Loading /> : null}
      <div className="card wb-form">
        <label>
          {t('pasteLabel')}
          <textarea rows={14} value={text} onChange={(e) => setText(e.target.value)} placeholder={t('pastePlaceholder')} spellCheck={false} data-testid="submit-text" />
        </label>
        <div className="wb-drop" onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="drop-zone">
          <label>
            {t('filesLabel')}
            <input type="file" multiple accept=".xml,.json,application/xml,text/xml,application/json" onChange={(e) => setFiles([...(e.target.files ?? [])])} data-testid="submit-files" />
          </label>
          <span className="muted small">{t('dropHere')}</span>
          {files.length ? (
            <span className="small">
              {t('chosen', { n: files.length })}{' '}
              <button type="button" onClick={() => setFiles([])}>
                {t('clearFiles')}
              </button>
            </span>
          ) : null}
        </div>
        <label className="wb-check">
          <input type="checkbox" checked={sign} onChange={(e) => setSign(e.target.checked)} data-testid="submit-sign" />
          <span>{t('sign')}</span>
        </label>
        <p className="muted small">
          {t('signNote')} {t('order')}
        </p>
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => void send()} disabled={busy} data-testid="submit-send">
            {busy ? t('sending') : t('send')}
          </button>
        </div>
        <ErrorNote error={problem} />
      </div>
      {progress ? (
        <section className="card" aria-label={t('resultsLabel')} data-testid="submit-results">
          <progress max={progress.total} value={progress.done} aria-label={t('progress', progress)} />
          <p role="status" data-testid="submit-progress">
            {t('progress', progress)} · {t('accepted')} {accepted} · {t('refused')} {refused}
          </p>
          <ul className="wb-results">
            {results.map((r, i) => (
              <li key={i} className={r.ok ? 'ok' : 'bad'} data-testid="submit-result" data-outcome={r.ok ? 'accepted' : 'refused'}>
                <div className="wb-result-head">
                  <strong>{r.name}</strong> {r.type ? <span className="muted">{label.type(r.type)}</span> : null}{' '}
                  <span className={`badge ${r.ok ? 'ok' : 'bad'}`}>{r.ok ? t('accepted') : t('refused')}</span>
                  {r.signed ? <span className="muted small"> · {t('signed')}</span> : null}
                  {r.ok ? (
                    <>
                      {' '}
                      <span className="small">{label.status(r.status)}</span>{' '}
                      <Link href={`/messages/${r.id}`} data-testid="submit-detail">
                        {t('viewDetail')} #{r.id}
                      </Link>
                    </>
                  ) : null}
                </div>
                {r.ok ? null : <ErrorNote error={r.error} />}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
