/**
 * Deterministic generator of complete, mutually consistent export flows (9610 零售出口, 1210
 * 特殊区域出口, 9710 B2B直接出口, 9810 出口海外仓): one order / booking (CEB303), collection
 * (CEB403, none for 9810: nothing is sold yet), waybill (CEB505) and inventory (CEB603) record
 * each, satisfying the export XSD and the export matching rules of spec §2.11, §5.5 and §6.
 * Same seed ⇒ same flow (dates follow `now`). The messages (wrapExport and the CEB507, 509,
 * 607, 605, 701 built on flows) are in export-messages.ts, re-exported here.
 *
 * Money: every amount of a flow is in the order currency (by default the destination's);
 * collection charge = goodsValue + freight (the buyer pays goods and carriage), so charge ≥
 * goodsValue. The consignment total is goodsValue + freight + insuredFee.
 */
import type { CebNode } from '../ceb/index.ts';
import { DEFAULT_MONTHLY_RATES, toRmbFen } from '../modules/tax/index.ts';
import { cstDate, cstTime14 } from '../platform/time.ts';
import { eanCheck } from './catalog.ts';
import { DESTINATIONS, EXPORT_CUSTOMS_CODE, EXPORT_PRODUCTS, TRAINS, VESSELS, type Destination, type ExportProduct } from './export-catalog.ts';
import { DEMO_EMS_NO, DEMO_PARTIES, Rng, kg, mix, yuan, type Party } from './flows.ts';
import { wrapExport } from './export-messages.ts';

export type ExportMode = '9610' | '1210' | '9710' | '9810';

export interface ExportFlowOptions {
  mode: ExportMode;
  seed?: number;
  /** Order lines, 1..5 (default: 1–3 retail, 1–4 B2B, drawn from the seed). */
  lines?: number;
  /** Start of orderNo (default `EX`); orderNo = prefix + YYYYMMDD + 12-digit serial. The sandbox customs picks its scenario by it. */
  orderNoPrefix?: string;
  now?: Date;
  /** 12-digit serial making orderNo / logisticsNo / copNo / payNo unique (default: drawn from the seed). */
  serial?: number;
  /** 603 statisticsFlag: A 简化申报, B 汇总申报 (default). */
  statisticsFlag?: 'A' | 'B';
  /** Currency of every amount (default: the destination's). Needs a customs monthly rate. */
  currency?: string;
  /** Keep goodsValue + freight + insuredFee, in RMB fen, at or under this. Default 500000 for 9710/9810 unless minRmbFen is given; none for 9610/1210. */
  maxRmbFen?: number;
  /** Make goodsValue alone, in RMB fen, at least this (over-limit consignments). */
  minRmbFen?: number;
  /** 1210: bonded account book (default DEMO_EMS_NO). */
  emsNo?: string;
  /** Leave trafName/voyageNo/billNo/totalPackageNo out of the 603, to come with a CEB607 (后置申报). Default: true for 9610/1210, false for 9710/9810. */
  lateTransport?: boolean;
}

/** How the consignment leaves: what CEB603 (unless late), 507, 509 and 607 say about transport. */
export interface ExportShipment {
  /** 5 air, 2 sea, 3 rail. */
  trafMode: string;
  trafName: string;
  voyageNo: string;
  /** Master air waybill, bill of lading or rail waybill. */
  billNo: string;
  country: string;
  pod: string;
  /** The truck bringing the goods to the supervision site (浙A·…). */
  domesticTrafNo: string;
  totalPackageNo: string;
}

export interface ExportFlow {
  mode: ExportMode;
  orderNo: string;
  logisticsNo: string;
  copNo: string;
  order: CebNode;
  collection: CebNode | null;
  waybill: CebNode;
  inventory: CebNode;
  shipment: ExportShipment;
}

export interface ExportParties {
  ebp: Party;
  ebc: Party;
  logistics: Party;
  agent: Party;
  /** Supervision-site operator (the warehouse): sends CEB507, CEB215; 区内企业 of 1210. */
  site: Party;
  overseas: Party;
  payment: Party;
}

