/**
 * Clearance before customs, through the real API: 三单比对 with every reason named, then fixed
 * and released; documents that never come; conflicts refused with customs codes; positive list;
 * quotas; bonded stock; pre-check. Nothing refused ever reaches the sandbox customs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage, type Flow } from '../../src/demo/flows.ts';
import type { CebNode } from '../../src/ceb/index.ts';
import { cancelMessage, refundMessage } from '../../src/demo/aftersales.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';
import { validateWithXsd } from '../support/xmllint.ts';

type Role = 'ebp' | 'payment' | 'logistics' | 'agent' | 'warehouse' | 'ebc';
interface Shown {
  status: string;
  forwardedAt: string | null;
  records: Array<{ status: string; returnStatus: string | null; returnInfo: string | null }>;
  receipts: Array<{ messageType: string; returnStatus: string; returnInfo: string }>;
}
interface ErrorBody {
  error: { code: string; message: string; returnStatus?: string; returnInfo?: string; issues: Array<{ path: string; rule: string }> };
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const head = (n: CebNode, name: string) => n[name] as Record<string, string>;
let seq = 0;
const newGuid = () => `C1EA0000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

describe.each(databases())('clearance on %s', (kind) => {
  let p: Platform;
  let seed = 500;

  beforeAll(async () => {
    p = await startPlatform(kind, { SILKGATE_MATCH_DEADLINE_MS: '1500', SILKGATE_CLEARANCE_SWEEP_MS: '100' });
  });
  afterAll(() => p.close());

  const send = async (role: Role, xml: string, expectStatus = 202) => {
    const res = await p.request('POST', '/api/v1/messages', { key: p.key(role), body: xml });
    expect(res.status, res.text).toBe(expectStatus);
    return res;
  };
  const idOf = async (role: Role, xml: string) => ((await send(role, xml)).json() as { id: number }).id;
  const show = async (role: Role, id: number) => (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key(role) })).json() as Shown;
  const waitFor = (role: Role, id: number, pred: (s: Shown) => boolean, what: string, ms = 12_000) =>
    eventually(async () => {
      const s = await show(role, id);
      return pred(s) && s;
    }, ms, what);
  const sendDocuments = async (f: Flow) => {
    const ids = [
      await idOf('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp)),
      await idOf('payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment)),
      await idOf('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics)),
    ];
    for (const [role, id] of [['ebp', ids[0]], ['payment', ids[1]], ['logistics', ids[2]]] as const) {
      await waitFor(role, id, (s) => s.records[0].status === 'customs-accepted', `${role} document accepted`);
    }
  };
  const inventoryXml = (f: Flow, guid?: string) => wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent, guid);
  const stockIn = async (f: Flow, extra = 0) => {
    const lines = f.inventory.InventoryList as Array<Record<string, string>>;
    const items = lines.map((l) => ({ emsNo: head(f.inventory, 'InventoryHead').emsNo, itemRecordNo: l.itemRecordNo, ownerCode: DEMO_PARTIES.ebc.code, qty: String(Number(l.qty) + extra), gcode: l.gcode, name: l.gname }));
    const res = await p.request('POST', '/api/v1/stock/in', { key: p.key('warehouse'), body: JSON.stringify({ items }), type: 'application/json' });
    expect(res.status, res.text).toBeLessThan(300);
  };

  it('catches an inconsistent flow before customs with every reason named, then releases it once fixed', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '1210', seed: seed++ });
    await stockIn(f);
    const bad = { ...f, payment: clone(f.payment), waybill: clone(f.waybill) };
    head(bad.payment, 'PaymentHead').amountPaid = '1.00';
    head(bad.payment, 'PaymentHead').payerName = '冒名顶替';
    head(bad.waybill, 'LogisticsHead').consigneeAddress = '浙江省杭州市滨江区网商路699号';
    await sendDocuments(bad);
    const invId = await idOf('agent', inventoryXml(f));
    const refused = await waitFor('agent', invId, (s) => s.status === 'refused', 'refusal');
    expect(refused.forwardedAt).toBeNull();
    const info = refused.records[0].returnInfo!;
    expect(refused.records[0]).toMatchObject({ status: 'rejected', returnStatus: '-621903' });
    for (const named of ['CEB411 amountPaid is "1.00"', 'CEB411 payerName is "冒名顶替"', 'CEB511 consigneeAddress is "浙江省杭州市滨江区网商路699号"', 'CEB311 acturalPaid', 'CEB311 buyerName', 'CEB311 consigneeAddress']) {
      expect(info).toContain(named);
    }
    expect(refused.receipts.map((r) => [r.messageType, r.returnStatus])).toEqual([['CEB900Message', '-621903']]);
    // The refusal is a receipt like customs': valid against the official XSD.
    const feed = (await p.request('GET', '/api/v1/receipts?limit=1000', { key: p.key('agent') })).json() as { items: Array<{ messageId: number; xml: string }> };
    const refusal = feed.items.find((i) => i.messageId === invId)!;
    expect(validateWithXsd(refusal.xml, 'import').ok).toBe(true);

    // The payment company and the logistics firm send corrections (appType 2); the agent declares again.
    const payment = clone(f.payment);
    Object.assign(head(payment, 'PaymentHead'), { guid: newGuid(), appType: '2' });
    const waybill = clone(f.waybill);
    Object.assign(head(waybill, 'LogisticsHead'), { guid: newGuid(), appType: '2' });
    const pid = await idOf('payment', wrapMessage('CEB411Message', [payment], DEMO_PARTIES.payment));
    const wid = await idOf('logistics', wrapMessage('CEB511Message', [waybill], DEMO_PARTIES.logistics));
    await waitFor('payment', pid, (s) => s.records[0].status === 'customs-accepted', 'corrected payment');
    await waitFor('logistics', wid, (s) => s.records[0].status === 'customs-accepted', 'corrected waybill');
    const again = clone(f.inventory);
    head(again, 'InventoryHead').guid = newGuid();
    const inv2 = await idOf('agent', wrapMessage('CEB621Message', [again], DEMO_PARTIES.agent));
    const released = await waitFor('agent', inv2, (s) => s.records[0].status === 'released' || s.records[0].status === 'closed', 'release of the fixed inventory');
    expect(released.receipts.map((r) => r.returnStatus)).toEqual(expect.arrayContaining(['2', '120', '800']));
    const view = (await show('agent', inv2)) as Shown & { clearance: Array<{ state: string; tax: { total: string } }> };
    expect(view.clearance[0].state).toBe('matched');
    expect(Number(view.clearance[0].tax.total)).toBeGreaterThan(0);
    expect(((await show('agent', invId)) as Shown & { clearance: Array<{ refusal: { code: string } }> }).clearance[0].refusal.code).toBe('-621903');
    // Its bonded stock was taken at release.
    const stock = (await p.request('GET', `/api/v1/stock?emsNo=${head(f.inventory, 'InventoryHead').emsNo}`, { key: p.key('warehouse') })).json() as { items: Array<{ itemRecordNo: string; onHand: string; reserved: string }> };
    const line = (f.inventory.InventoryList as Array<Record<string, string>>)[0];
    const item = stock.items.find((i) => i.itemRecordNo === line.itemRecordNo)!;
    expect(Number(item.reserved)).toBe(0);
  });

  it('refuses an inventory whose documents never come, naming each', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await idOf('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    const invId = await idOf('agent', inventoryXml(f));
    expect((await show('agent', invId)).records[0].status).toBe('awaiting-documents');
    const refused = await waitFor('agent', invId, (s) => s.status === 'refused', 'deadline refusal');
    expect(refused.records[0].returnStatus).toBe('-621901');
    expect(refused.records[0].returnInfo).toContain('支付单 (payment)');
    expect(refused.records[0].returnInfo).toContain('运单 (waybill)');
    expect(refused.records[0].returnInfo).not.toContain('订单 (order)[');
  });

  it('refuses conflicts with the customs code and changes nothing', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await send('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    const dupOrder = clone(f.order);
    head(dupOrder, 'OrderHead').guid = newGuid();
    const r1 = (await send('ebp', wrapMessage('CEB311Message', [dupOrder], DEMO_PARTIES.ebp), 409)).json() as ErrorBody;
    expect(r1.error).toMatchObject({ code: 'CONFLICT', returnStatus: '-301010' });
    expect(r1.error.issues[0].path).toBe('CEB311Message.Order[0].OrderHead.orderNo');

    const stray = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    const r2 = (await send('payment', wrapMessage('CEB411Message', [stray.payment], DEMO_PARTIES.payment), 409)).json() as ErrorBody;
    expect(r2.error.returnStatus).toBe('-401005');

    await send('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics));
    const dupWaybill = clone(stray.waybill);
    head(dupWaybill, 'LogisticsHead').logisticsNo = head(f.waybill, 'LogisticsHead').logisticsNo;
    expect(((await send('logistics', wrapMessage('CEB511Message', [dupWaybill], DEMO_PARTIES.logistics), 409)).json() as ErrorBody).error.returnStatus).toBe('-504010');

    await send('agent', inventoryXml(f));
    const second = clone(f.inventory);
    Object.assign(head(second, 'InventoryHead'), { guid: newGuid(), copNo: `${head(second, 'InventoryHead').copNo.slice(0, 17)}X2` });
    expect(((await send('agent', wrapMessage('CEB621Message', [second], DEMO_PARTIES.agent), 409)).json() as ErrorBody).error.returnStatus).toBe('-621004');
  });

  it('refuses lines off the positive list, naming the HS code', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++, lines: 1 });
    const inv = clone(f.inventory);
    (inv.InventoryList as Array<Record<string, string>>)[0].gcode = '9303201000';
    await sendDocuments(f);
    const id = await idOf('agent', wrapMessage('CEB621Message', [inv], DEMO_PARTIES.agent));
    const s = await waitFor('agent', id, (x) => x.status === 'refused', 'positive-list refusal');
    expect(s.records[0]).toMatchObject({ returnStatus: '-621904' });
    expect(s.records[0].returnInfo).toContain('9303201000');
  });

  it('refuses a buyer over the annual limit with the remaining amount, and holds no quota for it', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    const idNumber = head(f.order, 'OrderHead').buyerIdNumber;
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    // Earlier purchases this year: 25,990.00 yuan of the 26,000.00.
    await p.app.db.kysely.transaction().execute(async (trx) => {
      for (const [i, amountFen] of [500_000, 500_000, 500_000, 500_000, 500_000, 99_000].entries()) {
        expect((await p.app.quotas.reserve(trx, { declarationId: 9_000_000 + seed * 10 + i, idNumber, year, amountFen })).ok).toBe(true);
      }
    });
    await sendDocuments(f);
    const id = await idOf('agent', inventoryXml(f));
    const s = await waitFor('agent', id, (x) => x.status === 'refused', 'quota refusal');
    expect(s.records[0].returnStatus).toBe('-621018');
    expect(s.records[0].returnInfo).toContain('10.00');
    expect((await p.app.quotas.usage(idNumber, year)).reservedFen).toBe(2_599_000);
  });

  it('refuses a bonded inventory beyond stock before customs', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '1210', seed: seed++ });
    await stockIn(f, -0.5);
    await sendDocuments(f);
    const id = await idOf('agent', inventoryXml(f));
    const s = await waitFor('agent', id, (x) => x.status === 'refused', 'stock refusal');
    expect(s.records[0].returnStatus).toBe('-621905');
    expect(s.forwardedAt).toBeNull();
  });

  it('pre-checks a message: every finding and the tax, storing nothing', async () => {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await sendDocuments(f);
    const before = await p.app.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const ok = (await p.request('POST', '/api/v1/precheck', { key: p.key('agent'), body: inventoryXml(f) })).json() as { ok: boolean; records: Array<{ findings: unknown[]; tax: { valueAddedTax: string; total: string } }> };
    expect(ok.ok).toBe(true);
    expect(Number(ok.records[0].tax.total)).toBeGreaterThan(0);
    const bad = clone(f.inventory);
    head(bad, 'InventoryHead').buyerName = '张冒名';
    (bad.InventoryList as Array<Record<string, string>>)[0].gcode = '9303201000';
    const res = (await p.request('POST', '/api/v1/precheck', { key: p.key('agent'), body: wrapMessage('CEB621Message', [bad], DEMO_PARTIES.agent) })).json() as { ok: boolean; records: Array<{ findings: Array<{ code: string; message: string }> }> };
    expect(res.ok).toBe(false);
    expect(res.records[0].findings.map((x) => x.code)).toContain('-621903');
    const after = await p.app.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe.each(databases())('cancel and return on %s', (kind) => {
  let p: Platform;
  let seed = 900;

  beforeAll(async () => {
    p = await startPlatform(kind);
  });
  afterAll(() => p.close());

  const send = (role: Role, xml: string) => p.request('POST', '/api/v1/messages', { key: p.key(role), body: xml });
  const show = async (role: Role, id: number) => (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key(role) })).json() as Shown & { records: Array<{ invtNo: string | null }> };
  const until = (role: Role, id: number, pred: (s: Shown & { records: Array<{ invtNo: string | null }> }) => boolean, what: string) =>
    eventually(async () => {
      const s = await show(role, id);
      return pred(s) && s;
    }, 15_000, what);

  /** A 1210 parcel through to release; returns the flow, its invtNo and the buyer's quota use. */
  async function released() {
    const f = makeFlow(DEMO_PARTIES, { mode: '1210', seed: seed++ });
    const lines = f.inventory.InventoryList as Array<Record<string, string>>;
    const emsNo = head(f.inventory, 'InventoryHead').emsNo;
    const items = lines.map((l) => ({ emsNo, itemRecordNo: l.itemRecordNo, ownerCode: DEMO_PARTIES.ebc.code, qty: l.qty }));
    expect((await p.request('POST', '/api/v1/stock/in', { key: p.key('warehouse'), body: JSON.stringify({ items }), type: 'application/json' })).status).toBe(200);
    for (const [role, root, rec, party] of [['ebp', 'CEB311Message', f.order, DEMO_PARTIES.ebp], ['payment', 'CEB411Message', f.payment, DEMO_PARTIES.payment], ['logistics', 'CEB511Message', f.waybill, DEMO_PARTIES.logistics]] as const) {
      const r = await send(role, wrapMessage(root, [rec], party));
      expect(r.status, r.text).toBe(202);
    }
    const inv = await send('agent', wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent));
    const id = (inv.json() as { id: number }).id;
    const s = await until('agent', id, (x) => x.records[0].status === 'closed', 'inventory closed');
    const idNumber = head(f.order, 'OrderHead').buyerIdNumber;
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    return { f, invtNo: s.records[0].invtNo!, idNumber, year };
  }

  it('an approved cancel gives the buyer\'s quota and the bonded stock back', async () => {
    const { f, invtNo, idNumber, year } = await released();
    const used = await p.app.quotas.usage(idNumber, year);
    expect(used.consumedFen).toBeGreaterThan(0);
    const line = (f.inventory.InventoryList as Array<Record<string, string>>)[0];
    const before = (await p.app.stock.query({ emsNo: head(f.inventory, 'InventoryHead').emsNo })).find((i) => i.itemRecordNo === line.itemRecordNo)!;
    // The platform may not send cancels at all; the e-commerce enterprise, declaring itself, may, but to anyone
    // but its declarant the inventory does not exist.
    expect((await send('ebp', cancelMessage(f, invtNo, DEMO_PARTIES.ebp))).status).toBe(403);
    const foreign = await send('ebc', cancelMessage(f, invtNo, DEMO_PARTIES.ebc));
    expect((foreign.json() as { error: { returnStatus: string } }).error.returnStatus).toBe('-623001');
    const c = await send('agent', cancelMessage(f, invtNo, DEMO_PARTIES.agent));
    expect(c.status, c.text).toBe(202);
    const cid = (c.json() as { id: number }).id;
    const done = await until('agent', cid, (x) => x.records[0].status === 'concluded', 'cancel approved');
    expect(done.receipts.at(-1)!.returnInfo).toContain('撤单申请审核通过');
    expect((await p.app.quotas.usage(idNumber, year)).consumedFen).toBe(0);
    const after = (await p.app.stock.query({ emsNo: head(f.inventory, 'InventoryHead').emsNo })).find((i) => i.itemRecordNo === line.itemRecordNo)!;
    expect(Number(after.onHand)).toBe(Number(before.onHand) + Number(line.qty));
  });

  it('returns: approved within quantities, refused beyond them or for an inventory not released', async () => {
    const { f, invtNo, idNumber, year } = await released();
    const line = (f.inventory.InventoryList as Array<Record<string, string>>)[0];
    const tooMany = await send('agent', refundMessage(f, invtNo, DEMO_PARTIES.agent, { [line.gnum]: String(Number(line.qty) + 1) }));
    expect(tooMany.status).toBe(409);
    expect((tooMany.json() as { error: { returnStatus: string } }).error.returnStatus).toBe('-625009');
    const unknown = await send('agent', refundMessage(f, '29242026I999999999', DEMO_PARTIES.agent));
    expect((unknown.json() as { error: { returnStatus: string } }).error.returnStatus).toBe('-625001');
    const ok = await send('agent', refundMessage(f, invtNo, DEMO_PARTIES.agent));
    expect(ok.status, ok.text).toBe(202);
    await until('agent', (ok.json() as { id: number }).id, (x) => x.records[0].status === 'concluded', 'return approved');
    expect((await p.app.quotas.usage(idNumber, year)).consumedFen).toBe(0);
  });
});
