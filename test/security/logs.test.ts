/**
 * Secrets never reach the log: a real platform logging at trace level into a buffer, across
 * logins (right and wrong passwords), session use with its CSRF token, good and made-up API
 * keys, the customs token (right and wrong) and bodies holding passwords and private keys.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { safeUrl, withoutUrl } from '../../src/platform/security.ts';
import { tempDir } from '../support/db.ts';

const CUSTOMS_TOKEN = `customs-${crypto.randomBytes(16).toString('hex')}`;
const PRIVATE_KEY = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** The body of the PEM (its base64 lines): what must never show, whatever the framing. */
const PEM_LINES = PRIVATE_KEY.split('\n').filter((l) => l && !l.startsWith('-----'));

describe('the log', () => {
  const lines: string[] = [];
  const dir = tempDir();
  let app: App;
  let url = '';
  const secrets = new Set<string>([CUSTOMS_TOKEN, ...PEM_LINES]);

  const call = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const res = await fetch(url + path, { method: init.method ?? (init.body ? 'POST' : 'GET'), headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers }, body: init.body });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  beforeAll(async () => {
    const config = loadConfig({ SILKGATE_DATA_DIR: dir.path, SILKGATE_LOG_LEVEL: 'trace', SILKGATE_CUSTOMS_TOKEN: CUSTOMS_TOKEN, SILKGATE_SANDBOX_DELAY_MS: '5' });
    app = await createApp(config, { logStream: { write: (line: string) => void lines.push(line) }, forwarderPollMs: 20, webhookPollMs: 20 });
    await app.startWorkers();
    await app.http.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.http.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await app.close();
    dir.cleanup();
  });

  it('holds no credential, password, token or private key after a session of real traffic', async () => {
    const creds = JSON.parse(fs.readFileSync(app.demoCredentialsFile!, 'utf8')) as Array<{ role: string; apiKey: string; username?: string; password?: string }>;
    const ebp = creds.find((c) => c.role === 'ebp')!;
    for (const c of creds) {
      secrets.add(c.apiKey);
      if (c.password) secrets.add(c.password);
    }
    expect(ebp.username && ebp.password).toBeTruthy();

    // Logins: wrong, then right; the session is used with its CSRF token, then ended.
    const wrong = `wrong-${crypto.randomBytes(8).toString('hex')}`;
    secrets.add(wrong);
    expect((await call('/api/v1/session', { body: JSON.stringify({ username: ebp.username, password: wrong }) })).status).toBe(401);
    const login = await call('/api/v1/session', { body: JSON.stringify({ username: ebp.username, password: ebp.password }) });
    expect(login.status).toBe(201);
    const session = /sg_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1];
    const csrf = (JSON.parse(login.text) as { csrfToken: string }).csrfToken;
    secrets.add(session);
    secrets.add(csrf);
    const cookie = { cookie: `sg_session=${session}`, 'x-csrf-token': csrf };
    expect((await call('/api/v1/receipts', { headers: cookie })).status).toBe(200);
    expect((await call('/api/v1/webhooks', { headers: { ...cookie, 'x-csrf-token': 'forged' }, body: JSON.stringify({ url: 'https://example.com/h' }) })).status).toBe(403);
    expect((await call('/api/v1/session', { method: 'DELETE', headers: cookie })).status).toBeLessThan(300);

    // API keys: good ones, made-up ones, malformed headers.
    for (let i = 0; i < 5; i++) {
      const fake = `sk_${crypto.randomBytes(32).toString('base64url')}`;
      secrets.add(fake);
      expect((await call('/api/v1/receipts', { headers: { authorization: `Bearer ${fake}` } })).status).toBe(401);
    }
    expect((await call('/api/v1/receipts', { headers: { authorization: `Bearer ${ebp.apiKey}` } })).status).toBe(200);
    expect((await call('/api/v1/messages', { headers: { authorization: `Bearer ${ebp.apiKey}`, 'content-type': 'application/xml' }, body: '<not-xml' })).status).toBe(400);

    // The customs token: wrong, then right with a receipt customs would never send.
    const wrongCustoms = `customs-${crypto.randomBytes(16).toString('hex')}`;
    secrets.add(wrongCustoms);
    expect((await call('/api/v1/customs/receipts', { headers: { authorization: `Bearer ${wrongCustoms}`, 'content-type': 'application/xml' }, body: '<a/>' })).status).toBe(401);
    expect((await call('/api/v1/customs/receipts', { headers: { authorization: `Bearer ${CUSTOMS_TOKEN}`, 'content-type': 'application/xml' }, body: '<a/>' })).status).toBe(400);

    // Bodies with secrets in them, refused for other reasons.
    const newPassword = `N3w-${crypto.randomBytes(8).toString('hex')}`;
    secrets.add(newPassword);
    await call('/api/v1/webhooks', { headers: { authorization: `Bearer ${ebp.apiKey}` }, body: JSON.stringify({ url: 'https://example.com/h', privateKey: PRIVATE_KEY, password: newPassword }) });
    await call('/api/v1/accounts', { headers: { authorization: `Bearer ${ebp.apiKey}` }, body: JSON.stringify({ username: 'x', password: newPassword, privateKey: PRIVATE_KEY }) });

    await app.http.close().catch(() => undefined);
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(0);
    const leaked = [...secrets].filter((s) => log.includes(s));
    expect(leaked).toEqual([]);
  });

  it('redacts credential headers and secret fields of anything logged', () => {
    const before = lines.length;
    const key = `sk_${crypto.randomBytes(32).toString('base64url')}`;
    app.http.log.warn(
      {
        req: { method: 'POST', url: '/x', headers: { authorization: `Bearer ${key}`, cookie: `sg_session=${key}`, 'x-csrf-token': key } },
        res: { headers: { 'set-cookie': `sg_session=${key}` } },
        body: { username: 'u', password: key, privateKey: PRIVATE_KEY },
        account: { password: key, nested: { token: key } },
        customsToken: key,
      },
      'a line with every kind of secret',
    );
    const line = lines.slice(before).join('');
    expect(line).toContain('a line with every kind of secret');
    expect(line).toContain('[redacted]');
    expect(line).not.toContain(key);
    for (const l of PEM_LINES) expect(line).not.toContain(l);
    expect(line).toContain('"username":"u"');
  });

  it('config errors and logged URLs never quote a password or a token', () => {
    const configError = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('no ConfigError');
    };
    expect(configError({ SILKGATE_DATABASE_URL: 'mysql://admin:hunter2-secret@db/zone' })).not.toContain('hunter2-secret');
    expect(configError({ SILKGATE_TRANSPORT: 'http', SILKGATE_CUSTOMS_URL: 'https://gw:hunter2-secret@customs.example/in' })).not.toContain('hunter2-secret');
    const hook = 'https://user:hunter2-secret@hooks.example.com/in?token=hunter3-secret#x';
    expect(safeUrl(hook)).toBe('https://hooks.example.com/in');
    expect(withoutUrl(`Request cannot be constructed from a URL that includes credentials: ${hook}`, hook)).not.toMatch(/hunter[23]-secret/);
  });
});
