import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/** Core exchange tables: enterprises and keys, messages and their records, outbox, receipts, webhooks, sandbox. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const id = pg ? 'bigserial' : 'integer';
  const blob = pg ? 'bytea' : 'blob';
  const big = pg ? 'bigint' : 'integer';
  const table = (name: string) =>
    db.schema.createTable(name).addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()));

  await table('enterprises')
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('dxp_id', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();

  await table('api_keys')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('last_used_at', big as 'integer')
    .addColumn('revoked_at', big as 'integer')
    .execute();

  await table('messages')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('message_type', 'text', (c) => c.notNull())
    .addColumn('guid', 'text', (c) => c.notNull())
    .addColumn('idem_key', 'text', (c) => c.notNull().unique())
    .addColumn('body', blob as 'blob', (c) => c.notNull())
    .addColumn('body_format', 'text', (c) => c.notNull())
    .addColumn('ceb', blob as 'blob')
    .addColumn('encoding', 'text', (c) => c.notNull())
    .addColumn('record_count', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('cop_msg_id', 'text', (c) => c.notNull().unique())
    .addColumn('sender_dxp_id', 'text', (c) => c.notNull())
    .addColumn('received_at', big as 'integer', (c) => c.notNull())
    .addColumn('forwarded_at', big as 'integer')
    .execute();

  await table('declarations')
    .addColumn('message_id', big as 'integer', (c) => c.notNull().references('messages.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull())
    .addColumn('message_type', 'text', (c) => c.notNull())
    .addColumn('guid', 'text', (c) => c.notNull())
    .addColumn('corr_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('return_status', 'text')
    .addColumn('return_info', 'text')
    .addColumn('pre_no', 'text')
    .addColumn('invt_no', 'text')
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('declarations_message').on('declarations').columns(['message_id', 'seq']).unique().execute();
  await db.schema.createIndex('declarations_corr').on('declarations').column('corr_key').execute();
  await db.schema.createIndex('declarations_invt').on('declarations').column('invt_no').execute();

  await table('outbox')
    .addColumn('message_id', big as 'integer', (c) => c.notNull().unique().references('messages.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', big as 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('sent_at', big as 'integer')
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_at']).execute();

  await table('receipts')
    .addColumn('enterprise_id', big as 'integer')
    .addColumn('message_id', big as 'integer')
    .addColumn('declaration_id', big as 'integer')
    .addColumn('message_type', 'text', (c) => c.notNull())
    .addColumn('return_status', 'text', (c) => c.notNull())
    .addColumn('return_info', 'text', (c) => c.notNull())
    .addColumn('return_time', 'text', (c) => c.notNull())
    .addColumn('xml', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull().unique())
    .addColumn('received_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('receipts_feed').on('receipts').columns(['enterprise_id', 'id']).execute();
  await db.schema.createIndex('receipts_message').on('receipts').column('message_id').execute();

  await table('webhooks')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();

  await table('webhook_deliveries')
    .addColumn('webhook_id', big as 'integer', (c) => c.notNull().references('webhooks.id'))
    .addColumn('receipt_id', big as 'integer', (c) => c.notNull().references('receipts.id'))
    .addColumn('delivery_id', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', big as 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('response_status', 'integer')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('delivered_at', big as 'integer')
    .execute();
  await db.schema.createIndex('webhook_deliveries_pair').on('webhook_deliveries').columns(['webhook_id', 'receipt_id']).unique().execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_at']).execute();

  await db.schema.createTable('sandbox_inbox')
    .addColumn('cop_msg_id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', big as 'integer', (c) => c.notNull())
    .execute();

  await table('sandbox_events')
    .addColumn('due_at', big as 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sandbox_events_due').on('sandbox_events').columns(['status', 'due_at']).execute();

  await db.schema.createTable('sandbox_counters')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', big as 'integer', (c) => c.notNull())
    .execute();

}
