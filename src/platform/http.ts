/** Small HTTP helpers shared by the route plugins. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

import type { Caller } from './access.ts';

export type { Caller } from './access.ts';

export type Authenticate = (req: FastifyRequest) => Promise<Caller>;

export function parseId(raw: string, what = 'id'): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new AppError('INVALID_REQUEST', `${what} must be a positive integer.`, [{ path: what, rule: 'integer', expected: 'a positive integer', actual: raw }]);
  }
  return n;
}

export function sendError(reply: FastifyReply, err: AppError) {
  return reply.status(err.status).send(err.toJSON());
}

/** OpenAPI schema of every error answer: `{ error: { code, message, issues } }`. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        returnStatus: { type: 'string', description: 'Where customs would answer with a receipt: its code.' },
        returnInfo: { type: 'string' },
        issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, rule: { type: 'string' }, expected: { type: 'string' }, actual: { type: 'string' } } } },
      },
    },
  },
};
