/**
 * Declarations made in an enterprise's name, through the real API on every database of the run:
 * the demo agent declares inventories (and a cancel) for the demo e-commerce enterprise under its
 * delegation. The e-commerce enterprise reads them, their raw bytes and their receipts (view, feed,
 * webhooks) as the agent does; a bank it consented to share messages and receipts with reads them
 * too; a bank with another consent and any other enterprise do not.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelMessage } from '../../src/demo/aftersales.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage, type Flow } from '../../src/demo/flows.ts';
import { SIGNATURE_HEADER, verifySignature } from '../../src/modules/receipts/index.ts';
import { usccCheckChar } from '../../src/modules/enterprises/index.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';

type Who = 'agent' | 'ebc' | 'bank' | 'bank2' | 'ebp' | 'payment' | 'logistics' | 'operator';

interface Shown {
  id: number;
  records: Array<{ status: string; invtNo: string | null }>;
  receipts: Array<{ id: number; messageType: string; returnStatus: string }>;
}
interface Feed {
  items: Array<{ id: number; messageId: number | null; enterpriseId: number | null }>;
  next: string;
}

/** A second bank, filed by the operator: the e-commerce enterprise shares only its stock with it. */
const BANK2 = { code: '3301B00002', name: '中国工商银行股份有限公司杭州分行', dxpId: 'DXPENT0000011901', uscc: '91330100MA2B00029' + usccCheckChar('91330100MA2B00029') };

