/** Delegations to declaration agents and consents to banks. */
import type { FastifyInstance } from 'fastify';
import { DATA_KINDS, type DataKind } from '../../platform/access.ts';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import type { GrantsService } from './grants.ts';
import { DELEGABLE } from './rules.ts';

const party = { type: 'object', properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' } } };
const delegationSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    principal: party,
    agent: party,
    scope: { type: 'array', items: { type: 'string' } },
    validFrom: { type: 'string' },
    validTo: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    inForce: { type: 'boolean' },
  },
};
const consentSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    enterprise: party,
    bank: party,
    scope: { type: 'array', items: { type: 'string' } },
    validTo: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    inForce: { type: 'boolean' },
  },
};
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } };

export async function grantsRoutes(app: FastifyInstance, opts: { service: GrantsService; authenticate: Authenticate }) {
  const { service, authenticate } = opts;

  app.post('/api/v1/delegations', {
    schema: {
      summary: 'Delegate declarations to a declaration agent (by the principal)',
      description:
        'The agent (an approved enterprise with role agent) may then send the named declarations in your name until validTo. ' +
        `Declarations an agent may send: ${DELEGABLE.join(', ')}. Takes effect at once.`,
      tags: ['delegations'],
      body: {
        type: 'object',
        required: ['agentCode', 'scope', 'validTo'],
        additionalProperties: false,
        properties: {
          agentCode: { type: 'string', minLength: 1, maxLength: 32 },
          scope: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...DELEGABLE] } },
          validFrom: { type: 'string', format: 'date-time', description: 'Default: now' },
          validTo: { type: 'string', format: 'date-time' },
        },
      },
      response: { 201: delegationSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema },
    },
  }, async (req, reply) => reply.status(201).send(await service.delegate(await authenticate(req), req.body as { agentCode: string; scope: string[]; validFrom?: string; validTo: string })));

  app.get('/api/v1/delegations', {
    schema: {
      summary: 'Delegations you gave or received (operator and regulators: all)',
      tags: ['delegations'],
      response: { 200: { type: 'object', properties: { delegations: { type: 'array', items: delegationSchema } } }, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => ({ delegations: await service.delegations(await authenticate(req)) }));

  app.delete('/api/v1/delegations/:id', {
    schema: {
      summary: 'Revoke a delegation (the principal or the operator); at once',
      tags: ['delegations'],
      params: idParams,
      response: { 200: delegationSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => service.revokeDelegation(await authenticate(req), (req.params as { id: number }).id));

  app.post('/api/v1/consents', {
    schema: {
      summary: 'Let a bank read kinds of your data (messages, receipts, stock) until validTo',
      tags: ['consents'],
      body: {
        type: 'object',
        required: ['bankCode', 'scope', 'validTo'],
        additionalProperties: false,
        properties: {
          bankCode: { type: 'string', minLength: 1, maxLength: 32 },
          scope: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...DATA_KINDS] } },
          validTo: { type: 'string', format: 'date-time' },
        },
      },
      response: { 201: consentSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema },
    },
  }, async (req, reply) => reply.status(201).send(await service.consent(await authenticate(req), req.body as { bankCode: string; scope: DataKind[]; validTo: string })));

  app.get('/api/v1/consents', {
    schema: {
      summary: 'Consents you gave or (a bank) received (operator and regulators: all)',
      tags: ['consents'],
      response: { 200: { type: 'object', properties: { consents: { type: 'array', items: consentSchema } } }, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => ({ consents: await service.consents(await authenticate(req)) }));

  app.delete('/api/v1/consents/:id', {
    schema: {
      summary: 'Revoke a consent (the consenting enterprise or the operator); at once',
      tags: ['consents'],
      params: idParams,
      response: { 200: consentSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => service.revokeConsent(await authenticate(req), (req.params as { id: number }).id));
}
