import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/** Console accounts (argon2id password hashes, lock-out counters) and their sessions (hashed tokens, CSRF token). */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const id = pg ? 'bigserial' : 'integer';
  const big = pg ? 'bigint' : 'integer';
  const table = (name: string) =>
    db.schema.createTable(name).addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()));

  await table('accounts')
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', big as 'integer')
    .addColumn('last_login_at', big as 'integer')
    .addColumn('disabled_at', big as 'integer')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('password_changed_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('accounts_enterprise').on('accounts').column('enterprise_id').execute();

  await table('sessions')
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', big as 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', big as 'integer', (c) => c.notNull())
    .addColumn('expires_at', big as 'integer', (c) => c.notNull())
    .addColumn('revoked_at', big as 'integer')
    .execute();
  await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();
}
