import { describe, expect, it } from 'vitest';
import { parseDocument, type CebNode } from '../ceb/index.ts';
import { verifyCeb } from '../ceb/dsig.ts';
import { validateWithXsd } from '../../test/support/xmllint.ts';
import { toRmbFen, yuanToFen } from '../modules/tax/index.ts';
import { eanCheck } from './catalog.ts';
import { DESTINATIONS, PRODUCERS } from './export-catalog.ts';
import { DEMO_EMS_NO } from './flows.ts';
import {
  DEMO_EXPORT_PARTIES as P, DEMO_ZONE_DXP_ID, arrivalMessage, departureMessage, exportCancelMessage, exportReturnMessage, returnTallyMessage, makeExportFlow, makeExportFlows,
  summaryApplyRecord, waybillListMessage, wrapExport,
} from './export.ts';
import type { ExportFlow, ExportMode, ExportRoot } from './export.ts';

const NOW = new Date('2025-03-15T02:30:00Z'); // 10:30 China time
const SEEDS = [1, 2, 42, 2024, 99_991];
const MODES: ExportMode[] = ['9610', '1210', '9710', '9810'];

type Rec = Record<string, string>;
const head = (record: CebNode, name: string) => record[name] as Rec;
const list = (record: CebNode, name: string) => record[name] as Rec[];
const fen = (v: string) => yuanToFen(v);
const grams = (v: string) => Math.round(Number(v) * 1000);
const invtNoOf = (i: number) => `29242025E${String(100_000_000 + i)}`;

function valid(xml: string, what: string): CebNode {
  const v = validateWithXsd(xml, 'export');
  expect(v.errors.trim(), what).toBe('- validates');
  const r = parseDocument(Buffer.from(xml));
  expect(r.ok ? [] : r.issues, what).toEqual([]);
  return r.ok ? r.doc.body : {};
}

/** The four declarations of a flow as their senders would transmit them. */
function declarations(flow: ExportFlow): Array<[ExportRoot, string]> {
  const out: Array<[ExportRoot, string]> = [['CEB303Message', wrapExport('CEB303Message', [flow.order], flow.mode === '9810' ? P.overseas : P.ebp)]];
  if (flow.collection) out.push(['CEB403Message', wrapExport('CEB403Message', [flow.collection], P.payment)]);
  out.push(['CEB505Message', wrapExport('CEB505Message', [flow.waybill], P.logistics)]);
  out.push(['CEB603Message', wrapExport('CEB603Message', [flow.inventory], P.agent, undefined, { sign: true })]);
  return out;
}

const totalRmb = (ih: Rec) => toRmbFen(ih.freight, ih.fCurrency)! + toRmbFen(ih.insuredFee, ih.iCurrency)!;

