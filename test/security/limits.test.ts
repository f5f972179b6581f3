/**
 * The rate-limit settings: their defaults (which must not throttle a zone's integrators or the
 * benchmark), 0 = off, and how a client address is counted.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { AppError } from '../../src/platform/errors.ts';
import { addressKey, installRateLimits, type RateLimitSettings } from '../../src/platform/limits.ts';

async function server(settings: RateLimitSettings) {
  const http = Fastify({ trustProxy: true });
  http.setErrorHandler((err, _req, reply) => (err instanceof AppError ? reply.status(err.status).send(err.toJSON()) : reply.send(err)));
  const limits = await installRateLimits(http, settings);
  http.get('/open', async () => ({ ok: true }));
  http.get('/private', async (req) => {
    if (req.headers.authorization !== 'Bearer good') throw new AppError('UNAUTHORIZED');
    limits.trust(req);
    return { ok: true };
  });
  http.post('/api/v1/session', async () => ({ ok: true }));
  return http;
}

describe('rate-limit settings', () => {
  it('default to budgets far above real traffic (3,000 messages/s from a handful of keys)', () => {
    const c = loadConfig({});
    expect(c.limits).toEqual({ perKey: 120_000, perAddress: 600, login: 20, apply: 60, windowMs: 60_000 });
    expect(c.limits.perKey / (c.limits.windowMs / 1000)).toBeGreaterThanOrEqual(2000);
    expect(c.trustProxy).toBe('loopback');
  });

  it('read SILKGATE_RATE_LIMIT_* and SILKGATE_TRUST_PROXY, refusing nonsense', () => {
    const c = loadConfig({ SILKGATE_RATE_LIMIT_PER_KEY: '0', SILKGATE_RATE_LIMIT_PER_ADDRESS: '50', SILKGATE_RATE_LIMIT_LOGIN: '5', SILKGATE_RATE_LIMIT_APPLY: '2', SILKGATE_RATE_LIMIT_WINDOW_MS: '10000', SILKGATE_TRUST_PROXY: '10.0.0.1,10.0.0.2' });
    expect(c.limits).toEqual({ perKey: 0, perAddress: 50, login: 5, apply: 2, windowMs: 10_000 });
    expect(c.trustProxy).toBe('10.0.0.1,10.0.0.2');
    expect(loadConfig({ SILKGATE_TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(() => loadConfig({ SILKGATE_RATE_LIMIT_LOGIN: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ SILKGATE_RATE_LIMIT_WINDOW_MS: '10' })).toThrow(/SILKGATE_RATE_LIMIT_WINDOW_MS/);
  });

  it('0 switches a limit off', async () => {
    const http = await server({ perKey: 0, perAddress: 0, login: 0, apply: 0, windowMs: 60_000 });
    for (let i = 0; i < 50; i++) {
      expect((await http.inject({ url: '/open' })).statusCode).toBe(200);
      expect((await http.inject({ url: '/private', headers: { authorization: `Bearer bad${i}` } })).statusCode).toBe(401);
      expect((await http.inject({ method: 'POST', url: '/api/v1/session' })).statusCode).toBe(200);
    }
    await http.close();
  });

  it('keeps separate budgets for login, addresses and credentials', async () => {
    const http = await server({ perKey: 3, perAddress: 2, login: 1, apply: 1, windowMs: 60_000 });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    expect((await http.inject({ method: 'POST', url: '/api/v1/session', headers: from('192.0.2.1') })).statusCode).toBe(200);
    expect((await http.inject({ method: 'POST', url: '/api/v1/session', headers: from('192.0.2.1') })).statusCode).toBe(429);
    expect((await http.inject({ url: '/open', headers: from('192.0.2.1') })).statusCode).toBe(200);
    const good = { ...from('192.0.2.2'), authorization: 'Bearer good' };
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await http.inject({ url: '/private', headers: good })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await http.inject({ url: '/private', headers: good });
    expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', issues: [{ rule: 'rate-limit.per-key' }] } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await http.close();
  });

  it('count made-up credentials against their address on routes that never check them', async () => {
    const http = await server({ perKey: 100, perAddress: 2, login: 1, apply: 1, windowMs: 60_000 });
    const from = { 'x-forwarded-for': '192.0.2.3' };
    // A credential that proved valid is not counted against its address, on any route.
    expect((await http.inject({ url: '/private', headers: { ...from, authorization: 'Bearer good' } })).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await http.inject({ url: '/open', headers: { ...from, authorization: 'Bearer good' } })).statusCode).toBe(200);
    // Invented tokens on an open route (it answers 200, never 401) still spend the address's budget:
    // the one past it is answered and holds the address, as with 401s.
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await http.inject({ url: '/open', headers: { ...from, authorization: `Bearer invented${i}` } })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect((await http.inject({ url: '/private', headers: { ...from, authorization: 'Bearer good' } })).statusCode).toBe(200);
    await http.close();
  });
});

describe('client addresses', () => {
  it('count IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::7')).toBe(addressKey('2001:0db8:0001:0002:ffff::1'));
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
