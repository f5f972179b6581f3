/**
 * The arithmetic of the export tax-refund ledger, as pure functions (no database, no clock).
 *
 * Units: money is integer fen, quantities integer micro-units (qty × 100000, as the CEB's
 * N19,5 allows five decimals), refund rates integer basis points (13 % = 1300). Products are
 * taken in BigInt, so no amount is ever bounded by 2^53 mid-way.
 *
 * Rounding, in one place:
 * - refund of an entry = Σ attributed invoice amount × rate, rounded **half up** to the fen, then
 *   capped at Σ attributed invoice VAT (a refund never exceeds the VAT paid on the purchase);
 * - an invoice's VAT is shared among its items pro rata to their amounts, and an item's amount
 *   and VAT among the entries it covers pro rata to the quantity given to each, by largest
 *   remainder (splitProRata of the tax module): the parts always add up to the whole;
 * - 9810 (overseas warehouse): claimable = ⌊refundable × sold ÷ exported⌋, so every sale but the
 *   one that completes the quantity is rounded down and that last sale gets the remainder; the
 *   claimable part therefore never runs ahead of the stock sold and reaches the refund exactly.
 */

export type Regime = 'exempt' | 'refund';
export type TradeMode = '9610' | '1210' | '9710' | '9810';
export type EntryStatus = 'exempt' | 'awaiting-invoice' | 'awaiting-sale' | 'claimable' | 'claimed' | 'no-refund';

export const STATUSES: readonly EntryStatus[] = ['exempt', 'awaiting-invoice', 'awaiting-sale', 'claimable', 'claimed', 'no-refund'];

/** Basis points in a whole: a rate of 10000 bp is 100 %. */
export const BP = 10_000;
/** Micro-units in one unit of quantity. */
export const QTY_SCALE = 100_000;

/** 9610/1210 retail exports without purchase invoices are exempt (无票免税); 9710/9810 refund (有票退税). */
export function regimeOf(tradeMode: TradeMode): Regime {
  return tradeMode === '9710' || tradeMode === '9810' ? 'refund' : 'exempt';
}

const QTY = /^(\d{1,14})(?:\.(\d{1,5}))?$/;

/** A decimal quantity ("7", "2.5", "0.00001") as micro-units; null when it is not one. */
export function parseQty(s: string): number | null {
  const m = QTY.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * QTY_SCALE + Number((m[2] ?? '').padEnd(5, '0'));
}

/** Micro-units as the shortest decimal: 250000 → "2.5". */
export function formatQty(micro: number): string {
  const whole = Math.floor(micro / QTY_SCALE);
  const frac = String(micro % QTY_SCALE).padStart(5, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/;

/** A percent with at most two decimals ("13", "9.5") as basis points; null when it is not one. */
export function percentToBp(s: string): number | null {
  const m = PERCENT.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Basis points as percent, the unit of the import: 1300 → 13, 950 → 9.5. */
export const bpToPercent = (bp: number): number => bp / 100;

/** round(n ÷ d) half up, n ≥ 0, d > 0. */
function roundHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

/** The refund of an entry: invoice amount × rate (half up), at most the invoice VAT. */
export function refundOf(invoiceAmountFen: number, invoiceTaxFen: number, rateBp: number): number {
  const raw = Number(roundHalfUp(BigInt(invoiceAmountFen) * BigInt(rateBp), BigInt(BP)));
  return Math.min(raw, invoiceTaxFen);
}

/** What of the refund may be claimed: all of it for 9710; for 9810 the share of the exported quantity sold (rounded down). */
export function claimableOf(tradeMode: string, refundableFen: number, soldQty: number, exportedQty: number): number {
  if (tradeMode !== '9810') return refundableFen;
  if (exportedQty <= 0 || soldQty >= exportedQty) return refundableFen;
  return Number((BigInt(refundableFen) * BigInt(soldQty)) / BigInt(exportedQty));
}

export interface StatusInput {
  regime: Regime;
  tradeMode: string;
  invoiceAmountFen: number;
  refundableFen: number;
  claimableFen: number;
  claimedFen: number;
  soldQty: number;
  qty: number;
}

/**
 * exempt: no refund regime. awaiting-invoice: no purchase invoice yet. claimable: something may
 * be claimed now. awaiting-sale: 9810 stock still unsold, nothing open. claimed: all that could be
 * claimed so far has been. no-refund: invoiced, but the rate (0 %) leaves nothing to refund.
 */
export function statusOf(e: StatusInput): EntryStatus {
  if (e.regime === 'exempt') return 'exempt';
  if (e.invoiceAmountFen === 0) return 'awaiting-invoice';
  if (e.claimableFen > e.claimedFen) return 'claimable';
  if (e.refundableFen === 0) return 'no-refund';
  if (e.tradeMode === '9810' && e.soldQty < e.qty) return 'awaiting-sale';
  return 'claimed';
}

/**
 * Spreads `want` over entries with `free` quantity each, filling them in order. Returns the
 * quantity given to each, or null when their free quantity together is less than `want`.
 */
export function allocate(want: number, free: number[]): number[] | null {
  const total = free.reduce((a, b) => a + Math.max(0, b), 0);
  if (want > total) return null;
  let left = want;
  return free.map((f) => {
    const take = Math.min(Math.max(0, f), left);
    left -= take;
    return take;
  });
}

export interface RateRowLike {
  hsPrefix: string;
  validFrom: string;
  rateBp: number;
}

export const PREFIX_MIN = 4;
export const PREFIX_MAX = 10;

/**
 * The rate of `gcode` for an export on `date` (YYYY-MM-DD): among prefixes of the code that have
 * a row in force on that date, the longest; of its rows, the latest valid-from. Null when none.
 */
export function pickRate<T extends RateRowLike>(rows: readonly T[], gcode: string, date: string): T | null {
  for (let n = Math.min(PREFIX_MAX, gcode.length); n >= PREFIX_MIN; n--) {
    const prefix = gcode.slice(0, n);
    let best: T | null = null;
    for (const r of rows) if (r.hsPrefix === prefix && r.validFrom <= date && (!best || r.validFrom > best.validFrom)) best = r;
    if (best) return best;
  }
  return null;
}

/** Every prefix a rate row could have for `gcode`: what to load before `pickRate`. */
export function prefixesOf(gcode: string): string[] {
  const out: string[] = [];
  for (let n = PREFIX_MIN; n <= Math.min(PREFIX_MAX, gcode.length); n++) out.push(gcode.slice(0, n));
  return out;
}

/** The date in China (UTC+8) at `ms`, YYYY-MM-DD. */
export function chinaDate(ms: number): string {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const isMonth = (s: string): boolean => MONTH.test(s);

/** A real calendar date written YYYY-MM-DD. */
export function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** The export date (YYYY-MM-DD) of a C17 opDate, already in China time; null when malformed. */
export function dateOfC17(opDate: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})\d{9}$/.exec(opDate);
  if (!m) return null;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  return isDate(date) ? date : null;
}

/** The months from `from` to `to` inclusive (YYYY-MM), in order. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number);
  const [ty, tm] = to.split('-').map(Number);
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    if (++m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}