describe('makeExportFlow', () => {
  for (const mode of MODES) {
    for (const seed of SEEDS) {
      const flow = makeExportFlow(P, { mode, seed, now: NOW, lines: (seed % 5) + 1 });
      const oh = head(flow.order, 'OrderHead');
      const ol = list(flow.order, 'OrderList');
      const ih = head(flow.inventory, 'InventoryHead');
      const il = list(flow.inventory, 'InventoryList');
      const wb = flow.waybill as Rec;

      it(`${mode} seed ${seed}: 303/403/505/603 validate against the export XSD and parse`, () => {
        const sent = declarations(flow);
        expect(sent.map(([root]) => root)).toEqual(mode === '9810' ? ['CEB303Message', 'CEB505Message', 'CEB603Message'] : ['CEB303Message', 'CEB403Message', 'CEB505Message', 'CEB603Message']);
        for (const [root, xml] of sent) valid(xml, `${root} ${mode} seed ${seed}`);
      });

      it(`${mode} seed ${seed}: order, collection, waybill and inventory agree`, () => {
        expect(ol).toHaveLength((seed % 5) + 1);
        expect([ih.orderNo, ih.ebpCode, ih.ebpName, ih.ebcCode, ih.ebcName]).toEqual([oh.orderNo, oh.ebpCode, oh.ebpName, oh.ebcCode, oh.ebcName]);
        expect([ih.logisticsCode, ih.logisticsName, ih.logisticsNo]).toEqual([wb.logisticsCode, wb.logisticsName, wb.logisticsNo]);
        expect(il.map((l) => l.gnum)).toEqual(ol.map((_, i) => String(i + 1)));
        il.forEach((l, i) => {
          const o = ol[i];
          expect([l.gnum, l.itemNo, l.qty, l.unit, l.price, l.totalPrice, l.currency, l.itemName]).toEqual([o.gnum, o.itemNo, o.qty, o.unit, o.price, o.totalPrice, o.currency, o.itemName]);
          expect(fen(l.totalPrice)).toBe(fen(l.price) * Number(l.qty));
          expect(l.currency).toBe(oh.currency);
        });
        expect(fen(oh.goodsValue)).toBe(ol.reduce((s, l) => s + fen(l.totalPrice), 0));
        // Freight and insurance: the same amounts, in the order currency, on order, waybill and inventory.
        expect([ih.freight, ih.fCurrency, ih.fFlag, ih.iCurrency, ih.iFlag]).toEqual([oh.freight, oh.currency, '3', oh.currency, '3']);
        expect([wb.freight, wb.currency, wb.insuredFee, wb.grossWeight, wb.packNo]).toEqual([ih.freight, ih.fCurrency, ih.insuredFee, ih.grossWeight, ih.packNo]);
        if (mode === '9810') {
          expect(flow.collection).toBeNull();
        } else {
          const c = flow.collection as Rec;
          expect([c.orderNo, c.ebcCode, c.ebpCode, c.currency, c.payCode]).toEqual([oh.orderNo, oh.ebcCode, oh.ebpCode, oh.currency, P.payment.code]);
          expect(fen(c.charge)).toBe(fen(oh.goodsValue) + fen(oh.freight));
          expect(c.accountingDate >= oh.appTime).toBe(true);
        }
        expect(oh.currency).toBe(DESTINATIONS.find((d) => d.country === ih.country)!.currency);
        for (const t of [oh.appTime, wb.appTime, ih.appTime]) expect(t <= '20250315103000').toBe(true);
        expect(oh.appTime <= wb.appTime && wb.appTime <= ih.appTime).toBe(true);
      });

      it(`${mode} seed ${seed}: mode, parties and goods of the inventory`, () => {
        expect([oh.orderType, ih.tradeMode, ih.ieFlag, ih.ieDate, ih.customsCode, ih.statisticsFlag]).toEqual([{ '9610': 'E', '1210': 'E', '9710': 'B', '9810': 'W' }[mode], mode, 'E', '20250315', '2924', 'B']);
        expect([ih.agentCode, ih.agentName, ih.ebcCode]).toEqual([P.agent.code, P.agent.name, P.ebc.code]);
        const ebp = mode === '9810' ? P.overseas : P.ebp;
        expect([oh.ebpCode, oh.ebpName]).toEqual([ebp.code, ebp.name]);
        expect([P.ebc.code, ...Object.values(PRODUCERS).map((p) => p.code)]).toContain(ih.ownerCode);
        if (mode === '1210') {
          expect([ih.iacCode, ih.iacName, ih.emsNo]).toEqual([P.site.code, P.site.name, DEMO_EMS_NO]);
          for (const l of il) expect(l.itemRecordNo).toBeTruthy();
        } else {
          expect([ih.iacCode, ih.emsNo, ...il.map((l) => l.itemRecordNo)].filter(Boolean)).toEqual([]);
        }
        // 9610/1210 parcels get their master bill later (CEB607); B2B consignments are booked on one.
        const late = mode === '9610' || mode === '1210';
        expect([ih.trafName, ih.voyageNo, ih.billNo]).toEqual(late ? [undefined, undefined, undefined] : [flow.shipment.trafName, flow.shipment.voyageNo, flow.shipment.billNo]);
        expect([ih.trafMode, ih.country, ih.POD]).toEqual([flow.shipment.trafMode, flow.shipment.country, flow.shipment.pod]);
        expect(['2', '3', '5']).toContain(ih.trafMode);
        expect(grams(ih.netWeight)).toBeLessThanOrEqual(grams(ih.grossWeight));
        let kgLines = 0;
        for (const l of il) {
          expect(l.gcode).toMatch(/^\d{10}$/);
          expect(l.gmodel).toMatch(/^[0-4]\|[0-3]\|/);
          expect(l.country).toBe(ih.country);
          if (l.barCode !== '无') expect(l.barCode).toBe(eanCheck(l.barCode.slice(0, 12)));
          expect(Number(l.qty1)).toBeGreaterThan(0);
          if (l.unit1 === '035') kgLines += grams(l.qty1);
          else expect(l.qty1).toBe(l.qty);
          expect(l.unit2 === undefined).toBe(l.qty2 === undefined);
          if (l.qty2 !== undefined) expect(Number(l.qty2)).toBeGreaterThan(0);
        }
        expect(kgLines).toBeLessThanOrEqual(grams(ih.netWeight));
      });
    }

    it(`${mode}: CEB507, 509, 607, 605 and 701 validate and parse`, () => {
      for (const seed of SEEDS.slice(0, 3)) {
        const flows = makeExportFlows(P, 3, { mode, seed, now: NOW });
        const nos = flows.map((f) => f.logisticsNo);
        const invtNos = Object.fromEntries(flows.map((f, i) => [f.logisticsNo, invtNoOf(i)]));

        const arrival = valid(arrivalMessage(P.site, flows, { now: NOW }), `507 ${mode} ${seed}`).Arrival as CebNode[];
        expect(arrival).toHaveLength(1);
        const ah = head(arrival[0], 'ArrivalHead');
        expect([ah.operatorCode, ah.ieFlag, ah.customsCode, ah.trafMode, ah.logisticsCode, ah.billNo]).toEqual([P.site.code, 'E', '2924', flows[0].shipment.trafMode, P.logistics.code, flows[0].shipment.billNo]);
        expect(ah.domesticTrafNo).toMatch(/^浙A·[A-Z]\d{4}$/);
        expect(list(arrival[0], 'ArrivalList').map((l) => l.logisticsNo)).toEqual(nos);

        const leaveTime = new Date(NOW.getTime() + 6 * 3600_000);
        const departure = valid(departureMessage(P.logistics, flows, { now: leaveTime, leaveTime }), `509 ${mode} ${seed}`).Departure as CebNode[];
        const dh = head(departure[0], 'DepartureHead');
        expect([dh.billNo, dh.trafName, dh.voyageNo, dh.leaveTime, dh.logisticsCode]).toEqual([flows[0].shipment.billNo, flows[0].shipment.trafName, flows[0].shipment.voyageNo, '20250315163000', P.logistics.code]);
        for (const f of flows) if (head(f.inventory, 'InventoryHead').billNo) expect(head(f.inventory, 'InventoryHead').billNo).toBe(dh.billNo);
        expect(list(departure[0], 'DepartureList').map((l) => l.logisticsNo)).toEqual(nos);

        const bill = valid(waybillListMessage(P.logistics, flows, invtNos, { now: NOW }), `607 ${mode} ${seed}`).WayBill as CebNode[];
        const bh = head(bill[0], 'WayBillHead');
        expect([bh.billNo, bh.agentCode]).toEqual([flows[0].shipment.billNo, P.logistics.code]);
        expect(grams(bh.grossWeight)).toBe(flows.reduce((s, f) => s + grams(head(f.inventory, 'InventoryHead').grossWeight), 0));
        expect(list(bill[0], 'WayBillList').map((l) => [l.logisticsNo, l.invtNo])).toEqual(nos.map((n, i) => [n, invtNoOf(i)]));

        const cancel = (valid(exportCancelMessage(flows[0], invtNoOf(0), P.agent, undefined, NOW), `605 ${mode} ${seed}`).InvtCancel as Rec[])[0];
        expect([cancel.copNo, cancel.invtNo, cancel.agentCode, cancel.ebcCode]).toEqual([flows[0].copNo, invtNoOf(0), P.agent.code, P.ebc.code]);

        const apply = summaryApplyRecord({ customsCode: '2924', copNo: `HZ${seed}`, agent: P.agent, ebc: P.ebc, declAgent: P.agent, invtNos: Object.values(invtNos), summaryFlag: '2', itemNameFlag: '1', now: NOW });
        const sa = (valid(wrapExport('CEB701Message', [apply], P.agent, undefined, { sign: true }), `701 ${mode} ${seed}`).SummaryApply as CebNode[])[0];
        expect(list(sa, 'SummaryApplyList').map((l) => l.invtNo)).toEqual(Object.values(invtNos));
        expect([head(sa, 'SummaryApplyHead').summaryFlag, head(sa, 'SummaryApplyHead').ebcCode]).toEqual(['2', P.ebc.code]);
      }
    });
  }
});

