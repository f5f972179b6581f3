import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Personal limits (spec §5.2): one counter row per buyer (SHA-256 of the ID number) and calendar
 * year, and one hold per declaration saying what it has reserved or consumed. The counters are
 * only ever changed by conditional UPDATEs (src/modules/quotas), never read-then-written.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';

  await db.schema
    .createTable('buyer_quotas')
    .addColumn('buyer_key', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('reserved_fen', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('consumed_fen', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('buyer_quotas_pk', ['buyer_key', 'year'])
    .addCheckConstraint('buyer_quotas_non_negative', sql`reserved_fen >= 0 and consumed_fen >= 0`)
    .execute();

  await db.schema
    .createTable('quota_holds')
    .addColumn('declaration_id', big as 'integer', (c) => c.primaryKey())
    .addColumn('buyer_key', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('amount_fen', big as 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('quota_holds_buyer').on('quota_holds').columns(['buyer_key', 'year']).execute();
}
