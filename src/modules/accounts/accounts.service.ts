/**
 * Console accounts and their sessions.
 *
 * A session token is 32 random bytes (base64url) in an HttpOnly, SameSite=Strict cookie; the
 * database keeps only its SHA-256, so a copy of the database opens no session. Each session has
 * its own CSRF token, required on every unsafe request the cookie authenticates. A session dies
 * after `sessionIdleMs` without use or `sessionMaxMs` after login, at logout, when its account is
 * disabled or its password reset, and when its enterprise is revoked. Every request reads the
 * session (one indexed lookup, so an ended session is refused at once on every node); last use
 * is written at most once a minute.
 *
 * Logins: `lockAfter` consecutive wrong passwords lock the account for `lockMs` (423). An unknown
 * username costs the same argon2 work as a wrong password and gets the same 401.
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation, type Database } from '../../db/index.ts';
import { isOperator, isRegulator, requireScope, SCOPES, type Caller, type Scope } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import type { AuditEntry, AuditLog } from '../audit/index.ts';
import type { AccountRow, AccountsRepository, SessionLookup } from './accounts.repository.ts';
import { addDemoAccounts } from './demo.ts';
import { dummyHash, hashPassword, needsRehash, passwordIssues, verifyPassword } from './password.ts';

export interface AccountsSettings {
  /** A session unused this long ends (default 30 min). */
  sessionIdleMs: number;
  /** A session ends this long after login, used or not (default 12 h). */
  sessionMaxMs: number;
  /** Consecutive failed logins that lock an account (default 5). */
  lockAfter: number;
  /** How long a lock lasts (default 15 min). */
  lockMs: number;
  /** Always mark the cookie Secure (otherwise only on requests that came over HTTPS). */
  cookieSecure: boolean;
}

/** What accounts need of enterprises, wired in app.ts. */
export interface EnterpriseDirectory {
  /** The Caller a credential of this enterprise acts as; null when the enterprise is revoked. */
  callerFor(enterpriseId: number, via: 'key' | 'session' | 'certificate', scopes: ReadonlySet<Scope>, extra?: { keyId?: number; accountId?: number }): Promise<Caller | null>;
  byId(id: number): Promise<{ id: number; code: string; status?: string } | null>;
  byCode(code: string): Promise<{ id: number; code: string; status?: string } | null>;
}

export interface AccountView {
  id: number;
  enterpriseId: number;
  username: string;
  displayName: string;
  disabled: boolean;
  disabledAt: string | null;
  /** Set while a lock-out is in force. */
  lockedUntil: string | null;
  failedLogins: number;
  lastLoginAt: string | null;
  passwordChangedAt: string;
  createdAt: string;
}

export interface SessionView {
  account: AccountView;
  enterprise: { id: number; code: string; name: string; roles: string[]; status: Caller['status'] };
  /** Send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE made with the session cookie. */
  csrfToken: string;
  /** When the session ends at the latest (it ends earlier after `idleTimeoutSeconds` without use). */
  expiresAt: string;
  idleTimeoutSeconds: number;
}

/** A live session: the Caller it acts as, and what the CSRF check and logout need. */
export interface LiveSession {
  sessionId: number;
  csrfToken: string;
  account: AccountRow;
  caller: Caller;
  expiresAt: number;
}

/** 423 with the time the lock ends (the route adds Retry-After). */
export class LockedError extends AppError {
  constructor(readonly until: number, failures?: number) {
    const when = new Date(until).toISOString();
    super('LOCKED', `${failures ? `After ${failures} failed logins in a row the` : 'The'} account is locked until ${when}; try again after that time.`, [
      { path: 'username', rule: 'lockout', expected: 'an account that is not locked', actual: `locked until ${when}` },
    ]);
  }
}

const ALL_SCOPES: ReadonlySet<Scope> = new Set(SCOPES);
const TOUCH_EVERY_MS = 60_000;
const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Same answer, whether the username is unknown or the password wrong: nothing to enumerate. */
const badCredentials = () =>
  new AppError('UNAUTHORIZED', 'Wrong username or password.', [
    { path: 'password', rule: 'credentials', expected: 'the username and password of a console account', actual: 'no account with this username and password' },
  ]);


/**
 * Managing the accounts of an enterprise takes the manage scope. Any filing status will do (a
 * pending applicant sets up its console; a revoked enterprise has no credential left). Regulators
 * change nothing, their own staff's accounts included: the operator manages those.
 */
function requireAccountAdmin(c: Caller): void {
  if (isRegulator(c) && !isOperator(c)) throw new AppError('FORBIDDEN', "Regulators change nothing: the zone operator manages their staff's accounts.");
  requireScope(c, 'manage');
}

