/**
 * Security headers on every answer (API, errors, /docs and its assets), rate limits per
 * credential and per address with the project's error shape, and the strict JSON parser of
 * the routes that take JSON — against a real platform over HTTP.
 *
 * The test client is on the loopback, a trusted proxy by default: X-Forwarded-For stands for
 * the client address, so each test speaks from addresses of its own.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}

const LIMITS = { perKey: 25, perAddress: 12, login: 4, apply: 3 };
const CUSTOMS_TOKEN = 'customs-token-of-the-hardening-test';
let nextAddress = 1;
/** A client address no other test uses. */
const address = () => `198.51.100.${nextAddress++}`;

describe.each(databases())('hardening on %s', (kind) => {
  let p: Platform;
  const call = async (path: string, opts: { from?: string; method?: string; key?: string; body?: string; type?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(p.url + path, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers: {
        'x-forwarded-for': opts.from ?? address(),
        ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.body,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: <T = ErrorBody>() => JSON.parse(text) as T };
  };

  beforeAll(async () => {
    p = await startPlatform(kind, {
      SILKGATE_RATE_LIMIT_PER_KEY: String(LIMITS.perKey),
      SILKGATE_RATE_LIMIT_PER_ADDRESS: String(LIMITS.perAddress),
      SILKGATE_RATE_LIMIT_LOGIN: String(LIMITS.login),
      SILKGATE_RATE_LIMIT_APPLY: String(LIMITS.apply),
      SILKGATE_CUSTOMS_TOKEN: CUSTOMS_TOKEN,
    });
  });
  afterAll(() => p.close());

  describe('security headers', () => {
    const expectHardened = (headers: Headers, what: string) => {
      const csp = headers.get('content-security-policy') ?? '';
      expect(csp, what).toContain("default-src 'self'");
      expect(csp, what).toContain("script-src 'self'");
      expect(csp, what).toContain("frame-ancestors 'none'");
      expect(csp, what).toContain("object-src 'none'");
      expect(csp, what).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(headers.get('x-frame-options'), what).toBe('DENY');
      expect(headers.get('referrer-policy'), what).toBe('no-referrer');
      expect(headers.get('x-powered-by'), what).toBeNull();
      expect(headers.get('server'), what).toBeNull();
    };

    it('are on API answers, errors and not-found answers alike', async () => {
      const key = p.key('ebp');
      const answers = {
        health: await call('/healthz'),
        list: await call('/api/v1/receipts', { key }),
        unauthorized: await call('/api/v1/receipts'),
        notFound: await call('/api/v1/no/such/path'),
        // Any other path is a console page (index.html), under the same headers.
        console: await call('/no/such/path'),
        invalid: await call('/api/v1/messages', { key, body: '<a/>', type: 'application/xml' }),
      };
      expect(answers.unauthorized.status).toBe(401);
      expect(answers.notFound.status).toBe(404);
      expect(answers.console.status).toBe(200);
      expect(answers.invalid.status).toBe(400);
      for (const [what, a] of Object.entries(answers)) expectHardened(a.headers, what);
    });

    it('give index.html for console paths only: API paths however spelled, assets and traversal stay 404 JSON', async () => {
      for (const path of ['/workbench/123', '/status', '/x/y?z=1']) {
        const page = await call(path);
        expect(page.status, path).toBe(200);
        expect(page.headers.get('content-type'), path).toMatch(/^text\/html/);
        expect(page.headers.get('cache-control'), path).toBe('no-cache');
      }
      for (const path of ['//api/v1/no/such', '/api%2fv1/no/such', '/API/v1/statistics', '/assets/missing', '/assets', '/no/such.js', '/assets/../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json']) {
        const res = await call(path);
        expect(res.status, path).toBe(404);
        expect(res.json().error.code, path).toBe('NOT_FOUND');
      }
      expect((await call('/no/such/page', { method: 'POST', body: '{}' })).status).toBe(404);
    });

    it('send Strict-Transport-Security only over HTTPS (here: from a trusted proxy)', async () => {
      expect((await call('/healthz')).headers.get('strict-transport-security')).toBeNull();
      const https = await call('/healthz', { headers: { 'x-forwarded-proto': 'https' } });
      expect(https.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/);
    });

    it('let /docs load: its page refers only to files it serves, under the same policy', async () => {
      const page = await call('/docs/');
      expect(page.status).toBe(200);
      expectHardened(page.headers, '/docs/');
      // No inline script: under script-src 'self' every script must be a file of this origin.
      const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attrs, inline] of scripts) {
        expect(attrs).toMatch(/src="\.\/static\//);
        expect(inline.trim()).toBe('');
      }
      const assets = [...page.text.matchAll(/(?:src|href)="\.\/(static\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(3);
      for (const asset of assets) {
        const a = await call(`/docs/${asset}`);
        expect(a.status, asset).toBe(200);
        expect(a.headers.get('content-type'), asset).toMatch(/javascript|css|image/);
        expectHardened(a.headers, asset);
      }
      // What swagger-ui fetches (connect-src 'self').
      const spec = await call('/docs/json');
      expect(spec.status).toBe(200);
      expect(spec.json<{ openapi: string }>().openapi).toMatch(/^3\./);
    });
  });

  describe('rate limits', () => {
    it('count requests without a credential per address, with 429, Retry-After and the error shape', async () => {
      const from = address();
      for (let i = 0; i < LIMITS.perAddress; i++) expect((await call('/healthz', { from })).status).toBe(200);
      const refused = await call('/healthz', { from });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.json().error).toMatchObject({ code: 'RATE_LIMITED', issues: [{ path: 'address', rule: 'rate-limit.per-address' }] });
      expect(refused.json().error.issues[0].expected).toContain(`≤ ${LIMITS.perAddress} requests`);
      expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      // Another address is not affected.
      expect((await call('/healthz')).status).toBe(200);
    });

    it('count made-up credentials against their address: inventing tokens buys no budget', async () => {
      const from = address();
      const key = p.key('payment');
      // The real key authenticates once from this address before the flood.
      expect((await call('/api/v1/receipts', { from, key })).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < LIMITS.perAddress + 3; i++) {
        statuses.push((await call('/api/v1/receipts', { from, key: `sk_${crypto.randomBytes(32).toString('base64url')}` })).status);
      }
      expect(statuses.slice(0, LIMITS.perAddress)).toEqual(Array(LIMITS.perAddress).fill(401));
      expect(statuses.slice(LIMITS.perAddress + 1)).toEqual([429, 429]);
      const held = await call('/api/v1/receipts', { from, key: `sk_${crypto.randomBytes(32).toString('base64url')}` });
      expect(held.json().error.issues[0].rule).toBe('rate-limit.per-address');
      // A credential that proved valid still works from there; other addresses are untouched.
      expect((await call('/api/v1/receipts', { from, key })).status).toBe(200);
      expect((await call('/api/v1/receipts', { key: `sk_${crypto.randomBytes(32).toString('base64url')}` })).status).toBe(401);
    });

    it('count requests with a credential per credential, whatever the address', async () => {
      const key = p.key('logistics');
      let first429: Awaited<ReturnType<typeof call>> | null = null;
      let ok = 0;
      for (let i = 0; i < LIMITS.perKey + 2 && !first429; i++) {
        const r = await call('/api/v1/receipts', { key });
        if (r.status === 429) first429 = r;
        else if (r.status === 200) ok++;
      }
      // The logistics key was not used before this test.
      expect(ok).toBe(LIMITS.perKey);
      expect(first429!.json().error).toMatchObject({ code: 'RATE_LIMITED', issues: [{ path: 'Authorization', rule: 'rate-limit.per-key' }] });
      expect(Number(first429!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await call('/api/v1/receipts', { key: p.key('warehouse') })).status).toBe(200);
    });

    it('give login its own, stricter budget per address', async () => {
      const from = address();
      // A different unknown name each time: five failures on one name would lock it (423) first.
      const body = (i: number) => JSON.stringify({ username: `nobody-here-${i}`, password: 'not the password at all' });
      for (let i = 0; i < LIMITS.login; i++) expect((await call('/api/v1/session', { from, body: body(i) })).status).toBe(401);
      const refused = await call('/api/v1/session', { from, body: body(-1) });
      expect(refused.status).toBe(429);
      expect(refused.json().error.issues[0].rule).toBe('rate-limit.login');
      expect((await call('/api/v1/session', { body: body(-2) })).status).toBe(401);
      // Other requests from that address keep their own budget.
      expect((await call('/healthz', { from })).status).toBe(200);
    });

    it('give the public filing application its own budget per address', async () => {
      const from = address();
      const statuses: number[] = [];
      for (let i = 0; i < LIMITS.apply + 1; i++) statuses.push((await call('/api/v1/filings', { from, body: '{}' })).status);
      expect(statuses.slice(0, LIMITS.apply).every((s) => s !== 429)).toBe(true);
      expect(statuses[LIMITS.apply]).toBe(429);
    });

    it('never hold back customs, keyed by its token, by the address it shares', async () => {
      const from = address();
      for (let i = 0; i < LIMITS.perAddress + 1; i++) await call('/healthz', { from });
      expect((await call('/healthz', { from })).status).toBe(429);
      const receipt = await call('/api/v1/customs/receipts', { from, key: CUSTOMS_TOKEN, body: '<a/>', type: 'application/xml' });
      expect(receipt.status).toBe(400);
      expect(receipt.json().error.code).toBe('INVALID_MESSAGE');
    });
  });

  describe('JSON bodies', () => {
    const polluted = [
      ['{"__proto__":{"polluted":1}}', '__proto__'],
      ['{"url":"https://example.com/hook","nested":[{"__proto__":{"polluted":1}}]}', 'nested[0].__proto__'],
      ['{"constructor":{"prototype":{"polluted":1}}}', 'constructor'],
    ] as const;

    it.each(polluted)('refuse %s with 400 naming the path, and pollute nothing', async (body, path) => {
      const r = await call('/api/v1/webhooks', { key: p.key('ebc'), body });
      expect(r.status).toBe(400);
      expect(r.json().error).toMatchObject({ code: 'INVALID_REQUEST', issues: [{ path, rule: 'json.forbidden-key' }] });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuse deep nesting and invalid UTF-8 before parsing', async () => {
      const deep = await call('/api/v1/webhooks', { key: p.key('ebc'), body: `{"url":${'['.repeat(10_000)}${']'.repeat(10_000)}}` });
      expect(deep.status).toBe(400);
      expect(deep.json().error.issues[0].rule).toBe('limit.json-depth');
      const res = await fetch(`${p.url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.key('ebc')}`, 'content-type': 'application/json', 'x-forwarded-for': address() },
        body: new Uint8Array(Buffer.concat([Buffer.from('{"url":"https://example.com/'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])),
      });
      expect(res.status).toBe(400);
      const issue = ((await res.json()) as ErrorBody).error.issues[0];
      expect(issue).toMatchObject({ rule: 'encoding', actual: 'an invalid byte sequence at byte offset 28' });
    });
  });
});
