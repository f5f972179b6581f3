/**
 * Deterministic generator of complete, mutually consistent retail-import flows (9610 直购 and
 * 1210 网购保税): one order (CEB311), payment (CEB411), waybill (CEB511) and inventory (CEB621)
 * record each, satisfying the XSD and the 三单比对 / tax rules of spec §2.3–2.6 and §5.
 * Used by the benchmark, by tests and by the demo zone. Same seed ⇒ same flow (dates aside:
 * they follow `now`).
 */
import { createHash } from 'node:crypto';
import { MESSAGES, buildDocument } from '../ceb/index.ts';
import type { CebNode } from '../ceb/index.ts';
import { cstDate, cstTime14 } from '../platform/time.ts';
import { demoSign } from './keys.ts';
import { DISTRICTS, COMMUNITIES, SURNAMES, MALE_NAMES, FEMALE_NAMES, MOBILE_PREFIXES, FLIGHTS, PRODUCTS, eanCheck, type District, type Product } from './catalog.ts';

export interface Party {
  code: string;
  name: string;
  dxpId: string;
}

export interface Parties {
  ebp: Party;
  ebc: Party;
  payment: Party;
  logistics: Party;
  agent: Party;
  warehouse: Party;
}

export interface FlowOptions {
  mode: '9610' | '1210';
  seed?: number;
  /** Order lines, 1..5 (default: 1–3 drawn from the seed). */
  lines?: number;
  /** Start of orderNo (default `YG`); orderNo = prefix + YYYYMMDD + 12-digit serial. The sandbox customs picks its scenario by it (`REJECT`, `NEG`, `REVIEW`…). */
  orderNoPrefix?: string;
  now?: Date;
  /** 12-digit serial making orderNo / logisticsNo / copNo / payTransactionId unique (default: drawn from the seed). */
  serial?: number;
  /** Bonded account book of the warehouse (1210), default T2924W000123. */
  emsNo?: string;
}

export interface Flow {
  orderNo: string;
  logisticsNo: string;
  copNo: string;
  payTransactionId: string;
  order: CebNode;
  payment: CebNode;
  waybill: CebNode;
  inventory: CebNode;
}

export type ImportRoot = 'CEB311Message' | 'CEB411Message' | 'CEB511Message' | 'CEB621Message';

const party = (code: string, name: string, dxpId: string): Party => ({ code, name, dxpId });

/** The demo zone's enterprises (the platform seeds the same codes and DXP ids). */
export const DEMO_PARTIES: Parties = {
  ebp: party('3301964J31', '杭州云购跨境电子商务平台有限公司', 'DXPENT0000011001'),
  ebc: party('3301966A01', '杭州海淘优选贸易有限公司', 'DXPENT0000011002'),
  payment: party('3122260001', '连连跨境支付有限公司', 'DXPENT0000011003'),
  logistics: party('3301980L01', '杭州顺达国际物流有限公司', 'DXPENT0000011004'),
  warehouse: party('3301W60001', '杭州下沙保税物流中心仓储有限公司', 'DXPENT0000011005'),
  agent: party('3301980A02', '杭州关通报关代理有限公司', 'DXPENT0000011006'),
};

export const DEMO_EMS_NO = 'T2924W000123';
/** 杭州 cross-border e-commerce site (申报海关 / 口岸海关). */
const CUSTOMS_CODE = '2924';

/**
 * A ds:Signature of the shape customs expects (copied from the official samples), NOT a valid
 * signature of anything: passes the XSD and must be refused by any verifier (tests of refusal).
 */
export const PLACEHOLDER_SIGNATURE = [
  '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">',
  '<ds:SignedInfo>',
  '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:CanonicalizationMethod>',
  '<ds:SignatureMethod Algorithm="http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3"></ds:SignatureMethod>',
  '<ds:Reference URI="">',
  '<ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform></ds:Transforms>',
  '<ds:DigestMethod Algorithm="http://www.chinaport.gov.cn/2022/04/xmldsig#sm3"></ds:DigestMethod>',
  '<ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue>',
  '</ds:Reference>',
  '</ds:SignedInfo>',
  '<ds:SignatureValue>UExBQ0VIT0xERVIgLSBub3QgYSBzaWduYXR1cmU=</ds:SignatureValue>',
  '<ds:KeyInfo><ds:KeyName>00000000</ds:KeyName><ds:X509Data><ds:X509Certificate>UExBQ0VIT0xERVI=</ds:X509Certificate></ds:X509Data></ds:KeyInfo>',
  '</ds:Signature>',
].join('\n');

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and arithmetic