const usernameTaken = (username: string) =>
  new AppError('CONFLICT', `The username "${username}" is taken.`, [{ path: 'username', rule: 'unique', expected: 'a username no other account has', actual: username }]);

export class AccountsService {
  /** Failed logins of names that are no account: name → failures and lock end. Bounded. */
  /** The last login of each name still running; removed when it ends. */
  private readonly loginsInFlight = new Map<string, Promise<void>>();
  private readonly unknownFailures = new Map<string, { failures: number; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: AccountsRepository,
    private readonly audit: AuditLog,
    private readonly enterprises: EnterpriseDirectory,
    private readonly settings: AccountsSettings,
    private readonly postgres: boolean,
  ) {
    // Made now, off the event loop, so the first unknown-username login costs no more than the others.
    void dummyHash();
  }

  get cookieSecure(): boolean {
    return this.settings.cookieSecure;
  }

  view(a: AccountRow, now = Date.now()): AccountView {
    return {
      id: a.id,
      enterpriseId: a.enterprise_id,
      username: a.username,
      displayName: a.display_name,
      disabled: a.disabled_at != null,
      disabledAt: iso(a.disabled_at),
      lockedUntil: a.locked_until != null && a.locked_until > now ? iso(a.locked_until) : null,
      failedLogins: a.failed_logins,
      lastLoginAt: iso(a.last_login_at),
      passwordChangedAt: iso(a.password_changed_at)!,
      createdAt: iso(a.created_at)!,
    };
  }

  /** account:<username> for a console session, enterprise:<code> for the other credentials. */
  private async actorOf(caller: Caller): Promise<string> {
    if (caller.via === 'session' && caller.accountId !== undefined) {
      const a = await this.repo.byId(this.db, caller.accountId);
      if (a) return `account:${a.username}`;
    }
    return `enterprise:${caller.code}`;
  }

  /** The account as the caller may see it: its own enterprise's, or any for the operator; else 404. */
  private async visible(caller: Caller, id: number): Promise<AccountRow> {
    const a = await this.repo.byId(this.db, id);
    if (!a || (a.enterprise_id !== caller.id && !isOperator(caller))) throw new AppError('NOT_FOUND', `No account ${id} of yours.`);
    return a;
  }

  private byIdForUpdate(trx: Kysely<Database>, id: number) {
    // SQLite transactions are serial already; PostgreSQL needs the row lock.
    return this.postgres
      ? trx.selectFrom('accounts').select(['locked_until', 'disabled_at']).where('id', '=', id).forUpdate().executeTakeFirst()
      : trx.selectFrom('accounts').select(['locked_until', 'disabled_at']).where('id', '=', id).executeTakeFirst();
  }

  // --- accounts ---------------------------------------------------------------------------------

