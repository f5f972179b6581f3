/**
 * Import formats of the rate table and the positive list, validated strictly: every bad row and
 * column is reported at once as `{ path: 'row 7.vat', rule, expected, actual }`, and a document
 * with any issue is refused whole (nothing is written).
 *
 * - CSV (RFC 4180: comma, `"` quoting with `""` escapes, CRLF or LF, optional UTF-8 BOM). The
 *   first record is the header; column names are case-insensitive, in any order, unknown ones
 *   are refused. Rows are numbered as a spreadsheet shows them: the header is row 1, the first
 *   data row is row 2 (blank lines are skipped but counted).
 * - JSON: an array of objects with the same field names (`hsPrefix` is accepted for
 *   `hs_prefix`, so the items of a GET can be posted back); rows are numbered from 1.
 *
 * Rates are **percent** (`13` = 13 %), a plain decimal with at most 4 decimals, 0 ≤ rate < 100
 * (the tax engine takes fractions in [0, 1); a 100 % consumption tax would divide by zero).
 * A non-zero rate below 1 % is refused as a likely fraction typed by mistake (`0.13` for 13 %);
 * no VAT, consumption tax or duty rate of the retail import regime is that small.
 */
import { AppError } from '../../platform/errors.ts';
import { restoreField } from '../../platform/csv.ts';

export interface Issue {
  path: string;
  rule: string;
  expected: string;
  actual: string;
}

/** A validated rate row; rates in parts per million (13 % = 130000). */
export interface RateRow {
  hsPrefix: string;
  vatPpm: number;
  consumptionPpm: number;
  dutyPpm: number;
  note: string | null;
}

/** A validated positive-list entry. */
export interface PositiveRow {
  hsPrefix: string;
  name: string;
  note: string | null;
}

/** Accepted but suspicious input (the import still happens). */
export interface ImportWarning {
  row: number;
  hsPrefix: string;
  message: string;
}

export interface Parsed<T> {
  rows: T[];
  warnings: ImportWarning[];
}

export type ImportFormat = 'csv' | 'json';

/** At most this many issues are listed in one answer (the message says how many there were). */
export const MAX_ISSUES = 1000;
export const MAX_NAME_CHARS = 200;
export const MAX_NOTE_CHARS = 2000;

export const RATE_COLUMNS = ['hs_prefix', 'vat', 'consumption', 'duty', 'note'] as const;
export const POSITIVE_COLUMNS = ['hs_prefix', 'name', 'note'] as const;
const RATE_REQUIRED = ['hs_prefix', 'vat', 'consumption', 'duty'];
const POSITIVE_REQUIRED = ['hs_prefix', 'name'];

const PREFIX = /^\d{2,10}$/;
const PERCENT = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

/** One record of the document before validation: its row number and field values. */
interface RawRow {
  row: number;
  fields: Record<string, unknown>;
}

