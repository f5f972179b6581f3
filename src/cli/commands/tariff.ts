/** `silkgate tariff`: import the rate table or the positive list (operator), list them, look a gcode up. */
import fs from 'node:fs/promises';
import { CliError, apiError, type Context, type Values } from '../client.ts';

export const summary = 'Rate table and positive list: import (operator), list, lookup <gcode>';
export const usage = `Usage: silkgate tariff import rates|positive-list <file.csv|file.json> [--mode merge|replace]
       silkgate tariff list rates|positive-list
       silkgate tariff lookup <gcode>

import   Sends the file to the platform (operator key only). .csv files go as text/csv (UTF-8),
         .json files as application/json (an array of objects with the same fields).
           rates:          header hs_prefix,vat,consumption,duty,note; rates in percent (13 = 13 %)
           positive-list:  header hs_prefix,name,note
         hs_prefix is 2 to 10 digits; a gcode takes the entry with the longest matching prefix.
         The whole file is checked first: any bad row → every issue is listed, nothing changes.
list     Prints the table (rates in percent).
lookup   The rate (VAT, consumption tax, duty) a 10-digit gcode gets and whether it is on the
         positive list.

Options:
  --mode MODE   import: merge (default; adds and overwrites by prefix) or replace (the table
                becomes exactly the file)`;

export const options = {
  mode: { type: 'string' },
} as const;

const TABLES: Record<string, string> = { rates: 'rates', 'positive-list': 'positive-list' };

interface ImportResult {
  table: string;
  mode: string;
  rows: number;
  inserted: number;
  updated: number;
  removed: number;
  total: number;
  warnings: Array<{ row: number; hsPrefix: string; message: string }>;
}

interface RateItem {
  hsPrefix: string;
  vat: number;
  consumption: number;
  duty: number;
  note: string | null;
}

interface PositiveItem {
  hsPrefix: string;
  name: string;
  note: string | null;
}

interface Lookup {
  gcode: string;
  rate: { vat: number; consumption: number; duty: number; prefix: string | null; note: string | null };
  positiveList: { ok: boolean; prefix?: string; name?: string; note?: string | null };
}

const out = (text: string) => void process.stdout.write(text.endsWith('\n') ? text : text + '\n');
/** A fraction as percent text: 0.13 → "13 %", exact to the ppm. */
const pct = (f: number) => `${Math.round(f * 1e6) / 1e4} %`;
const oneLine = (s: string | null | undefined) => String(s ?? '').replace(/\s+/g, ' ').trim();

function tableOf(word: string | undefined): string {
  if (!word || !Object.hasOwn(TABLES, word)) throw new CliError(`expected rates or positive-list, got "${word ?? ''}"`, 2);
  return TABLES[word];
}

async function importFile(ctx: Context, args: string[], v: Values): Promise<number> {
  const [word, file, ...extra] = args;
  const table = tableOf(word);
  if (!file) throw new CliError('import: a .csv or .json file is required', 2);
  if (extra.length) throw new CliError(`unexpected argument "${extra[0]}"`, 2);
  const mode = v.mode === undefined ? 'merge' : String(v.mode);
  if (mode !== 'merge' && mode !== 'replace') throw new CliError(`--mode must be merge or replace, got "${mode}"`, 2);
  const type = /\.csv$/i.test(file) ? 'text/csv; charset=utf-8' : /\.json$/i.test(file) ? 'application/json' : null;
  if (!type) throw new CliError(`${file}: the file name must end in .csv or .json`, 2);
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 2);
  }
  const reply = await ctx.client(ctx.key()).send('POST', `/api/v1/tariff/${table}?mode=${mode}`, body, type);
  if (reply.status >= 300) throw apiError(reply);
  const r = reply.body as ImportResult;
  if (ctx.json) out(JSON.stringify(r));
  else {
    out(`${table}: ${r.mode}, ${r.rows} row${r.rows === 1 ? '' : 's'}: ${r.inserted} inserted, ${r.updated} updated, ${r.removed} removed; the table now has ${r.total}`);
  }
  for (const w of r.warnings ?? []) process.stderr.write(`warning: row ${w.row} (${w.hsPrefix}): ${w.message}\n`);
  return 0;
}

async function list(ctx: Context, args: string[]): Promise<number> {
  const [word, ...extra] = args;
  const table = tableOf(word);
  if (extra.length) throw new CliError(`unexpected argument "${extra[0]}"`, 2);
  const page = await ctx.client(ctx.key()).json<{ items: Array<RateItem | PositiveItem> }>(`/api/v1/tariff/${table}`);
  if (ctx.json) {
    for (const item of page.items) out(JSON.stringify(item));
    return 0;
  }
  for (const item of page.items) {
    if (table === 'rates') {
      const r = item as RateItem;
      out(`${r.hsPrefix.padEnd(10)}  VAT ${String(r.vat).padStart(6)} %  CT ${String(r.consumption).padStart(6)} %  duty ${String(r.duty).padStart(6)} %  ${oneLine(r.note).slice(0, 80)}`);
    } else {
      const p = item as PositiveItem;
      out(`${p.hsPrefix.padEnd(10)}  ${p.name}`);
    }
  }
  process.stderr.write(`${page.items.length} entr${page.items.length === 1 ? 'y' : 'ies'}\n`);
  return 0;
}

export function renderLookup(l: Lookup): string {
  const from = l.rate.prefix ? `entry ${l.rate.prefix}` : 'no entry matches: default rate';
  const lines = [
    `gcode ${l.gcode}`,
    `  rate           VAT ${pct(l.rate.vat)}, consumption tax ${pct(l.rate.consumption)}, duty ${pct(l.rate.duty)}  (${from})`,
  ];
  if (l.rate.prefix && l.rate.note) lines.push(`                 ${oneLine(l.rate.note)}`);
  lines.push(l.positiveList.ok ? `  positive list  yes: ${l.positiveList.prefix} ${l.positiveList.name}` : '  positive list  no: no entry is a prefix of this code');
  if (l.positiveList.ok && l.positiveList.note) lines.push(`                 ${oneLine(l.positiveList.note)}`);
  return lines.join('\n') + '\n';
}

async function lookup(ctx: Context, args: string[]): Promise<number> {
  const [gcode, ...extra] = args;
  if (!gcode) throw new CliError('lookup: a gcode is required', 2);
  if (extra.length) throw new CliError(`unexpected argument "${extra[0]}"`, 2);
  if (!/^\d{2,10}$/.test(gcode)) throw new CliError(`lookup: a gcode is 2 to 10 digits, got "${gcode}"`, 2);
  const l = await ctx.client(ctx.key()).json<Lookup>(`/api/v1/tariff/lookup/${gcode}`);
  out(ctx.json ? JSON.stringify(l) : renderLookup(l));
  return 0;
}

export async function run(ctx: Context, positionals: string[], v: Values): Promise<number> {
  const [sub, ...rest] = positionals;
  if (sub !== 'import' && v.mode !== undefined) throw new CliError('--mode applies to import only', 2);
  switch (sub) {
    case 'import':
      return importFile(ctx, rest, v);
    case 'list':
      return list(ctx, rest);
    case 'lookup':
      return lookup(ctx, rest);
    default:
      throw new CliError(sub ? `unknown subcommand "${sub}": use import, list or lookup` : 'a subcommand is required: import, list or lookup', 2);
  }
}
