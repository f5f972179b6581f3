import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Enterprise filing (备案): identity fields and a review status on enterprises, the history of
 * every change, qualification documents, delegations to declaration agents, consents to banks,
 * and scoped, expiring API keys. Enterprises that existed before filing count as approved.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const id = pg ? 'bigserial' : 'integer';
  const big = pg ? 'bigint' : 'integer';
  const blob = pg ? 'bytea' : 'blob';
  const table = (name: string) =>
    db.schema.createTable(name).addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()));

  await db.schema.alterTable('enterprises').addColumn('uscc', 'text').execute();
  await db.schema.alterTable('enterprises').addColumn('status', 'text', (c) => c.notNull().defaultTo('approved')).execute();
  await db.schema.alterTable('enterprises').addColumn('contacts', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('enterprises').addColumn('updated_at', big as 'integer').execute();
  // One filing per legal person and per DXP user id (receipts are routed by it); NULLs (older rows) repeat freely.
  await db.schema.createIndex('enterprises_uscc').on('enterprises').column('uscc').unique().execute();
  await db.schema.createIndex('enterprises_dxp_id').on('enterprises').column('dxp_id').unique().execute();

  await table('enterprise_events')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status_from', 'text')
    .addColumn('status_to', 'text')
    .addColumn('reason', 'text')
    .addColumn('actor_id', big as 'integer')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('enterprise_events_enterprise').on('enterprise_events').columns(['enterprise_id', 'id']).execute();

  await table('enterprise_documents')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('body', blob as 'blob', (c) => c.notNull())
    .addColumn('uploaded_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('enterprise_documents_enterprise').on('enterprise_documents').column('enterprise_id').execute();

  await table('delegations')
    .addColumn('principal_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('agent_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('valid_from', big as 'integer', (c) => c.notNull())
    .addColumn('valid_to', big as 'integer', (c) => c.notNull())
    .addColumn('revoked_at', big as 'integer')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delegations_agent').on('delegations').columns(['agent_id', 'principal_id']).execute();
  await db.schema.createIndex('delegations_principal').on('delegations').column('principal_id').execute();

  await table('consents')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('bank_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('valid_to', big as 'integer', (c) => c.notNull())
    .addColumn('revoked_at', big as 'integer')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consents_bank').on('consents').columns(['bank_id', 'enterprise_id']).execute();
  await db.schema.createIndex('consents_enterprise').on('consents').column('enterprise_id').execute();

  await db.schema.alterTable('api_keys').addColumn('scopes', 'text', (c) => c.notNull().defaultTo('declare,read,manage')).execute();
  await db.schema.alterTable('api_keys').addColumn('expires_at', big as 'integer').execute();
  await db.schema.createIndex('api_keys_enterprise').on('api_keys').column('enterprise_id').execute();
}