class Issues {
  readonly list: Issue[] = [];
  add(path: string, rule: string, expected: string, actual: unknown) {
    this.list.push({ path, rule, expected, actual: show(actual) });
  }
  throwIfAny(what: string) {
    const n = this.list.length;
    if (!n) return;
    // Top to bottom: header, then rows in order, then whole-document issues.
    const rank = (path: string) => {
      const m = /^row (\d+)/.exec(path);
      return path.startsWith('header') ? 0 : m ? Number(m[1]) : Infinity;
    };
    const shown = this.list
      .map((issue, i) => ({ issue, i, r: rank(issue.path) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .slice(0, MAX_ISSUES)
      .map((x) => x.issue);
    const more = n > MAX_ISSUES ? ` (the first ${MAX_ISSUES} are listed)` : '';
    throw new AppError('INVALID_REQUEST', `The ${what} import has ${n} issue${n === 1 ? '' : 's'}${more}; nothing was changed.`, shown);
  }
}

function show(v: unknown): string {
  if (v === undefined) return '(missing)';
  if (typeof v === 'string') return v.length > 100 ? `${v.slice(0, 100)}…` : v;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

// --- CSV ---------------------------------------------------------------------------------------

/**
 * RFC 4180 records. Each record carries the 1-based number it has in the file (header = 1);
 * a blank line is a record of one empty field, kept so that numbering matches the lines.
 */
export function csvRecords(text: string, issues: { add(path: string, rule: string, expected: string, actual: unknown): void }): Array<{ row: number; cells: string[] }> {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: Array<{ row: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false; // inside a quoted field
  let wasQuoted = false; // the current field was quoted (only a delimiter may follow its closing quote)
  let row = 1;
  let bad = false;
  const endCell = () => {
    cells.push(wasQuoted ? cell : cell.trim());
    cell = '';
    wasQuoted = false;
  };
  const endRecord = () => {
    endCell();
    if (!bad) out.push({ row, cells });
    cells = [];
    bad = false;
    row++;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
      continue;
    }
    if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      endRecord();
    } else if (c === '"') {
      if (cell.trim() === '' && !wasQuoted) {
        cell = '';
        quoted = true;
        wasQuoted = true;
      } else if (!bad) {
        issues.add(`row ${row}`, 'csv', 'a quote only around a whole field (write "" for a quote inside a quoted field)', lineAt(src, i));
        bad = true;
      }
    } else if (wasQuoted) {
      if (c !== ' ' && c !== '\t' && !bad) {
        issues.add(`row ${row}`, 'csv', 'a comma or the end of the line after a closing quote', lineAt(src, i));
        bad = true;
      }
    } else cell += c;
  }
  if (quoted) {
    issues.add(`row ${row}`, 'csv', 'a closing quote', lineAt(src, src.length - 1));
    return out;
  }
  if (cell !== '' || cells.length || wasQuoted) endRecord();
  return out;
}

function lineAt(src: string, i: number): string {
  const start = src.lastIndexOf('\n', i) + 1;
  const end = src.indexOf('\n', i);
  return src.slice(start, end < 0 ? undefined : end).replace(/\r$/, '');
}

const TEXT_COLUMNS: ReadonlySet<string> = new Set(['name', 'note']);

function csvRows(text: string, columns: readonly string[], required: string[], issues: Issues): RawRow[] {
  const records = csvRecords(text, issues);
  const isBlank = (cells: string[]) => cells.length === 1 && cells[0] === '';
  const headerAt = records.findIndex((r) => !isBlank(r.cells));
  if (headerAt < 0) {
    issues.add('header', 'required', `a header line: ${columns.join(',')}`, '');
    return [];
  }
  const header = records[headerAt].cells.map((h) => h.trim().toLowerCase());
  let headerOk = true;
  header.forEach((h, i) => {
    if (!columns.includes(h)) {
      issues.add(`header.${h || `column ${i + 1}`}`, 'unknown', `one of ${columns.join(', ')} (comma-separated)`, records[headerAt].cells[i]);
      headerOk = false;
    } else if (header.indexOf(h) !== i) {
      issues.add(`header.${h}`, 'unique', 'each column once', h);
      headerOk = false;
    }
  });
  for (const r of required) {
    if (!header.includes(r)) {
      issues.add(`header.${r}`, 'required', `a ${r} column (header: ${columns.join(',')})`, records[headerAt].cells.join(','));
      headerOk = false;
    }
  }
  if (!headerOk) return [];
  const out: RawRow[] = [];
  for (const rec of records.slice(headerAt + 1)) {
    if (isBlank(rec.cells)) continue;
    if (rec.cells.length !== header.length) {
      issues.add(`row ${rec.row}`, 'columns', `${header.length} fields (${header.join(',')})`, `${rec.cells.length} fields: ${rec.cells.join(',')}`);
      continue;
    }
    // Text columns as the export made them inert for spreadsheets (a leading apostrophe) come back as they were.
    out.push({ row: rec.row, fields: Object.fromEntries(header.map((h, i) => [h, TEXT_COLUMNS.has(h) ? restoreField(rec.cells[i]) : rec.cells[i]])) });
  }
  return out;
}

// --- JSON --------------------------------------------------------------------------------------

function jsonRows(value: unknown, columns: readonly string[], issues: Issues): RawRow[] {
  if (!Array.isArray(value)) {
    issues.add('rows', 'type', 'a JSON array of objects', Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);
    return [];
  }
  const out: RawRow[] = [];
  value.forEach((item, i) => {
    const row = i + 1;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      issues.add(`row ${row}`, 'type', 'an object', item);
      return;
    }
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      const key = k === 'hsPrefix' ? 'hs_prefix' : k;
      // Extra read-only fields of a GET answer are ignored, so its items can be posted back.
      if (key === 'updatedAt' || key === 'updated_at') continue;
      if (!columns.includes(key)) {
        issues.add(`row ${row}.${k}`, 'unknown', `only ${columns.join(', ')}`, v);
        continue;
      }
      fields[key] = v;
    }
    out.push({ row, fields });
  });
  return out;
}

// --- fields ------------------------------------------------------------------------------------

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function prefixOf(raw: RawRow, issues: Issues, warnings: ImportWarning[], seen: Map<string, number>): string | null {
  const v = raw.fields.hs_prefix;
  const s = typeof v === 'string' ? v.trim() : undefined;
  if (s === undefined || s === '') {
    issues.add(`row ${raw.row}.hs_prefix`, 'required', 'an HS code prefix of 2 to 10 digits', v);
    return null;
  }
  if (!PREFIX.test(s)) {
    issues.add(`row ${raw.row}.hs_prefix`, 'pattern', 'an HS code prefix of 2 to 10 digits, as text (e.g. "3304" or "0402")', v);
    return null;
  }
  const first = seen.get(s);
  if (first !== undefined) {
    issues.add(`row ${raw.row}.hs_prefix`, 'unique', `a prefix not given before (row ${first} has it)`, s);
    return null;
  }
  seen.set(s, raw.row);
  if (s.length % 2 === 1) {
    warnings.push({ row: raw.row, hsPrefix: s, message: `odd length (${s.length} digits): check that a spreadsheet did not drop a leading zero (0401 → 401)` });
  }
  return s;
}

/** Percent text → parts per million, exactly; null (with an issue) when invalid. */
export function percentToPpm(v: unknown): { ppm: number } | { rule: string; expected: string } {
  const expected = 'a percentage from 0 to less than 100, at most 4 decimals (13 for 13 %)';
  const s = text(v);
  if (s === undefined || s === '') return { rule: v === undefined || s === '' ? 'required' : 'type', expected };
  const m = PERCENT.exec(s);
  if (!m) return { rule: 'pattern', expected };
  const ppm = Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0'));
  if (ppm >= 1_000_000) return { rule: 'range', expected };
  if (ppm > 0 && ppm < 10_000) return { rule: 'percent', expected: 'a percentage, not a fraction (13 for 13 %; rates of 0 < r < 1 % are refused as likely fractions)' };
  return { ppm };
}

function noteOf(raw: RawRow, issues: Issues): string | null {
  const v = raw.fields.note;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    issues.add(`row ${raw.row}.note`, 'type', 'text', v);
    return null;
  }
  const s = v.trim();
  if (s.length > MAX_NOTE_CHARS) issues.add(`row ${raw.row}.note`, 'maxLength', `at most ${MAX_NOTE_CHARS} characters`, `${s.length} characters`);
  return s === '' ? null : s;
}

