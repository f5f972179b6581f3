/** Tables `accounts` and `sessions`. Every method takes the handle to run on: the database or a transaction. */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AccountsTable } from './tables.ts';

export type AccountRow = Selectable<AccountsTable>;
type Db = Kysely<Database>;

export interface SessionLookup {
  sessionId: number;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt: number | null;
  account: AccountRow;
}

const ACCOUNT_COLUMNS = [
  'a.id', 'a.enterprise_id', 'a.username', 'a.display_name', 'a.password_hash', 'a.failed_logins', 'a.locked_until',
  'a.last_login_at', 'a.disabled_at', 'a.created_at', 'a.password_changed_at',
] as const;

/** PostgreSQL hands bigint back as number (see db/index.ts); SQLite integers are numbers already. */
const num = (v: number | null) => (v == null ? null : Number(v));
const toAccount = (r: AccountRow): AccountRow => ({
  ...r,
  id: Number(r.id),
  enterprise_id: Number(r.enterprise_id),
  failed_logins: Number(r.failed_logins),
  locked_until: num(r.locked_until),
  last_login_at: num(r.last_login_at),
  disabled_at: num(r.disabled_at),
  created_at: Number(r.created_at),
  password_changed_at: Number(r.password_changed_at),
});

export class AccountsRepository {
  constructor(readonly db: Db) {}

  async create(db: Db, a: { enterpriseId: number; username: string; displayName: string; passwordHash: string }, now: number): Promise<AccountRow> {
    const r = await db
      .insertInto('accounts')
      .values({ enterprise_id: a.enterpriseId, username: a.username, display_name: a.displayName, password_hash: a.passwordHash, created_at: now, password_changed_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccount(r);
  }

  async byId(db: Db, id: number): Promise<AccountRow | null> {
    const r = await db.selectFrom('accounts as a').select(ACCOUNT_COLUMNS).where('a.id', '=', id).executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async byUsername(db: Db, username: string): Promise<AccountRow | null> {
    const r = await db.selectFrom('accounts as a').select(ACCOUNT_COLUMNS).where('a.username', '=', username).executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async usernamesTaken(db: Db, usernames: string[]): Promise<Set<string>> {
    if (!usernames.length) return new Set();
    const rows = await db.selectFrom('accounts').select('username').where('username', 'in', usernames).execute();
    return new Set(rows.map((r) => r.username));
  }

  async list(db: Db, f: { enterpriseId?: number; afterId?: number; limit: number }): Promise<AccountRow[]> {
    let q = db.selectFrom('accounts as a').select(ACCOUNT_COLUMNS).orderBy('a.id').limit(f.limit);
    if (f.enterpriseId !== undefined) q = q.where('a.enterprise_id', '=', f.enterpriseId);
    if (f.afterId !== undefined) q = q.where('a.id', '>', f.afterId);
    return (await q.execute()).map(toAccount);
  }

  /** One more consecutive failure; the new count (the row is locked for the rest of the transaction on PostgreSQL). */
  async addFailure(db: Db, id: number): Promise<number> {
    const r = await db
      .updateTable('accounts')
      .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
      .where('id', '=', id)
      .returning('failed_logins')
      .executeTakeFirstOrThrow();
    return Number(r.failed_logins);
  }

  /** Locked until `until`; the count starts again from zero once the lock has run out. */
  async lock(db: Db, id: number, until: number): Promise<void> {
    await db.updateTable('accounts').set({ locked_until: until, failed_logins: 0 }).where('id', '=', id).execute();
  }

  async loggedIn(db: Db, id: number, now: number, newHash: string | null): Promise<void> {
    await db
      .updateTable('accounts')
      .set({ failed_logins: 0, locked_until: null, last_login_at: now, ...(newHash ? { password_hash: newHash } : {}) })
      .where('id', '=', id)
      .execute();
  }

  /** A new password also lifts a lock: the person who set it knows it. */
  async setPassword(db: Db, id: number, passwordHash: string, now: number): Promise<void> {
    await db.updateTable('accounts').set({ password_hash: passwordHash, password_changed_at: now, failed_logins: 0, locked_until: null }).where('id', '=', id).execute();
  }

  async setDisabled(db: Db, id: number, at: number | null): Promise<void> {
    await db.updateTable('accounts').set({ disabled_at: at }).where('id', '=', id).execute();
  }

  async createSession(db: Db, s: { tokenHash: string; accountId: number; csrfToken: string; ip: string | null; userAgent: string | null; now: number; expiresAt: number }): Promise<number> {
    const r = await db
      .insertInto('sessions')
      .values({ token_hash: s.tokenHash, account_id: s.accountId, csrf_token: s.csrfToken, ip: s.ip, user_agent: s.userAgent, created_at: s.now, last_seen_at: s.now, expires_at: s.expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  /** A session and its account, by the SHA-256 of the token: one indexed lookup. */
  async session(db: Db, tokenHash: string): Promise<SessionLookup | null> {
    const r = await db
      .selectFrom('sessions as s')
      .innerJoin('accounts as a', 'a.id', 's.account_id')
      .select([...ACCOUNT_COLUMNS, 's.id as session_id', 's.csrf_token', 's.created_at as s_created_at', 's.last_seen_at', 's.expires_at', 's.revoked_at'])
      .where('s.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!r) return null;
    const { session_id, csrf_token, s_created_at, last_seen_at, expires_at, revoked_at, ...account } = r;
    return {
      sessionId: Number(session_id),
      csrfToken: csrf_token,
      createdAt: Number(s_created_at),
      lastSeenAt: Number(last_seen_at),
      expiresAt: Number(expires_at),
      revokedAt: num(revoked_at),
      account: toAccount(account),
    };
  }

  async touchSession(db: Db, sessionId: number, now: number): Promise<void> {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).execute();
  }

  async revokeSession(db: Db, sessionId: number, now: number): Promise<boolean> {
    const r = await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', sessionId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Ends every live session of an account except the one whose token hashes to `keepTokenHash`; how many. */
  async revokeSessionsOf(db: Db, accountId: number, now: number, keepTokenHash?: string): Promise<number> {
    let q = db.updateTable('sessions').set({ revoked_at: now }).where('account_id', '=', accountId).where('revoked_at', 'is', null).where('expires_at', '>', now);
    if (keepTokenHash !== undefined) q = q.where('token_hash', '!=', keepTokenHash);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