describe('export consignment value', () => {
  for (const mode of ['9710', '9810'] as const) {
    it(`${mode}: at or under 5,000 RMB by default (goods + freight + insurance, at customs' monthly rate)`, () => {
      for (const f of makeExportFlows(P, 150, { mode, seed: 7, now: NOW })) {
        const ih = head(f.inventory, 'InventoryHead');
        const goods = toRmbFen(head(f.order, 'OrderHead').goodsValue, ih.fCurrency)!;
        expect(goods + totalRmb(ih), f.orderNo).toBeLessThanOrEqual(500_000);
      }
    });

    it(`${mode}: over the limit with minRmbFen, and still valid`, () => {
      for (const seed of [3, 4]) {
        const f = makeExportFlow(P, { mode, seed, now: NOW, minRmbFen: 600_000, orderNoPrefix: 'REJECT' });
        const oh = head(f.order, 'OrderHead');
        expect(toRmbFen(oh.goodsValue, oh.currency)!).toBeGreaterThanOrEqual(600_000);
        expect(f.orderNo.startsWith('REJECT20250315')).toBe(true);
        for (const [root, xml] of declarations(f)) valid(xml, `${root} over limit`);
      }
    });
  }

  it('keeps between minRmbFen and maxRmbFen when both are given, and refuses an empty range', () => {
    for (const seed of [1, 2, 3]) {
      const f = makeExportFlow(P, { mode: '9610', seed, now: NOW, minRmbFen: 100_000, maxRmbFen: 300_000 });
      const oh = head(f.order, 'OrderHead');
      const ih = head(f.inventory, 'InventoryHead');
      expect(toRmbFen(oh.goodsValue, oh.currency)!).toBeGreaterThanOrEqual(100_000);
      expect(toRmbFen(oh.goodsValue, oh.currency)! + totalRmb(ih)).toBeLessThanOrEqual(300_000);
    }
    expect(() => makeExportFlow(P, { mode: '9710', minRmbFen: 500_000, maxRmbFen: 400_000 })).toThrow(/minRmbFen/);
  });

  it('prices every amount in the currency asked for', () => {
    const f = makeExportFlow(P, { mode: '9710', seed: 12, now: NOW, currency: '142', statisticsFlag: 'A' });
    const ih = head(f.inventory, 'InventoryHead');
    const currencies = [head(f.order, 'OrderHead').currency, (f.collection as Rec).currency, (f.waybill as Rec).currency, ih.fCurrency, ih.iCurrency, ...list(f.inventory, 'InventoryList').map((l) => l.currency)];
    expect(new Set(currencies)).toEqual(new Set(['142']));
    expect(ih.statisticsFlag).toBe('A');
    expect(() => makeExportFlow(P, { mode: '9610', currency: '999' })).toThrow(/currency/);
  });
});

