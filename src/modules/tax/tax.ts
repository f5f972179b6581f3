/**
 * Retail import tax for cross-border e-commerce (财关税〔2016〕18号, 〔2018〕49号; spec §5.2).
 *
 * Money is integer fen; all arithmetic that decides a rounding is done on exact rationals
 * (BigInt numerator/denominator), so 0.1 + 0.2 style float drift can never move a fen.
 */

/** Rates as fractions (0.13 = 13 %). */
export interface TaxRate {
  vat: number;
  consumption: number;
  duty: number;
}

export interface TaxLineInput {
  gnum: number;
  gcode: string;
  /** Line total in yuan, as a decimal string ("1000", "12.5"). */
  totalPrice: string;
  qty?: string;
}

export interface TaxLineResult {
  gnum: number;
  gcode: string;
  /** 完税价格: line value plus its share of freight and insurance. */
  dutiableFen: number;
  customsTaxFen: number;
  vatFen: number;
  consumptionFen: number;
}

export interface TaxTotals {
  dutiableFen: number;
  customsTaxFen: number;
  vatFen: number;
  consumptionFen: number;
  totalFen: number;
}

export interface TaxInput {
  lines: TaxLineInput[];
  /** Freight and insurance of the whole parcel, yuan decimal strings. */
  freight: string;
  insuredFee: string;
  rateOf: (gcode: string) => TaxRate;
  /**
   * A single indivisible item whose value exceeds the 5,000 yuan single-transaction limit:
   * duty, VAT and consumption tax are then levied in full (no 70 %, duty at the goods rate).
   */
  singleItemOverLimit?: boolean;
}

/** Single-transaction limit, in fen (财关税〔2018〕49号). */
export const SINGLE_LIMIT_FEN = 500_000;

/** Consumption tax on high-end cosmetics (高档化妆品, 财税〔2016〕103号): HS 3303 perfumes, 3304 make-up / skin care. */
const HIGH_END_COSMETICS = ['3303', '3304'];

/**
 * The shipped default: VAT 13 %, duty 0, consumption tax 15 % for HS 3303/3304 (high-end
 * cosmetics). Real rates depend on the tariff (9 % VAT goods, jewellery, watches, wine…) and,
 * for cosmetics, on the 10 yuan/ml threshold, which a gcode alone cannot tell: pass your own
 * `rateOf` for anything beyond a rehearsal.
 */
export function defaultRate(gcode: string): TaxRate {
  const cosmetics = HIGH_END_COSMETICS.some((p) => gcode.startsWith(p));
  return { vat: 0.13, consumption: cosmetics ? 0.15 : 0, duty: 0 };
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** Exact decimal string → fen, rounding half up (away from zero) beyond the second decimal. */
export function yuanToFen(s: string): number {
  const m = DECIMAL.exec(s.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal amount: "${s}"`);
  const frac = m[3] ?? '';
  let fen = BigInt((m[2] || '0') + frac.padEnd(2, '0').slice(0, 2));
  if (frac.length > 2 && frac.charCodeAt(2) >= 0x35 /* '5' */) fen += 1n;
  const n = Number(m[1] === '-' ? -fen : fen);
  if (!Number.isSafeInteger(n)) throw new Error(`amount out of range: "${s}"`);
  return n;
}

/** Fen → yuan with exactly two decimals: 9100 → "91.00". */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new Error(`not a whole number of fen: ${fen}`);
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  return `${fen < 0 ? '-' : ''}${yuan}.${cents}`;
}

/** A rate as an exact fraction: 0.13 → 13/100 (via its shortest decimal form). */
interface Ratio {
  n: bigint;
  d: bigint;
}

function ratio(x: number, what: string): Ratio {
  if (!Number.isFinite(x) || x < 0 || x >= 1) throw new Error(`${what} rate must be a fraction in [0, 1), got ${x}`);
  let s = String(x);
  if (s.includes('e')) s = x.toFixed(20).replace(/0+$/, '');
  const [, frac = ''] = s.split('.');
  return { n: BigInt(s.replace('.', '')), d: 10n ** BigInt(frac.length) };
}

/** round(n / d) half up, for n ≥ 0, d > 0. */
function roundDiv(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/**
 * Splits `amount` over `weights` pro rata, exactly: floor shares, then the leftover fen go
 * one each to the largest remainders (earlier lines win ties). All-zero weights split evenly.
 */
export function splitProRata(amount: number, weights: number[]): number[] {
  if (!weights.length) return [];
  const w = weights.every((x) => x === 0) ? weights.map(() => 1n) : weights.map((x) => BigInt(x));
  const total = w.reduce((a, b) => a + b, 0n);
  const amt = BigInt(amount);
  const shares = w.map((x) => (amt * x) / total);
  const rems = w.map((x, i) => ({ i, r: amt * x - shares[i] * total }));
  let left = amt - shares.reduce((a, b) => a + b, 0n);
  rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) shares[rems[k].i] += 1n;
  return shares.map(Number);
}

function lineTax(valueFen: number, rate: TaxRate, full: boolean) {
  const v = ratio(rate.vat, 'VAT');
  const c = ratio(rate.consumption, 'consumption');
  const d = ratio(rate.duty, 'duty');
  const V = BigInt(valueFen);
  if (!full) {
    // Within limits: duty 0; CT and VAT at 70 % of value / (1 − c) × rate.
    const ct = roundDiv(V * c.n * 7n, (c.d - c.n) * 10n);
    const vat = roundDiv(V * c.d * v.n * 7n, (c.d - c.n) * v.d * 10n);
    return { duty: 0, ct: Number(ct), vat: Number(vat) };
  }
  // In full, each base uses the tax amounts actually levied (already rounded) before it.
  const duty = roundDiv(V * d.n, d.d);
  const ct = roundDiv((V + duty) * c.n, c.d - c.n);
  const vat = roundDiv((V + duty + ct) * v.n, v.d);
  return { duty: Number(duty), ct: Number(ct), vat: Number(vat) };
}

export function computeRetailImportTax(input: TaxInput): { lines: TaxLineResult[]; totals: TaxTotals } {
  const values = input.lines.map((l) => {
    const fen = yuanToFen(l.totalPrice);
    if (fen < 0) throw new Error(`line ${l.gnum}: negative totalPrice "${l.totalPrice}"`);
    return fen;
  });
  const extra = yuanToFen(input.freight) + yuanToFen(input.insuredFee);
  if (extra < 0) throw new Error('freight + insuredFee is negative');
  const shares = splitProRata(extra, values);
  const lines = input.lines.map((l, i): TaxLineResult => {
    const dutiableFen = values[i] + shares[i];
    const t = lineTax(dutiableFen, input.rateOf(l.gcode), input.singleItemOverLimit === true);
    return { gnum: l.gnum, gcode: l.gcode, dutiableFen, customsTaxFen: t.duty, vatFen: t.vat, consumptionFen: t.ct };
  });
  const sum = (k: keyof TaxLineResult) => lines.reduce((a, l) => a + (l[k] as number), 0);
  const totals: TaxTotals = {
    dutiableFen: sum('dutiableFen'),
    customsTaxFen: sum('customsTaxFen'),
    vatFen: sum('vatFen'),
    consumptionFen: sum('consumptionFen'),
    totalFen: 0,
  };
  totals.totalFen = totals.customsTaxFen + totals.vatFen + totals.consumptionFen;
  return { lines, totals };
}