/** mulberry32: a small, fast 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mix(a: number, b: number): number {
  let h = Math.imul((a ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Seeded draws (mulberry32): numbers, picks, digit strings, upper-case UUIDs. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  /** 36-character upper-case UUID (version 4 layout). */
  uuid(): string {
    const h = () => this.int(0, 15).toString(16);
    const part = (n: number) => Array.from({ length: n }, h).join('');
    return `${part(8)}-${part(4)}-4${part(3)}-${'89ab'[this.int(0, 3)]}${part(3)}-${part(12)}`.toUpperCase();
  }
}

/** Money in fen → "123.40". */
export function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}
/** Weight in grams → "1.250" (kg). */
export function kg(grams: number): string {
  return `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}`;
}
/** round(num / den) half up, for non-negative integers. */
function divRound(num: number, den: number): number {
  return Math.floor((2 * num + den) / (2 * den));
}

/**
 * Retail-import tax of one line, in fen, on its dutiable value (goods + apportioned freight):
 * duty 0; VAT 13 % × 70 %; high-end cosmetics and perfume also consumption tax 15 % × 70 %,
 * both on the composite base value / (1 − 15 %). Each tax rounded half up to the fen.
 */
export function lineTax(baseFen: number, consumptionTax: boolean): { vat: number; ct: number } {
  if (!consumptionTax) return { vat: divRound(baseFen * 91, 1000), ct: 0 };
  return { vat: divRound(baseFen * 91, 850), ct: divRound(baseFen * 105, 850) };
}

/**
 * Splits head-level freight over lines pro rata by value, in whole fen: floor shares, then the
 * leftover fen one each to the largest remainders (earlier lines win ties).
 */
export function freightShares(freightFen: number, lineFen: number[]): number[] {
  const total = lineFen.reduce((a, b) => a + b, 0);
  if (total === 0) return lineFen.map((_, i) => (i === 0 ? freightFen : 0));
  const shares = lineFen.map((v) => Math.floor((freightFen * v) / total));
  const order = lineFen.map((v, i) => ({ i, r: freightFen * v - shares[i] * total })).sort((a, b) => b.r - a.r || a.i - b.i);
  let left = freightFen - shares.reduce((a, b) => a + b, 0);
  for (let k = 0; left > 0; k++, left--) shares[order[k].i]++;
  return shares;
}

/** An 18-character resident ID number (GB 11643) with a valid check character. */
export function idNumber(region: string, birth: Date, seq3: string): string {
  const ymd = `${birth.getUTCFullYear()}${String(birth.getUTCMonth() + 1).padStart(2, '0')}${String(birth.getUTCDate()).padStart(2, '0')}`;
  const body = region + ymd + seq3;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(body[i]) * w[i];
  return body + '10X98765432'[s % 11];
}

// ---------------------------------------------------------------------------------------------
// The generator

interface Person {
  name: string;
  phone: string;
  idNumber: string;
}

function person(rng: Rng, now: Date, home: District): Person {
  const female = rng.float() < 0.62;
  const name = rng.pick(SURNAMES) + rng.pick(female ? FEMALE_NAMES : MALE_NAMES);
  const region = rng.float() < 0.6 ? home.code : rng.pick(DISTRICTS).code;
  const age = rng.int(20, 55);
  const birth = new Date(Date.UTC(now.getUTCFullYear() - age, rng.int(0, 11), rng.int(1, 28)));
  const seq = rng.int(0, 49) * 2 + (female ? 0 : 1); // 17th digit: odd = male, even = female
  const id = idNumber(region, birth, `${rng.int(0, 9)}${String(seq).padStart(2, '0')}`);
  return { name, phone: rng.pick(MOBILE_PREFIXES) + rng.digits(8), idNumber: id };
}

/** Picks `n` distinct products within `budget` fen, preferring goods made in `origin`. */
function pickProducts(rng: Rng, n: number, budget: number, origin: string | null): Product[] {
  const chosen: Product[] = [];
  const cheapest = Math.min(...PRODUCTS.map((x) => x.max)) * 100;
  for (let i = 0; i < n; i++) {
    const left = budget - chosen.reduce((s, x) => s + x.max * 100, 0) - (n - i - 1) * cheapest;
    const fits = PRODUCTS.filter((x) => !chosen.includes(x) && x.max * 100 <= left);
    const local = fits.filter((x) => x.origin === origin);
    const pool = local.length && rng.float() < 0.75 ? local : fits;
    chosen.push(pool.length ? rng.pick(pool) : PRODUCTS.filter((x) => !chosen.includes(x)).sort((a, b) => a.max - b.max)[0]);
  }
  return chosen;
}

