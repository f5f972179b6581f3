/** POST /api/v1/messages and the message views, on every database of the run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { buildDxpMsg, parseDocument } from '../../src/ceb/index.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}

describe.each(databases())('ingest API on %s', (kind) => {
  let p: Platform;
  let seed = 1000;
  const flow = () => makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
  const orderXml = () => wrapMessage('CEB311Message', [flow().order], DEMO_PARTIES.ebp);
  const count = async () => (await p.app.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
  const post = (body: string | Buffer, key = p.key('ebp'), type = 'application/xml') => p.request('POST', '/api/v1/messages', { key, body, type });

  beforeAll(async () => {
    p = await startPlatform(kind, { SILKGATE_MAX_BODY_BYTES: String(1024 * 1024) });
  });
  afterAll(() => p.close());

  it('accepts a declaration with 202 after storing it, and returns the exact bytes', async () => {
    const xml = orderXml();
    const res = await post(xml);
    expect(res.status).toBe(202);
    const ack = res.json() as { id: number; messageType: string; guid: string; records: number; status: string };
    expect(ack).toMatchObject({ messageType: 'CEB311Message', records: 1, status: 'accepted' });
    expect(ack.guid).toHaveLength(36);
    const raw = await p.request('GET', `/api/v1/messages/${ack.id}/raw`, { key: p.key('ebp') });
    expect(raw.text).toBe(xml);
    const shown = (await p.request('GET', `/api/v1/messages/${ack.id}`, { key: p.key('ebp') })).json() as { records: Array<{ guid: string; key: string }> };
    expect(shown.records).toHaveLength(1);
    expect(shown.records[0].key).toMatch(/^order\|3301964J31\|/);
  });

  it('answers a repeat with the first outcome (200) and stores nothing new', async () => {
    const xml = orderXml();
    const first = await post(xml);
    const before = await count();
    const again = await post(xml);
    expect(again.status).toBe(200);
    expect((again.json() as { id: number }).id).toBe((first.json() as { id: number }).id);
    expect(await count()).toBe(before);
  });

  it('keys repeats on sender, message type and guid: the same guid in another message type is a new message', async () => {
    const f = flow();
    const guid = '4CDE1CFD-EDED-46B1-946C-B8022E42FC94';
    const order = await post(wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp, guid));
    const payment = await post(wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment, guid), p.key('payment'));
    expect(order.status).toBe(202);
    expect(payment.status).toBe(202);
  });

  it('handles concurrent submissions of one message as one', async () => {
    const xml = orderXml();
    const before = await count();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(xml)));
    expect(results.filter((r) => r.status === 202)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => (r.json() as { id: number }).id)).size).toBe(1);
    expect(await count()).toBe(before + 1);
  });

  it('accepts up to 100 records in a message, each its own declaration', async () => {
    const orders = Array.from({ length: 100 }, () => flow().order);
    const res = await post(wrapMessage('CEB311Message', orders, DEMO_PARTIES.ebp));
    expect(res.status).toBe(202);
    const { id } = res.json() as { id: number };
    const shown = (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key('ebp') })).json() as { records: unknown[] };
    expect(shown.records).toHaveLength(100);
  });

  it('accepts a DxpMsg envelope and the JSON form', async () => {
    const xml = Buffer.from(orderXml());
    const env = buildDxpMsg({ copMsgId: 'ent-1', senderId: DEMO_PARTIES.ebp.dxpId, receiverId: 'DXPEDCCEB0000002', msgType: 'CEB311Message', data: xml });
    const r1 = await post(env);
    expect(r1.status).toBe(202);
    const { id } = r1.json() as { id: number };
    const envelope = await p.request('GET', `/api/v1/messages/${id}/envelope`, { key: p.key('ebp') });
    const forwarded = parseDocument(Buffer.from(envelope.text));
    expect(forwarded.ok && Buffer.from(String(forwarded.doc.body.Data), 'base64').equals(xml)).toBe(true);

    const parsed = parseDocument(Buffer.from(orderXml()));
    if (!parsed.ok) throw new Error('fixture');
    const r2 = await post(JSON.stringify({ CEB311Message: parsed.doc.body }), p.key('ebp'), 'application/json');
    expect(r2.status).toBe(202);
  });

  describe('bad input gets a precise error and changes nothing', () => {
    const cases: Array<[string, () => Promise<{ status: number; json: () => unknown }>, number, Partial<ErrorBody['error']['issues'][0]> & { code?: string }]> = [
      ['malformed XML', () => post(orderXml().replace('</ceb:orderNo>', '</ceb:orderNO>')), 400, { rule: 'well-formed' }],
      ['an over-long field', () => post(orderXml().replace(/<ceb:orderNo>[^<]*/, `<ceb:orderNo>${'9'.repeat(61)}`)), 400, { path: 'CEB311Message.Order[0].OrderHead.orderNo', rule: 'maxLength' }],
      ['a missing field', () => post(orderXml().replace(/<ceb:buyerIdNumber>[^<]*<\/ceb:buyerIdNumber>/, '')), 400, { path: 'CEB311Message.Order[0].OrderHead.buyerIdNumber', rule: 'required' }],
      ['a number that is not N19,5', () => post(orderXml().replace(/<ceb:freight>[^<]*/, '<ceb:freight>1.123456')), 400, { path: 'CEB311Message.Order[0].OrderHead.freight', rule: 'fractionDigits' }],
      ['the wrong namespace', () => post(orderXml().replace('http://www.chinaport.gov.cn/ceb', 'urn:other')), 400, { rule: 'namespace' }],
      ['a receipt sent as a declaration', () => post('<CEB312Message xmlns="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0"/>'), 400, { rule: 'message-type' }],
      ['an unknown message type', () => post('<ceb:CEB999Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>'), 400, { rule: 'message-type' }],
      ['an XXE attempt', () => post(`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>${orderXml().replace(/^<\?xml[^>]*>/, '')}`), 400, { rule: 'no-doctype' }],
      ['a billion laughs', () => post(`<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>`), 400, { rule: 'no-doctype' }],
      ['deep nesting', () => post(`<a>${'<b>'.repeat(5000)}${'</b>'.repeat(5000)}</a>`), 400, { rule: 'message-type' }],
      ['bad JSON', () => post('{"CEB311Message": ', p.key('ebp'), 'application/json'), 400, { rule: 'json' }],
      ['a JSON prototype-pollution attempt', () => post('{"CEB311Message":{"__proto__":{"admin":true},"guid":"x"}}', p.key('ebp'), 'application/json'), 400, { path: 'CEB311Message.__proto__', rule: 'json.forbidden-key' }],
      ['a sender that is not the copCode', () => post(orderXml(), p.key('payment')), 403, { path: 'CEB311Message.BaseTransfer.copCode', rule: 'sender', code: 'SENDER_MISMATCH' }],
      ['a wrong API key', () => post(orderXml(), 'sk_wrong'), 401, { code: 'UNAUTHORIZED' }],
      ['no API key', () => p.request('POST', '/api/v1/messages', { body: orderXml() }), 401, { code: 'UNAUTHORIZED' }],
      ['a huge body', () => post(`${orderXml()}<!--${'x'.repeat(1100 * 1024)}-->`), 413, { code: 'PAYLOAD_TOO_LARGE' }],
      ['an unsupported media type', () => post('a=b', p.key('ebp'), 'application/x-www-form-urlencoded'), 415, { code: 'UNSUPPORTED_MEDIA_TYPE' }],
    ];

    it.each(cases)('%s', async (_name, send, status, want) => {
      const before = await count();
      const res = await send();
      expect(res.status).toBe(status);
      const body = res.json() as ErrorBody;
      const { code, ...issue } = want;
      if (code) expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(5);
      if (Object.keys(issue).length) expect(body.error.issues).toContainEqual(expect.objectContaining(issue));
      expect(await count()).toBe(before);
    });
  });

  it('shows a message only to its sender', async () => {
    const { id } = (await post(orderXml())).json() as { id: number };
    for (const path of [`/api/v1/messages/${id}`, `/api/v1/messages/${id}/raw`, `/api/v1/messages/${id}/envelope`]) {
      expect((await p.request('GET', path, { key: p.key('payment') })).status).toBe(404);
      expect((await p.request('GET', path, { key: p.key('ebp') })).status).toBe(200);
    }
    expect((await p.request('GET', '/api/v1/messages/abc', { key: p.key('ebp') })).status).toBe(400);
  });

  it('accepts an inventory with its signature block from the agent', async () => {
    const f = flow();
    const res = await post(wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent), p.key('agent'));
    expect(res.status).toBe(202);
  });

  it('serves health and OpenAPI docs', async () => {
    expect((await p.request('GET', '/healthz')).json()).toMatchObject({ status: 'ok', database: kind });
    const doc = (await p.request('GET', '/docs/json')).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/messages', '/api/v1/receipts', '/api/v1/webhooks']));
  });
});
