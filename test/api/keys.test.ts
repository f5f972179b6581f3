/** API keys over HTTP: scopes, revocation, rotation with and without grace, expiry, the operator's view — on every database of the run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
interface KeyBody {
  id: number;
  enterpriseId: number;
  prefix: string;
  label: string;
  scopes: string[];
  state: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}
interface Issued {
  apiKey: string;
  key: KeyBody;
  previous?: KeyBody;
}

describe.each(databases())('API keys on %s', (kind) => {
  let p: Platform;
  let seed = 9000;
  const call = (method: string, path: string, key?: string, body?: unknown) =>
    p.request(method, path, { key, ...(body !== undefined ? { body: JSON.stringify(body), type: 'application/json' } : {}) });
  const order = () => wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).order], DEMO_PARTIES.ebp);
  const declare = (key: string) => p.request('POST', '/api/v1/messages', { key, body: order() });
  /** Any authenticated read: 200 while the key works, 401 once it does not. */
  const works = async (key: string) => (await call('GET', '/api/v1/keys', key)).status;
  const make = async (scopes: string[], by = p.key('ebp'), extra: Record<string, unknown> = {}) => {
    const res = await call('POST', '/api/v1/keys', by, { label: `k${seed++}`, scopes, ...extra });
    expect(res.status, res.text).toBe(201);
    return res.json() as Issued;
  };
  const list = async (key = p.key('ebp'), q = '') => ((await call('GET', `/api/v1/keys${q}`, key)).json() as { keys: KeyBody[] }).keys;

  beforeAll(async () => {
    p = await startPlatform(kind);
  });
  afterAll(() => p.close());

  it('lists own keys without the secret, and shows a new key once', async () => {
    const { apiKey, key } = await make(['read', 'declare'], p.key('ebp'), { expiresInDays: 30 });
    expect(apiKey.startsWith(key.prefix)).toBe(true);
    expect(key).toMatchObject({ scopes: ['declare', 'read'], state: 'active', revokedAt: null });
    expect(Date.parse(key.expiresAt!) - Date.parse(key.createdAt)).toBe(30 * 24 * 3600 * 1000);
    const res = await call('GET', '/api/v1/keys', p.key('ebp'));
    expect(res.text).not.toContain(apiKey);
    expect(res.text).not.toContain(p.key('ebp'));
    expect(res.text).not.toMatch(/hash/i);
    const keys = (res.json() as { keys: KeyBody[] }).keys;
    expect(keys.map((k) => k.id)).toContain(key.id);
    const ebp = await p.app.enterprises.byCode(DEMO_PARTIES.ebp.code);
    expect(keys.every((k) => k.enterpriseId === ebp!.id)).toBe(true);
  });

  it('limits a key to its scopes: read-only cannot declare or manage', async () => {
    const { apiKey } = await make(['read']);
    const refused = await declare(apiKey);
    expect(refused.status).toBe(403);
    expect((refused.json() as ErrorBody).error.message).toContain('declare');
    expect((await call('GET', '/api/v1/keys', apiKey)).status).toBe(403);
    expect((await call('GET', `/api/v1/enterprises/${(await p.app.enterprises.byCode(DEMO_PARTIES.ebp.code))!.id}`, apiKey)).status).toBe(200);
    const { apiKey: declareOnly } = await make(['declare']);
    expect((await declare(declareOnly)).status).toBe(202);
  });

  it('a manage credential gives a key any scope; only real scopes exist', async () => {
    const { apiKey: manager } = await make(['read', 'manage']);
    const res = await call('POST', '/api/v1/keys', manager, { label: 'integration', scopes: ['declare', 'read'] });
    expect(res.status).toBe(201);
    expect((await declare((res.json() as { apiKey: string }).apiKey)).status).toBe(202);
    const { apiKey: reader } = await make(['read', 'declare']);
    expect((await call('POST', '/api/v1/keys', reader, { label: 'x', scopes: ['read'] })).status).toBe(403);
    expect((await call('POST', '/api/v1/keys', p.key('ebp'), { label: 'x', scopes: ['admin'] })).status).toBe(400);
  });

  it('stops a revoked key at once', async () => {
    const { apiKey, key } = await make(['read', 'declare']);
    expect((await declare(apiKey)).status).toBe(202); // now in the authentication cache
    const revoked = await call('DELETE', `/api/v1/keys/${key.id}`, p.key('ebp'));
    expect(revoked.status).toBe(200);
    expect(revoked.json()).toMatchObject({ state: 'revoked' });
    expect((await declare(apiKey)).status).toBe(401);
    expect((await call('DELETE', `/api/v1/keys/${key.id}`, p.key('ebp'))).status).toBe(409);
    expect((await list()).find((k) => k.id === key.id)).toMatchObject({ state: 'revoked' });
  });

  it('rotates without grace: the old key stops, the new one has the same label and scopes', async () => {
    const { apiKey: old, key } = await make(['read', 'declare']);
    expect((await declare(old)).status).toBe(202);
    const res = await call('POST', `/api/v1/keys/${key.id}/rotate`, p.key('ebp'));
    expect(res.status, res.text).toBe(201);
    const { apiKey, key: fresh, previous } = res.json() as Issued;
    expect(fresh).toMatchObject({ label: key.label, scopes: key.scopes, state: 'active' });
    expect(previous).toMatchObject({ id: key.id, state: 'revoked' });
    expect((await declare(old)).status).toBe(401);
    expect((await declare(apiKey)).status).toBe(202);
    expect((await call('POST', `/api/v1/keys/${key.id}/rotate`, p.key('ebp'))).status).toBe(409);
  });

  it('rotates with grace: the old key works until the grace ends or it is revoked', async () => {
    const { apiKey: old, key } = await make(['read', 'manage']);
    const res = await call('POST', `/api/v1/keys/${key.id}/rotate`, p.key('ebp'), { graceSeconds: 3600 });
    const { apiKey, previous } = res.json() as Issued;
    expect(previous!.state).toBe('retiring');
    expect(Date.parse(previous!.revokedAt!) - Date.now()).toBeGreaterThan(3500 * 1000);
    expect(await works(old)).toBe(200);
    expect(await works(apiKey)).toBe(200);
    // A retiring key is not rotated again; revoking it ends the grace at once.
    expect((await call('POST', `/api/v1/keys/${key.id}/rotate`, p.key('ebp'))).status).toBe(409);
    expect((await call('DELETE', `/api/v1/keys/${key.id}`, apiKey)).status).toBe(200);
    expect(await works(old)).toBe(401);
    expect(await works(apiKey)).toBe(200);
    expect((await call('POST', `/api/v1/keys/${key.id}/rotate`, p.key('ebp'), { graceSeconds: 8 * 24 * 3600 })).status).toBe(400);
  });

  it('refuses an expired key', async () => {
    const { apiKey, key } = await make(['read', 'manage'], p.key('ebp'), { expiresInDays: 1 });
    expect(await works(apiKey)).toBe(200);
    // Time passes: the expiry is moved into the past, and the cache dropped as the cache time would.
    await p.app.db.kysely.updateTable('api_keys').set({ expires_at: Date.now() - 1000 }).where('id', '=', key.id).execute();
    p.app.enterprises.invalidate();
    expect(await works(apiKey)).toBe(401);
    expect((await list()).find((k) => k.id === key.id)).toMatchObject({ state: 'expired' });
  });

  it('records when a key was last used', async () => {
    const { apiKey, key } = await make(['read', 'manage']);
    expect((await list()).find((k) => k.id === key.id)!.lastUsedAt).toBeNull();
    await works(apiKey);
    await p.app.enterprises.flushUse();
    expect((await list()).find((k) => k.id === key.id)!.lastUsedAt).not.toBeNull();
  });

  it("lets the operator list and revoke any enterprise's keys, and nobody else", async () => {
    const { apiKey, key } = await make(['read', 'manage'], p.key('payment'));
    const payment = await p.app.enterprises.byCode(DEMO_PARTIES.payment.code);
    expect((await list(p.key('operator'), `?enterpriseId=${payment!.id}`)).map((k) => k.id)).toContain(key.id);
    expect((await call('GET', `/api/v1/keys?enterpriseId=${payment!.id}`, p.key('ebp'))).status).toBe(403);
    expect((await call('DELETE', `/api/v1/keys/${key.id}`, p.key('ebp'))).status).toBe(404);
    expect((await call('POST', `/api/v1/keys/${key.id}/rotate`, p.key('ebp'))).status).toBe(404);
    expect((await call('DELETE', `/api/v1/keys/${key.id}`, p.key('operator'))).status).toBe(200);
    expect(await works(apiKey)).toBe(401);
  });

  it('audits issue, rotation and revocation without the secret', async () => {
    const { apiKey, key } = await make(['read']);
    const rotated = (await call('POST', `/api/v1/keys/${key.id}/rotate`, p.key('ebp'))).json() as Issued;
    await call('DELETE', `/api/v1/keys/${rotated.key.id}`, p.key('ebp'));
    const log = async (action: string) => (await call('GET', `/api/v1/audit?action=${action}&limit=1000`, p.key('operator'))).text;
    const issued = await log('key.issued');
    expect(issued).toContain(`key:${key.prefix}`);
    expect(issued).not.toContain(apiKey);
    const rot = await log('key.rotated');
    expect(rot).toContain(`key:${rotated.key.prefix}`);
    expect(rot).not.toContain(rotated.apiKey);
    expect(await log('key.revoked')).toContain(`key:${rotated.key.prefix}`);
    expect((await call('GET', '/api/v1/audit/verify', p.key('operator'))).json()).toMatchObject({ ok: true });
  });
});
