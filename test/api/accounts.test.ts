/** Console accounts, sessions, CSRF and lock-out over real HTTP, on every database of the run. Cookies are handled by hand. */
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
interface AccountView {
  id: number;
  enterpriseId: number;
  username: string;
  displayName: string;
  disabled: boolean;
  lockedUntil: string | null;
}
interface SessionBody {
  account: AccountView;
  enterprise: { id: number; code: string; name: string; roles: string[]; status: string };
  csrfToken: string;
  expiresAt: string;
}
interface Res {
  status: number;
  text: string;
  headers: Headers;
  json: <T>() => T;
}
interface Login extends Res {
  /** The sg_session token from Set-Cookie, or null. */
  token: string | null;
  setCookie: string;
}

/** A unified social credit code with its GB 32100-2015 check character. */
function uscc(first17: string): string {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((acc, ch, i) => acc + chars.indexOf(ch) * weights[i], 0);
  return first17 + chars[(31 - (sum % 31)) % 31];
}

// Logins are many here: the per-address login limit (when there is one) is off for these platforms.
const ENV = { SILKGATE_RATE_LIMIT_LOGIN: '0' };
const STRONG = 'Tea-and-4-harbours';

function setup(kind: 'sqlite' | 'postgres', env: Record<string, string> = {}) {
  const ctx = { p: null as unknown as Platform };
  let n = 0;

  const call = async (method: string, path: string, opts: { cookie?: string | null; csrf?: string; key?: string; body?: unknown } = {}): Promise<Res> => {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = `sg_session=${opts.cookie}`;
    if (opts.csrf !== undefined) headers['x-csrf-token'] = opts.csrf;
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(ctx.p.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, json: <T>() => JSON.parse(text) as T };
  };

  const login = async (username: string, password: string): Promise<Login> => {
    const res = await call('POST', '/api/v1/session', { body: { username, password } });
    const setCookie = res.headers.get('set-cookie') ?? '';
    const m = /(?:^|[;,]\s*)sg_session=([^;]*)/.exec(setCookie);
    return { ...res, setCookie, token: m && m[1] ? m[1] : null };
  };

  /** A fresh account of the enterprise with this role, made with its API key. */
  const account = async (role = 'ebp', password = STRONG) => {
    const username = `user${++n}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await call('POST', '/api/v1/accounts', { key: ctx.p.key(role as never), body: { username, displayName: `User ${n}`, password } });
    expect(res.status).toBe(201);
    return { ...res.json<AccountView>(), password };
  };

  beforeAll(async () => {
    ctx.p = await startPlatform(kind, { ...ENV, ...env });
  });
  afterAll(() => ctx.p.close());
  return { ctx, call, login, account };
}

describe.each(databases())('console accounts and sessions on %s', (kind) => {
  const { ctx, call, login, account } = setup(kind);
  const passwordsUsed = new Set<string>([STRONG]);

  it('gives every demo enterprise a console account whose password logs in', async () => {
    const creds = ctx.p.creds as unknown as Array<{ role: string; code: string; username?: string; password?: string }>;
    expect(creds.length).toBeGreaterThan(0);
    for (const c of creds) {
      expect(c.username).toMatch(/^demo-/);
      expect(c.password!.length).toBeGreaterThanOrEqual(12);
    }
    expect(new Set(creds.map((c) => c.username)).size).toBe(creds.length);
    const ebc = creds.find((c) => c.role === 'ebc')!;
    passwordsUsed.add(ebc.password!);
    const res = await login(ebc.username!, ebc.password!);
    expect(res.status).toBe(201);
    expect(res.json<SessionBody>().enterprise.code).toBe(ebc.code);
  });

  it('logs in with an HttpOnly, SameSite=Strict cookie and answers the session with its CSRF token', async () => {
    const a = await account();
    const res = await login(a.username, a.password);
    expect(res.status).toBe(201);
    expect(res.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const attrs = res.setCookie.split(';').map((s) => s.trim().toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=strict');
    expect(attrs).toContain('path=/');
    expect(attrs).not.toContain('secure'); // plain HTTP and SILKGATE_COOKIE_SECURE off
    const body = res.json<SessionBody>();
    expect(body.account).toMatchObject({ id: a.id, username: a.username, disabled: false });
    expect(body.enterprise.id).toBe(a.enterpriseId);
    expect(body.enterprise.roles).toContain('ebp');
    expect(body.csrfToken.length).toBeGreaterThanOrEqual(32);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect(res.text).not.toContain(a.password);
    expect(res.text).not.toContain('argon2');

    const again = await call('GET', '/api/v1/session', { cookie: res.token });
    expect(again.status).toBe(200);
    expect(again.json<SessionBody>()).toMatchObject({ csrfToken: body.csrfToken, account: { id: a.id } });
    // The console asks with optional=true: the session when there is one, 204 (not an error) when not.
    expect((await call('GET', '/api/v1/session?optional=true', { cookie: res.token })).json<SessionBody>().account.id).toBe(a.id);
    expect((await call('GET', '/api/v1/session?optional=true', {})).status).toBe(204);
    expect((await call('GET', '/api/v1/session', {})).status).toBe(401);
    // The token is kept only as its SHA-256.
    const rows = await ctx.p.app.db.kysely.selectFrom('sessions').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === res.token)).toBe(false);
  });

  it('reads with the session cookie alone and shows only its own enterprise’s accounts', async () => {
    const a = await account();
    await account('ebc');
    const s = await login(a.username, a.password);
    const list = await call('GET', '/api/v1/accounts', { cookie: s.token });
    expect(list.status).toBe(200);
    const accounts = list.json<{ accounts: AccountView[] }>().accounts;
    expect(accounts.map((x) => x.username)).toContain(a.username);
    expect(new Set(accounts.map((x) => x.enterpriseId))).toEqual(new Set([a.enterpriseId]));
    expect(list.text).not.toMatch(/argon2|password_hash|passwordHash/);
    const all = await call('GET', '/api/v1/accounts', { key: ctx.p.key('operator') });
    expect(new Set(all.json<{ accounts: AccountView[] }>().accounts.map((x) => x.enterpriseId)).size).toBeGreaterThan(1);
  });

  it('refuses an unsafe request with the cookie but without the right X-CSRF-Token, changing nothing', async () => {
    const a = await account();
    const s = await login(a.username, a.password);
    const csrf = s.json<SessionBody>().csrfToken;
    const count = async () => (await call('GET', '/api/v1/accounts', { cookie: s.token })).json<{ accounts: unknown[] }>().accounts.length;
    const before = await count();
    const body = (u: string) => ({ username: u, displayName: 'Staff', password: STRONG });

    const none = await call('POST', '/api/v1/accounts', { cookie: s.token, body: body(`${a.username}-x`) });
    expect(none.status).toBe(403);
    expect(none.json<ErrorBody>().error.code).toBe('FORBIDDEN');
    expect(none.json<ErrorBody>().error.message).toContain('X-CSRF-Token');
    const wrong = await call('POST', '/api/v1/accounts', { cookie: s.token, csrf: csrf.slice(0, -2) + 'xx', body: body(`${a.username}-y`) });
    expect(wrong.status).toBe(403);
    expect(wrong.json<ErrorBody>().error.issues[0]).toMatchObject({ path: 'X-CSRF-Token', rule: 'csrf' });
    const disable = await call('POST', `/api/v1/accounts/${a.id}/disable`, { cookie: s.token });
    expect(disable.status).toBe(403);
    expect(await count()).toBe(before);
    expect((await call('GET', '/api/v1/session', { cookie: s.token })).json<SessionBody>().account.disabled).toBe(false);

    const right = await call('POST', '/api/v1/accounts', { cookie: s.token, csrf, body: body(`${a.username}-z`) });
    expect(right.status).toBe(201);
    expect(await count()).toBe(before + 1);
    // The audit entry names the account that acted.
    const audit = await call('GET', '/api/v1/audit?action=account.created&limit=5', { key: ctx.p.key('operator') });
    const entry = audit.json<{ entries: Array<{ actor: string; subject: string }> }>().entries.find((e) => e.subject === `account:${a.username}-z`);
    expect(entry?.actor).toBe(`account:${a.username}`);
  });

  it('authenticates a request carrying both a bearer key and a cookie by the key (no CSRF token needed)', async () => {
    const a = await account();
    const s = await login(a.username, a.password);
    const res = await call('POST', '/api/v1/accounts', { key: ctx.p.key('ebp'), cookie: s.token, body: { username: `${a.username}-k`, displayName: 'By key', password: STRONG } });
    expect(res.status).toBe(201);
  });

  it('logs out: the cookie is cleared and useless afterwards', async () => {
    const a = await account();
    const s = await login(a.username, a.password);
    const csrf = s.json<SessionBody>().csrfToken;
    expect((await call('DELETE', '/api/v1/session', { cookie: s.token })).status).toBe(403);
    const out = await call('DELETE', '/api/v1/session', { cookie: s.token, csrf });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/sg_session=;.*Max-Age=0/);
    expect((await call('GET', '/api/v1/session', { cookie: s.token })).status).toBe(401);
    const list = await call('GET', '/api/v1/accounts', { cookie: s.token });
    expect(list.status).toBe(401);
    expect(list.json<ErrorBody>().error.code).toBe('UNAUTHORIZED');
    expect((await call('POST', '/api/v1/accounts', { cookie: s.token, csrf, body: { username: `${a.username}-l`, displayName: 'x', password: STRONG } })).status).toBe(401);
  });

  it('answers an unknown username exactly as a wrong password (401), and locks after five failures even for the right password (423)', async () => {
    const a = await account();
    const wrong = await login(a.username, 'Not-the-password-1');
    const unknown = await login(`nobody-${a.username}`, 'Not-the-password-1');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    expect(wrong.token).toBeNull();
    for (let i = 2; i <= 4; i++) expect((await login(a.username, `Not-the-password-${i}`)).status).toBe(401);
    const fifth = await login(a.username, 'Not-the-password-5');
    expect(fifth.status).toBe(423);
    const right = await login(a.username, a.password);
    expect(right.status).toBe(423);
    expect(right.token).toBeNull();
    const err = right.json<ErrorBody>().error;
    expect(err.code).toBe('LOCKED');
    const until = /locked until (\S+)/.exec(err.issues[0].actual)![1];
    expect(Date.parse(until)).toBeGreaterThan(Date.now() + 60_000);
    expect(err.message).toContain(until);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(60);
    const shown = (await call('GET', '/api/v1/accounts', { key: ctx.p.key('ebp') })).json<{ accounts: AccountView[] }>().accounts.find((x) => x.id === a.id)!;
    expect(shown.lockedUntil).toBe(until);
  });

  it('checks at most the lock-out number of passwords in a burst of parallel guesses', async () => {
    const a = await account();
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => login(a.username, `Burst-guess-${i}-x`).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s === 423)).toHaveLength(16);
    const failures = await ctx.p.app.db.kysely.selectFrom('audit_log').select('seq').where('action', '=', 'login.failed').where('subject', '=', `account:${a.username}`).execute();
    expect(failures).toHaveLength(5);
  });

  it('locks a name that is no account after the same number of failures, so the 423 does not reveal which names exist', async () => {
    const ghost = `ghost-${Date.now()}`;
    const answers: number[] = [];
    for (let i = 1; i <= 6; i++) answers.push((await login(ghost, `Not-the-password-${i}`)).status);
    expect(answers).toEqual([401, 401, 401, 401, 423, 423]);
  });

  it('resets the failure count on a successful login', async () => {
    const a = await account();
    for (let i = 0; i < 4; i++) expect((await login(a.username, `Wrong-guess-${i}x`)).status).toBe(401);
    expect((await login(a.username, a.password)).status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await login(a.username, `Wrong-guess-${i}y`)).status).toBe(401);
    expect((await login(a.username, a.password)).status).toBe(201);
  });

  it('refuses weak passwords naming the rule, and stores nothing', async () => {
    const cases: Array<[string, string]> = [
      ['Short1!', 'minLength'],
      ['alllowercaseletters', 'characterClasses'],
      ['Password2024!', 'notCommon'],
      ['Abc1Abc1Abc1', 'notCommon'],
      ['aaaaaaaaaaaa1A', 'distinctCharacters'],
    ];
    const key = ctx.p.key('ebp');
    for (const [password, rule] of cases) {
      const username = `weak-${rule.toLowerCase()}-${Math.random().toString(36).slice(2, 6)}`;
      const res = await call('POST', '/api/v1/accounts', { key, body: { username, displayName: 'Weak', password } });
      expect(res.status, password).toBe(400);
      const issue = res.json<ErrorBody>().error.issues.find((i) => i.rule === rule);
      expect(issue, `${password} → ${rule}`).toMatchObject({ path: 'password', rule });
      expect(issue!.expected.length).toBeGreaterThan(0);
      expect(res.text).not.toContain(password);
      expect(await ctx.p.app.db.kysely.selectFrom('accounts').select('id').where('username', '=', username).executeTakeFirst()).toBeUndefined();
    }
    const res = await call('POST', '/api/v1/accounts', { key, body: { username: 'harbour-master', displayName: 'Weak', password: 'Harbour-Master-99' } });
    expect(res.json<ErrorBody>().error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'password', rule: 'notUsername' })]));
  });

  it('stores an argon2id hash, never the password, and answers a taken username (any case) with 409', async () => {
    const a = await account();
    const row = await ctx.p.app.db.kysely.selectFrom('accounts').select('password_hash').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row.password_hash).not.toContain(a.password);
    const dup = await call('POST', '/api/v1/accounts', { key: ctx.p.key('ebc'), body: { username: a.username.toUpperCase(), displayName: 'Dup', password: STRONG } });
    expect(dup.status).toBe(409);
    expect(dup.json<ErrorBody>().error.issues[0]).toMatchObject({ path: 'username', rule: 'unique' });
  });

  it('rehashes at login a hash made with older parameters', async () => {
    const a = await account();
    const weak = await hash(a.password, { memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await ctx.p.app.db.kysely.updateTable('accounts').set({ password_hash: weak }).where('id', '=', a.id).execute();
    expect((await login(a.username, a.password)).status).toBe(201);
    const row = await ctx.p.app.db.kysely.selectFrom('accounts').select('password_hash').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.password_hash).not.toBe(weak);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await login(a.username, a.password)).status).toBe(201);
  });

  it('lets only the operator create accounts for another enterprise', async () => {
    const ebcId = (await call('POST', '/api/v1/accounts', { key: ctx.p.key('ebc'), body: { username: `ebc-probe-${Date.now()}`, displayName: 'x', password: STRONG } })).json<AccountView>().enterpriseId;
    const refused = await call('POST', '/api/v1/accounts', { key: ctx.p.key('ebp'), body: { username: `cross-${Date.now()}`, displayName: 'x', password: STRONG, enterpriseId: ebcId } });
    expect(refused.status).toBe(403);
    expect(refused.json<ErrorBody>().error.issues[0].path).toBe('enterpriseId');
    const byOperator = await call('POST', '/api/v1/accounts', { key: ctx.p.key('operator'), body: { username: `op-made-${Date.now()}`, displayName: 'x', password: STRONG, enterpriseId: ebcId } });
    expect(byOperator.status).toBe(201);
    expect(byOperator.json<AccountView>().enterpriseId).toBe(ebcId);
  });

  it('changes its own password with the current one (other sessions end), and lets the enterprise reset a staff password (all its sessions end)', async () => {
    const a = await account();
    const s1 = await login(a.username, a.password);
    const s2 = await login(a.username, a.password);
    const csrf = s1.json<SessionBody>().csrfToken;
    const next = 'Second-password-77';
    passwordsUsed.add(next);

    const noCurrent = await call('POST', `/api/v1/accounts/${a.id}/password`, { cookie: s1.token, csrf, body: { newPassword: next } });
    expect(noCurrent.status).toBe(400);
    expect(noCurrent.json<ErrorBody>().error.issues[0]).toMatchObject({ path: 'currentPassword', rule: 'required' });
    const badCurrent = await call('POST', `/api/v1/accounts/${a.id}/password`, { cookie: s1.token, csrf, body: { currentPassword: 'Not-it-at-all-1', newPassword: next } });
    expect(badCurrent.status).toBe(403);
    const weak = await call('POST', `/api/v1/accounts/${a.id}/password`, { cookie: s1.token, csrf, body: { currentPassword: a.password, newPassword: 'short' } });
    expect(weak.json<ErrorBody>().error.issues[0]).toMatchObject({ path: 'newPassword', rule: 'minLength' });
    const ok = await call('POST', `/api/v1/accounts/${a.id}/password`, { cookie: s1.token, csrf, body: { currentPassword: a.password, newPassword: next } });
    expect(ok.status).toBe(200);
    expect((await call('GET', '/api/v1/session', { cookie: s1.token })).status).toBe(200);
    expect((await call('GET', '/api/v1/session', { cookie: s2.token })).status).toBe(401);
    expect((await login(a.username, a.password)).status).toBe(401);

    const s3 = await login(a.username, next);
    expect(s3.status).toBe(201);
    const reset = 'Reset-by-admin-42';
    passwordsUsed.add(reset);
    const other = await call('POST', `/api/v1/accounts/${a.id}/password`, { key: ctx.p.key('ebc'), body: { newPassword: reset } });
    expect(other.status).toBe(404);
    const byAdmin = await call('POST', `/api/v1/accounts/${a.id}/password`, { key: ctx.p.key('ebp'), body: { newPassword: reset } });
    expect(byAdmin.status).toBe(200);
    expect((await call('GET', '/api/v1/session', { cookie: s1.token })).status).toBe(401);
    expect((await call('GET', '/api/v1/session', { cookie: s3.token })).status).toBe(401);
    expect((await login(a.username, reset)).status).toBe(201);
  });

  it('ends idle and expired sessions', async () => {
    const a = await account();
    const idle = await login(a.username, a.password);
    const old = await login(a.username, a.password);
    const db = ctx.p.app.db.kysely;
    const hashOf = async (t: string) => (await import('node:crypto')).createHash('sha256').update(t).digest('hex');
    await db.updateTable('sessions').set({ last_seen_at: Date.now() - 31 * 60_000 }).where('token_hash', '=', await hashOf(idle.token!)).execute();
    await db.updateTable('sessions').set({ expires_at: Date.now() - 1000 }).where('token_hash', '=', await hashOf(old.token!)).execute();
    expect((await call('GET', '/api/v1/session', { cookie: idle.token })).status).toBe(401);
    expect((await call('GET', '/api/v1/session', { cookie: old.token })).status).toBe(401);
  });

  it('keeps a disabled account out and ends its sessions; enabling lets it in again', async () => {
    const a = await account();
    const s = await login(a.username, a.password);
    expect((await call('GET', '/api/v1/session', { cookie: s.token })).status).toBe(200);
    expect((await call('POST', `/api/v1/accounts/${a.id}/disable`, { key: ctx.p.key('ebc') })).status).toBe(404);
    const off = await call('POST', `/api/v1/accounts/${a.id}/disable`, { key: ctx.p.key('ebp') });
    expect(off.status).toBe(200);
    expect(off.json<AccountView>().disabled).toBe(true);
    expect((await call('GET', '/api/v1/session', { cookie: s.token })).status).toBe(401);
    expect((await call('GET', '/api/v1/accounts', { cookie: s.token })).status).toBe(401);
    const again = await login(a.username, a.password);
    expect(again.status).toBe(403);
    expect(again.token).toBeNull();
    const on = await call('POST', `/api/v1/accounts/${a.id}/enable`, { key: ctx.p.key('operator') });
    expect(on.json<AccountView>().disabled).toBe(false);
    expect((await login(a.username, a.password)).status).toBe(201);
  });

  it('lets a pending applicant set up its console, and keeps a revoked enterprise out (its sessions die)', async () => {
    const tag = String(Date.now() % 1e6).padStart(6, '0');
    const filed = await call('POST', '/api/v1/filings', {
      body: {
        code: `3301T${tag.slice(1)}`,
        name: `杭州测试贸易有限公司${tag}`,
        uscc: uscc(`91330100MA2T${tag.slice(1)}`),
        dxpId: `DXPENT000${tag}9`,
        roles: ['ebc'],
        contacts: [{ name: '张三', phone: '+86 571 8888 0000', email: 'ops@example.com', role: '业务联系人' }],
      },
    });
    expect(filed.status, filed.text).toBe(201);
    const { enterprise, apiKey } = filed.json<{ enterprise: { id: number }; apiKey: string }>();
    const made = await call('POST', '/api/v1/accounts', { key: apiKey, body: { username: `applicant-${tag}`, displayName: 'Applicant', password: STRONG } });
    expect(made.status, made.text).toBe(201);
    const s = await login(`applicant-${tag}`, STRONG);
    expect(s.status).toBe(201);
    expect(s.json<SessionBody>().enterprise.status).toBe('pending');

    const operator = ctx.p.key('operator');
    expect((await call('POST', `/api/v1/enterprises/${enterprise.id}/review`, { key: operator, body: { decision: 'approve' } })).status).toBe(200);
    expect((await call('POST', `/api/v1/enterprises/${enterprise.id}/review`, { key: operator, body: { decision: 'revoke', reason: 'test: licence withdrawn' } })).status).toBe(200);
    expect((await call('GET', '/api/v1/session', { cookie: s.token })).status).toBe(401);
    const again = await login(`applicant-${tag}`, STRONG);
    expect(again.status).toBe(403);
    expect(again.json<ErrorBody>().error.message).toContain('revoked');
    const more = await call('POST', '/api/v1/accounts', { key: operator, body: { username: `late-${tag}`, displayName: 'Late', password: STRONG, enterpriseId: enterprise.id } });
    expect(more.status).toBe(409);
  });

  it('audits logins and account changes without any password', async () => {
    const res = await call('GET', '/api/v1/audit?limit=1000', { key: ctx.p.key('operator') });
    expect(res.status).toBe(200);
    const entries = res.json<{ entries: Array<{ action: string }> }>().entries;
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ['account.created', 'login.succeeded', 'login.failed', 'login.refused', 'account.locked', 'account.password_changed', 'account.password_reset', 'account.disabled', 'account.enabled', 'session.ended']) {
      expect(actions, a).toContain(a);
    }
    for (const pw of passwordsUsed) expect(res.text).not.toContain(pw);
    expect(res.text).not.toContain('Not-the-password');
    expect(res.text).not.toContain('$argon2');
    const verify = await call('GET', '/api/v1/audit/verify', { key: ctx.p.key('operator') });
    expect(verify.json<{ ok: boolean }>().ok).toBe(true);
  });
});

describe.each(databases())('lock-out expiry on %s', (kind) => {
  const { call, login, account } = setup(kind, { SILKGATE_LOCKOUT_FAILURES: '2', SILKGATE_LOCKOUT_SECONDS: '1' });

  it('lets the account in again once the lock has run out, counting failures from zero', async () => {
    const a = await account();
    expect((await login(a.username, 'Wrong-password-01')).status).toBe(401);
    const locked = await login(a.username, 'Wrong-password-02');
    expect(locked.status).toBe(423);
    const until = Date.parse(/locked until (\S+)/.exec(locked.json<ErrorBody>().error.issues[0].actual)![1]);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 100));
    expect((await login(a.username, 'Wrong-password-03')).status).toBe(401);
    const s = await login(a.username, a.password);
    expect(s.status).toBe(201);
    expect((await call('GET', '/api/v1/session', { cookie: s.token })).status).toBe(200);
  });
});