function validateRates(rows: RawRow[], issues: Issues): Parsed<RateRow> {
  const out: RateRow[] = [];
  const warnings: ImportWarning[] = [];
  const seen = new Map<string, number>();
  for (const raw of rows) {
    const hsPrefix = prefixOf(raw, issues, warnings, seen);
    const ppm: Record<string, number> = {};
    for (const col of ['vat', 'consumption', 'duty'] as const) {
      const r = percentToPpm(raw.fields[col]);
      if ('ppm' in r) ppm[col] = r.ppm;
      else issues.add(`row ${raw.row}.${col}`, r.rule, r.expected, raw.fields[col]);
    }
    const note = noteOf(raw, issues);
    if (hsPrefix !== null && ppm.vat !== undefined && ppm.consumption !== undefined && ppm.duty !== undefined) {
      out.push({ hsPrefix, vatPpm: ppm.vat, consumptionPpm: ppm.consumption, dutyPpm: ppm.duty, note });
    }
  }
  if (!rows.length) issues.add('rows', 'minItems', 'at least one row', 'no rows');
  return { rows: out, warnings };
}

function validatePositive(rows: RawRow[], issues: Issues): Parsed<PositiveRow> {
  const out: PositiveRow[] = [];
  const warnings: ImportWarning[] = [];
  const seen = new Map<string, number>();
  for (const raw of rows) {
    const hsPrefix = prefixOf(raw, issues, warnings, seen);
    const v = raw.fields.name;
    const name = typeof v === 'string' ? v.trim() : undefined;
    let nameOk = false;
    if (name === undefined || name === '') issues.add(`row ${raw.row}.name`, name === undefined && v !== undefined ? 'type' : 'required', 'the goods name (text)', v);
    else if (name.length > MAX_NAME_CHARS) issues.add(`row ${raw.row}.name`, 'maxLength', `at most ${MAX_NAME_CHARS} characters`, `${name.length} characters`);
    else nameOk = true;
    const note = noteOf(raw, issues);
    if (hsPrefix !== null && nameOk) out.push({ hsPrefix, name: name!, note });
  }
  if (!rows.length) issues.add('rows', 'minItems', 'at least one row', 'no rows');
  return { rows: out, warnings };
}