export const DEMO_EXPORT_PARTIES: ExportParties = {
  ebp: DEMO_PARTIES.ebp,
  ebc: DEMO_PARTIES.ebc,
  logistics: DEMO_PARTIES.logistics,
  agent: DEMO_PARTIES.agent,
  site: DEMO_PARTIES.warehouse,
  overseas: { code: '3301960OW1', name: '杭州海联海外仓储服务有限公司', dxpId: 'DXPENT0000011007' },
  payment: DEMO_PARTIES.payment,
};

const B2B_LIMIT_FEN = 500_000;

// ---------------------------------------------------------------------------------------------

const b2b = (mode: ExportMode) => mode === '9710' || mode === '9810';
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function rateOf(currency: string): number {
  const rate = Object.hasOwn(DEFAULT_MONTHLY_RATES, currency) ? DEFAULT_MONTHLY_RATES[currency] : undefined;
  if (rate === undefined) throw new RangeError(`currency: no customs monthly rate for ${currency} (known: ${Object.keys(DEFAULT_MONTHLY_RATES).join(', ')})`);
  return Number(rate);
}

/** RMB fen → minor units of `currency` (whole yen for JPY). */
function fromRmb(fen: number, currency: string): number {
  const v = fen / rateOf(currency);
  return currency === '116' ? Math.max(100, Math.round(v / 100) * 100) : Math.max(1, Math.round(v));
}

function drawShipment(rng: Rng, mode: ExportMode, dest: Destination, now: Date): ExportShipment {
  const r = rng.float();
  const trafMode = mode === '9810' ? (dest.railPort && r < 0.35 ? '3' : r < 0.8 ? '2' : '5') : mode === '9710' && r < 0.3 ? '2' : '5';
  const later = cstDate(new Date(now.getTime() + rng.int(6, 36) * 3600_000));
  const common = { country: dest.country, domesticTrafNo: `浙A·${rng.pick([...'BCDFGHJKLM'])}${rng.digits(4)}`, totalPackageNo: `ZB${cstDate(now).slice(2)}${rng.digits(3)}001` };
  if (trafMode === '2') {
    const [vessel, scac] = rng.pick(VESSELS);
    const bound = ['304', '305', '303'].includes(dest.country) ? 'W' : ['502', '501'].includes(dest.country) ? 'E' : dest.country === '601' ? 'S' : 'N';
    return { trafMode, trafName: vessel, voyageNo: `${pad(rng.int(1, 99), 3)}${bound}`, billNo: `${scac}${rng.digits(10)}`, pod: rng.pick(dest.seaPorts), ...common };
  }
  if (trafMode === '3') return { trafMode, trafName: rng.pick(TRAINS), voyageNo: later, billNo: `YXO${cstDate(now).slice(2)}${rng.digits(6)}`, pod: dest.railPort!, ...common };
  const [flight, prefix, pod] = rng.pick(dest.air);
  const s = rng.int(1_000_000, 9_999_999);
  return { trafMode, trafName: flight, voyageNo: later, billNo: `${prefix}-${s}${s % 7}`, pod, ...common };
}

/** Freight in RMB fen by gross weight: retail air parcels, B2B air, sea (LCL) or rail. */
function freightFen(mode: ExportMode, trafMode: string, grams: number): number {
  const kgs = Math.ceil(grams / 1000);
  if (!b2b(mode)) return 4500 + 2200 * Math.max(0, Math.ceil(grams / 500) - 1);
  if (trafMode === '2') return Math.max(40_000, 450 * kgs);
  if (trafMode === '3') return Math.max(50_000, 700 * kgs);
  return Math.max(20_000, 2800 * kgs);
}

/** `n` distinct products; mostly from one factory when it makes enough kinds; within `cap` fen per unit. */
function pickProducts(rng: Rng, n: number, cap: number, unitFen: (p: ExportProduct) => number): ExportProduct[] {
  const fits = EXPORT_PRODUCTS.filter((p) => unitFen(p) <= cap);
  const pool = fits.length >= n ? fits : [...EXPORT_PRODUCTS].sort((a, b) => unitFen(a) - unitFen(b)).slice(0, Math.max(n, fits.length));
  const factories = [...new Set(pool.map((p) => p.producer))].filter((f) => pool.filter((p) => p.producer === f).length >= n);
  const factory = factories.length && rng.float() < 0.7 ? rng.pick(factories) : null;
  const from = factory ? pool.filter((p) => p.producer === factory) : pool;
  const chosen: ExportProduct[] = [];
  while (chosen.length < n) chosen.push(rng.pick(from.filter((p) => !chosen.includes(p))));
  return chosen;
}

