/** Console accounts and sessions over HTTP. Thin: the service decides. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import { clearedSessionCookie, readSessionCookie, sessionCookie } from './cookie.ts';
import { LockedError, type AccountsService } from './accounts.service.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The session credential, for app.ts's list of authenticators: the Caller of the session in the
 * sg_session cookie, or null when there is none or it has ended. An unsafe request it
 * authenticates must carry the session's X-CSRF-Token (403 otherwise).
 */
export function sessionAuthenticator(service: AccountsService): (req: FastifyRequest) => Promise<Caller | null> {
  return async (req) => {
    const token = readSessionCookie(req.headers.cookie);
    if (!token) return null;
    const s = await service.session(token);
    if (!s) return null;
    if (UNSAFE.has(req.method)) service.checkCsrf(s, req.headers['x-csrf-token']);
    return s.caller;
  };
}

const accountSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    enterpriseId: { type: 'integer' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    disabled: { type: 'boolean' },
    disabledAt: { type: ['string', 'null'] },
    lockedUntil: { type: ['string', 'null'], description: 'Set while a lock-out after failed logins is in force.' },
    failedLogins: { type: 'integer', description: 'Consecutive failed logins since the last success or lock.' },
    lastLoginAt: { type: ['string', 'null'] },
    passwordChangedAt: { type: 'string' },
    createdAt: { type: 'string' },
  },
};

const sessionSchema = {
  type: 'object',
  properties: {
    account: accountSchema,
    enterprise: {
      type: 'object',
      properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, status: { type: 'string' } },
    },
    csrfToken: { type: 'string', description: 'Send as the X-CSRF-Token header on every POST, PUT, PATCH and DELETE made with the session cookie.' },
    expiresAt: { type: 'string', description: 'The session ends at this time at the latest.' },
    idleTimeoutSeconds: { type: 'integer', description: 'The session ends earlier after this long without a request.' },
  },
};

const password = (description: string) => ({ type: 'string', minLength: 1, maxLength: 1024, description });
const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'], additionalProperties: false };
const secure = (req: FastifyRequest, service: AccountsService) => req.protocol === 'https' || service.cookieSecure;

/** A lock-out also answers Retry-After (seconds). */
async function withRetryAfter<T>(reply: FastifyReply, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof LockedError) reply.header('retry-after', String(Math.max(1, Math.ceil((err.until - Date.now()) / 1000))));
    throw err;
  }
}

