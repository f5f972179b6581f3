import { describe, expect, it } from 'vitest';
import { parseDocument } from '../ceb/index.ts';
import type { CebNode } from '../ceb/index.ts';
import { validateWithXsd } from '../../test/support/xmllint.ts';
import { computeRetailImportTax, defaultRate } from '../modules/tax/index.ts';
import { DEMO_PARTIES, freightShares, idNumber, lineTax, makeFlow, makeFlows, wrapMessage } from './flows.ts';
import type { Flow, ImportRoot, Party } from './flows.ts';

const NOW = new Date('2025-03-15T02:30:00Z'); // 10:30 China time
const SEEDS = [1, 2, 42, 2024, 99_991];
const MODES = ['9610', '1210'] as const;

const head = (record: CebNode, name: string) => record[name] as CebNode;
const list = (record: CebNode, name: string) => record[name] as CebNode[];
const fen = (v: unknown) => Math.round(Number(v) * 100);

function messages(flow: Flow): Array<[ImportRoot, string]> {
  const P = DEMO_PARTIES;
  const m = (root: ImportRoot, rec: CebNode, sender: Party, sig?: string): [ImportRoot, string] => [root, wrapMessage(root, [rec], sender, undefined, sig)];
  return [
    m('CEB311Message', flow.order, P.ebp),
    m('CEB411Message', flow.payment, P.payment),
    m('CEB511Message', flow.waybill, P.logistics),
    m('CEB621Message', flow.inventory, P.agent),
  ];
}

