/**
 * Full retail-import flows (9610 and 1210) from submission to release, through the real HTTP
 * API, the outbox and the sandbox customs: receipts relayed by pull feed and by signed webhook,
 * the CEB816 tax bill, and the forwarded Data equal to the received bytes. A 9610 parcel is
 * released only after the supervision site's arrival list (CEB711) names it.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { arrivalList } from '../../src/demo/arrival.ts';
import { openEnvelope, parseDocument } from '../../src/ceb/index.ts';
import { computeRetailImportTax, defaultRate, fenToYuan } from '../../src/modules/tax/index.ts';
import { SIGNATURE_HEADER, DELIVERY_HEADER, verifySignature } from '../../src/modules/receipts/index.ts';
import { validateWithXsd } from '../support/xmllint.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';

interface Shown {
  status: string;
  records: Array<{ status: string; preNo: string | null; invtNo: string | null }>;
  receipts: Array<{ messageType: string; returnStatus: string; returnInfo: string }>;
}

interface Delivery {
  id: string;
  body: string;
  signature: string;
}

type Role = 'ebp' | 'payment' | 'logistics' | 'agent' | 'warehouse';

describe.each(databases())('retail import end to end on %s', (kind) => {
  let p: Platform;
  let hook: http.Server;
  const deliveries: Delivery[] = [];
  let secret = '';

  beforeAll(async () => {
    p = await startPlatform(kind);
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        deliveries.push({ id: String(req.headers[DELIVERY_HEADER]), body, signature: String(req.headers[SIGNATURE_HEADER]) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as { port: number }).port;
    const res = await p.request('POST', '/api/v1/webhooks', { key: p.key('agent'), body: JSON.stringify({ url: `http://127.0.0.1:${port}/silkgate` }), type: 'application/json' });
    expect(res.status).toBe(201);
    secret = (res.json() as { secret: string }).secret;
  });

  afterAll(async () => {
    await p.close();
    await new Promise((r) => hook.close(r));
  });

  const send = async (role: Role, xml: string) => {
    const res = await p.request('POST', '/api/v1/messages', { key: p.key(role), body: xml });
    expect(res.status, res.text).toBe(202);
    return (res.json() as { id: number }).id;
  };
  const show = async (role: Role, id: number) => (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key(role) })).json() as Shown;

  it.each(['9610', '1210'] as const)('clears a %s parcel: order, payment, waybill, inventory → 800, tax bill, webhook', async (mode) => {
    const f = makeFlow(DEMO_PARTIES, { mode, seed: mode === '9610' ? 7 : 8 });
    if (mode === '1210') {
      // The bonded warehouse has the goods on its account book before the sale.
      const lines = (f.inventory as { InventoryList: Array<Record<string, string>> }).InventoryList;
      const emsNo = (f.inventory as { InventoryHead: Record<string, string> }).InventoryHead.emsNo;
      const items = lines.map((l) => ({ emsNo, itemRecordNo: l.itemRecordNo, ownerCode: DEMO_PARTIES.ebc.code, qty: l.qty, gcode: l.gcode, name: l.gname }));
      expect((await p.request('POST', '/api/v1/stock/in', { key: p.key('warehouse'), body: JSON.stringify({ items }), type: 'application/json' })).status).toBe(200);
    }
    const orderXml = wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp);
    const orderId = await send('ebp', orderXml);
    const paymentId = await send('payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment));
    const waybillId = await send('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics));
    const inventoryXml = wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent);
    const inventoryId = await send('agent', inventoryXml);

    for (const [role, id, type] of [['ebp', orderId, 'CEB312Message'], ['payment', paymentId, 'CEB412Message'], ['logistics', waybillId, 'CEB512Message']] as const) {
      const s = await eventually(async () => {
        const v = await show(role, id);
        return v.records[0].status === 'customs-accepted' && v;
      }, 10_000, `${type} 120`);
      expect(s.receipts.map((r) => [r.messageType, r.returnStatus])).toEqual([[type, '2'], [type, '120']]);
      expect(s.receipts[1].returnInfo).toBe('[Code:1800;Desc:逻辑校验通过]');
      expect(s.status).toBe('forwarded');
    }

    const invHead = (f.inventory as { InventoryHead: Record<string, string> }).InventoryHead;
    if (mode === '9610') {
      // Customs takes the inventory in (120) but holds it until the parcel is reported arrived.
      await eventually(async () => (await show('agent', inventoryId)).records[0].status === 'customs-accepted', 10_000, 'inventory 120');
      await new Promise((r) => setTimeout(r, 300)); // 60 sandbox steps
      const held = await show('agent', inventoryId);
      expect(held.records[0].status).toBe('customs-accepted');
      expect(held.receipts.map((r) => r.returnStatus)).toEqual(['2', '120']);
      const arrivalId = await send('warehouse', arrivalList(DEMO_PARTIES.warehouse, invHead, [f.logisticsNo]));
      const arrival = await eventually(async () => {
        const v = await show('warehouse', arrivalId);
        return v.records[0].status === 'concluded' && v;
      }, 10_000, 'CEB712 399');
      expect(arrival.receipts.map((r) => [r.messageType, r.returnStatus])).toEqual([['CEB712Message', '2'], ['CEB712Message', '399']]);
    }

    const inv = await eventually(async () => {
      const v = await show('agent', inventoryId);
      return v.records[0].status === 'closed' && v.receipts.some((r) => r.messageType === 'CEB816Message') && v;
    }, 15_000, 'inventory 899 and CEB816');
    const seq = inv.receipts.filter((r) => r.messageType === 'CEB622Message').map((r) => r.returnStatus);
    expect(seq).toEqual(['2', '120', '800', '899']);
    expect(inv.receipts.find((r) => r.returnStatus === '800')!.returnInfo).toBe('[Code:2600;Desc:放行]');
    expect(inv.records[0].preNo).toMatch(/^B\d{8}\d{9}$/);
    expect(inv.records[0].invtNo).toMatch(/^2924\d{4}I\d{9}$/);

    // The tax bill is the tax engine's result for this inventory.
    const feed = (await p.request('GET', '/api/v1/receipts?limit=1000', { key: p.key('agent') })).json() as { items: Array<{ messageId: number; messageType: string; xml: string }> };
    const bill = feed.items.find((i) => i.messageId === inventoryId && i.messageType === 'CEB816Message')!;
    expect(validateWithXsd(bill.xml, 'import').ok).toBe(true);
    const billDoc = parseDocument(Buffer.from(bill.xml));
    if (!billDoc.ok) throw new Error('tax bill does not parse');
    const head = (billDoc.doc.body.Tax as Array<{ TaxHeadRd: Record<string, string> }>)[0].TaxHeadRd;
    const lines = (f.inventory as { InventoryList: Array<Record<string, string>> }).InventoryList;
    const tax = computeRetailImportTax({ lines: lines.map((l) => ({ gnum: Number(l.gnum), gcode: l.gcode, totalPrice: l.totalPrice })), freight: invHead.freight, insuredFee: invHead.insuredFee, rateOf: defaultRate });
    expect(head.valueAddedTax).toBe(fenToYuan(tax.totals.vatFen));
    expect(head.consumptionTax).toBe(fenToYuan(tax.totals.consumptionFen));
    expect(head.invtNo).toBe(inv.records[0].invtNo);

    // Every receipt relayed is valid against the official XSD.
    for (const item of feed.items.filter((i) => i.messageId === inventoryId)) expect(validateWithXsd(item.xml, 'import').ok).toBe(true);

    // The forwarded DxpMsg carries exactly the bytes received, and is valid.
    const env = await p.request('GET', `/api/v1/messages/${inventoryId}/envelope`, { key: p.key('agent') });
    expect(validateWithXsd(env.text, 'dxp-terminal').ok).toBe(true);
    const envDoc = parseDocument(Buffer.from(env.text));
    if (!envDoc.ok) throw new Error('envelope does not parse');
    const opened = openEnvelope(envDoc.doc);
    expect(opened.data.equals(Buffer.from(inventoryXml))).toBe(true);
    expect(opened).toMatchObject({ senderId: DEMO_PARTIES.agent.dxpId, receiverIds: ['DXPEDCCEB0000002'], msgType: 'CEB621Message' });
    const raw = await p.request('GET', `/api/v1/messages/${inventoryId}/raw`, { key: p.key('agent') });
    expect(Buffer.from(raw.text).equals(opened.data)).toBe(true);

    // The agent's webhook got the release, signed.
    const release = await eventually(async () => deliveries.find((d) => {
      const b = JSON.parse(d.body) as { receipt: { messageId: number; returnStatus: string; messageType: string } };
      return b.receipt.messageId === inventoryId && b.receipt.messageType === 'CEB622Message' && b.receipt.returnStatus === '800';
    }), 10_000, 'webhook delivery of the 800 receipt');
    expect(verifySignature(secret, release.body, release.signature)).toBe(true);
    expect(verifySignature(secret, release.body + ' ', release.signature)).toBe(false);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(deliveries.length);
  });

  it('relays receipts only to their own enterprise', async () => {
    const ebp = (await p.request('GET', '/api/v1/receipts?limit=1000', { key: p.key('ebp') })).json() as { items: Array<{ messageType: string }> };
    expect(ebp.items.length).toBeGreaterThan(0);
    expect(new Set(ebp.items.map((i) => i.messageType))).toEqual(new Set(['CEB312Message']));
    const pageOne = (await p.request('GET', '/api/v1/receipts?limit=1', { key: p.key('ebp') })).json() as { items: Array<{ id: number }>; next: string };
    const pageTwo = (await p.request('GET', `/api/v1/receipts?limit=1&after=${pageOne.next}`, { key: p.key('ebp') })).json() as { items: Array<{ id: number }> };
    expect(pageTwo.items[0].id).toBeGreaterThan(pageOne.items[0].id);
  });
});
