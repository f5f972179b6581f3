/**
 * The operator-maintained rate table and positive list.
 *
 * Lookups (`rateOf`, `onPositiveList`) never touch the database: both tables are held in
 * in-memory maps keyed by prefix, loaded by `load()` (createTariff does it) and rebuilt after
 * every import commits. A lookup tries the code's prefixes from 10 digits down to 2, so the
 * longest matching entry wins at a cost of at most nine map probes.
 *
 * Several platform processes on one PostgreSQL: each refreshes its maps after its own imports
 * only; call `load()` (or restart) on the others.
 */
import type { TaxRate } from '../tax/index.ts';
import {
  checkPositiveRows,
  checkRateRows,
  parsePositiveList,
  parseRates,
  ppmToPercent,
  POSITIVE_COLUMNS,
  RATE_COLUMNS,
  type ImportFormat,
  type ImportWarning,
  type PositiveRow,
  type RateRow,
} from './parse.ts';
import type { AuditLog } from '../audit/index.ts';
import { BOM, csvField, inertField } from '../../platform/csv.ts';
import type { AfterWrite, ImportMode, PositiveRecord, RateRecord, TariffRepository, WriteCounts } from './tariff.repository.ts';

/** What applies when no entry of the rate table is a prefix of the code: VAT 13 %, no consumption tax, duty 0. */
export const FALLBACK_RATE: Readonly<TaxRate> = Object.freeze({ vat: 0.13, consumption: 0, duty: 0 });
export const FALLBACK_NOTE = 'No entry of the rate table matches: the default rate (VAT 13 %, consumption tax 0, duty 0).';

export interface RateMatch {
  /** The matching entry's prefix; null when the fallback applies. */
  prefix: string | null;
  /** Fractions, as the tax engine takes them (0.13 = 13 %). */
  rate: Readonly<TaxRate>;
  note: string | null;
}

export interface PositiveEntry {
  prefix: string;
  name: string;
  note: string | null;
}

export type PositiveMatch = { ok: true; entry: PositiveEntry } | { ok: false };

/** A rate-table row as the API shows it: rates in percent (the import unit), so it can be posted back. */
export interface RateView {
  hsPrefix: string;
  vat: number;
  consumption: number;
  duty: number;
  note: string | null;
  updatedAt: string;
}

export interface PositiveView {
  hsPrefix: string;
  name: string;
  note: string | null;
  updatedAt: string;
}

export interface ImportResult extends WriteCounts {
  table: 'tax_rates' | 'positive_list';
  mode: ImportMode;
  /** Rows in the import. */
  rows: number;
  warnings: ImportWarning[];
}

const PROBE_MAX = 10;
const PROBE_MIN = 2;

const rateView = (r: RateRecord): RateView => ({
  hsPrefix: r.hs_prefix,
  vat: ppmToPercent(r.vat_ppm),
  consumption: ppmToPercent(r.consumption_ppm),
  duty: ppmToPercent(r.duty_ppm),
  note: r.note,
  updatedAt: new Date(Number(r.updated_at)).toISOString(),
});

const positiveView = (r: PositiveRecord): PositiveView => ({ hsPrefix: r.hs_prefix, name: r.name, note: r.note, updatedAt: new Date(Number(r.updated_at)).toISOString() });

