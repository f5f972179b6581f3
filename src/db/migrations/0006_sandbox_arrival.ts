import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Sandbox customs state for the rules that span messages: the inventories it took in (9610
 * release after arrival, cancel, return) and the parcels named by inventories or arrival lists.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('sandbox_inventories')
    .addColumn('invt_no', 'text', (c) => c.primaryKey())
    .addColumn('cop_no', 'text', (c) => c.notNull())
    .addColumn('logistics_no', 'text', (c) => c.notNull())
    .addColumn('trade_mode', 'text', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('released_at', big as 'integer')
    .addColumn('pending', 'text')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sandbox_inventories_parcel').on('sandbox_inventories').columns(['logistics_no', 'state']).execute();

  await db.schema
    .createTable('sandbox_arrivals')
    .addColumn('logistics_no', 'text', (c) => c.primaryKey())
    .addColumn('arrived_at', big as 'integer')
    .execute();
}
