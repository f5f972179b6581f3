/** API keys of the caller's enterprise: list, create, rotate, revoke. The secret is shown once, at creation. */
import type { FastifyInstance } from 'fastify';
import { SCOPES, type Scope } from '../../platform/access.ts';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import { MAX_GRACE_SECONDS, type KeysService } from './keys.ts';

const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    enterpriseId: { type: 'integer' },
    prefix: { type: 'string', description: 'The first characters of the key, to recognise it' },
    label: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: [...SCOPES] } },
    state: { type: 'string', enum: ['active', 'retiring', 'revoked', 'expired'], description: 'retiring: rotated, still valid until revokedAt' },
    createdAt: { type: 'string' },
    lastUsedAt: { type: ['string', 'null'], description: 'Recorded in batches: up to a few seconds late' },
    expiresAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
  },
};

const issuedSchema = { type: 'object', properties: { apiKey: { type: 'string', description: 'Shown once: keep it.' }, key: keySchema, previous: keySchema } };
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } };

export async function keysRoutes(app: FastifyInstance, opts: { service: KeysService; authenticate: Authenticate }) {
  const { service, authenticate } = opts;

  app.get('/api/v1/keys', {
    schema: {
      summary: "Your enterprise's API keys (never the secret); the operator may name any enterprise",
      tags: ['keys'],
      querystring: { type: 'object', additionalProperties: false, properties: { enterpriseId: { type: 'integer', minimum: 1 } } },
      response: { 200: { type: 'object', properties: { keys: { type: 'array', items: keySchema } } }, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => ({ keys: await service.list(await authenticate(req), (req.query as { enterpriseId?: number }).enterpriseId) }));

  app.post('/api/v1/keys', {
    schema: {
      summary: 'Create an API key (answered once)',
      description: 'Scopes: declare (send declarations, sign), read, manage (keys, webhooks, accounts, filing). Making keys takes manage, which may give a key any scope; declare works once the filing is approved.',
      tags: ['keys'],
      body: {
        type: 'object',
        required: ['label', 'scopes'],
        additionalProperties: false,
        properties: {
          label: { type: 'string', minLength: 1, maxLength: 100 },
          scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...SCOPES] } },
          expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
        },
      },
      response: { 201: issuedSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema },
    },
  }, async (req, reply) => {
    const body = req.body as { label: string; scopes: Scope[]; expiresInDays?: number };
    return reply.status(201).send(await service.create(await authenticate(req), body));
  });

  app.post('/api/v1/keys/:id/rotate', {
    schema: {
      summary: 'Rotate a key: a new key with the same label and scopes; the old one works for graceSeconds more',
      description: `graceSeconds defaults to 0 (the old key stops at once), at most ${MAX_GRACE_SECONDS} (7 days).`,
      tags: ['keys'],
      params: idParams,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { graceSeconds: { type: 'integer', minimum: 0, maximum: MAX_GRACE_SECONDS } } },
      response: { 201: issuedSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req, reply) => {
    const body = req.body as { graceSeconds?: number } | null;
    return reply.status(201).send(await service.rotate(await authenticate(req), (req.params as { id: number }).id, body?.graceSeconds ?? 0));
  });

  app.delete('/api/v1/keys/:id', {
    schema: {
      summary: 'Revoke a key at once (yours; the operator any)',
      tags: ['keys'],
      params: idParams,
      response: { 200: keySchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => service.revoke(await authenticate(req), (req.params as { id: number }).id));
}
