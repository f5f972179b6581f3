import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * 1210 bonded stock per account book (emsNo) and item (itemRecordNo). Quantities are integer
 * micro-units (qty × 100000), bigint on PostgreSQL. The check constraints are the last line of
 * defence: availability (on_hand − reserved) can never go negative, whatever the code does.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const id = pg ? 'bigserial' : 'integer';
  const big = pg ? 'bigint' : 'integer';

  await db.schema.createTable('stock_items')
    .addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('ems_no', 'text', (c) => c.notNull())
    .addColumn('item_record_no', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('owner_code', 'text', (c) => c.notNull())
    .addColumn('gcode', 'text')
    .addColumn('name', 'text')
    .addColumn('on_hand', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reserved', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .addCheckConstraint('stock_items_quantities', sql`reserved >= 0 and reserved <= on_hand`)
    .execute();
  await db.schema.createIndex('stock_items_item').on('stock_items').columns(['ems_no', 'item_record_no']).unique().execute();
  await db.schema.createIndex('stock_items_owner').on('stock_items').column('owner_code').execute();
  await db.schema.createIndex('stock_items_warehouse').on('stock_items').column('warehouse_id').execute();

  await db.schema.createTable('stock_moves')
    .addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('ems_no', 'text', (c) => c.notNull())
    .addColumn('item_record_no', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('qty', big as 'integer', (c) => c.notNull())
    .addColumn('declaration_id', big as 'integer')
    .addColumn('ref', 'text')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addCheckConstraint('stock_moves_qty', sql`qty > 0`)
    .execute();
  await db.schema.createIndex('stock_moves_item').on('stock_moves').columns(['ems_no', 'item_record_no', 'id']).execute();

  await db.schema.createTable('stock_holds')
    .addColumn('declaration_id', big as 'integer', (c) => c.notNull())
    .addColumn('ems_no', 'text', (c) => c.notNull())
    .addColumn('item_record_no', 'text', (c) => c.notNull())
    .addColumn('qty', big as 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stock_holds_pk', ['declaration_id', 'ems_no', 'item_record_no'])
    .addCheckConstraint('stock_holds_qty', sql`qty > 0`)
    .execute();
}