/** Single-transaction limit of CBEC retail import is 5,000 元 (goods + freight). */
const LIMIT_FEN = 490_000;

export function makeFlow(parties: Parties, options: FlowOptions): Flow {
  const { mode } = options;
  const rng = new Rng(options.seed ?? 1);
  const now = options.now ?? new Date();
  const serial = String(options.serial ?? rng.int(100_000, 999_999) * 1_000_000 + rng.int(0, 999_999)).padStart(12, '0').slice(-12);
  const prefix = options.orderNoPrefix ?? 'YG';
  if (prefix.length > 40) throw new RangeError('orderNoPrefix: at most 40 characters');
  const nLines = options.lines ?? rng.int(1, 3);
  if (!Number.isInteger(nLines) || nLines < 1 || nLines > 5) throw new RangeError('lines: an integer from 1 to 5');

  const today = cstDate(now);
  const orderNo = `${prefix}${today}${serial}`;
  const logisticsNo = `SD${today.slice(2)}${serial}`;
  const copNo = `GT${today.slice(2)}${serial}`; // 20 characters
  const payTransactionId = `LL${today}${serial}${rng.digits(4)}`;

  // Times, all in the past: order → payment → waybill → inventory.
  const minutes = (m: number) => new Date(now.getTime() - m * 60_000);
  const orderAt = minutes(rng.int(30, 45));
  const paidAt = new Date(orderAt.getTime() + rng.int(30, 300) * 1000);
  const paymentAt = new Date(paidAt.getTime() + rng.int(10, 60) * 1000);
  const waybillAt = new Date(paidAt.getTime() + rng.int(180, 600) * 1000);
  const inventoryAt = minutes(rng.int(1, 5));

  // People and address.
  const home = rng.pick(DISTRICTS);
  const buyer = person(rng, now, home);
  const consignee = rng.float() < 0.85 ? buyer : person(rng, now, home);
  const address = `${home.place}${rng.pick(home.streets)}${rng.int(1, 999)}号${rng.pick(COMMUNITIES)}${rng.int(1, 30)}幢${rng.int(1, 4)}单元${rng.int(1, 32)}${String(rng.int(1, 6)).padStart(2, '0')}室`;

  // Goods.
  const shipFrom = mode === '9610' ? rng.pick(Object.keys(FLIGHTS)) : null;
  const products = pickProducts(rng, nLines, LIMIT_FEN - 10_000, shipFrom);
  let spent = 0;
  const lines = products.map((prod) => {
    const price = rng.int(prod.min, prod.max) * 100 + rng.pick([0, 0, 0, 90, 50]);
    const room = LIMIT_FEN - 10_000 - spent - products.slice(products.indexOf(prod) + 1).reduce((s, x) => s + x.max * 100, 0);
    const qty = Math.max(1, Math.min(price < 20_000 ? rng.int(1, 4) : rng.int(1, 2), Math.floor(room / price)));
    spent += price * qty;
    return { prod, price, qty, total: price * qty };
  });
  const flatFreight = rng.float() < 0.6 ? 0 : rng.pick([600, 800, 1000, 1200]);
  const freightOf = (grams: number) => (mode === '9610' ? (30 + Math.max(0, Math.ceil(grams / 1000) - 1) * 12) * 100 : flatFreight);
  const packing = rng.int(150, 450);
  const weigh = (key: 'netG' | 'grossG') => lines.reduce((s, l) => s + l.prod[key] * l.qty, 0);
  // Keep goods + freight within the single-transaction limit.
  while (lines.reduce((s, l) => s + l.total, 0) + freightOf(weigh('grossG') + packing) > LIMIT_FEN) {
    const l = lines.filter((x) => x.qty > 1).sort((a, b) => b.total - a.total)[0];
    if (!l) break;
    l.qty--;
    l.total = l.price * l.qty;
  }
  const goodsValue = lines.reduce((s, l) => s + l.total, 0);
  const netG = weigh('netG');
  const grossG = weigh('grossG') + packing;
  const freight = freightOf(grossG);
  const discount = rng.float() < 0.4 ? Math.min(rng.pick([500, 1000, 2000, 3000, 5000]), Math.floor(goodsValue / 5 / 100) * 100) : 0;

  // Tax per line on goods + freight apportioned by value.
  const shares = freightShares(freight, lines.map((l) => l.total));
  const taxTotal = lines.reduce((sum, l, i) => {
    const t = lineTax(l.total + shares[i], l.prod.ct);
    return sum + t.vat + t.ct;
  }, 0);
  const acturalPaid = goodsValue + freight + taxTotal - discount;

  const { ebp, ebc, payment: pay, logistics, agent, warehouse } = parties;
  const control = (at: Date) => ({ guid: rng.uuid(), appType: '1', appTime: cstTime14(at), appStatus: '2' });

  const order: CebNode = {
    OrderHead: {
      ...control(orderAt),
      orderType: 'I', orderNo,
      ebpCode: ebp.code, ebpName: ebp.name, ebcCode: ebc.code, ebcName: ebc.name,
      goodsValue: yuan(goodsValue), freight: yuan(freight), discount: yuan(discount), taxTotal: yuan(taxTotal), acturalPaid: yuan(acturalPaid),
      currency: '142',
      buyerRegNo: `yg${buyer.phone.slice(0, 3)}${rng.digits(7)}`, buyerName: buyer.name, buyerTelephone: buyer.phone,
      buyerIdType: '1', buyerIdNumber: buyer.idNumber,
      payCode: pay.code, payName: pay.name, payTransactionId,
      consignee: consignee.name, consigneeTelephone: consignee.phone, consigneeAddress: address, consigneeDistrict: home.code,
    },
    OrderList: lines.map((l, i) => ({
      gnum: String(i + 1), itemNo: l.prod.sku, itemName: l.prod.name, gmodel: l.prod.gmodel, barCode: eanCheck(l.prod.ean),
      unit: l.prod.unit, qty: String(l.qty), price: yuan(l.price), totalPrice: yuan(l.total), currency: '142', country: l.prod.origin,
    })),
  };

  const payment: CebNode = {
    PaymentHead: {
      ...control(paymentAt),
      payCode: pay.code, payName: pay.name, payTransactionId, orderNo, ebpCode: ebp.code, ebpName: ebp.name,
      payerIdType: '1', payerIdNumber: buyer.idNumber, payerName: buyer.name, telephone: buyer.phone,
      amountPaid: yuan(acturalPaid), currency: '142', payTime: cstTime14(paidAt),
    },
  };

  const [flight, awbPrefix] = shipFrom ? rng.pick(FLIGHTS[shipFrom]) : ['', ''];
  const awbSerial = rng.int(1_000_000, 9_999_999);
  const billNo = `${awbPrefix}-${awbSerial}${awbSerial % 7}`;
  const goodsInfo = lines.map((l) => `${l.prod.name}*${l.qty}`).join(';');

  const waybill: CebNode = {
    LogisticsHead: {
      ...control(waybillAt),
      logisticsCode: logistics.code, logisticsName: logistics.name, logisticsNo,
      ...(shipFrom ? { billNo } : {}),
      orderNo, freight: yuan(freight), insuredFee: '0.00', currency: '142', weight: kg(grossG), packNo: '1',
      goodsInfo: [...goodsInfo].length > 200 ? [...goodsInfo].slice(0, 199).join('') + '…' : goodsInfo,
      consignee: consignee.name, consigneeAddress: address, consigneeTelephone: consignee.phone,
    },
  };

  const inventory: CebNode = {
    InventoryHead: {
      ...control(inventoryAt),
      orderNo, ebpCode: ebp.code, ebpName: ebp.name, ebcCode: ebc.code, ebcName: ebc.name,
      logisticsNo, logisticsCode: logistics.code, logisticsName: logistics.name,
      copNo, assureCode: ebc.code,
      ...(mode === '1210' ? { emsNo: options.emsNo ?? DEMO_EMS_NO } : {}),
      ieFlag: 'I', declTime: today, customsCode: CUSTOMS_CODE, portCode: CUSTOMS_CODE, ieDate: today,
      buyerIdType: '1', buyerIdNumber: buyer.idNumber, buyerName: buyer.name, buyerTelephone: buyer.phone, consigneeAddress: address,
      agentCode: agent.code, agentName: agent.name,
      ...(mode === '1210' ? { areaCode: warehouse.code, areaName: warehouse.name } : {}),
      tradeMode: mode,
      // 9610: the cross-border leg, by air (5); 1210: second-line exit from the bonded logistics centre (W 物流中心).
      trafMode: mode === '9610' ? '5' : 'W',
      ...(shipFrom ? { trafNo: flight, voyageNo: cstDate(minutes(rng.int(24 * 60, 72 * 60))), billNo } : {}),
      country: shipFrom ?? '142',
      freight: yuan(freight), insuredFee: '0.00', currency: '142', wrapType: '2', packNo: '1',
      grossWeight: kg(grossG), netWeight: kg(netG),
    },
    InventoryList: lines.map((l, i) => ({
      gnum: String(i + 1),
      ...(mode === '1210' ? { itemRecordNo: `XS${l.prod.hs.slice(0, 4)}${String(PRODUCTS.indexOf(l.prod) + 1).padStart(4, '0')}` } : {}),
      itemNo: l.prod.sku, itemName: l.prod.name, gcode: l.prod.hs, gname: l.prod.name, gmodel: l.prod.gmodel, barCode: eanCheck(l.prod.ean),
      country: l.prod.origin, ...(shipFrom ? { tradeCountry: shipFrom } : {}), currency: '142',
      qty: String(l.qty), unit: l.prod.unit,
      qty1: l.prod.unit1 === '035' ? kg(l.prod.netG * l.qty) : String(l.qty), unit1: l.prod.unit1,
      ...(l.prod.unit2 ? { qty2: kg(l.prod.netG * l.qty), unit2: l.prod.unit2 } : {}),
      price: yuan(l.price), totalPrice: yuan(l.total),
    })),
  };

  return { orderNo, logisticsNo, copNo, payTransactionId, order, payment, waybill, inventory };
}

