/** SQL of the tariff module: tables `tax_rates` and `positive_list` (same statements on SQLite and PostgreSQL). */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { PositiveListTable, TaxRatesTable } from './tables.ts';
import type { PositiveRow, RateRow } from './parse.ts';

export type ImportMode = 'merge' | 'replace';

export interface WriteCounts {
  /** Prefixes that were not in the table before. */
  inserted: number;
  /** Prefixes that were there and were overwritten. */
  updated: number;
  /** Prefixes dropped (replace only). */
  removed: number;
  /** Rows in the table afterwards. */
  total: number;
}

/** Runs inside the import's transaction once the rows are written (the audit entry commits with them). */
export type AfterWrite = (trx: Transaction<Database>, counts: WriteCounts) => Promise<void>;

export type RateRecord = TaxRatesTable;

export type PositiveRecord = PositiveListTable;

/** Rows per INSERT: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const CHUNK = 500;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

function counts(before: Set<string>, incoming: string[], mode: ImportMode): Omit<WriteCounts, 'total'> {
  const mine = new Set(incoming);
  const updated = incoming.filter((p) => before.has(p)).length;
  const removed = mode === 'replace' ? [...before].filter((p) => !mine.has(p)).length : 0;
  return { inserted: incoming.length - updated, updated, removed };
}

export class TariffRepository {
  constructor(private readonly db: Kysely<Database>) {}

  rates(): Promise<RateRecord[]> {
    return this.db.selectFrom('tax_rates').selectAll().orderBy('hs_prefix').execute();
  }

  positive(): Promise<PositiveRecord[]> {
    return this.db.selectFrom('positive_list').selectAll().orderBy('hs_prefix').execute();
  }

  /** All rows or none: one transaction. */
  writeRates(rows: RateRow[], mode: ImportMode, now: number, after?: AfterWrite): Promise<WriteCounts> {
    return this.db.transaction().execute(async (trx) => {
      const before = await prefixes(trx, 'tax_rates');
      if (mode === 'replace') await trx.deleteFrom('tax_rates').execute();
      for (const part of chunks(rows)) {
        await trx
          .insertInto('tax_rates')
          .values(part.map((r) => ({ hs_prefix: r.hsPrefix, vat_ppm: r.vatPpm, consumption_ppm: r.consumptionPpm, duty_ppm: r.dutyPpm, note: r.note, updated_at: now })))
          .onConflict((oc) =>
            oc.column('hs_prefix').doUpdateSet((eb) => ({
              vat_ppm: eb.ref('excluded.vat_ppm'),
              consumption_ppm: eb.ref('excluded.consumption_ppm'),
              duty_ppm: eb.ref('excluded.duty_ppm'),
              note: eb.ref('excluded.note'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      const c = counts(before, rows.map((r) => r.hsPrefix), mode);
      const result = { ...c, total: await count(trx, 'tax_rates') };
      await after?.(trx, result);
      return result;
    });
  }

  /** All rows or none: one transaction. */
  writePositive(rows: PositiveRow[], mode: ImportMode, now: number, after?: AfterWrite): Promise<WriteCounts> {
    return this.db.transaction().execute(async (trx) => {
      const before = await prefixes(trx, 'positive_list');
      if (mode === 'replace') await trx.deleteFrom('positive_list').execute();
      for (const part of chunks(rows)) {
        await trx
          .insertInto('positive_list')
          .values(part.map((r) => ({ hs_prefix: r.hsPrefix, name: r.name, note: r.note, updated_at: now })))
          .onConflict((oc) =>
            oc.column('hs_prefix').doUpdateSet((eb) => ({
              name: eb.ref('excluded.name'),
              note: eb.ref('excluded.note'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      const c = counts(before, rows.map((r) => r.hsPrefix), mode);
      const result = { ...c, total: await count(trx, 'positive_list') };
      await after?.(trx, result);
      return result;
    });
  }
}

async function prefixes(trx: Transaction<Database>, table: 'tax_rates' | 'positive_list'): Promise<Set<string>> {
  const rows = await trx.selectFrom(table).select('hs_prefix').execute();
  return new Set(rows.map((r) => r.hs_prefix));
}

async function count(trx: Transaction<Database>, table: 'tax_rates' | 'positive_list'): Promise<number> {
  const row = await trx.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