  async create(caller: Caller, input: { username: string; displayName: string; password: string; enterpriseId?: number }): Promise<AccountView> {
    requireAccountAdmin(caller);
    const enterpriseId = input.enterpriseId ?? caller.id;
    if (enterpriseId !== caller.id && !isOperator(caller)) {
      throw new AppError('FORBIDDEN', 'An enterprise creates accounts only for itself; only the zone operator names another enterpriseId.', [
        { path: 'enterpriseId', rule: 'own', expected: `${caller.id} (your enterprise) or no enterpriseId`, actual: String(enterpriseId) },
      ]);
    }
    const enterprise = await this.enterprises.byId(enterpriseId);
    if (!enterprise) throw new AppError('NOT_FOUND', `No enterprise ${enterpriseId}.`, [{ path: 'enterpriseId', rule: 'exists', expected: 'the id of a filed enterprise', actual: String(enterpriseId) }]);
    if (enterprise.status === 'revoked') {
      throw new AppError('CONFLICT', `Enterprise ${enterprise.code} is revoked: it gets no new accounts.`, [{ path: 'enterpriseId', rule: 'notRevoked', expected: 'an enterprise that is not revoked', actual: 'revoked' }]);
    }
    const username = input.username.trim().toLowerCase();
    const displayName = input.displayName.trim();
    const issues = passwordIssues(input.password, username);
    if (!displayName) issues.unshift({ path: 'displayName', rule: 'minLength', expected: 'a name other than blanks', actual: 'blank' });
    if (issues.length) throw new AppError('INVALID_REQUEST', `The account cannot be created: ${issues.map((i) => `${i.path} ${i.rule}`).join(', ')}.`, issues);
    if (await this.repo.byUsername(this.db, username)) throw usernameTaken(username);
    const passwordHash = await hashPassword(input.password);
    const actor = await this.actorOf(caller);
    try {
      const row = await this.db.transaction().execute(async (trx) => {
        const r = await this.repo.create(trx, { enterpriseId, username, displayName, passwordHash }, Date.now());
        await this.audit.append(trx, [{ actor, action: 'account.created', subject: `account:${username}`, enterpriseId, detail: { accountId: r.id, enterprise: enterprise.code, displayName } }]);
        return r;
      });
      return this.view(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw usernameTaken(username);
      throw err;
    }
  }

  async list(caller: Caller, q: { enterpriseId?: number; after?: number; limit?: number }): Promise<AccountView[]> {
    requireScope(caller, 'manage');
    if (!isOperator(caller) && q.enterpriseId !== undefined && q.enterpriseId !== caller.id) {
      throw new AppError('FORBIDDEN', 'An enterprise lists only its own accounts.', [{ path: 'enterpriseId', rule: 'own', expected: `${caller.id} (your enterprise)`, actual: String(q.enterpriseId) }]);
    }
    const enterpriseId = isOperator(caller) ? q.enterpriseId : caller.id;
    const now = Date.now();
    return (await this.repo.list(this.db, { enterpriseId, afterId: q.after, limit: q.limit ?? 100 })).map((a) => this.view(a, now));
  }

  /**
   * The account's own session changes its password with the current one (other sessions of the
   * account end); the enterprise (manage scope) resets a password of its own staff without it
   * (every session of that account ends, a lock is lifted).
   */
  async changePassword(caller: Caller, id: number, input: { currentPassword?: string; newPassword: string }, currentToken: string | null): Promise<AccountView> {
    const a = await this.visible(caller, id);
    const own = caller.via === 'session' && caller.accountId === id;
    if (!own) {
      requireAccountAdmin(caller);
      if (a.enterprise_id !== caller.id) throw new AppError('FORBIDDEN', 'A password is reset only by its own account or by its own enterprise.');
    }
    const issues = passwordIssues(input.newPassword, a.username, 'newPassword');
    if (own) {
      if (input.currentPassword === undefined) {
        throw new AppError('INVALID_REQUEST', 'Changing your own password needs your current password.', [{ path: 'currentPassword', rule: 'required', expected: 'your current password', actual: 'missing' }]);
      }
      const now = Date.now();
      if (a.locked_until != null && a.locked_until > now) throw new LockedError(a.locked_until);
      if (!(await verifyPassword(a.password_hash, input.currentPassword))) {
        const until = await this.failed(a, 'wrong-current-password');
        if (until) throw new LockedError(until, this.settings.lockAfter);
        throw new AppError('FORBIDDEN', 'The current password is wrong.', [{ path: 'currentPassword', rule: 'matches', expected: 'the current password of the account', actual: 'a different password' }]);
      }
      if (input.newPassword.normalize('NFC') === input.currentPassword.normalize('NFC')) {
        issues.push({ path: 'newPassword', rule: 'differs', expected: 'a password other than the current one', actual: 'the current password' });
      }
    }
    if (issues.length) throw new AppError('INVALID_REQUEST', `The new password is refused: ${issues.map((i) => i.rule).join(', ')}.`, issues);
    const passwordHash = await hashPassword(input.newPassword);
    const actor = await this.actorOf(caller);
    const keep = own && currentToken ? sha256(currentToken) : undefined;
    await this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      await this.repo.setPassword(trx, id, passwordHash, now);
      const ended = await this.repo.revokeSessionsOf(trx, id, now, keep);
      await this.audit.append(trx, [
        { actor, action: own ? 'account.password_changed' : 'account.password_reset', subject: `account:${a.username}`, enterpriseId: a.enterprise_id, detail: { accountId: id, sessionsEnded: ended } },
      ]);
    });
    return this.view((await this.repo.byId(this.db, id))!);
  }

  /** The account's enterprise or the operator; disabling ends every session of the account. Repeating is a no-op. */
  async setDisabled(caller: Caller, id: number, disabled: boolean): Promise<AccountView> {
    requireAccountAdmin(caller);
    const a = await this.visible(caller, id);
    if ((a.disabled_at != null) === disabled) return this.view(a);
    const actor = await this.actorOf(caller);
    await this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      await this.repo.setDisabled(trx, id, disabled ? now : null);
      const ended = disabled ? await this.repo.revokeSessionsOf(trx, id, now) : 0;
      await this.audit.append(trx, [
        { actor, action: disabled ? 'account.disabled' : 'account.enabled', subject: `account:${a.username}`, enterpriseId: a.enterprise_id, detail: { accountId: id, ...(disabled ? { sessionsEnded: ended } : {}) } },
      ]);
    });
    return this.view((await this.repo.byId(this.db, id))!);
  }

  // --- logins and sessions ----------------------------------------------------------------------

  /** One more failure for `a`, audited; the end of the lock when this failure locked the account. */
  private async failed(a: AccountRow, reason: string, meta: { ip?: string | null } = {}): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      const n = await this.repo.addFailure(trx, a.id);
      const entry: AuditEntry = { actor: `account:${a.username}`, action: 'login.failed', subject: `account:${a.username}`, enterpriseId: a.enterprise_id, detail: { reason, consecutiveFailures: n, ip: meta.ip ?? undefined } };
      if (n < this.settings.lockAfter) {
        await this.audit.append(trx, [entry]);
        return null;
      }
      const until = Date.now() + this.settings.lockMs;
      await this.repo.lock(trx, a.id, until);
      await this.audit.append(trx, [
        entry,
        { actor: 'system', action: 'account.locked', subject: `account:${a.username}`, enterpriseId: a.enterprise_id, detail: { failures: n, lockedUntil: iso(until) } },
      ]);
      return until;
    });
  }

  private async refuse(a: AccountRow, reason: string, detail: Record<string, unknown> = {}): Promise<void> {
    await this.audit.record({ actor: `account:${a.username}`, action: 'login.refused', subject: `account:${a.username}`, enterpriseId: a.enterprise_id, detail: { reason, ...detail } });
  }

  /**
   * Logins of one name run one after another (in this process): a burst of parallel guesses
   * meets the lock after the fifth failure instead of all being checked against the hash.
   */
  login(input: { username: string; password: string }, meta: { ip: string | null; userAgent: string | null }): Promise<{ token: string; session: SessionView; maxAgeSeconds: number }> {
    const username = input.username.trim().toLowerCase();
    const before = this.loginsInFlight.get(username) ?? Promise.resolve();
    const run = before.then(() => this.loginOnce(username, input.password, meta));
    const tail = run.then(() => undefined, () => undefined);
    this.loginsInFlight.set(username, tail);
    void tail.then(() => {
      if (this.loginsInFlight.get(username) === tail) this.loginsInFlight.delete(username);
    });
    return run;
  }

  private async loginOnce(username: string, password: string, meta: { ip: string | null; userAgent: string | null }): Promise<{ token: string; session: SessionView; maxAgeSeconds: number }> {
    const a = await this.repo.byUsername(this.db, username);
    if (!a) {
      await verifyPassword(await dummyHash(), password);
      // Unknown names lock like real ones (in this process), so the 423 does not tell which names exist.
      const now = Date.now();
      const ghost = this.unknownFailures.get(username) ?? { failures: 0, until: 0 };
      if (ghost.until > now) throw new LockedError(ghost.until);
      ghost.failures = ghost.until !== 0 ? 1 : ghost.failures + 1;
      ghost.until = ghost.failures >= this.settings.lockAfter ? now + this.settings.lockMs : 0;
      if (this.unknownFailures.size >= 10_000) this.unknownFailures.clear();
      this.unknownFailures.set(username, ghost);
      // The name alone might be a password typed into the wrong field: only a digest of it is kept.
      await this.audit.record({ actor: 'anonymous', action: 'login.failed', subject: 'account:?', detail: { reason: 'unknown-username', usernameSha256: sha256(username).slice(0, 16), ip: meta.ip ?? undefined } });
      if (ghost.until) throw new LockedError(ghost.until, this.settings.lockAfter);
      throw badCredentials();
    }
    if (a.locked_until != null && a.locked_until > Date.now()) {
      await this.refuse(a, 'locked', { lockedUntil: iso(a.locked_until), ip: meta.ip ?? undefined });
      throw new LockedError(a.locked_until);
    }
    if (!(await verifyPassword(a.password_hash, password))) {
      const until = await this.failed(a, 'wrong-password', meta);
      if (until) throw new LockedError(until, this.settings.lockAfter);
      throw badCredentials();
    }
    // The password is right: from here on, saying why the login is refused tells nothing new.
    if (a.disabled_at != null) {
      await this.refuse(a, 'disabled');
      throw new AppError('FORBIDDEN', `The account ${a.username} is disabled; your enterprise or the zone operator can enable it again.`);
    }
    const caller = await this.enterprises.callerFor(a.enterprise_id, 'session', ALL_SCOPES, { accountId: a.id });
    if (!caller) {
      await this.refuse(a, 'enterprise-revoked');
      throw new AppError('FORBIDDEN', 'The enterprise of this account is revoked: its accounts cannot log in.');
    }
    const newHash = needsRehash(a.password_hash) ? await hashPassword(password) : null;
    const token = crypto.randomBytes(32).toString('base64url');
    const csrfToken = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    const expiresAt = now + this.settings.sessionMaxMs;
    const outcome = await this.db.transaction().execute(async (trx) => {
      // A concurrent login may have locked or an administrator disabled the account meanwhile.
      const fresh = await this.byIdForUpdate(trx, a.id);
      if (!fresh || fresh.disabled_at != null) return 'disabled' as const;
      if (fresh.locked_until != null && Number(fresh.locked_until) > now) return Number(fresh.locked_until);
      await this.repo.loggedIn(trx, a.id, now, newHash);
      const sessionId = await this.repo.createSession(trx, { tokenHash: sha256(token), accountId: a.id, csrfToken, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 256) ?? null, now, expiresAt });
      await this.audit.append(trx, [
        { actor: `account:${a.username}`, action: 'login.succeeded', subject: `account:${a.username}`, enterpriseId: a.enterprise_id, detail: { sessionId, ip: meta.ip ?? undefined, rehashed: newHash != null } },
      ]);
      return 'ok' as const;
    });
    if (outcome === 'disabled') throw new AppError('FORBIDDEN', `The account ${a.username} is disabled; your enterprise or the zone operator can enable it again.`);
    if (typeof outcome === 'number') throw new LockedError(outcome);
    const account = { ...a, failed_logins: 0, locked_until: null, last_login_at: now };
    return { token, session: this.sessionView(account, caller, csrfToken, expiresAt), maxAgeSeconds: this.settings.sessionMaxMs / 1000 };
  }

  sessionView(a: AccountRow, caller: Caller, csrfToken: string, expiresAt: number): SessionView {
    return {
      account: this.view(a),
      enterprise: { id: caller.id, code: caller.code, name: caller.name, roles: caller.roles, status: caller.status },
      csrfToken,
      expiresAt: iso(expiresAt)!,
      idleTimeoutSeconds: Math.floor(this.settings.sessionIdleMs / 1000),
    };
  }

  /** The live session behind a cookie token, or null (unknown, ended, expired, idle, account disabled, enterprise revoked). */
  async session(token: string): Promise<LiveSession | null> {
    const s: SessionLookup | null = await this.repo.session(this.db, sha256(token));
    const now = Date.now();
    if (!s || s.revokedAt != null || s.expiresAt <= now || s.lastSeenAt + this.settings.sessionIdleMs <= now || s.account.disabled_at != null) return null;
    const caller = await this.enterprises.callerFor(s.account.enterprise_id, 'session', ALL_SCOPES, { accountId: s.account.id });
    if (!caller) return null;
    if (now - s.lastSeenAt >= TOUCH_EVERY_MS) await this.repo.touchSession(this.db, s.sessionId, now);
    return { sessionId: s.sessionId, csrfToken: s.csrfToken, account: s.account, caller, expiresAt: s.expiresAt };
  }

  /** Constant-time comparison of the X-CSRF-Token header with the session's token; 403 naming the header otherwise. */
  checkCsrf(s: LiveSession, header: string | string[] | undefined): void {
    const given = Array.isArray(header) ? header[0] : header;
    const ok = given !== undefined && crypto.timingSafeEqual(Buffer.from(sha256(given), 'hex'), Buffer.from(sha256(s.csrfToken), 'hex'));
    if (!ok) {
      throw new AppError(
        'FORBIDDEN',
        'A POST, PUT, PATCH or DELETE made with the session cookie must carry the header X-CSRF-Token with the csrfToken of the session (from POST or GET /api/v1/session).',
        [{ path: 'X-CSRF-Token', rule: 'csrf', expected: "the session's csrfToken", actual: given === undefined ? 'missing' : 'a different value' }],
      );
    }
  }

  async logout(s: LiveSession): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.repo.revokeSession(trx, s.sessionId, Date.now()))) return;
      await this.audit.append(trx, [{ actor: `account:${s.account.username}`, action: 'session.ended', subject: `account:${s.account.username}`, enterpriseId: s.account.enterprise_id, detail: { sessionId: s.sessionId, reason: 'logout' } }]);
    });
  }

  // --- demo zone --------------------------------------------------------------------------------

  /** Console accounts for a freshly created demo zone (see demo.ts). */
  ensureDemoAccounts(file: string): Promise<number> {
    return addDemoAccounts({ db: this.db, repo: this.repo, audit: this.audit, enterprises: this.enterprises }, file);
  }
}
