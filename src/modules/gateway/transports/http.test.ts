/**
 * HTTP gateway through a real platform: a fake customs endpoint fails the first POST, the outbox
 * retries with the same envelope (same CopMsgId) and the bearer token; customs posts a receipt
 * back to POST /api/v1/customs/receipts, which needs the shared token.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelope, parseDocument } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../../demo/flows.ts';
import { eventually, startPlatform, type Platform } from '../../../../test/support/platform.ts';
import { orderReceipt, type Shown } from '../../../../test/support/customs.ts';


interface Received {
  authorization: string | undefined;
  copMsgIdHeader: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}


describe('HTTP gateway', () => {
  const token = `customs-${randomUUID()}`;
  const received: Received[] = [];
  let customs: http.Server;
  let p: Platform;
  let order: CebNode;
  let orderXml = '';
  let orderId = 0;

  beforeAll(async () => {
    customs = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ authorization: req.headers.authorization, copMsgIdHeader: req.headers['x-cop-msg-id'] as string | undefined, contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
        if (received.length === 1) res.writeHead(500, { 'content-type': 'text/plain' }).end('busy, try again');
        else res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      });
    });
    await new Promise<void>((r) => customs.listen(0, '127.0.0.1', r));
    const port = (customs.address() as { port: number }).port;
    p = await startPlatform('sqlite', { SILKGATE_TRANSPORT: 'http', SILKGATE_CUSTOMS_URL: `http://127.0.0.1:${port}/dxp`, SILKGATE_CUSTOMS_TOKEN: token });
    order = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 41 }).order;
    orderXml = wrapMessage('CEB311Message', [order], DEMO_PARTIES.ebp);
  });

  afterAll(async () => {
    await p?.close();
    await new Promise((r) => customs?.close(r));
  });

  const show = async (id: number) => (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key('ebp') })).json() as Shown;
  const postReceipt = (body: Buffer | string, auth: string | null, type = 'application/xml') =>
    fetch(`${p.url}/api/v1/customs/receipts`, { method: 'POST', headers: { 'content-type': type, ...(auth ? { authorization: auth } : {}) }, body: typeof body === 'string' ? body : new Uint8Array(body) });

  it('retries a refused POST with the same envelope and CopMsgId, with the bearer token', async () => {
    const res = await p.request('POST', '/api/v1/messages', { key: p.key('ebp'), body: orderXml });
    expect(res.status, res.text).toBe(202);
    orderId = (res.json() as { id: number }).id;
    const shown = await eventually(async () => {
      const s = await show(orderId);
      return s.status === 'forwarded' && s;
    }, 15_000, 'forwarded after one retry');

    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.authorization).toBe(`Bearer ${token}`);
      expect(r.copMsgIdHeader).toBe(shown.copMsgId);
      expect(r.contentType).toMatch(/^application\/xml/);
      const doc = parseDocument(r.body);
      if (!doc.ok) throw new Error('customs received an invalid DxpMsg');
      const env = openEnvelope(doc.doc);
      expect(env.copMsgId).toBe(shown.copMsgId);
      expect(env.data.equals(Buffer.from(orderXml))).toBe(true);
    }
    expect(received[1].body.equals(received[0].body)).toBe(true);
    const row = await p.app.db.kysely.selectFrom('outbox').select(['attempts', 'sent_at']).where('message_id', '=', orderId).executeTakeFirstOrThrow();
    expect(row.attempts).toBe(1);
    expect(row.sent_at).not.toBeNull();
  });

  it('takes receipts from customs on POST /api/v1/customs/receipts, DxpMsg or bare', async () => {
    const bare = await postReceipt(orderReceipt(order, '2', true), `Bearer ${token}`);
    expect(bare.status, await bare.clone().text()).toBe(200);
    expect(await bare.json()).toEqual({ messageType: 'CEB312Message', stored: 1, duplicates: 0, uncorrelated: 0 });

    const wrapped = orderReceipt(order, '120');
    const res = await postReceipt(wrapped, `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ messageType: 'CEB312Message', stored: 1, duplicates: 0, uncorrelated: 0 });
    // Answered after storing: the receipt is visible at once.
    const shown = await show(orderId);
    expect(shown.records[0].status).toBe('customs-accepted');
    expect(shown.receipts.map((r) => [r.messageType, r.returnStatus])).toEqual([['CEB312Message', '2'], ['CEB312Message', '120']]);

    const again = await postReceipt(wrapped, `Bearer ${token}`);
    expect(await again.json()).toMatchObject({ stored: 0, duplicates: 1 });
  });

  it('refuses a wrong or missing token (401), an invalid receipt (400) and other media types (415)', async () => {
    const receipt = orderReceipt(order, '120');
    for (const auth of [null, 'Bearer wrong', `Basic ${token}`, token]) {
      const res = await postReceipt(receipt, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    }
    // An enterprise API key is not the customs token.
    expect((await postReceipt(receipt, `Bearer ${p.key('ebp')}`)).status).toBe(401);

    const invalid = await postReceipt('<CEB312Message xmlns="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>', `Bearer ${token}`);
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { code: string; message: string; issues: unknown[] } };
    expect(body.error.code).toBe('INVALID_MESSAGE');
    expect(body.error.message).toMatch(/receipt is not valid/);
    expect(Array.isArray(body.error.issues)).toBe(true);

    const notReceipt = await postReceipt(orderXml, `Bearer ${token}`);
    expect(notReceipt.status).toBe(400);

    expect((await postReceipt('{"a":1}', `Bearer ${token}`, 'application/json')).status).toBe(415);
  });
});