describe.each(databases())('declarations in an enterprise\'s name on %s', (kind) => {
  let p: Platform;
  let hookServer: http.Server;
  const delivered: Array<{ body: string; signature: string }> = [];
  let hookSecret = '';
  const keys = {} as Record<Who, string>;
  const ids = {} as Record<Who, number>;
  let seed = 9100;
  /** The agent's inventory for the e-commerce enterprise, as sent, and its view once customs answered. */
  let flow: Flow;
  let inventoryXml = '';
  let inventory: Shown;
  /** An inventory the e-commerce enterprise declared itself. */
  let ownId = 0;

  const get = (who: Who, path: string) => p.request('GET', path, { key: keys[who] });
  const post = (who: Who, path: string, body: string, type = 'application/json') => p.request('POST', path, { key: keys[who], body, type });
  const accepted = async (who: Who, xml: string) => {
    const res = await post(who, '/api/v1/messages', xml, 'application/xml');
    expect(res.status, res.text).toBe(202);
    return (res.json() as { id: number }).id;
  };
  /** Every receipt of the caller's feed, page by page (`limit` a page). */
  const feed = async (who: Who, query = '', limit = 1000) => {
    const out: Feed['items'] = [];
    let after = '0';
    for (;;) {
      const res = await get(who, `/api/v1/receipts?limit=${limit}&after=${after}${query}`);
      expect(res.status, res.text).toBe(200);
      const page = res.json() as Feed;
      out.push(...page.items);
      if (page.items.length < limit) return out;
      after = page.next;
    }
  };

  beforeAll(async () => {
    p = await startPlatform(kind);
    for (const who of ['agent', 'ebc', 'bank', 'ebp', 'payment', 'logistics', 'operator'] as const) {
      keys[who] = p.key(who);
      ids[who] = (await p.app.enterprises.byCode(p.creds.find((c) => c.role === who)!.code))!.id;
    }
    const contacts = [{ name: '李娜', phone: '0571-87001234', email: 'bank@example.com', role: '业务联系人' }];
    const filed = await post('operator', '/api/v1/enterprises', JSON.stringify({ ...BANK2, roles: ['bank'], contacts }));
    expect(filed.status, filed.text).toBe(201);
    const bank2 = filed.json() as { enterprise: { id: number }; apiKey: string };
    keys.bank2 = bank2.apiKey;
    ids.bank2 = bank2.enterprise.id;
    const consent = await post('ebc', '/api/v1/consents', JSON.stringify({ bankCode: BANK2.code, scope: ['stock'], validTo: new Date(Date.now() + 86_400_000).toISOString() }));
    expect(consent.status, consent.text).toBe(201);

    // The e-commerce enterprise's webhook, registered before anything is declared.
    hookServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        delivered.push({ body, signature: String(req.headers[SIGNATURE_HEADER]) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const reg = await post('ebc', '/api/v1/webhooks', JSON.stringify({ url: `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/ebc` }));
    expect(reg.status, reg.text).toBe(201);
    hookSecret = (reg.json() as { secret: string }).secret;

    // The agent declares a parcel's inventory for the e-commerce enterprise, after its order, payment and waybill; customs takes it in (120).
    flow = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await accepted('ebp', wrapMessage('CEB311Message', [flow.order], DEMO_PARTIES.ebp));
    await accepted('payment', wrapMessage('CEB411Message', [flow.payment], DEMO_PARTIES.payment));
    await accepted('logistics', wrapMessage('CEB511Message', [flow.waybill], DEMO_PARTIES.logistics));
    inventoryXml = wrapMessage('CEB621Message', [flow.inventory], DEMO_PARTIES.agent);
    const id = await accepted('agent', inventoryXml);
    inventory = await eventually(async () => {
      const s = (await get('agent', `/api/v1/messages/${id}`)).json() as Shown;
      return s.records[0].invtNo !== null && s.receipts.length >= 2 && s;
    }, 30_000, 'the agent\'s inventory taken in by customs');

    // And one the e-commerce enterprise declares itself (its own: the agent has no part in it).
    ownId = await accepted('ebc', wrapMessage('CEB621Message', [makeFlow({ ...DEMO_PARTIES, agent: DEMO_PARTIES.ebc }, { mode: '9610', seed: seed++ }).inventory], DEMO_PARTIES.ebc));
  }, 60_000);

  afterAll(async () => {
    await p?.close();
    hookServer?.closeAllConnections();
    if (hookServer) await new Promise((r) => hookServer.close(r));
  });

  it('shows the agent\'s inventory, its raw bytes, envelope and receipts to the e-commerce enterprise it names', async () => {
    const shown = await get('ebc', `/api/v1/messages/${inventory.id}`);
    expect(shown.status, shown.text).toBe(200);
    const asAgent = (await get('agent', `/api/v1/messages/${inventory.id}`)).json() as Shown;
    expect(shown.json()).toEqual(asAgent);
    const raw = await get('ebc', `/api/v1/messages/${inventory.id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.text).toBe(inventoryXml);
    const envelope = await get('ebc', `/api/v1/messages/${inventory.id}/envelope`);
    expect(envelope.status).toBe(200);
    expect(envelope.text).toBe((await get('agent', `/api/v1/messages/${inventory.id}/envelope`)).text);
    // The audit log's acceptance entry names the enterprise it was declared for.
    const audit = (await get('operator', `/api/v1/audit?action=declaration.accepted&enterpriseId=${ids.agent}&limit=1000`)).json() as { entries: Array<{ subject: string; detail: unknown }> };
    expect(audit.entries.find((e) => e.subject === `message:${inventory.id}`)?.detail).toMatchObject({ messageType: 'CEB621Message', principals: [ids.ebc] });
  });

  it('puts the inventory\'s receipts in the e-commerce enterprise\'s feed, whole and in order, page by page', async () => {
    const receiptIds = inventory.receipts.map((r) => r.id);
    for (const [query, limit] of [['', 1000], ['', 1], [`&enterpriseId=${ids.ebc}`, 1000], [`&enterpriseId=${ids.ebc}`, 2]] as const) {
      const items = await feed('ebc', query, limit);
      const listed = items.map((i) => i.id);
      expect(listed, `${query} limit ${limit}`).toEqual(expect.arrayContaining(receiptIds));
      // Oldest first, each once.
      expect(listed).toEqual([...new Set(listed)].sort((a, b) => a - b));
      // Only receipts of its own messages and of those declared in its name.
      for (const i of items) expect(i.messageId === inventory.id || i.enterpriseId === ids.ebc, JSON.stringify(i)).toBe(true);
    }
    // The agent, the sender, still reads them as before.
    expect((await feed('agent')).map((i) => i.id)).toEqual(expect.arrayContaining(receiptIds));
  });

  it('delivers those receipts to the e-commerce enterprise\'s webhooks, signed with its secret', async () => {
    const receiptIds = inventory.receipts.map((r) => r.id);
    const got = await eventually(async () => {
      const ids = new Set(delivered.map((d) => (JSON.parse(d.body) as { receipt: { id: number } }).receipt.id));
      return receiptIds.every((id) => ids.has(id)) && delivered;
    }, 15_000, 'the receipts delivered to the e-commerce enterprise\'s webhook');
    for (const d of got) expect(verifySignature(hookSecret, d.body, d.signature)).toBe(true);
  });

  it('lets a bank the e-commerce enterprise consented to read them; a bank without that consent reads nothing', async () => {
    const receiptIds = inventory.receipts.map((r) => r.id);
    for (const view of ['', '/raw', '/envelope']) {
      expect((await get('bank', `/api/v1/messages/${inventory.id}${view}`)).status, `bank ${view}`).toBe(200);
      expect((await get('bank2', `/api/v1/messages/${inventory.id}${view}`)).status, `bank2 ${view}`).toBe(404);
    }
    expect((await get('bank', `/api/v1/messages/${inventory.id}/raw`)).text).toBe(inventoryXml);
    expect((await feed('bank')).map((i) => i.id)).toEqual(expect.arrayContaining(receiptIds));
    expect((await feed('bank', `&enterpriseId=${ids.ebc}`)).map((i) => i.id)).toEqual(expect.arrayContaining(receiptIds));
    const theirs = (await feed('bank2')).map((i) => i.id);
    for (const id of receiptIds) expect(theirs).not.toContain(id);
    expect((await get('bank2', `/api/v1/receipts?enterpriseId=${ids.ebc}`)).status).toBe(403);
  });

  it('answers 404 to any other enterprise, and keeps their feeds free of it', async () => {
    const receiptIds = inventory.receipts.map((r) => r.id);
    for (const who of ['ebp', 'payment', 'logistics'] as const) {
      for (const view of ['', '/raw', '/envelope']) expect((await get(who, `/api/v1/messages/${inventory.id}${view}`)).status, `${who} ${view}`).toBe(404);
      const theirs = (await feed(who)).map((i) => i.id);
      for (const id of receiptIds) expect(theirs, who).not.toContain(id);
    }
    // The operator reads everything, as before.
    expect((await get('operator', `/api/v1/messages/${inventory.id}`)).status).toBe(200);
  });

  it('does not show the agent what the e-commerce enterprise declared itself', async () => {
    expect((await get('ebc', `/api/v1/messages/${ownId}`)).status).toBe(200);
    expect((await get('agent', `/api/v1/messages/${ownId}`)).status).toBe(404);
    expect((await get('bank', `/api/v1/messages/${ownId}`)).status).toBe(200);
  });

  it('shows the agent\'s cancel of that inventory to the e-commerce enterprise too', async () => {
    const id = await accepted('agent', cancelMessage(flow, inventory.records[0].invtNo!, DEMO_PARTIES.agent));
    const shown = await get('ebc', `/api/v1/messages/${id}`);
    expect(shown.status, shown.text).toBe(200);
    const cancel = await eventually(async () => {
      const s = (await get('agent', `/api/v1/messages/${id}`)).json() as Shown;
      return s.receipts.length > 0 && s;
    }, 30_000, 'a receipt for the cancel');
    expect((await feed('ebc')).map((i) => i.id)).toEqual(expect.arrayContaining(cancel.receipts.map((r) => r.id)));
    expect((await get('ebp', `/api/v1/messages/${id}`)).status).toBe(404);
  });
});
