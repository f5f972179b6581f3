import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/** Matching (三单比对): the order reference of payments and waybills, and inventories waiting for documents. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema.alterTable('declarations').addColumn('ref_key', 'text').execute();
  await db.schema.createIndex('declarations_ref').on('declarations').column('ref_key').execute();
  await db.schema
    .createTable('clearance_waits')
    .addColumn('declaration_id', big as 'integer', (c) => c.primaryKey())
    .addColumn('message_id', big as 'integer', (c) => c.notNull())
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('payment_key', 'text', (c) => c.notNull())
    .addColumn('waybill_key', 'text', (c) => c.notNull())
    .addColumn('deadline_at', big as 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('released_at', big as 'integer')
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .execute();
  for (const col of ['order_key', 'payment_key', 'waybill_key']) {
    await db.schema.createIndex(`clearance_waits_${col}`).on('clearance_waits').column(col).execute();
  }
  await db.schema.createIndex('clearance_waits_due').on('clearance_waits').columns(['state', 'deadline_at']).execute();
  await db.schema.createIndex('clearance_waits_message').on('clearance_waits').column('message_id').execute();
}
