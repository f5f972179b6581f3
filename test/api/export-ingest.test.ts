/**
 * Export declarations at the door: accepted as XML, as a DxpMsg for the export system and as
 * JSON, forwarded to DXPEDCCEB0000003; refused with a code and nothing stored when they conflict
 * with what is stored (duplicate order or waybill, second inventory, collection for no order,
 * cancel or return of an inventory that cannot be); pre-checked against their documents.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXPORT_PARTIES as P, exportCancelMessage, exportReturnMessage, makeExportFlow, wrapExport, type ExportFlow } from '../../src/demo/export.ts';
import { CUSTOMS_EXPORT_DXP_ID, buildDxpMsg, openEnvelope, parseDocument, type CebNode, type ParsedDocument } from '../../src/ceb/index.ts';
import { exporter, type ExportRole } from '../support/exports.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; returnStatus?: string; returnInfo?: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
interface Precheck {
  ok: boolean;
  records: Array<{ findings: Array<{ code: string; message: string }> }>;
}

describe.each(databases())('export ingest on %s', { timeout: 90_000 }, (kind) => {
  let p: Platform;
  const x = exporter(() => p);
  let seed = 900;

  beforeAll(async () => {
    p = await startPlatform(kind);
  });
  afterAll(async () => {
    await p.close();
  });

  const post = (role: ExportRole, body: string, type = 'application/xml') => p.request('POST', '/api/v1/messages', { key: p.key(role), body, type });
  const count = async () => Number((await p.app.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  /** A 409 with the customs code, naming the field; nothing stored. */
  const conflict = async (role: ExportRole, xml: string, code: string, path: RegExp) => {
    const before = await count();
    const res = await post(role, xml);
    expect(res.status, res.text).toBe(409);
    const err = (res.json() as ErrorBody).error;
    expect(err.returnStatus).toBe(code);
    expect(err.issues[0].path).toMatch(path);
    expect(await count()).toBe(before);
    return err;
  };
  const flow = (mode: ExportFlow['mode'] = '9610') => makeExportFlow(P, { mode, seed: seed++ });

  it('accepts an export declaration as XML, as a DxpMsg for the export system and as JSON, and forwards it to the export system', async () => {
    const [a, b, c] = [flow(), flow(), flow()];
    const viaXml = await x.send('logistics', wrapExport('CEB505Message', [a.waybill], P.logistics));
    const data = Buffer.from(wrapExport('CEB505Message', [b.waybill], P.logistics));
    const dxp = await post('logistics', buildDxpMsg({ copMsgId: randomUUID(), senderId: P.logistics.dxpId, receiverId: CUSTOMS_EXPORT_DXP_ID, msgType: 'CEB505Message', data }));
    expect(dxp.status, dxp.text).toBe(202);
    const parsed = parseDocument(Buffer.from(wrapExport('CEB505Message', [c.waybill], P.logistics)));
    const json = await post('logistics', JSON.stringify({ CEB505Message: (parsed as { doc: ParsedDocument }).doc.body }), 'application/json');
    expect(json.status, json.text).toBe(202);
    for (const id of [viaXml, (dxp.json() as { id: number }).id, (json.json() as { id: number }).id]) {
      const env = await p.request('GET', `/api/v1/messages/${id}/envelope`, { key: p.key('logistics') });
      const e = openEnvelope((parseDocument(Buffer.from(env.text)) as { doc: ParsedDocument }).doc);
      expect(e.receiverIds).toEqual([CUSTOMS_EXPORT_DXP_ID]);
      expect(e.msgType).toBe('CEB505Message');
      await eventually(async () => (await x.statusOf('logistics', id)) === 'customs-accepted', 10_000, 'CEB506 120');
    }
  });

  it('refuses a second order, waybill or inventory for the same numbers, and a collection for no order', async () => {
    const f = flow();
    await x.send('ebp', wrapExport('CEB303Message', [f.order], P.ebp));
    await conflict('ebp', wrapExport('CEB303Message', [{ ...f.order, OrderHead: { ...(f.order.OrderHead as CebNode), guid: randomUUID().toUpperCase() } }], P.ebp), '-303010', /^CEB303Message\.Order\[0\]\.OrderHead\.orderNo$/);
    await x.send('logistics', wrapExport('CEB505Message', [f.waybill], P.logistics));
    await conflict('logistics', wrapExport('CEB505Message', [{ ...f.waybill, guid: randomUUID().toUpperCase() }], P.logistics), '-505010', /^CEB505Message\.Logistics\[0\]\.logisticsNo$/);
    await x.send('agent', wrapExport('CEB603Message', [f.inventory], P.agent, undefined, { sign: true }));
    const again = { ...f.inventory, InventoryHead: { ...(f.inventory.InventoryHead as CebNode), guid: randomUUID().toUpperCase(), copNo: `${(f.inventory.InventoryHead as CebNode).copNo}B` } };
    await conflict('agent', wrapExport('CEB603Message', [again], P.agent, undefined, { sign: true }), '-603004', /InventoryHead\.orderNo$/);
    // The payment company's collection: the exporter it names reads it; a second one with its payNo is refused.
    const collection = await x.send('payment', wrapExport('CEB403Message', [f.collection!], P.payment));
    expect((await x.show('ebc', collection)).records).toHaveLength(1);
    await conflict('payment', wrapExport('CEB403Message', [{ ...f.collection!, guid: randomUUID().toUpperCase() }], P.payment), '-403010', /^CEB403Message\.Receipts\[0\]\.orderNo$/);
    const orphan = flow();
    const err = await conflict('payment', wrapExport('CEB403Message', [orphan.collection!], P.payment), '-403005', /^CEB403Message\.Receipts\[0\]\.orderNo$/);
    expect(err.issues[0].actual).toBe(orphan.orderNo);
  });

  it('refuses a cancel or a return of an inventory the sender did not declare, a return before release, a cancel after departure', async () => {
    const f = flow();
    const invId = await x.declare(f);
    await eventually(async () => (await x.statusOf('agent', invId)) === 'customs-accepted', 15_000, 'inventory 120');
    const invtNo = (await x.show('agent', invId)).records[0].invtNo!;
    await conflict('agent', exportCancelMessage(f, '29242026E99999999999', P.agent), '-605001', /^CEB605Message\.InvtCancel\[0\]\.invtNo$/);
    // The consignor did not declare it (its agent did): to the consignor it does not exist.
    await conflict('ebc', exportCancelMessage(f, invtNo, P.ebc), '-605001', /invtNo$/);
    await conflict('agent', exportReturnMessage(f, invtNo, P.agent), '-213002', /^CEB213Message\.InvtRefund\[0\]\.InvtRefundHead\.invtNo$/);
    await x.clear([f], [invId]);
    const late = await conflict('agent', exportCancelMessage(f, invtNo, P.agent), '-605002', /invtNo$/);
    expect(late.returnInfo).toContain('已离境');
    // Once released, its return is accepted.
    await x.send('agent', exportReturnMessage(f, invtNo, P.agent));
  });

  it('pre-checks an export inventory against its documents without storing it', async () => {
    const f = flow('9710');
    await x.send('ebc', wrapExport('CEB303Message', [f.order], P.ebc));
    const docs = [await x.send('payment', wrapExport('CEB403Message', [f.collection!], P.payment)), await x.send('logistics', wrapExport('CEB505Message', [f.waybill], P.logistics))];
    await eventually(async () => (await x.statusOf('logistics', docs[1])) === 'customs-accepted' && (await x.statusOf('payment', docs[0])) === 'customs-accepted', 10_000, 'documents at 120');
    const check = async (inventory: CebNode) => {
      const before = await count();
      const res = await p.request('POST', '/api/v1/precheck', { key: p.key('agent'), body: wrapExport('CEB603Message', [inventory], P.agent, undefined, { sign: true }) });
      expect(res.status, res.text).toBe(200);
      expect(await count()).toBe(before);
      return res.json() as Precheck;
    };
    await eventually(async () => (await check(f.inventory)).ok, 10_000, 'a clean pre-check once the order is at 120');
    const line = (f.inventory.InventoryList as CebNode[])[0];
    const wrong = { ...f.inventory, InventoryList: [{ ...line, price: '0.01' }, ...(f.inventory.InventoryList as CebNode[]).slice(1)] };
    const bad = await check(wrong);
    expect(bad.ok).toBe(false);
    expect(bad.records[0].findings).toContainEqual({ code: '-603903', message: expect.stringContaining(`CEB603 line ${line.gnum} price is "0.01" but CEB303 line ${line.gnum} price is "${line.price}"`) });
  });
});
