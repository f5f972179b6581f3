/**
 * Foreign amounts in RMB, at customs' monthly rates (海关月度汇率, the rate customs publishes for
 * each currency and month; declarations are valued with the rate of the month they are declared
 * in). The table here is the default the platform and the sandbox customs ship with; a zone
 * replaces it with the published rates. Currencies are customs' numeric codes (JGS-20).
 */
/** RMB for one unit of the currency, as a decimal string (customs publishes 4–6 digits). */
export const DEFAULT_MONTHLY_RATES: Readonly<Record<string, string>> = {
  '142': '1', // 人民币 CNY
  '502': '7.1068', // 美元 USD
  '300': '7.7530', // 欧元 EUR
  '303': '9.0912', // 英镑 GBP
  '116': '0.047812', // 日元 JPY
  '133': '0.005219', // 韩元 KRW
  '110': '0.91243', // 港币 HKD
  '601': '4.6518', // 澳大利亚元 AUD
  '501': '5.1275', // 加拿大元 CAD
  '132': '5.4810', // 新加坡元 SGD
  '609': '4.2175', // 新西兰元 NZD
  '344': '0.08911', // 俄罗斯卢布 RUB
  '136': '0.19961', // 泰铢 THB
  '129': '0.12210', // 菲律宾比索 PHP
  '141': '0.000281', // 越南盾 VND
  '122': '1.5221', // 马来西亚林吉特 MYR
};

const SCALE = 1_000_000n;

/** Decimal string → integer millionths (rates have at most 6 decimals). */
function millionths(rate: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(rate.trim());
  if (!m) throw new Error(`not an exchange rate: "${rate}"`);
  return BigInt(m[1]) * SCALE + BigInt((m[2] ?? '').padEnd(6, '0'));
}

/** A decimal amount (CEB amounts have at most 5 decimals) in units of 10⁻⁵. */
function hundredThousandths(amount: string): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d{0,5}))?$/.exec(amount.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal amount of at most 5 decimals: "${amount}"`);
  const v = BigInt((m[2] || '0') + (m[3] ?? '').padEnd(5, '0'));
  return m[1] === '-' ? -v : v;
}

/**
 * An amount in `currency` as RMB fen, rounded half up once; null when the currency has no rate.
 * Integer arithmetic throughout: the amount in 10⁻⁵ units × the rate in millionths.
 */
export function toRmbFen(amount: string, currency: string, rates: Readonly<Record<string, string>> = DEFAULT_MONTHLY_RATES): number | null {
  const rate = Object.hasOwn(rates, currency) ? rates[currency] : undefined;
  if (rate === undefined) return null;
  const scaled = hundredThousandths(amount) * millionths(rate); // yuan × 10¹¹
  const unit = 1_000_000_000n; // 10¹¹ → fen (10²)
  const rounded = (scaled + (scaled >= 0n ? unit / 2n : -unit / 2n)) / unit;
  return Number(rounded);
}