describe('makeFlow', () => {
  for (const mode of MODES) {
    for (const seed of SEEDS) {
      const flow = makeFlow(DEMO_PARTIES, { mode, seed, now: NOW, lines: (seed % 5) + 1 });
      const oh = head(flow.order, 'OrderHead');
      const ol = list(flow.order, 'OrderList');
      const ph = head(flow.payment, 'PaymentHead');
      const wh = head(flow.waybill, 'LogisticsHead');
      const ih = head(flow.inventory, 'InventoryHead');
      const il = list(flow.inventory, 'InventoryList');

      it(`${mode} seed ${seed}: all four messages parse`, () => {
        for (const [root, xml] of messages(flow)) {
          const r = parseDocument(Buffer.from(xml));
          expect(r.ok ? [] : r.issues, root).toEqual([]);
          if (r.ok) expect(r.doc.root).toBe(root);
        }
      });

      it(`${mode} seed ${seed}: money adds up and the payment matches`, () => {
        expect(ol).toHaveLength((seed % 5) + 1);
        for (const l of ol) expect(fen(l.totalPrice)).toBe(fen(l.price) * Number(l.qty));
        expect(fen(oh.goodsValue)).toBe(ol.reduce((s, l) => s + fen(l.totalPrice), 0));
        expect(fen(oh.acturalPaid)).toBe(fen(oh.goodsValue) + fen(oh.freight) + fen(oh.taxTotal) - fen(oh.discount));
        expect(ph.amountPaid).toBe(oh.acturalPaid);
        expect(fen(oh.goodsValue) + fen(oh.freight)).toBeLessThanOrEqual(500_000);
        for (const k of ['goodsValue', 'freight', 'discount', 'taxTotal', 'acturalPaid']) expect(oh[k]).toMatch(/^\d+\.\d{2}$/);
        expect([oh.currency, ph.currency, wh.currency, ih.currency, ...ol.map((l) => l.currency), ...il.map((l) => l.currency)]).toEqual(
          Array(4 + ol.length + il.length).fill('142'),
        );
      });

      it(`${mode} seed ${seed}: taxTotal is the retail import tax of each line`, () => {
        const shares = freightShares(fen(oh.freight), il.map((l) => fen(l.totalPrice)));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(fen(oh.freight));
        const tax = il.reduce((sum, l, i) => {
          const t = lineTax(fen(l.totalPrice) + shares[i], /^330[34]/.test(String(l.gcode)));
          return sum + t.vat + t.ct;
        }, 0);
        expect(fen(oh.taxTotal)).toBe(tax);
        // … and what the platform's tax engine computes from the inventory.
        const engine = computeRetailImportTax({
          lines: il.map((l) => ({ gnum: Number(l.gnum), gcode: String(l.gcode), totalPrice: String(l.totalPrice), qty: String(l.qty) })),
          freight: String(ih.freight),
          insuredFee: String(ih.insuredFee),
          rateOf: defaultRate,
        });
        expect(engine.totals.totalFen).toBe(fen(oh.taxTotal));
      });

      it(`${mode} seed ${seed}: buyer = payer, consignee = waybill, inventory = order`, () => {
        expect([ph.payerName, ph.payerIdNumber, ph.payerIdType]).toEqual([oh.buyerName, oh.buyerIdNumber, '1']);
        expect([ph.orderNo, ph.ebpCode, ph.payTransactionId, ph.payCode]).toEqual([oh.orderNo, oh.ebpCode, oh.payTransactionId, oh.payCode]);
        expect([wh.consignee, wh.consigneeTelephone, wh.consigneeAddress, wh.orderNo]).toEqual([oh.consignee, oh.consigneeTelephone, oh.consigneeAddress, oh.orderNo]);
        expect(wh.packNo).toBe('1');
        for (const k of ['orderNo', 'ebpCode', 'ebcCode', 'buyerIdNumber', 'buyerName', 'buyerTelephone', 'buyerIdType', 'consigneeAddress']) expect(ih[k], k).toBe(oh[k]);
        expect([ih.logisticsCode, ih.logisticsNo, ih.freight, ih.packNo, ih.assureCode]).toEqual([wh.logisticsCode, wh.logisticsNo, oh.freight, '1', oh.ebcCode]);
        expect(Number(ih.grossWeight)).toBeGreaterThanOrEqual(Number(ih.netWeight));
        expect(wh.weight).toBe(ih.grossWeight);
        expect(oh.buyerIdNumber).toMatch(/^\d{17}[\dX]$/);
        expect(String(oh.buyerIdNumber)).toBe(idNumber(String(oh.buyerIdNumber).slice(0, 6), new Date(`${String(oh.buyerIdNumber).slice(6, 10)}-${String(oh.buyerIdNumber).slice(10, 12)}-${String(oh.buyerIdNumber).slice(12, 14)}T00:00:00Z`), String(oh.buyerIdNumber).slice(14, 17)));
        expect(oh.buyerTelephone).toMatch(/^1[3-9]\d{9}$/);
        expect([ih.declTime, ih.ieDate, ih.customsCode, ih.portCode, ih.tradeMode]).toEqual(['20250315', '20250315', '2924', '2924', mode]);
        expect(String(ih.copNo).length).toBeLessThanOrEqual(20);
      });

      it(`${mode} seed ${seed}: inventory lines map 1:1 to order lines`, () => {
        expect(il.map((l) => l.gnum)).toEqual(ol.map((_, i) => String(i + 1)));
        il.forEach((l, i) => {
          const o = ol[i];
          expect(l.gnum).toBe(o.gnum);
          expect([l.gname, l.itemName, l.qty, l.unit, l.price, l.totalPrice, l.country, l.gmodel]).toEqual([o.itemName, o.itemName, o.qty, o.unit, o.price, o.totalPrice, o.country, o.gmodel]);
          expect(l.gcode).toMatch(/^\d{10}$/);
          expect(Number(l.qty1)).toBeGreaterThan(0);
          if (mode === '1210') expect(l.itemRecordNo).toBeTruthy();
        });
      });

      it(`${mode} seed ${seed}: mode-specific inventory fields`, () => {
        if (mode === '9610') {
          expect(ih.trafMode).toBe('5');
          expect(ih.trafNo && ih.voyageNo && ih.billNo).toBeTruthy();
          expect(wh.billNo).toBe(ih.billNo);
          expect(ih.country).not.toBe('142');
          expect(ih.emsNo).toBeUndefined();
        } else {
          expect([ih.country, ih.emsNo, ih.areaCode, ih.areaName]).toEqual(['142', 'T2924W000123', DEMO_PARTIES.warehouse.code, DEMO_PARTIES.warehouse.name]);
          expect([ih.trafNo, ih.voyageNo, ih.billNo]).toEqual([undefined, undefined, undefined]);
        }
      });
    }

    it(`${mode}: the four messages validate against the official XSD (xmllint)`, () => {
      for (const seed of SEEDS.slice(0, 3)) {
        const flow = makeFlow(DEMO_PARTIES, { mode, seed, now: NOW, lines: 5 });
        for (const [root, xml] of messages(flow)) {
          const v = validateWithXsd(xml, 'import');
          expect(v.errors.trim(), `${root} seed ${seed}`).toBe('- validates');
          expect(v.ok).toBe(true);
        }
      }
    });
  }

  it('holds the money rules over many flows (tax engine, 5,000 yuan limit, acturalPaid = amountPaid)', () => {
    for (const mode of MODES) {
      for (const f of makeFlows(DEMO_PARTIES, 400, { mode, seed: 31, now: NOW })) {
        const oh = head(f.order, 'OrderHead');
        const ih = head(f.inventory, 'InventoryHead');
        const il = list(f.inventory, 'InventoryList');
        const engine = computeRetailImportTax({
          lines: il.map((l) => ({ gnum: Number(l.gnum), gcode: String(l.gcode), totalPrice: String(l.totalPrice) })),
          freight: String(ih.freight),
          insuredFee: String(ih.insuredFee),
          rateOf: defaultRate,
        });
        expect(fen(oh.taxTotal), f.orderNo).toBe(engine.totals.totalFen);
        expect(fen(oh.goodsValue) + fen(oh.freight)).toBeLessThanOrEqual(500_000);
        expect(head(f.payment, 'PaymentHead').amountPaid).toBe(oh.acturalPaid);
        expect(fen(oh.acturalPaid)).toBe(fen(oh.goodsValue) + fen(oh.freight) + fen(oh.taxTotal) - fen(oh.discount));
      }
    }
  });

  it('CEB621 without a signature is refused: the table requires ds:Signature', () => {
    const flow = makeFlow(DEMO_PARTIES, { mode: '1210', seed: 3, now: NOW });
    const r = parseDocument(Buffer.from(wrapMessage('CEB621Message', [flow.inventory], DEMO_PARTIES.agent, undefined, null)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => [i.path, i.rule])).toEqual([['CEB621Message.Signature', 'required']]);
  });

  it('is deterministic and gives every flow its own numbers', () => {
    const a = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 5, now: NOW });
    expect(makeFlow(DEMO_PARTIES, { mode: '9610', seed: 5, now: NOW })).toEqual(a);
    expect(makeFlow(DEMO_PARTIES, { mode: '9610', seed: 6, now: NOW })).not.toEqual(a);

    const flows = makeFlows(DEMO_PARTIES, 500, { mode: '1210', seed: 9, now: NOW, orderNoPrefix: 'T' });
    const guids = flows.flatMap((f) => [f.order, f.payment, f.waybill, f.inventory].map((r) => String((Object.values(r).find((v) => !Array.isArray(v)) as CebNode).guid)));
    for (const key of ['orderNo', 'logisticsNo', 'copNo', 'payTransactionId'] as const) expect(new Set(flows.map((f) => f[key])).size, key).toBe(500);
    expect(new Set(guids).size).toBe(2000);
    for (const g of guids) expect(g).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(flows[0].orderNo).toMatch(/^T20250315\d{12}$/);
  });

  it('wraps several records in one message with a stable message guid', () => {
    const flows = makeFlows(DEMO_PARTIES, 10, { mode: '9610', seed: 11, now: NOW });
    const xml = wrapMessage('CEB311Message', flows.map((f) => f.order), DEMO_PARTIES.ebp);
    expect(wrapMessage('CEB311Message', flows.map((f) => f.order), DEMO_PARTIES.ebp)).toBe(xml);
    const r = parseDocument(Buffer.from(xml));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.doc.body.Order).toHaveLength(10);
      expect(String(r.doc.body.guid)).toMatch(/^[0-9A-F-]{36}$/);
      expect(r.doc.body.BaseTransfer).toEqual({ copCode: '3301964J31', copName: DEMO_PARTIES.ebp.name, dxpMode: 'DXP', dxpId: 'DXPENT0000011001' });
    }
    expect(validateWithXsd(xml, 'import').ok).toBe(true);
  });

  it('computes the retail import tax as in the spec example', () => {
    expect(lineTax(41_000, false)).toEqual({ vat: 3731, ct: 0 }); // 410.00 → VAT 37.31
    expect(lineTax(85_000, true)).toEqual({ vat: 9100, ct: 10500 });
  });
});
