/**
 * Rate limits, per credential and per client address (@fastify/rate-limit's counters, one
 * fixed window each).
 *
 * - A request carrying a credential (bearer token, `sg_session` cookie, client certificate) is
 *   counted against that credential (its SHA-256; the secret itself is never kept), so the
 *   integrators behind one NAT do not share a budget.
 * - A request without one is counted against its address, and so is every 401: inventing
 *   tokens does not buy fresh budgets. Once an address is over its limit, only credentials
 *   that authenticated before still pass from it until the window ends.
 * - Login and the public filing application have their own, stricter budget per address.
 * - Customs' receipts endpoint (one shared token, one address) is limited per credential only.
 */
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

export interface RateLimitSettings {
  /** Requests per window and credential (0: no limit). */
  perKey: number;
  /** Requests per window and address without a valid credential (0: no limit). */
  perAddress: number;
  /** POST /api/v1/session per window and address (0: no limit). */
  login: number;
  /** POST /api/v1/filings per window and address (0: no limit). */
  apply: number;
  windowMs: number;
}

/** Open endpoints that check a password or create an application: their own budget per address. */
const STRICT: Record<string, 'login' | 'apply'> = {
  'POST /api/v1/session': 'login',
  'POST /api/v1/filings': 'apply',
};

/** Shared-secret endpoints called from one address: counted per credential, never held back by address. */
const CREDENTIAL_ONLY = new Set(['POST /api/v1/customs/receipts']);

/** Counters kept per limiter; the least recently seen go first beyond this. */
const COUNTERS = 100_000;

export interface RateLimiter {
  /** Called once a request's credential proved valid: it stays usable from an address over its limit. */
  trust(req: FastifyRequest): void;
}

const digest = (s: string) => createHash('sha256').update(s).digest('base64url');

/** The credential a request presents, as the string its counter is keyed by (hashed by the caller). */
function credentialOf(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.trim() !== '') return `authorization:${auth.trim()}`;
  const cookie = req.headers.cookie;
  if (typeof cookie === 'string') {
    const m = /(?:^|;)\s*sg_session=([^;\s]+)/.exec(cookie);
    if (m) return `session:${m[1]}`;
  }
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (socket.encrypted && socket.authorized) {
    const cert = socket.getPeerCertificate?.();
    if (cert?.fingerprint256) return `certificate:${cert.fingerprint256}`;
  }
  return null;
}

/** The client address as counted: IPv4 as is, IPv6 by its /64 (one host usually holds a whole /64). */
export function addressKey(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1];
  if (!ip.includes(':')) return ip;
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

type Check = (req: FastifyRequest) => Promise<{ isAllowed: true; key: string } | { isAllowed: false; key: string; max: number; ttl: number; isExceeded: boolean }>;

