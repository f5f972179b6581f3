/**
 * Quantities as integer micro-units: qty × 100000, because CEB quantities are N19,5 (five
 * decimals). Conversion goes through the decimal digits, never through floating point.
 */

export const MICRO = 100_000;
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Why a string is not a quantity; thrown by toMicro. */
export class QuantityError extends RangeError {}

/** '12.5' → 1250000. Refuses anything but a plain decimal with at most 5 decimals, or beyond 2^53. */
export function toMicro(qty: string): number {
  if (typeof qty !== 'string') throw new QuantityError(`a quantity is a decimal string, not ${qty === null ? 'null' : typeof qty}`);
  const m = DECIMAL.exec(qty);
  if (!m) throw new QuantityError(`"${qty}" is not a decimal number`);
  const frac = m[3] ?? '';
  if (frac.length > 5) throw new QuantityError(`"${qty}" has more than 5 decimals`);
  const n = Number(m[2] + frac.padEnd(5, '0'));
  if (!Number.isSafeInteger(n)) throw new QuantityError(`"${qty}" is too large`);
  return m[1] && n !== 0 ? -n : n;
}

/** 1250000 → '12.5'; whole numbers without a decimal point. */
export function fromMicro(n: number | bigint): string {
  const v = BigInt(n);
  const abs = v < 0n ? -v : v;
  const int = abs / BigInt(MICRO);
  const frac = (abs % BigInt(MICRO)).toString().padStart(5, '0').replace(/0+$/, '');
  return `${v < 0n ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}
