import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';
import { tariffSeed } from '../../modules/tariff/index.ts';

/** The tables as this migration knows them (schema.ts may move on; history does not). */
interface SeedTables {
  tax_rates: { hs_prefix: string; vat_ppm: number; consumption_ppm: number; duty_ppm: number; note: string | null; updated_at: number };
  positive_list: { hs_prefix: string; name: string; note: string | null; updated_at: number };
}

/**
 * Tariff: the rate table and the positive list, keyed by HS prefix, seeded once here from
 * src/modules/tariff/data/*.json (validated by the import parser). Operators change them through
 * the API afterwards; a later start never re-seeds.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';

  await db.schema
    .createTable('tax_rates')
    .addColumn('hs_prefix', 'text', (c) => c.primaryKey())
    .addColumn('vat_ppm', 'integer', (c) => c.notNull())
    .addColumn('consumption_ppm', 'integer', (c) => c.notNull())
    .addColumn('duty_ppm', 'integer', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('positive_list')
    .addColumn('hs_prefix', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .execute();

  const seed = tariffSeed();
  const now = Date.now();
  const k = db as unknown as Kysely<SeedTables>;
  if (seed.rates.length) {
    await k
      .insertInto('tax_rates')
      .values(seed.rates.map((r) => ({ hs_prefix: r.hsPrefix, vat_ppm: r.vatPpm, consumption_ppm: r.consumptionPpm, duty_ppm: r.dutyPpm, note: r.note, updated_at: now })))
      .execute();
  }
  if (seed.positive.length) {
    await k
      .insertInto('positive_list')
      .values(seed.positive.map((r) => ({ hs_prefix: r.hsPrefix, name: r.name, note: r.note, updated_at: now })))
      .execute();
  }
}