// --- entry points --------------------------------------------------------------------------------

/** Parses and validates a rate-table document; throws AppError INVALID_REQUEST listing every issue. */
export function parseRates(format: ImportFormat, body: unknown): Parsed<RateRow> {
  const issues = new Issues();
  const raw = format === 'csv' ? csvRows(String(body ?? ''), RATE_COLUMNS, RATE_REQUIRED, issues) : jsonRows(body, RATE_COLUMNS, issues);
  const parsed = issues.list.length && !raw.length ? { rows: [], warnings: [] } : validateRates(raw, issues);
  issues.throwIfAny('rate table');
  return parsed;
}

/** Parses and validates a positive-list document; throws AppError INVALID_REQUEST listing every issue. */
export function parsePositiveList(format: ImportFormat, body: unknown): Parsed<PositiveRow> {
  const issues = new Issues();
  const raw = format === 'csv' ? csvRows(String(body ?? ''), POSITIVE_COLUMNS, POSITIVE_REQUIRED, issues) : jsonRows(body, POSITIVE_COLUMNS, issues);
  const parsed = issues.list.length && !raw.length ? { rows: [], warnings: [] } : validatePositive(raw, issues);
  issues.throwIfAny('positive list');
  return parsed;
}

/** Each row's prefix: 2 to 10 digits, and each prefix once. */
function checkPrefixes(rows: Array<{ hsPrefix: string }>, issues: Issues): void {
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const at = `row ${i + 1}`;
    if (!PREFIX.test(r.hsPrefix)) issues.add(`${at}.hs_prefix`, 'pattern', 'an HS code prefix of 2 to 10 digits', r.hsPrefix);
    else if (seen.has(r.hsPrefix)) issues.add(`${at}.hs_prefix`, 'unique', 'each prefix once', r.hsPrefix);
    seen.add(r.hsPrefix);
  });
}

/** Re-checks rows built by code (not parsed from a document) before they are written. */
export function checkRateRows(rows: RateRow[]): void {
  const issues = new Issues();
  checkPrefixes(rows, issues);
  rows.forEach((r, i) => {
    const at = `row ${i + 1}`;
    for (const [col, v] of [['vat', r.vatPpm], ['consumption', r.consumptionPpm], ['duty', r.dutyPpm]] as const) {
      if (!Number.isSafeInteger(v) || v < 0 || v >= 1_000_000) issues.add(`${at}.${col}`, 'range', 'parts per million from 0 to 999999', v);
    }
  });
  if (!rows.length) issues.add('rows', 'minItems', 'at least one row', 'no rows');
  issues.throwIfAny('rate table');
}

export function checkPositiveRows(rows: PositiveRow[]): void {
  const issues = new Issues();
  checkPrefixes(rows, issues);
  rows.forEach((r, i) => {
    const at = `row ${i + 1}`;
    if (typeof r.name !== 'string' || !r.name.trim() || r.name.length > MAX_NAME_CHARS) issues.add(`${at}.name`, 'required', `a name of 1 to ${MAX_NAME_CHARS} characters`, r.name);
  });
  if (!rows.length) issues.add('rows', 'minItems', 'at least one row', 'no rows');
  issues.throwIfAny('positive list');
}

/** ppm → percent number for display and export (130000 → 13). */
export const ppmToPercent = (ppm: number) => ppm / 10_000;