export async function accountsRoutes(app: FastifyInstance, opts: { service: AccountsService; authenticate: Authenticate }) {
  const { service, authenticate } = opts;

  app.post('/api/v1/accounts', {
    schema: {
      summary: 'Create a console account (an enterprise for itself, manage scope; the operator for any enterprise by enterpriseId)',
      tags: ['accounts'],
      body: {
        type: 'object',
        required: ['username', 'displayName', 'password'],
        additionalProperties: false,
        properties: {
          username: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$', description: '3–64 letters, digits, ".", "_", "@", "-"; stored in lower case, unique across the platform.' },
          displayName: { type: 'string', minLength: 1, maxLength: 100 },
          password: { type: 'string', minLength: 1, maxLength: 1024, description: `${PASSWORD_MIN}–${PASSWORD_MAX} characters of at least 2 kinds (lower, upper, digits, other), not containing the username, not a common password.` },
          enterpriseId: { type: 'integer', minimum: 1, description: 'Operator only: the enterprise the account belongs to (default: the caller).' },
        },
      },
      response: { 201: accountSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    const account = await service.create(caller, req.body as { username: string; displayName: string; password: string; enterpriseId?: number });
    return reply.status(201).send(account);
  });

  app.get('/api/v1/accounts', {
    schema: {
      summary: "Console accounts: the caller's enterprise's (manage scope); the operator's: all, or one enterprise's",
      tags: ['accounts'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { enterpriseId: { type: 'integer', minimum: 1 }, after: { type: 'integer', minimum: 0, description: 'Only accounts with a greater id (paging).' }, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
      },
      response: { 200: { type: 'object', properties: { accounts: { type: 'array', items: accountSchema } } }, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    return { accounts: await service.list(caller, req.query as { enterpriseId?: number; after?: number; limit?: number }) };
  });

  app.post('/api/v1/accounts/:id/password', {
    schema: {
      summary: "Change a password: the account's own session with currentPassword, or its enterprise (manage scope) resetting it (the account's sessions end)",
      tags: ['accounts'],
      params: idParams,
      body: {
        type: 'object',
        required: ['newPassword'],
        additionalProperties: false,
        properties: { currentPassword: password('Required when changing your own password.'), newPassword: password('The password policy of account creation applies.') },
      },
      response: { 200: accountSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 423: errorSchema },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    const { id } = req.params as { id: number };
    const token = caller.via === 'session' ? readSessionCookie(req.headers.cookie) : null;
    return withRetryAfter(reply, () => service.changePassword(caller, id, req.body as { currentPassword?: string; newPassword: string }, token));
  });

  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/api/v1/accounts/:id/${verb}`, {
      schema: {
        summary: disabled ? 'Disable an account: it cannot log in and its sessions end (its enterprise, manage scope, or the operator)' : 'Enable a disabled account again (its enterprise, manage scope, or the operator)',
        tags: ['accounts'],
        params: idParams,
        response: { 200: accountSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    }, async (req) => {
      const caller = await authenticate(req);
      return service.setDisabled(caller, (req.params as { id: number }).id, disabled);
    });
  }

  app.post('/api/v1/session', {
    schema: {
      summary: 'Log in to the console: sets the sg_session cookie (HttpOnly, SameSite=Strict) and returns the CSRF token',
      tags: ['accounts'],
      security: [],
      body: {
        type: 'object',
        required: ['username', 'password'],
        additionalProperties: false,
        properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: password('The account password.') },
      },
      response: { 201: sessionSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 423: errorSchema },
    },
  }, async (req, reply) => {
    const body = req.body as { username: string; password: string };
    const ua = req.headers['user-agent'];
    const { token, session, maxAgeSeconds } = await withRetryAfter(reply, () => service.login(body, { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null }));
    reply.header('set-cookie', sessionCookie(token, maxAgeSeconds, secure(req, service)));
    reply.header('cache-control', 'no-store');
    return reply.status(201).send(session);
  });

  app.get('/api/v1/session', {
    schema: {
      summary: 'The current console session (with its CSRF token), from the sg_session cookie',
      description: 'Without a session: 401, or 204 with `?optional=true` (how the console asks whether someone is logged in without an error).',
      tags: ['accounts'],
      security: [],
      querystring: { type: 'object', additionalProperties: false, properties: { optional: { type: 'boolean' } } },
      response: { 200: sessionSchema, 204: { type: 'null', description: 'No session (only with optional=true).' }, 401: errorSchema },
    },
  }, async (req, reply) => {
    const token = readSessionCookie(req.headers.cookie);
    const s = token ? await service.session(token) : null;
    if (!s && (req.query as { optional?: boolean }).optional) return reply.header('cache-control', 'no-store').status(204).send();
    if (!s) throw new AppError('UNAUTHORIZED', 'No console session: log in with POST /api/v1/session.');
    reply.header('cache-control', 'no-store');
    return service.sessionView(s.account, s.caller, s.csrfToken, s.expiresAt);
  });

  app.delete('/api/v1/session', {
    schema: {
      summary: 'Log out: ends the session of the sg_session cookie (needs X-CSRF-Token) and clears the cookie',
      tags: ['accounts'],
      security: [],
      response: { 204: { type: 'null' }, 403: errorSchema },
    },
  }, async (req, reply) => {
    const token = readSessionCookie(req.headers.cookie);
    const s = token ? await service.session(token) : null;
    if (s) {
      service.checkCsrf(s, req.headers['x-csrf-token']);
      await service.logout(s);
    }
    reply.header('set-cookie', clearedSessionCookie(secure(req, service)));
    return reply.status(204).send();
  });
}
