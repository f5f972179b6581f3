/**
 * The attack corpus against a real platform, on every endpoint that reads XML or JSON: each
 * hostile body is refused with a 4xx naming its rule, nothing is stored, the platform stays
 * healthy, and the memory of the process stays bounded while it reads them all.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';
import { ENDPOINT_PATHS, attackCorpus, type AttackCase, type Endpoint } from './corpus.ts';

const MAX_BODY = 8 * 1024 * 1024;
const CUSTOMS_TOKEN = 'customs-token-for-the-attack-corpus';
/** Growth of the resident set allowed while the corpus runs (the bodies themselves are up to 8 MB each). */
const RSS_GROWTH_BOUND = 256 * 1024 * 1024;

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** Samples process.memoryUsage().rss every few ms while `run` runs. */
async function peakRss<T>(run: () => Promise<T>): Promise<{ result: T; base: number; peak: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  }, 5);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, base, peak };
  } finally {
    clearInterval(timer);
  }
}

describe.each(databases())('attack corpus on %s', (kind) => {
  let p: Platform;
  const corpus = attackCorpus(MAX_BODY);
  // Built once, before any measurement: the memory sampled is then the platform's, not the payloads'.
  const bodies = new Map(corpus.map((c) => [c, new Uint8Array(c.body())]));
  const count = async (table: 'messages' | 'receipts') =>
    Number((await p.app.db.kysely.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  const send = async (endpoint: Endpoint, c: AttackCase): Promise<Answer> => {
    const key = endpoint === 'customs' ? CUSTOMS_TOKEN : p.key('ebp');
    const res = await fetch(p.url + ENDPOINT_PATHS[endpoint], {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': c.type },
      body: bodies.get(c),
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };

  /** The refusal names the rule: in issues (messages), in findings (precheck answers 200 with ok: false), in the message (customs). */
  const expectRefused = (endpoint: Endpoint, c: AttackCase, a: Answer) => {
    const body = JSON.parse(a.text) as Record<string, unknown>;
    if (c.status === 413) {
      expect(a.status, a.text).toBe(413);
      expect(body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
      return;
    }
    if (endpoint === 'precheck') {
      expect(a.status, a.text).toBe(200);
      const r = body as { ok: boolean; records: Array<{ findings: Array<{ message: string }> }> };
      expect(r.ok).toBe(false);
      expect(r.records[0].findings.some((f) => f.message.startsWith(`${c.rule}:`)), a.text).toBe(true);
      return;
    }
    expect(a.status, a.text).toBe(400);
    const error = (body as { error: { code: string; message: string; issues: Array<{ rule: string; path: string; expected: string; actual: string }> } }).error;
    expect(error.code).toBe('INVALID_MESSAGE');
    if (endpoint === 'customs') {
      expect(error.message).toContain(` ${c.rule}:`);
    } else {
      expect(error.issues[0], a.text).toMatchObject({ rule: c.rule });
      expect(error.issues[0].expected).not.toBe('');
      expect(error.issues[0].actual).not.toBe('');
    }
  };

  beforeAll(async () => {
    p = await startPlatform(kind, { SILKGATE_MAX_BODY_BYTES: String(MAX_BODY), SILKGATE_CUSTOMS_TOKEN: CUSTOMS_TOKEN });
  });
  afterAll(() => p.close());

  it('refuses every case on every endpoint with the rule named, stores nothing, and keeps memory bounded', async () => {
    const messages = await count('messages');
    const receipts = await count('receipts');
    const { base, peak } = await peakRss(async () => {
      for (const c of corpus) {
        for (const endpoint of c.endpoints) {
          const a = await send(endpoint, c);
          expectRefused(endpoint, c, a);
        }
      }
    });
    expect(await count('messages')).toBe(messages);
    expect(await count('receipts')).toBe(receipts);
    expect(peak - base, `RSS ${Math.round(base / 2 ** 20)} → ${Math.round(peak / 2 ** 20)} MB`).toBeLessThan(RSS_GROWTH_BOUND);
  });

  it('survives the corpus sent concurrently, with bounded memory, and then still accepts a real declaration', async () => {
    const messages = await count('messages');
    const { result, base, peak } = await peakRss(() =>
      Promise.all(corpus.flatMap((c) => c.endpoints.map((e) => send(e, c).then((x) => x.status)))),
    );
    expect(result.every((s) => (s >= 400 && s < 500) || s === 200)).toBe(true);
    expect(await count('messages')).toBe(messages);
    expect(peak - base, `RSS ${Math.round(base / 2 ** 20)} → ${Math.round(peak / 2 ** 20)} MB`).toBeLessThan(RSS_GROWTH_BOUND);

    const health = await p.request('GET', '/healthz');
    expect(health.status).toBe(200);
    const xml = wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: 4242 }).order], DEMO_PARTIES.ebp);
    const ok = await p.request('POST', '/api/v1/messages', { key: p.key('ebp'), body: xml });
    expect(ok.status, ok.text).toBe(202);
    expect(await count('messages')).toBe(messages + 1);
  });

  it('leaves Object.prototype untouched by polluted JSON', async () => {
    for (const c of corpus.filter((x) => x.type === 'application/json')) await send('messages', c);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('answers 413 on the declared length of an oversized body, before it is sent', async () => {
    // Only the headers and 1 kB go out: the answer must come without the rest of the body.
    const { port } = new URL(p.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let text = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer before the body was sent')));
      socket.on('data', (d) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n')) socket.end();
      });
      socket.on('end', () => resolve(text));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(
        `POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${p.key('ebp')}\r\nContent-Type: application/xml\r\nContent-Length: ${MAX_BODY * 100}\r\n\r\n` +
          '<'.repeat(1024),
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('refuses a DOCTYPE before the signature code (xmldom) could see it', async () => {
    const signed = wrapMessage('CEB621Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: 4243 }).inventory], DEMO_PARTIES.agent);
    const body = signed.replace(/^(<\?xml[^>]*\?>)/, '$1<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>');
    const res = await p.request('POST', '/api/v1/messages', { key: p.key('agent'), body });
    expect(res.status).toBe(400);
    expect((res.json() as { error: { issues: Array<{ rule: string }> } }).error.issues[0].rule).toBe('no-doctype');
  });
});
