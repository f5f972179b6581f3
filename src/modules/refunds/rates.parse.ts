/**
 * The refund-rate table as the operator sends it: CSV with the header `hs,rate,validFrom` (any
 * order, names case-insensitive) or a JSON array of `{ hs, rate, validFrom }`. Every bad field of
 * every row is reported at once — `line 3.rate` (CSV, lines as in the file, header = line 1) or
 * `row 2.rate` (JSON, from 1) — and a document with any issue is refused whole.
 *
 * hs: an HS prefix of 4 to 10 digits. rate: percent, at most two decimals, 0 to 17 (the highest
 * VAT rate there has been; a refund rate never exceeds the VAT rate); a non-zero rate below 1 is
 * refused as a fraction typed by mistake (0.13 for 13 %). validFrom: YYYY-MM-DD. One rate per
 * prefix and date.
 */
import type { Issue } from '../../ceb/index.ts';
import { AppError } from '../../platform/errors.ts';
import { parseCsv } from '../../platform/csv.ts';
import { isDate, percentToBp, type RateRowLike } from './rules.ts';

export const RATE_COLUMNS = ['hs', 'rate', 'validFrom'] as const;
export const MAX_RATE_ROWS = 20_000;
const MAX_RATE_BP = 1700;
const MAX_ISSUES = 500;
const HS = /^\d{4,10}$/;

const show = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '(missing)' : JSON.stringify(v));

interface Raw {
  where: string;
  fields: Record<string, unknown>;
}

function check(raws: Raw[]): RateRowLike[] {
  const issues: Issue[] = [];
  const add = (path: string, rule: string, expected: string, actual: unknown) => issues.push({ path, rule, expected, actual: show(actual) });
  const rows: RateRowLike[] = [];
  const seen = new Map<string, string>();
  for (const { where, fields } of raws) {
    const hs = typeof fields.hs === 'string' ? fields.hs.trim() : fields.hs;
    const rawRate = typeof fields.rate === 'number' ? String(fields.rate) : typeof fields.rate === 'string' ? fields.rate.trim() : undefined;
    const validFrom = typeof fields.validFrom === 'string' ? fields.validFrom.trim() : fields.validFrom;
    let ok = true;
    if (typeof hs !== 'string' || !HS.test(hs)) {
      add(`${where}.hs`, 'pattern', 'an HS code prefix of 4 to 10 digits', hs);
      ok = false;
    }
    const bp = rawRate === undefined ? null : percentToBp(rawRate);
    if (bp === null) {
      add(`${where}.rate`, 'format', 'a percent with at most two decimals, e.g. 13 or 9.5', fields.rate);
      ok = false;
    } else if (bp > MAX_RATE_BP) {
      add(`${where}.rate`, 'range', `at most 17 (percent)`, rawRate);
      ok = false;
    } else if (bp > 0 && bp < 100) {
      add(`${where}.rate`, 'percent', 'percent (13 for 13 %): a rate below 1 looks like a fraction', rawRate);
      ok = false;
    }
    if (typeof validFrom !== 'string' || !isDate(validFrom)) {
      add(`${where}.validFrom`, 'date', 'a date YYYY-MM-DD', validFrom);
      ok = false;
    }
    if (!ok) continue;
    const key = `${hs as string}|${validFrom as string}`;
    const first = seen.get(key);
    if (first) {
      add(`${where}.hs`, 'unique', `one rate per prefix and date (${hs as string} from ${validFrom as string} is already at ${first})`, hs);
      continue;
    }
    seen.set(key, where);
    rows.push({ hsPrefix: hs as string, validFrom: validFrom as string, rateBp: bp! });
  }
  if (issues.length) {
    const n = issues.length;
    throw new AppError('INVALID_REQUEST', `The rate table has ${n} issue${n === 1 ? '' : 's'}; nothing was changed.`, issues.slice(0, MAX_ISSUES));
  }
  return rows;
}

function tooMany(n: number): AppError {
  return new AppError('INVALID_REQUEST', 'The rate table is too long.', [{ path: 'body', rule: 'maxRows', expected: `at most ${MAX_RATE_ROWS} rows`, actual: String(n) }]);
}

const empty = () => new AppError('INVALID_REQUEST', 'The rate table may not be empty.', [{ path: 'body', rule: 'minRows', expected: 'at least one row', actual: '0 rows' }]);

export function parseRatesCsv(text: string): RateRowLike[] {
  const parsed = parseCsv(text);
  if (!parsed.ok) throw new AppError('INVALID_REQUEST', 'The CSV is malformed.', [{ path: `line ${parsed.line}`, rule: 'csv', expected: 'RFC 4180 CSV', actual: parsed.message }]);
  const [header, ...data] = parsed.records;
  if (!header) throw empty();
  const names = header.fields.map((f) => f.trim());
  const columns = names.map((n) => RATE_COLUMNS.find((c) => c.toLowerCase() === n.toLowerCase()));
  const issues: Issue[] = [];
  names.forEach((n, i) => {
    if (!columns[i]) issues.push({ path: `line ${header.line}.${n}`, rule: 'column', expected: `columns ${RATE_COLUMNS.join(',')}`, actual: n });
    else if (columns.indexOf(columns[i]) !== i) issues.push({ path: `line ${header.line}.${n}`, rule: 'column', expected: 'each column once', actual: n });
  });
  for (const c of RATE_COLUMNS) if (!columns.includes(c)) issues.push({ path: `line ${header.line}`, rule: 'column', expected: `a column ${c}`, actual: names.join(',') });
  if (issues.length) throw new AppError('INVALID_REQUEST', 'The CSV header must be hs,rate,validFrom.', issues);
  if (!data.length) throw empty();
  if (data.length > MAX_RATE_ROWS) throw tooMany(data.length);
  const width = columns.length;
  const bad: Issue[] = [];
  const raws = data.map((r): Raw => {
    if (r.fields.length !== width) bad.push({ path: `line ${r.line}`, rule: 'columns', expected: `${width} fields, as the header`, actual: `${r.fields.length} fields` });
    return { where: `line ${r.line}`, fields: Object.fromEntries(columns.map((c, i) => [c!, r.fields[i]])) };
  });
  if (bad.length) throw new AppError('INVALID_REQUEST', 'Some CSV lines do not have as many fields as the header.', bad.slice(0, MAX_ISSUES));
  return check(raws);
}

export function parseRatesJson(body: unknown): RateRowLike[] {
  if (!Array.isArray(body)) {
    throw new AppError('INVALID_REQUEST', 'Send an array of { hs, rate, validFrom }.', [{ path: 'body', rule: 'type', expected: 'a JSON array', actual: body === null ? 'null' : typeof body }]);
  }
  if (!body.length) throw empty();
  if (body.length > MAX_RATE_ROWS) throw tooMany(body.length);
  const issues: Issue[] = [];
  const raws = body.map((item, i): Raw => {
    const where = `row ${i + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      issues.push({ path: where, rule: 'type', expected: 'an object { hs, rate, validFrom }', actual: show(item) });
      return { where, fields: {} };
    }
    for (const k of Object.keys(item)) {
      if (!(RATE_COLUMNS as readonly string[]).includes(k)) issues.push({ path: `${where}.${k}`, rule: 'additionalProperties', expected: 'only hs, rate, validFrom', actual: k });
    }
    return { where, fields: item as Record<string, unknown> };
  });
  if (issues.length) throw new AppError('INVALID_REQUEST', 'Some rows are not { hs, rate, validFrom } objects.', issues.slice(0, MAX_ISSUES));
  return check(raws);
}
