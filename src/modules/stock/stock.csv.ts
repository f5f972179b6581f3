/**
 * The stock-in CSV: RFC 4180 (quoted fields may hold commas, quotes as "" and line breaks),
 * UTF-8 with or without a BOM, LF or CRLF. The header names the columns, in any order:
 * emsNo,itemRecordNo,ownerCode,qty are required, gcode,name,ref optional. Fields are trimmed and
 * blank lines skipped. Issues name the file line (counted from 1) and the column:
 * `line[3].qty`.
 */
import type { Issue } from '../../ceb/index.ts';
import type { StockInRow } from './stock.service.ts';

export const CSV_COLUMNS = ['emsNo', 'itemRecordNo', 'ownerCode', 'qty', 'gcode', 'name', 'ref'] as const;
const REQUIRED = new Set<string>(['emsNo', 'itemRecordNo', 'ownerCode', 'qty']);

export interface StockCsv {
  rows: StockInRow[];
  /** The file line each row starts on. */
  lines: number[];
  issues: Issue[];
}

interface CsvRecord {
  line: number;
  fields: string[];
  fault?: Issue;
}

/** Splits CSV text into records, each with the line it starts on. */
function records(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const rec: CsvRecord = { line, fields: [] };
    let field = '';
    let quoted = false;
    for (;;) {
      const c = text[i];
      if (quoted) {
        if (i >= n) {
          rec.fault ??= { path: `line[${rec.line}]`, rule: 'quote', expected: 'a closing quote', actual: 'end of file' };
          rec.fields.push(field);
          break;
        }
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          quoted = false;
          i++;
          while (text[i] === ' ' || text[i] === '\t') i++;
          const next = text[i];
          if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
            rec.fault ??= { path: `line[${line}]`, rule: 'quote', expected: 'a comma or the end of the line after a closing quote', actual: next };
          }
          continue;
        }
        if (c === '\n') line++;
        field += c;
        i++;
        continue;
      }
      if (i >= n || c === '\n' || c === '\r') {
        rec.fields.push(field);
        if (c === '\r' && text[i + 1] === '\n') i++;
        if (i < n) {
          i++;
          line++;
        }
        break;
      }
      if (c === ',') {
        rec.fields.push(field);
        field = '';
        i++;
        continue;
      }
      if (c === '"' && field.trim() === '') {
        quoted = true;
        field = '';
        i++;
        continue;
      }
      field += c;
      i++;
    }
    out.push(rec);
  }
  return out;
}

export function parseStockCsv(input: string): StockCsv {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const recs = records(text).filter((r) => r.fault || r.fields.some((f) => f.trim() !== ''));
  const issues: Issue[] = [];
  const header = recs.shift();
  if (!header) return { rows: [], lines: [], issues: [{ path: 'line[1]', rule: 'header', expected: CSV_COLUMNS.join(','), actual: '(empty file)' }] };
  const at = `line[${header.line}]`;
  const names = header.fields.map((f) => f.trim());
  const columns: Array<keyof StockInRow | null> = [];
  names.forEach((name) => {
    const canonical = CSV_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!canonical) issues.push({ path: `${at}.${name}`, rule: 'column', expected: `one of ${CSV_COLUMNS.join(',')}`, actual: name });
    else if (columns.includes(canonical)) issues.push({ path: `${at}.${name}`, rule: 'column', expected: 'each column once', actual: `${name} repeated` });
    columns.push(canonical ?? null);
  });
  for (const r of REQUIRED) {
    if (!columns.includes(r as keyof StockInRow)) issues.push({ path: `${at}.${r}`, rule: 'column', expected: `a column ${r}`, actual: '(missing)' });
  }
  if (header.fault) issues.push(header.fault);
  if (issues.length) return { rows: [], lines: [], issues };

  const rows: StockInRow[] = [];
  const lines: number[] = [];
  for (const rec of recs) {
    if (rec.fault) {
      issues.push(rec.fault);
      continue;
    }
    if (rec.fields.length !== columns.length) {
      issues.push({ path: `line[${rec.line}]`, rule: 'columns', expected: `${columns.length} fields`, actual: `${rec.fields.length} fields` });
      continue;
    }
    const row: Record<string, string> = {};
    rec.fields.forEach((f, j) => {
      const v = f.trim();
      if (v !== '') row[columns[j]!] = v;
    });
    rows.push(row as unknown as StockInRow);
    lines.push(rec.line);
  }
  if (rows.length === 0 && issues.length === 0) issues.push({ path: `line[${header.line + 1}]`, rule: 'rows', expected: 'at least one stock row', actual: '(none)' });
  return { rows, lines, issues };
}