export async function installRateLimits(http: FastifyInstance, s: RateLimitSettings): Promise<RateLimiter> {
  const seconds = Math.round(s.windowMs / 1000);
  await http.register(rateLimit, {
    // No route gets the plugin's own hook unless it asks (config.rateLimit); the hook below decides.
    global: false,
    timeWindow: s.windowMs,
    errorResponseBuilder: (_req, ctx) =>
      new AppError('RATE_LIMITED', `Too many requests; retry in ${ctx.after}.`, [
        { path: '', rule: 'rate-limit.route', expected: `≤ ${ctx.max} requests per ${seconds} s`, actual: `more than ${ctx.max}` },
      ]),
  });

  const keyOf = new WeakMap<FastifyRequest, string>();
  const addrOf = (req: FastifyRequest) => addressKey(req.ip);
  const make = (max: number, key: (req: FastifyRequest) => string): Check | null =>
    max > 0 ? (http.createRateLimit({ max, timeWindow: s.windowMs, keyGenerator: key, cache: COUNTERS } as Parameters<FastifyInstance['createRateLimit']>[0]) as Check) : null;
  const perKey = make(s.perKey, (req) => `k:${keyOf.get(req)}`);
  const perAddress = make(s.perAddress, (req) => `a:${addrOf(req)}`);
  const strict = { login: make(s.login, (req) => `l:${addrOf(req)}`), apply: make(s.apply, (req) => `f:${addrOf(req)}`) };
  const limitOf = { login: s.login, apply: s.apply };

  /** Addresses over their limit, until when; credentials that authenticated (hashes). */
  const heldUntil = new Map<string, number>();
  const trusted = new Set<string>();

  const refuse = (reply: FastifyReply, rule: string, path: string, max: number, ttlMs: number, actual: string): never => {
    const after = Math.max(1, Math.ceil(ttlMs / 1000));
    reply.header('retry-after', String(after));
    reply.header('x-ratelimit-limit', String(max));
    reply.header('x-ratelimit-remaining', '0');
    throw new AppError('RATE_LIMITED', `Too many requests; retry in ${after} s.`, [{ path, rule, expected: `≤ ${max} requests per ${seconds} s`, actual }]);
  };

  const hold = (addr: string, ttl: number) => {
    if (heldUntil.size >= COUNTERS) heldUntil.clear();
    heldUntil.set(addr, Date.now() + ttl);
  };
  const held = (addr: string): number => {
    const until = heldUntil.get(addr);
    if (until === undefined) return 0;
    if (until > Date.now()) return until - Date.now();
    heldUntil.delete(addr);
    return 0;
  };

  http.addHook('onRequest', async (req, reply) => {
    const route = `${req.method} ${req.routeOptions.url ?? ''}`;
    const kind = STRICT[route];
    if (kind) {
      const check = strict[kind];
      if (!check) return;
      const r = await check(req);
      if (!r.isAllowed && r.isExceeded) refuse(reply, `rate-limit.${kind}`, 'address', limitOf[kind], r.ttl, `more than ${limitOf[kind]} from ${addrOf(req)}`);
      return;
    }
    const credential = credentialOf(req);
    if (credential) {
      const key = digest(credential);
      keyOf.set(req, key);
      if (perAddress && !CREDENTIAL_ONLY.has(route) && !trusted.has(key)) {
        const wait = held(addrOf(req));
        if (wait > 0) refuse(reply, 'rate-limit.per-address', 'address', s.perAddress, wait, `more than ${s.perAddress} unauthenticated requests from ${addrOf(req)}`);
      }
      if (perKey) {
        const r = await perKey(req);
        if (!r.isAllowed && r.isExceeded) refuse(reply, 'rate-limit.per-key', 'Authorization', s.perKey, r.ttl, `more than ${s.perKey} with this credential`);
      }
      return;
    }
    if (perAddress) {
      const r = await perAddress(req);
      if (!r.isAllowed && r.isExceeded) {
        hold(addrOf(req), r.ttl);
        refuse(reply, 'rate-limit.per-address', 'address', s.perAddress, r.ttl, `more than ${s.perAddress} unauthenticated requests from ${addrOf(req)}`);
      }
    }
  });

  // A refused credential costs its address: made-up tokens are counted like no token, also on
  // routes that never check them (/healthz answers 200 to any Authorization header).
  http.addHook('onResponse', async (req, reply) => {
    const key = keyOf.get(req);
    if (!perAddress || key === undefined) return;
    if (reply.statusCode !== 401 && (trusted.has(key) || CREDENTIAL_ONLY.has(`${req.method} ${req.routeOptions.url ?? ''}`))) return;
    const r = await perAddress(req);
    if (!r.isAllowed && r.isExceeded) hold(addrOf(req), r.ttl);
  });

  return {
    trust(req) {
      const key = keyOf.get(req);
      if (!key || trusted.has(key)) return;
      if (trusted.size >= COUNTERS) trusted.clear();
      trusted.add(key);
    },
  };
}