/** `n` flows with distinct numbers (consecutive serials) and independent content. */
export function makeFlows(parties: Parties, n: number, options: FlowOptions): Flow[] {
  const seed = options.seed ?? 1;
  const rng = new Rng(mix(seed, 0x5eed));
  const base = options.serial ?? rng.int(100_000, 899_999) * 1_000_000 + rng.int(0, 999_999);
  return Array.from({ length: n }, (_, i) => makeFlow(parties, { ...options, seed: mix(seed, i + 1), serial: base + i }));
}

const RECORD_ELEMENT: Record<ImportRoot, string> = {
  CEB311Message: 'Order',
  CEB411Message: 'Payment',
  CEB511Message: 'Logistics',
  CEB621Message: 'Inventory',
};

/**
 * A complete CEB message (XML, `ceb:` prefix) holding `records`, transmitted by `sender`.
 * The message guid defaults to the record's own guid for a single record, else a stable
 * upper-case UUID derived from the record guids. `signature`: raw `<ds:Signature>` XML placed
 * as-is (e.g. PLACEHOLDER_SIGNATURE, to test refusals); null for no signature; when omitted, a
 * CEB621 (which requires one) is signed with the sender's demo key (src/demo/keys.ts).
 */
export function wrapMessage(root: ImportRoot, records: CebNode[], sender: Party, guid?: string, signature?: string | null): string {
  const body: CebNode = {
    guid: guid ?? messageGuid(records),
    version: '1.0',
    [RECORD_ELEMENT[root]]: records,
    BaseTransfer: { copCode: sender.code, copName: sender.name, dxpMode: 'DXP', dxpId: sender.dxpId },
  };
  if (typeof signature === 'string') body.Signature = signature;
  const xml = buildDocument(MESSAGES[root], body, { prefix: 'ceb' });
  // The signature is the last child of the root: sign the unsigned document as built.
  return signature === undefined && root === 'CEB621Message' ? demoSign(xml, sender.code) : xml;
}

function messageGuid(records: CebNode[]): string {
  const guids = records.map((r) => {
    const head = Object.entries(r).find(([k]) => k.endsWith('Head'))?.[1] as CebNode | undefined;
    return String(head?.guid ?? '');
  });
  if (guids.length === 1 && guids[0].length === 36) return guids[0];
  const h = createHash('sha1').update(guids.join('|')).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${'89AB'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A flow's four messages with their senders' parties; the inventory signed with the agent's sandbox key, or left unsigned (null signature) for the platform to sign. */
export function flowMessages(f: Flow, signInventory = true, parties: Parties = DEMO_PARTIES) {
  return {
    order: wrapMessage('CEB311Message', [f.order], parties.ebp),
    payment: wrapMessage('CEB411Message', [f.payment], parties.payment),
    waybill: wrapMessage('CEB511Message', [f.waybill], parties.logistics),
    inventory: wrapMessage('CEB621Message', [f.inventory], parties.agent, undefined, signInventory ? undefined : null),
  };
}
