/** Webhook deliveries: signed, retried with backoff from the durable outbox, same id on every attempt. */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from '../../src/modules/receipts/index.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';

describe.each(databases())('webhooks on %s', (kind) => {
  let p: Platform;
  let server: http.Server;
  let url = '';
  const attempts: Array<{ id: string; body: string; signature: string; at: number }> = [];
  let failFirst = 0;

  beforeAll(async () => {
    p = await startPlatform(kind);
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        attempts.push({ id: String(req.headers[DELIVERY_HEADER]), body, signature: String(req.headers[SIGNATURE_HEADER]), at: Date.now() });
        // Each delivery fails its first `failFirst` attempts.
        const tries = attempts.filter((a) => a.id === req.headers[DELIVERY_HEADER]).length;
        if (tries <= failFirst) res.writeHead(503).end('busy');
        else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });

  afterAll(async () => {
    await p.close();
    await new Promise((r) => server.close(r));
  });

  it('retries a failed delivery with backoff and the same delivery id, then marks it delivered', async () => {
    const reg = await p.request('POST', '/api/v1/webhooks', { key: p.key('payment'), body: JSON.stringify({ url }), type: 'application/json' });
    expect(reg.status).toBe(201);
    const { id: webhookId, secret } = reg.json() as { id: number; secret: string };
    failFirst = 2;
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 4242 });
    // A payment follows its order.
    expect((await p.request('POST', '/api/v1/messages', { key: p.key('ebp'), body: wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp) })).status).toBe(202);
    const sent = await p.request('POST', '/api/v1/messages', { key: p.key('payment'), body: wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment) });
    expect(sent.status).toBe(202);

    const deliveries = await eventually(async () => {
      const list = (await p.request('GET', `/api/v1/webhooks/${webhookId}/deliveries`, { key: p.key('payment') })).json() as { items: Array<{ id: string; status: string; attempts: number }> };
      return list.items.length === 2 && list.items.every((d) => d.status === 'delivered') && list.items;
    }, 15_000, 'both deliveries delivered');
    expect(deliveries.map((d) => d.attempts).sort()).toEqual([3, 3]);

    const byId = new Map<string, typeof attempts>();
    for (const a of attempts) byId.set(a.id, [...(byId.get(a.id) ?? []), a]);
    expect(byId.size).toBe(2);
    for (const [, tries] of byId) {
      expect(tries).toHaveLength(3);
      expect(new Set(tries.map((t) => t.body)).size).toBe(1);
      // Backoff: the second retry waits longer than the first.
      expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(tries[1].at - tries[0].at - 5);
      for (const t of tries) expect(verifySignature(secret, t.body, t.signature)).toBe(true);
    }
    const bodies = [...byId.values()].map((t) => JSON.parse(t[0].body) as { id: string; receipt: { messageType: string; returnStatus: string } });
    expect(bodies.map((b) => b.receipt.returnStatus).sort()).toEqual(['120', '2']);
    expect(bodies.every((b) => b.receipt.messageType === 'CEB412Message' && byId.has(b.id))).toBe(true);
  });

  it('registration and removal are audited, without the URL\'s credentials or query', async () => {
    const secretUrl = url.replace('http://', 'http://user:pw@') + '?token=abc';
    const reg = await p.request('POST', '/api/v1/webhooks', { key: p.key('ebc'), body: JSON.stringify({ url: secretUrl }), type: 'application/json' });
    expect(reg.status).toBe(201);
    const { id } = reg.json() as { id: number };
    expect((await p.request('DELETE', `/api/v1/webhooks/${id}`, { key: p.key('ebc') })).status).toBeLessThan(300);
    expect((await p.request('DELETE', `/api/v1/webhooks/${id}`, { key: p.key('ebc') })).status).toBe(404);
    const entries = (await p.request('GET', '/api/v1/audit?limit=20', { key: p.key('ebc') })).json() as { entries: Array<{ action: string; subject: string; detail: { url: string } }> };
    const mine = entries.entries.filter((e) => e.subject === `webhook:${id}`).map((e) => [e.action, e.detail.url]);
    expect(mine).toEqual([['webhook.removed', url], ['webhook.registered', url]]);
    expect(JSON.stringify(entries)).not.toContain('pw@');
    expect(JSON.stringify(entries)).not.toContain('token=abc');
  });

  it('refuses a webhook URL that is not http(s), and hides other enterprises\' webhooks', async () => {
    const bad = await p.request('POST', '/api/v1/webhooks', { key: p.key('ebp'), body: JSON.stringify({ url: 'file:///etc/passwd' }), type: 'application/json' });
    expect(bad.status).toBe(400);
    expect((bad.json() as { error: { issues: Array<{ path: string }> } }).error.issues[0].path).toBe('url');
    const mine = (await p.request('GET', '/api/v1/webhooks', { key: p.key('payment') })).json() as { items: Array<{ id: number }> };
    const theirs = (await p.request('GET', '/api/v1/webhooks', { key: p.key('ebp') })).json() as { items: unknown[] };
    expect(mine.items.length).toBeGreaterThan(0);
    expect(theirs.items).toEqual([]);
    expect((await p.request('DELETE', `/api/v1/webhooks/${mine.items[0].id}`, { key: p.key('ebp') })).status).toBe(404);
    expect((await p.request('GET', `/api/v1/webhooks/${mine.items[0].id}/deliveries`, { key: p.key('ebp') })).status).toBe(404);
  });
});