describe('export flows and messages', () => {
  it('is deterministic and gives every flow its own numbers', () => {
    const a = makeExportFlow(P, { mode: '9710', seed: 5, now: NOW });
    expect(makeExportFlow(P, { mode: '9710', seed: 5, now: NOW })).toEqual(a);
    expect(makeExportFlow(P, { mode: '9710', seed: 6, now: NOW })).not.toEqual(a);

    const flows = makeExportFlows(P, 300, { mode: '9610', seed: 9, now: NOW });
    expect(makeExportFlows(P, 300, { mode: '9610', seed: 9, now: NOW })).toEqual(flows);
    for (const key of ['orderNo', 'logisticsNo', 'copNo'] as const) expect(new Set(flows.map((f) => f[key])).size, key).toBe(300);
    const guids = flows.flatMap((f) => [head(f.order, 'OrderHead').guid, (f.collection as Rec).guid, (f.waybill as Rec).guid, head(f.inventory, 'InventoryHead').guid]);
    expect(new Set(guids).size).toBe(1200);
    for (const g of guids) expect(g).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    // One consignment: one destination and master bill, parcels on pallets of 50.
    expect(new Set(flows.map((f) => f.shipment.billNo)).size).toBe(1);
    expect(new Set(flows.map((f) => head(f.inventory, 'InventoryHead').country)).size).toBe(1);
    expect(new Set(flows.map((f) => f.shipment.totalPackageNo)).size).toBe(6);
    expect(flows[0].orderNo).toMatch(/^EX20250315\d{12}$/);
  });

  it('wraps several records with a stable message guid, subscribes the zone platform and signs where the XSD wants it', () => {
    const flows = makeExportFlows(P, 5, { mode: '9710', seed: 11, now: NOW });
    const xml = wrapExport('CEB303Message', flows.map((f) => f.order), P.ebp);
    expect(wrapExport('CEB303Message', flows.map((f) => f.order), P.ebp)).toBe(xml);
    const body = valid(xml, 'five orders');
    expect(body.Order).toHaveLength(5);
    expect(body.BaseSubscribe).toEqual([{ status: 'ALL', dxpMode: 'DXP', dxpAddress: DEMO_ZONE_DXP_ID }]);
    expect(valid(wrapExport('CEB505Message', [flows[0].waybill], P.logistics, undefined, { subscribe: [] }), 'no subscription').BaseSubscribe).toBeUndefined();

    const signed = wrapExport('CEB603Message', flows.map((f) => f.inventory), P.agent, undefined, { sign: true });
    valid(signed, 'signed 603');
    expect(verifyCeb(signed).ok).toBe(true);
    expect(signed.indexOf('</ceb:BaseSubscribe>')).toBeLessThan(signed.indexOf('<ds:Signature'));
    for (const xml of [arrivalMessage(P.site, flows, { now: NOW }), departureMessage(P.logistics, flows, { now: NOW }), exportCancelMessage(flows[0], invtNoOf(0), P.agent, undefined, NOW)]) {
      expect(verifyCeb(xml).ok).toBe(true);
    }
  });

  it('builds the export return (CEB213) and the site tally of it (CEB215) from a flow, valid and signed', () => {
    for (const mode of ['9610', '9710', '9810'] as const) {
      const f = makeExportFlow(P, { mode, seed: 21, now: NOW });
      const ret = valid(exportReturnMessage(f, invtNoOf(1), P.agent, undefined, NOW), `${mode} return`);
      const rh = head((ret.InvtRefund as CebNode[])[0], 'InvtRefundHead');
      expect(rh).toMatchObject({ invtNo: invtNoOf(1), ieFlag: 'I', logisticsNo: f.logisticsNo, ebcCode: head(f.inventory, 'InventoryHead').ebcCode, agentCode: P.agent.code });
      expect(list((ret.InvtRefund as CebNode[])[0], 'InvtRefundList').map((l) => [l.gnum, l.qty])).toEqual(list(f.inventory, 'InventoryList').map((l) => [l.gnum, l.qty]));
      const tally = valid(returnTallyMessage(P.site, f, invtNoOf(1), NOW), `${mode} tally`);
      expect((tally.InvtRefundDetail as CebNode[])[0]).toMatchObject({ operatorCode: P.site.code, logisticsNo: f.logisticsNo, coElNo: rh.coElNo });
      for (const xml of [exportReturnMessage(f, invtNoOf(1), P.agent, undefined, NOW), returnTallyMessage(P.site, f, invtNoOf(1), NOW)]) expect(verifyCeb(xml).ok).toBe(true);
    }
  });

  it('puts the flows of each master bill in their own record', () => {
    const a = makeExportFlows(P, 2, { mode: '9610', seed: 21, now: NOW });
    const b = makeExportFlows(P, 3, { mode: '9610', seed: 22, now: NOW });
    const mixed = [a[0], b[0], a[1], b[1], b[2]];
    const arrivals = valid(arrivalMessage(P.site, mixed, { now: NOW, copNo: 'YD-DEMO' }), 'two bills').Arrival as CebNode[];
    expect(arrivals.map((r) => [head(r, 'ArrivalHead').billNo, head(r, 'ArrivalHead').copNo, list(r, 'ArrivalList').length])).toEqual([
      [a[0].shipment.billNo, 'YD-DEMO-1', 2],
      [b[0].shipment.billNo, 'YD-DEMO-2', 3],
    ]);
    const lists = valid(waybillListMessage(P.logistics, mixed, { [a[1].orderNo]: invtNoOf(7) }, { now: NOW }), 'two bills 607').WayBill as CebNode[];
    expect(list(lists[0], 'WayBillList').map((l) => l.invtNo)).toEqual([undefined, invtNoOf(7)]);
  });
});
