/**
 * Inbound side of the HTTP gateway: customs (or the local gateway in front of it) POSTs each
 * receipt — a DxpMsg envelope or a bare CEB receipt, as raw XML bytes — to
 * POST /api/v1/customs/receipts with `Authorization: Bearer <SILKGATE_CUSTOMS_TOKEN>`.
 * The answer comes after the receipt is stored: 200 with the ingest result, 400 for a receipt
 * the platform refuses, 401 for a missing or wrong token; anything else (5xx) is worth a retry.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';

export interface CustomsRoutesOptions {
  /** The shared secret customs presents as a bearer token. */
  token: string;
  /** Hands the receipt to the receipts relay (the same function the transports deliver to); resolves with the ingest result once stored. */
  deliver: (bytes: Buffer, source: string) => Promise<unknown>;
  maxBodyBytes: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, issues: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
};

export async function customsRoutes(app: FastifyInstance, opts: CustomsRoutesOptions) {
  const expected = digest(`Bearer ${opts.token}`);
  const authorized = (req: FastifyRequest) => {
    const given = req.headers.authorization;
    return typeof given === 'string' && timingSafeEqual(digest(given.trim()), expected);
  };

  // Receipts are read as the exact bytes received (encoding per their XML declaration).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.post('/api/v1/customs/receipts', {
    bodyLimit: opts.maxBodyBytes,
    // Checked before the body is read: a caller without the secret costs no buffering.
    onRequest: async (req) => {
      if (!authorized(req)) throw new AppError('UNAUTHORIZED', 'The customs token is required: Authorization: Bearer <SILKGATE_CUSTOMS_TOKEN>.');
    },
    schema: {
      summary: 'Receipt from customs (DxpMsg or bare CEB receipt, application/xml)',
      description: 'For the customs side of the HTTP gateway, authenticated with the shared customs token (not an enterprise API key). Answers once the receipt is stored.',
      tags: ['customs'],
      response: {
        200: { type: 'object', properties: { messageType: { type: 'string' }, stored: { type: 'integer' }, duplicates: { type: 'integer' }, uncorrelated: { type: 'integer' } } },
        400: errorSchema,
        401: errorSchema,
        413: errorSchema,
        415: errorSchema,
      },
    },
  }, async (req) => {
    if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the receipt as application/xml.');
    return opts.deliver(req.body, `http:${req.ip}`);
  });
}
