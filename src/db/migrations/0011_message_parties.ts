import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Who a message is declared for besides its sender: the e-commerce enterprise (ebcCode) of an
 * inventory, cancel or return that a declaration agent sends under its delegation. The principal
 * reads the message and its receipts as the sender does. `receipt_parties` copies the parties to
 * each receipt, so an enterprise's receipt feed stays a range scan of one index.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('message_parties')
    .addColumn('message_id', big as 'integer', (c) => c.notNull().references('messages.id'))
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addPrimaryKeyConstraint('message_parties_pk', ['message_id', 'enterprise_id'])
    .execute();
  await db.schema.createIndex('message_parties_enterprise').on('message_parties').columns(['enterprise_id', 'message_id']).execute();

  // Keyed by the feed's order: one enterprise's receipts after a cursor.
  await db.schema
    .createTable('receipt_parties')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('receipt_id', big as 'integer', (c) => c.notNull().references('receipts.id'))
    .addPrimaryKeyConstraint('receipt_parties_pk', ['enterprise_id', 'receipt_id'])
    .execute();

  // Messages stored before this migration: the principals their records name, where filed.
  const ebc = pg
    ? sql`trim(coalesce(d.fields::jsonb #>> '{InventoryHead,ebcCode}', d.fields::jsonb #>> '{InvtRefundHead,ebcCode}', d.fields::jsonb ->> 'ebcCode'))`
    : sql`trim(coalesce(json_extract(d.fields, '$.InventoryHead.ebcCode'), json_extract(d.fields, '$.InvtRefundHead.ebcCode'), json_extract(d.fields, '$.ebcCode')))`;
  await sql`insert into message_parties (message_id, enterprise_id)
    select distinct d.message_id, e.id from declarations d join enterprises e on e.code = ${ebc}
    where d.message_type in ('CEB621Message', 'CEB623Message', 'CEB625Message') and e.id <> d.enterprise_id`.execute(db);
  await sql`insert into receipt_parties (enterprise_id, receipt_id)
    select mp.enterprise_id, r.id from receipts r join message_parties mp on mp.message_id = r.message_id`.execute(db);
}