export function makeExportFlow(parties: ExportParties, options: ExportFlowOptions): ExportFlow {
  return buildFlow(parties, options);
}

/** `n` flows with consecutive serials, one consignment: same destination and transport, independent goods. */
export function makeExportFlows(parties: ExportParties, n: number, options: ExportFlowOptions): ExportFlow[] {
  const seed = options.seed ?? 1;
  const rng = new Rng(mix(seed, 0x5eed));
  const base = options.serial ?? rng.int(100_000, 899_999) * 1_000_000 + rng.int(0, 999_999);
  const shipment = drawShipment(rng, options.mode, rng.pick(DESTINATIONS), options.now ?? new Date());
  return Array.from({ length: n }, (_, i) => buildFlow(parties, { ...options, seed: mix(seed, i + 1), serial: base + i }, { shipment, pallet: 1 + Math.floor(i / 50) }));
}

function buildFlow(parties: ExportParties, options: ExportFlowOptions, shared?: { shipment: ExportShipment; pallet: number }): ExportFlow {
  const { mode } = options;
  if (!['9610', '1210', '9710', '9810'].includes(mode)) throw new RangeError('mode: one of 9610, 1210, 9710, 9810');
  const rng = new Rng(options.seed ?? 1);
  const now = options.now ?? new Date();
  const serial = String(options.serial ?? rng.int(100_000, 999_999) * 1_000_000 + rng.int(0, 999_999)).padStart(12, '0').slice(-12);
  const prefix = options.orderNoPrefix ?? 'EX';
  if (prefix.length > 40) throw new RangeError('orderNoPrefix: at most 40 characters');
  const nLines = options.lines ?? rng.int(1, b2b(mode) ? 4 : 3);
  if (!Number.isInteger(nLines) || nLines < 1 || nLines > 5) throw new RangeError('lines: an integer from 1 to 5');
  const { minRmbFen } = options;
  const maxRmbFen = options.maxRmbFen ?? (b2b(mode) && minRmbFen === undefined ? B2B_LIMIT_FEN : undefined);
  if (minRmbFen !== undefined && maxRmbFen !== undefined && minRmbFen >= maxRmbFen) throw new RangeError('minRmbFen must be below maxRmbFen');

  const today = cstDate(now);
  const orderNo = `${prefix}${today}${serial}`;
  const logisticsNo = `SE${today.slice(2)}${serial}`;
  const copNo = `GTE${today.slice(2)}${serial}`;
  const payNo = `LL${today}${serial}${rng.digits(4)}`;

  // Where to, in what currency, and how. Drawn even in a batch, so the goods of a seed stay the same.
  const drawn = drawShipment(rng, mode, rng.pick(DESTINATIONS), now);
  const shipment = shared ? { ...shared.shipment, totalPackageNo: shared.shipment.totalPackageNo.slice(0, -3) + pad(shared.pallet, 3) } : drawn;
  const dest = DESTINATIONS.find((d) => d.country === shipment.country)!;
  const currency = options.currency ?? dest.currency;
  rateOf(currency); // an unknown currency is refused here, before any price is converted
  const rmb = (minor: number) => toRmbFen(yuan(minor), currency)!;

  // Goods: retail prices, or 55–70 % of them for B2B, in quantities of the mode.
  const unitFen = (p: ExportProduct) => (b2b(mode) ? Math.round(p.max * 70) : p.max * 100);
  const cap = maxRmbFen === undefined ? Infinity : (maxRmbFen * 0.6) / nLines;
  const lines = pickProducts(rng, nLines, cap, unitFen).map((prod) => {
    const retail = rng.int(prod.min, prod.max) * 100 + rng.pick([0, 0, 0, 90, 50]);
    const price = fromRmb(b2b(mode) ? Math.round((retail * rng.int(55, 70)) / 100) : retail, currency);
    const qty = b2b(mode) ? Math.max(1, Math.round(rng.int(prod.bulk[0], prod.bulk[1]) / 5) * 5) : rng.int(1, prod.max < 200 ? 3 : 2);
    return { prod, price, qty };
  });
  const weigh = (key: 'netG' | 'grossG') => lines.reduce((s, l) => s + l.prod[key] * l.qty, 0);
  const packNoOf = () => (b2b(mode) ? Math.max(1, Math.ceil(weigh('grossG') / 15_000)) : 1);
  const packing = b2b(mode) ? 600 : rng.int(150, 450); // per carton / per parcel
  const grossOf = () => weigh('grossG') + packing * packNoOf();
  const insure = b2b(mode) && rng.float() < 0.5;
  const money = () => {
    const goods = lines.reduce((s, l) => s + l.price * l.qty, 0);
    const freight = fromRmb(freightFen(mode, shipment.trafMode, grossOf()), currency);
    const insured = insure ? Math.max(1, Math.round(goods * 0.003)) : 0;
    return { goods, freight, insured, total: goods + freight + insured };
  };
  if (maxRmbFen !== undefined) {
    while (rmb(money().total) > maxRmbFen) {
      const l = lines.filter((x) => x.qty > 1).sort((a, b) => b.price * b.qty - a.price * a.qty)[0];
      if (!l) throw new RangeError(`maxRmbFen ${maxRmbFen}: too small for ${nLines} line(s) of ${mode} goods and their freight`);
      l.qty = Math.min(l.qty - 1, Math.max(1, Math.floor(l.qty * 0.8)));
    }
  }
  if (minRmbFen !== undefined) {
    for (let m = money(); rmb(m.goods) < minRmbFen; m = money()) {
      const factor = minRmbFen / Math.max(1, rmb(m.goods));
      for (const l of lines) l.qty = Math.max(l.qty + 1, Math.ceil(l.qty * factor));
    }
    if (maxRmbFen !== undefined && rmb(money().total) > maxRmbFen) throw new RangeError(`minRmbFen ${minRmbFen} and maxRmbFen ${maxRmbFen} leave no room for this consignment`);
  }
  const { goods, freight, insured } = money();
  const grossG = grossOf();
  const netG = weigh('netG');
  const packNo = String(packNoOf());

  // Times, all in the past: order → collection → waybill → inventory.
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  const orderAt = ago(b2b(mode) ? rng.int(3, 20) * 1440 + rng.int(0, 600) : rng.int(600, 4320));
  const paidAt = new Date(orderAt.getTime() + (b2b(mode) ? rng.int(1, 48) * 3600 : rng.int(5, 300)) * 1000);
  const waybillAt = ago(rng.int(60, 300));
  const inventoryAt = ago(rng.int(1, 30));

  const { ebc, logistics, agent, site, payment } = parties;
  const ebp = mode === '9810' ? parties.overseas : parties.ebp;
  const control = (at: Date) => ({ guid: rng.uuid(), appType: '1', appTime: cstTime14(at), appStatus: '2' });
  const producers = [...new Set(lines.map((l) => l.prod.producer))];
  const owner = producers.length === 1 ? producers[0] : ebc;

  const order: CebNode = {
    OrderHead: {
      ...control(orderAt),
      orderType: mode === '9710' ? 'B' : mode === '9810' ? 'W' : 'E', orderNo,
      ebpCode: ebp.code, ebpName: ebp.name, ebcCode: ebc.code, ebcName: ebc.name,
      goodsValue: yuan(goods), freight: yuan(freight), currency,
    },
    OrderList: lines.map((l, i) => ({
      gnum: String(i + 1), itemNo: l.prod.sku, itemName: l.prod.name, itemDescribe: l.prod.describe,
      ...(l.prod.ean ? { barCode: eanCheck(l.prod.ean) } : {}),
      unit: l.prod.unit, currency, qty: String(l.qty), price: yuan(l.price), totalPrice: yuan(l.price * l.qty),
    })),
  };

  const collection: CebNode | null = mode === '9810' ? null : {
    ...control(paidAt),
    ebpCode: ebp.code, ebpName: ebp.name, ebcCode: ebc.code, ebcName: ebc.name, orderNo,
    payCode: payment.code, payName: payment.name, payNo, charge: yuan(goods + freight), currency, accountingDate: cstTime14(paidAt),
  };

  const goodsInfo = lines.map((l) => `${l.prod.gname}*${l.qty}`).join(';');
  const waybill: CebNode = {
    ...control(waybillAt),
    logisticsCode: logistics.code, logisticsName: logistics.name, logisticsNo,
    freight: yuan(freight), insuredFee: yuan(insured), currency, grossWeight: kg(grossG), packNo,
    goodsInfo: [...goodsInfo].length > 200 ? [...goodsInfo].slice(0, 199).join('') + '…' : goodsInfo,
    ebcCode: ebc.code, ebcName: ebc.name, ebcTelephone: `0571-8688${ebc.dxpId.slice(-4)}`,
  };

  const late = options.lateTransport ?? !b2b(mode);
  const inventory: CebNode = {
    InventoryHead: {
      ...control(inventoryAt),
      customsCode: EXPORT_CUSTOMS_CODE, ebpCode: ebp.code, ebpName: ebp.name, orderNo,
      logisticsCode: logistics.code, logisticsName: logistics.name, logisticsNo, copNo,
      ieFlag: 'E', portCode: EXPORT_CUSTOMS_CODE, ieDate: today, statisticsFlag: options.statisticsFlag ?? 'B',
      agentCode: agent.code, agentName: agent.name, ebcCode: ebc.code, ebcName: ebc.name, ownerCode: owner.code, ownerName: owner.name,
      ...(mode === '1210' ? { iacCode: site.code, iacName: site.name, emsNo: options.emsNo ?? DEMO_EMS_NO } : {}),
      tradeMode: mode, trafMode: shipment.trafMode,
      ...(late ? {} : { trafName: shipment.trafName, voyageNo: shipment.voyageNo, billNo: shipment.billNo, totalPackageNo: shipment.totalPackageNo }),
      country: dest.country, POD: shipment.pod,
      freight: yuan(freight), fCurrency: currency, fFlag: '3', insuredFee: yuan(insured), iCurrency: currency, iFlag: '3',
      wrapType: '2', packNo, grossWeight: kg(grossG), netWeight: kg(netG),
    },
    InventoryList: lines.map((l, i) => ({
      gnum: String(i + 1), itemNo: l.prod.sku,
      ...(mode === '1210' ? { itemRecordNo: `BS${l.prod.hs.slice(0, 4)}${pad(EXPORT_PRODUCTS.indexOf(l.prod) + 1, 4)}` } : {}),
      itemName: l.prod.name, gcode: l.prod.hs, gname: l.prod.gname, gmodel: l.prod.gmodel, barCode: l.prod.ean ? eanCheck(l.prod.ean) : '无',
      country: dest.country, currency, qty: String(l.qty),
      qty1: l.prod.unit1 === '035' ? kg(l.prod.netG * l.qty) : String(l.qty),
      ...(l.prod.unit2 ? { qty2: l.prod.unit2 === '035' ? kg(l.prod.netG * l.qty) : String(l.qty) } : {}),
      unit: l.prod.unit, unit1: l.prod.unit1, ...(l.prod.unit2 ? { unit2: l.prod.unit2 } : {}),
      price: yuan(l.price), totalPrice: yuan(l.price * l.qty),
    })),
  };

  return { mode, orderNo, logisticsNo, copNo, order, collection, waybill, inventory, shipment };
}

/** A flow's documents and who sends each: a retail order is the platform's, a B2B order or a booking the exporter's own; the inventory is the agent's, unsigned. */
export function exportDocuments(f: ExportFlow, parties: ExportParties = DEMO_EXPORT_PARTIES) {
  const orderRole = b2b(f.mode) ? 'ebc' : 'ebp';
  return {
    order: { role: orderRole, xml: wrapExport('CEB303Message', [f.order], orderRole === 'ebc' ? parties.ebc : parties.ebp) },
    collection: f.collection ? { role: 'ebc', xml: wrapExport('CEB403Message', [f.collection], parties.ebc) } : null,
    waybill: { role: 'logistics', xml: wrapExport('CEB505Message', [f.waybill], parties.logistics) },
    inventory: wrapExport('CEB603Message', [f.inventory], parties.agent),
  };
}

export { DEMO_ZONE_DXP_ID, wrapExport, stableGuid, arrivalMessage, departureMessage, waybillListMessage, exportCancelMessage, exportReturnMessage, returnTallyMessage, summaryApplyRecord } from './export-messages.ts';
export type { ExportRoot, WrapOptions } from './export-messages.ts';
