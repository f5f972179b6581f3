import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Sandbox customs state for the export rules that span messages: the export inventories it took
 * in (release after the arrival CEB507, close after the departure CEB509, cancel CEB605, summary
 * CEB701) and the parcels named by inventories, arrivals or departures.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('sandbox_export_inventories')
    .addColumn('invt_no', 'text', (c) => c.primaryKey())
    .addColumn('cop_no', 'text', (c) => c.notNull())
    .addColumn('customs_code', 'text', (c) => c.notNull())
    .addColumn('ebc_code', 'text', (c) => c.notNull())
    .addColumn('logistics_no', 'text', (c) => c.notNull())
    .addColumn('trade_mode', 'text', (c) => c.notNull())
    .addColumn('statistics_flag', 'text', (c) => c.notNull())
    .addColumn('facts', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('released_at', big as 'integer')
    .addColumn('closed_at', big as 'integer')
    .addColumn('sum_no', 'text')
    .addColumn('pending', 'text')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sandbox_export_inventories_parcel').on('sandbox_export_inventories').columns(['logistics_no', 'state']).execute();
  await db.schema.createIndex('sandbox_export_inventories_ebc').on('sandbox_export_inventories').columns(['ebc_code', 'released_at']).execute();

  await db.schema
    .createTable('sandbox_export_parcels')
    .addColumn('logistics_no', 'text', (c) => c.primaryKey())
    .addColumn('arrived_at', big as 'integer')
    .addColumn('departed_at', big as 'integer')
    .execute();
}
