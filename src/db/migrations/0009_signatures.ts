import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Certificates enterprises registered (signing, and client certificates for mTLS) and the
 * signing keys the platform holds for them, encrypted at rest (AES-256-GCM).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const id = pg ? 'bigserial' : 'integer';
  const big = pg ? 'bigint' : 'integer';
  const blob = pg ? 'bytea' : 'blob';
  const table = (name: string) =>
    db.schema.createTable(name).addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()));

  await table('certificates')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('serial_hex', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('not_before', big as 'integer', (c) => c.notNull())
    .addColumn('not_after', big as 'integer', (c) => c.notNull())
    .addColumn('der', blob as 'blob', (c) => c.notNull())
    .addColumn('registered_at', big as 'integer', (c) => c.notNull())
    .addColumn('revoked_at', big as 'integer')
    .execute();
  await db.schema.createIndex('certificates_enterprise').on('certificates').column('enterprise_id').execute();

  await table('signing_keys')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('certificate_id', big as 'integer', (c) => c.notNull().references('certificates.id'))
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('key_ciphertext', blob as 'blob', (c) => c.notNull())
    .addColumn('key_iv', blob as 'blob', (c) => c.notNull())
    .addColumn('key_tag', blob as 'blob', (c) => c.notNull())
    .addColumn('uses', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_used_at', big as 'integer')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('disabled_at', big as 'integer')
    .execute();
  await db.schema.createIndex('signing_keys_enterprise').on('signing_keys').column('enterprise_id').execute();
}
