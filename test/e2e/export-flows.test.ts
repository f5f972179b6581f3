/**
 * Export end to end through the real HTTP API, the outbox and the sandbox export customs: a 9610
 * parcel from order to the customs declaration its summary became (order → collection → waybill
 * → inventory → arrival → release → departure → close → summary → CEB792), a 9710 B2B
 * consignment and a 9810 overseas-warehouse consignment with their tax-refund ledger entries.
 * Every message the platform sends and every receipt it relays validates against the XSD.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXPORT_PARTIES as P, makeExportFlow, type ExportFlow, type ExportMode } from '../../src/demo/export.ts';
import { openEnvelope, parseDocument, type CebNode } from '../../src/ceb/index.ts';
import { fenToYuan, toRmbFen, yuanToFen } from '../../src/modules/tax/index.ts';
import { usccCheckChar } from '../../src/modules/enterprises/index.ts';
import { cstDay } from '../../src/platform/time.ts';
import { validateWithXsd } from '../support/xmllint.ts';
import { exporter, type ExportRole } from '../support/exports.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';

interface Summary {
  id: number;
  copNo: string;
  status: string;
  sumNo: string | null;
  messageId: number;
  inventories: Array<{ invtNo: string; standing: boolean }>;
  declarations: Array<{ declSeqNo: string; entryId: string | null; items: Array<{ gseqno: number; gcode: string; lines: Array<{ invtNo: string; gnum: number }> }> }>;
}
interface Group {
  key: string;
  tradeMode: string;
  items: number;
  inventories: Array<{ invtNo: string }>;
}

interface Entry {
  id: number;
  declSeqNo: string;
  entryId: string | null;
  invtNo: string;
  gnum: number;
  gseqno: number;
  qty: string;
  tradeMode: string;
  fobRmb: string | null;
  regime: string;
  rate: number | null;
  refundable: string;
  claimable: string;
  status: string;
}
const SUPPLIER = (() => {
  const first17 = '91330683MA2B7K3F0';
  return first17 + usccCheckChar(first17);
})();

type Role = ExportRole;
const list = (n: CebNode, k: string) => {
  const v = n[k];
  return (Array.isArray(v) ? v : v ? [v] : []) as CebNode[];
};
const head = (f: ExportFlow) => f.inventory.InventoryHead as Record<string, string>;

describe.each(databases())('export end to end on %s', { timeout: 90_000 }, (kind) => {
  let p: Platform;
  let seed = 500;

  beforeAll(async () => {
    p = await startPlatform(kind);
  });
  afterAll(async () => {
    await p.close();
  });

  const { show, declare, clear } = exporter(() => p);
  const json = async <T>(role: Role, method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string }> => {
    const res = await p.request(method, path, { key: p.key(role), ...(body !== undefined ? { body: JSON.stringify(body), type: 'application/json' } : {}) });
    return { status: res.status, body: res.json() as T, text: res.text };
  };

  const summarise = async (invtNos: string[], mode: ExportMode): Promise<Summary> => {
    const proposals = await json<{ groups: Group[] }>('agent', 'GET', '/api/v1/summaries/proposals');
    expect(proposals.status).toBe(200);
    const group = proposals.body.groups.find((g) => g.inventories.some((i) => invtNos.includes(i.invtNo)))!;
    expect(group, 'a proposed group holding the inventories').toBeDefined();
    expect(group.tradeMode).toBe(mode);
    const sent = await json<Summary>('agent', 'POST', '/api/v1/summaries', { key: group.key, invtNos });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body.status).toBe('sent');
    // Confirmed inventories leave the proposals.
    const after = await json<{ groups: Group[] }>('agent', 'GET', '/api/v1/summaries/proposals');
    expect(after.body.groups.flatMap((g) => g.inventories.map((i) => i.invtNo)).filter((n) => invtNos.includes(n))).toEqual([]);
    return eventually(async () => {
      const s = await json<Summary>('agent', 'GET', `/api/v1/summaries/${sent.body.id}`);
      if (s.body.status === 'declared' && s.body.declarations.length > 0) return s.body;
      const m = await show('agent', s.body.messageId);
      throw new Error(`summary ${s.body.status}; CEB701 ${m.status}/${m.records[0]?.status}: ${JSON.stringify(m.receipts)}`);
    }, 20_000, 'CEB792');
  };

  /** The exporter's ledger entries of one customs declaration. */
  const ledgerOf = async (declSeqNo: string): Promise<Entry[]> => {
    const l = await json<{ items: Entry[] }>('ebc', 'GET', '/api/v1/refunds/ledger?limit=500');
    expect(l.status, l.text).toBe(200);
    return l.body.items.filter((e) => e.declSeqNo === declSeqNo);
  };

  /** A purchase VAT invoice for every item of a declaration: amount = half the FOB in RMB, VAT 13 %. */
  const invoiceAll = async (entries: Entry[], no: string) => {
    const items = entries.map((e) => ({ ...(e.entryId ? { entryId: e.entryId } : { declSeqNo: e.declSeqNo }), invtNo: e.invtNo, gnum: e.gnum, qty: e.qty, amount: fenToYuan(Math.floor(yuanToFen(e.fobRmb!) / 2)) }));
    const amount = items.reduce((a, i) => a + yuanToFen(i.amount), 0);
    const res = await json<unknown>('ebc', 'POST', '/api/v1/refunds/invoices', {
      invoiceCode: '3300231130',
      invoiceNo: no,
      invoiceDate: cstDay(new Date(Date.now() - 86_400_000)),
      sellerTaxId: SUPPLIER,
      sellerName: '嵊州市华丝丝绸有限公司',
      amount: fenToYuan(amount),
      taxAmount: fenToYuan(Math.round((amount * 13) / 100)),
      items,
    });
    expect(res.status, res.text).toBe(201);
    return items;
  };

  /** Every receipt relayed for these messages, and the forwarded envelopes, are valid against the export XSD. */
  const allValid = async (role: Role, ids: number[]) => {
    const feed = (await json<{ items: Array<{ messageId: number; messageType: string; xml: string }> }>(role, 'GET', '/api/v1/receipts?limit=1000')).body.items.filter((i) => ids.includes(i.messageId));
    expect(feed.length).toBeGreaterThan(0);
    for (const r of feed) {
      const v = validateWithXsd(r.xml, 'export');
      expect(v.ok, `${r.messageType}: ${v.errors}`).toBe(true);
    }
    for (const id of ids) {
      const env = await p.request('GET', `/api/v1/messages/${id}/envelope`, { key: p.key(role) });
      expect(env.status).toBe(200);
      expect(validateWithXsd(env.text, 'dxp-terminal').ok).toBe(true);
      const doc = parseDocument(Buffer.from(env.text));
      expect(doc.ok).toBe(true);
      const e = openEnvelope((doc as { doc: Parameters<typeof openEnvelope>[0] }).doc);
      expect(e.receiverIds).toEqual(['DXPEDCCEB0000003']);
      const inner = validateWithXsd(e.data, 'export');
      expect(inner.ok, inner.errors).toBe(true);
    }
    return feed;
  };

  it('takes a 9610 parcel from order to the customs declaration of its summary', async () => {
    const f = makeExportFlow(P, { mode: '9610', seed: seed++, lateTransport: false });
    const invId = await declare(f);
    const { arrival, departure } = await clear([f], [invId]);
    const inv = await show('agent', invId);
    expect(inv.receipts.filter((r) => r.messageType === 'CEB604Message').map((r) => r.returnStatus)).toEqual(['2', '120', '800', '899']);
    const invtNo = inv.records[0].invtNo!;
    expect(invtNo).toMatch(/^2924\d{4}E\d{11}$/);
    // The e-commerce enterprise the agent declared for reads the inventory and its receipts.
    expect((await show('ebc', invId)).records[0].invtNo).toBe(invtNo);

    const summary = await summarise([invtNo], '9610');
    expect(summary.sumNo).toBeTruthy();
    expect(summary.inventories).toEqual([{ invtNo, declarationId: expect.any(Number), standing: true }]);
    const [decl] = summary.declarations;
    expect(decl.entryId).toMatch(/^2924\d{4}0\d{9}$/); // 9th digit: 0 export, 1 import
    // Every line of the inventory is in one item of the declaration, with its HS code.
    const lines = list(f.inventory, 'InventoryList');
    const placed = decl.items.flatMap((i) => i.lines.map((l) => ({ gnum: l.gnum, gcode: i.gcode, invtNo: l.invtNo })));
    expect(placed.sort((a, b) => a.gnum - b.gnum)).toEqual(lines.map((l) => ({ gnum: Number(l.gnum), gcode: l.gcode, invtNo })));

    await allValid('agent', [invId, summary.messageId]);
    await allValid('warehouse', [arrival]);
    await allValid('logistics', [departure]);

    // Retail export without purchase invoices: exempt (无票免税), with its FOB value in RMB.
    const entries = await ledgerOf(decl.declSeqNo);
    expect(entries.map((e) => e.gnum).sort()).toEqual(lines.map((l) => Number(l.gnum)).sort());
    for (const e of entries) {
      const l = lines.find((x) => Number(x.gnum) === e.gnum)!;
      expect(e).toMatchObject({ regime: 'exempt', status: 'exempt', entryId: decl.entryId, refundable: '0.00' });
      expect(e.fobRmb).toBe(fenToYuan(toRmbFen(l.totalPrice as string, l.currency as string)!));
    }
  });

  /** The special zone's account book: the goods of a 1210 export flow, put in by the site (qty per line × `times`). */
  const stockIn = async (f: ExportFlow, times: number) => {
    const items = list(f.inventory, 'InventoryList').map((l) => ({ emsNo: head(f).emsNo, itemRecordNo: l.itemRecordNo, ownerCode: P.ebc.code, qty: String(Number(l.qty) * times), gcode: l.gcode, name: l.gname }));
    const res = await p.request('POST', '/api/v1/stock/in', { key: p.key('warehouse'), body: JSON.stringify({ items }), type: 'application/json' });
    expect(res.status, res.text).toBe(200);
  };
  const available = async (f: ExportFlow) => {
    const line = list(f.inventory, 'InventoryList')[0];
    const res = await p.request('GET', `/api/v1/stock/${head(f).emsNo}/${line.itemRecordNo}`, { key: p.key('warehouse') });
    return Number((res.json() as { item: { available: string } }).item.available);
  };

  it('clears a 1210 special-zone export parcel off the account book into an exempt declaration; refuses one the book cannot cover', async () => {
    const f = makeExportFlow(P, { mode: '1210', seed: seed++, emsNo: 'T2924W000777', lines: 1 });
    expect(head(f).emsNo).toBe('T2924W000777');
    const qty = Number(list(f.inventory, 'InventoryList')[0].qty);
    await stockIn(f, 1);
    const invId = await declare(f);
    await eventually(async () => (await available(f)) === 0, 15_000, 'the goods reserved');
    await clear([f], [invId]);
    // Released: the goods left the zone (consumed), not merely reserved.
    const moves = ((await p.request('GET', `/api/v1/stock/${head(f).emsNo}/${list(f.inventory, 'InventoryList')[0].itemRecordNo}`, { key: p.key('warehouse') })).json() as { moves: Array<{ kind: string; qty: string }> }).moves;
    expect(moves.map((m) => m.kind)).toContain('consume');
    expect(qty).toBeGreaterThan(0);

    // A parcel whose goods are not on the book is refused before customs, naming the shortage.
    const g = makeExportFlow(P, { mode: '1210', seed: seed++, emsNo: 'T2924W000778', lines: 1 });
    const gId = await declare(g);
    const refused = await eventually(async () => {
      const v = await show('agent', gId);
      return v.status === 'refused' && v;
    }, 15_000, 'the refusal');
    const receipt = refused.receipts.find((r) => r.messageType === 'CEB900Message')!;
    expect(receipt.returnStatus).toBe('-603905');
    expect(receipt.returnInfo).toContain(`T2924W000778/${list(g.inventory, 'InventoryList')[0].itemRecordNo}`);

    const invtNo = (await show('agent', invId)).records[0].invtNo!;
    const summary = await summarise([invtNo], '1210');
    for (const e of await ledgerOf(summary.declarations[0].declSeqNo)) expect(e).toMatchObject({ tradeMode: '1210', regime: 'exempt', status: 'exempt' });
    await allValid('agent', [invId, summary.messageId]);
  });

  it('refuses an export inventory that does not match its order, naming both documents; nothing goes to customs', async () => {
    const f = makeExportFlow(P, { mode: '9610', seed: seed++ });
    const line = list(f.inventory, 'InventoryList')[0];
    const orderQty = line.qty as string;
    line.qty = String(Number(orderQty) + 1);
    const invId = await declare(f);
    const refused = await eventually(async () => {
      const v = await show('agent', invId);
      return v.status === 'refused' && v;
    }, 15_000, 'refusal');
    const receipt = refused.receipts.find((r) => r.messageType === 'CEB900Message')!;
    expect(receipt.returnStatus).toBe('-603903');
    expect(receipt.returnInfo).toContain(`CEB603 line ${line.gnum} qty is "${line.qty}" but CEB303 line ${line.gnum} qty is "${orderQty}"`);
    expect(refused.records[0].status).not.toBe('forwarded');
  });

  it('refuses a 9710 consignment over 5,000 RMB at customs: it needs a full customs declaration', async () => {
    const f = makeExportFlow(P, { mode: '9710', seed: seed++, minRmbFen: 600_000 });
    const h = f.order.OrderHead as Record<string, string>;
    expect(toRmbFen(h.goodsValue, h.currency)!).toBeGreaterThan(500_000);
    const invId = await declare(f);
    const v = await eventually(async () => {
      const s = await show('agent', invId);
      return s.records[0].status === 'rejected' && s;
    }, 15_000, 'customs refusal');
    expect(v.records[0].returnStatus).toBe('100');
    expect(v.records[0].returnInfo).toMatch(/5000|报关单/);
  });

  it('clears a 9710 B2B consignment and a 9810 overseas-warehouse consignment into declarations of their own', async () => {
    const b2b = makeExportFlow(P, { mode: '9710', seed: seed++ });
    const owh = makeExportFlow(P, { mode: '9810', seed: seed++ });
    expect(owh.collection).toBeNull();
    expect((owh.order.OrderHead as Record<string, string>).orderType).toBe('W');
    for (const f of [b2b, owh]) {
      const h = f.order.OrderHead as Record<string, string>;
      expect(toRmbFen(h.goodsValue, h.currency)!).toBeLessThanOrEqual(500_000);
    }
    const ids = [await declare(b2b), await declare(owh)];
    const sites = [];
    for (const [i, f] of [b2b, owh].entries()) sites.push(await clear([f], [ids[i]]));
    const invtNos = await Promise.all(ids.map(async (id) => (await show('agent', id)).records[0].invtNo!));
    const s1 = await summarise([invtNos[0]], '9710');
    const s2 = await summarise([invtNos[1]], '9810');
    await allValid('agent', [...ids, s1.messageId, s2.messageId]);
    await allValid('warehouse', sites.map((x) => x.arrival));
    await allValid('logistics', sites.map((x) => x.departure));
    expect(s1.declarations[0].entryId).not.toBe(s2.declarations[0].entryId);
    for (const [s, f] of [[s1, b2b], [s2, owh]] as const) {
      expect(s.declarations[0].items.flatMap((i) => i.lines)).toHaveLength(list(f.inventory, 'InventoryList').length);
    }
    expect(head(owh).tradeMode).toBe('9810');

    // 有票退税: both await the exporter's purchase invoices; the 9710 refund is claimable at once,
    // the 9810 one only as the overseas warehouse sells.
    const b2bEntries = await ledgerOf(s1.declarations[0].declSeqNo);
    const owhEntries = await ledgerOf(s2.declarations[0].declSeqNo);
    for (const e of [...b2bEntries, ...owhEntries]) expect(e).toMatchObject({ regime: 'refund', status: 'awaiting-invoice' });
    const invoiced = await invoiceAll(b2bEntries, '04512876');
    const owhInvoiced = await invoiceAll(owhEntries, '04512877');
    const refundOf = (amount: string, rate: number) => Math.min(Math.round((yuanToFen(amount) * rate) / 100), Math.round((yuanToFen(amount) * 13) / 100));
    for (const e of await ledgerOf(s1.declarations[0].declSeqNo)) {
      const i = invoiced.find((x) => x.invtNo === e.invtNo && x.gnum === e.gnum)!;
      expect(e.status).toBe(e.rate ? 'claimable' : 'no-refund');
      expect(yuanToFen(e.refundable)).toBeLessThanOrEqual(refundOf(i.amount, e.rate ?? 0) + 1);
      expect(e.claimable).toBe(e.refundable);
    }
    const pending = await ledgerOf(s2.declarations[0].declSeqNo);
    for (const e of pending) expect(e).toMatchObject({ status: e.rate ? 'awaiting-sale' : 'no-refund', claimable: '0.00' });
    // The warehouse sells part of the first line: that share of its refund becomes claimable.
    const first = pending.find((e) => e.rate)!;
    const sold = Math.max(1, Math.floor(Number(first.qty) / 2));
    const sale = await json<unknown>('ebc', 'POST', '/api/v1/refunds/sales', { invtNo: first.invtNo, gnum: first.gnum, qty: String(sold), saleDate: cstDay(new Date()), orderNo: `AMZ-${first.invtNo}-1` });
    expect(sale.status, sale.text).toBe(201);
    const after = (await ledgerOf(s2.declarations[0].declSeqNo)).find((e) => e.id === first.id)!;
    expect(yuanToFen(after.claimable)).toBe(Math.floor((yuanToFen(first.refundable) * sold) / Number(first.qty)));
    expect(after.status).toBe('claimable');
    expect(owhInvoiced.length).toBe(owhEntries.length);
  });
});