function longest<T>(index: Map<string, T>, gcode: string): T | undefined {
  for (let n = Math.min(PROBE_MAX, gcode.length); n >= PROBE_MIN; n--) {
    const hit = index.get(gcode.slice(0, n));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

const FALLBACK_MATCH: RateMatch = Object.freeze({ prefix: null, rate: FALLBACK_RATE, note: FALLBACK_NOTE });

export class TariffService {
  private rates = new Map<string, RateMatch>();
  private positive = new Map<string, PositiveEntry>();
  private loaded = false;
  /** Imports (and the reloads after them) run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repo: TariffRepository,
    private readonly now: () => number = Date.now,
    private readonly audit?: AuditLog,
  ) {}

  /** The audit entry of an import, written in its transaction: tariff tables are configuration. */
  private audited(table: 'tax_rates' | 'positive_list', mode: ImportMode, rows: number, actor: string): AfterWrite | undefined {
    const audit = this.audit;
    if (!audit) return undefined;
    return (trx, counts) => audit.append(trx, [{ actor, action: `config.${table}`, subject: `tariff:${table}`, detail: { mode, rows, ...counts } }]);
  }

  /** (Re)builds both in-memory indexes from the database. */
  async load(): Promise<void> {
    const [rates, positive] = await Promise.all([this.repo.rates(), this.repo.positive()]);
    const r = new Map<string, RateMatch>();
    for (const row of rates) {
      const rate = Object.freeze({ vat: row.vat_ppm / 1e6, consumption: row.consumption_ppm / 1e6, duty: row.duty_ppm / 1e6 });
      r.set(row.hs_prefix, Object.freeze({ prefix: row.hs_prefix, rate, note: row.note }));
    }
    const p = new Map<string, PositiveEntry>();
    for (const row of positive) p.set(row.hs_prefix, Object.freeze({ prefix: row.hs_prefix, name: row.name, note: row.note }));
    this.rates = r;
    this.positive = p;
    this.loaded = true;
  }

  /** The rate of a gcode for the tax engine (fractions); bound, so `rateOf: tariff.rateOf` works. */
  readonly rateOf = (gcode: string): TaxRate => this.rateMatch(gcode).rate;

  /** The rate and the entry it comes from (longest prefix), or the fallback. */
  rateMatch(gcode: string): RateMatch {
    this.assertLoaded();
    return longest(this.rates, gcode) ?? FALLBACK_MATCH;
  }

  /** A gcode is on the list when some entry is a prefix of it; the longest such entry is returned. */
  readonly onPositiveList = (gcode: string): PositiveMatch => {
    this.assertLoaded();
    const entry = longest(this.positive, gcode);
    return entry ? { ok: true, entry } : { ok: false };
  };

  async listRates(): Promise<RateView[]> {
    return (await this.repo.rates()).map(rateView);
  }

  async listPositive(): Promise<PositiveView[]> {
    return (await this.repo.positive()).map(positiveView);
  }

  /** The rate table as the CSV the import takes (UTF-8 with BOM, CRLF, percent), so an export can be edited and imported back. */
  async ratesCsv(): Promise<string> {
    const rows = (await this.listRates()).map((r) => [r.hsPrefix, r.vat, r.consumption, r.duty, inertField(r.note)]);
    return toCsv(RATE_COLUMNS, rows);
  }

  /** The positive list as the CSV the import takes. */
  async positiveCsv(): Promise<string> {
    const rows = (await this.listPositive()).map((r) => [r.hsPrefix, inertField(r.name), inertField(r.note)]);
    return toCsv(POSITIVE_COLUMNS, rows);
  }

  /** Writes validated rows in one transaction (merge: upsert by prefix; replace: the table becomes exactly `rows`), then refreshes the index. */
  importRates(rows: RateRow[], mode: ImportMode, warnings: ImportWarning[] = [], actor = 'system'): Promise<ImportResult> {
    checkRateRows(rows);
    return this.exclusive(async () => {
      const counts = await this.repo.writeRates(rows, mode, this.now(), this.audited('tax_rates', mode, rows.length, actor));
      await this.load();
      return { table: 'tax_rates', mode, rows: rows.length, ...counts, warnings };
    });
  }

  importPositiveList(rows: PositiveRow[], mode: ImportMode, warnings: ImportWarning[] = [], actor = 'system'): Promise<ImportResult> {
    checkPositiveRows(rows);
    return this.exclusive(async () => {
      const counts = await this.repo.writePositive(rows, mode, this.now(), this.audited('positive_list', mode, rows.length, actor));
      await this.load();
      return { table: 'positive_list', mode, rows: rows.length, ...counts, warnings };
    });
  }

  /** Parses a CSV (string) or JSON (parsed value) document and imports it; AppError 400 listing every issue when invalid. */
  importRatesDocument(format: ImportFormat, body: unknown, mode: ImportMode, actor = 'system'): Promise<ImportResult> {
    const parsed = parseRates(format, body);
    return this.importRates(parsed.rows, mode, parsed.warnings, actor);
  }

  importPositiveListDocument(format: ImportFormat, body: unknown, mode: ImportMode, actor = 'system'): Promise<ImportResult> {
    const parsed = parsePositiveList(format, body);
    return this.importPositiveList(parsed.rows, mode, parsed.warnings, actor);
  }

  private assertLoaded() {
    if (!this.loaded) throw new Error('tariff: load() was not called (use createTariff, which loads)');
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

// Names and notes starting like a formula ("--其他", "=HYPERLINK(…)") get an apostrophe a spreadsheet shows as text; the import takes it off.
function toCsv(columns: readonly string[], rows: Array<Array<string | number | null>>): string {
  return BOM + [columns.join(','), ...rows.map((r) => r.map(csvField).join(','))].map((l) => l + '\r\n').join('');
}
