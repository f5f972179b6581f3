import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireDeclarer } from '../declarations/index.ts';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, type Authenticate, type Caller } from '../../platform/http.ts';
import type { PrecheckResult } from './precheck.ts';

export interface ClearanceRoutesOptions {
  authenticate: Authenticate;
  precheck(caller: Caller, body: Buffer, format: 'xml' | 'json'): Promise<PrecheckResult>;
  maxBodyBytes: number;
}

export async function clearanceRoutes(app: FastifyInstance, opts: ClearanceRoutesOptions) {
  const callers = new WeakMap<FastifyRequest, Caller>();
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/json'], { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.post('/api/v1/precheck', {
    bodyLimit: opts.maxBodyBytes,
    schema: {
      summary: 'Every rule a message would fail, and its tax, without storing anything',
      description:
        'Same body as POST /api/v1/messages, for the enterprises that may send it: it reads other enterprises\' documents only for a party. ' +
        '200 with { ok, messageType, records: [{ seq, guid, findings: [{ code, message, path? }], warnings, tax? }] }; a message the caller may not ' +
        'send comes back as findings (code -10101, SENDER_MISMATCH or FORBIDDEN). Regulators and enterprises that may not declare: 403.',
      tags: ['clearance'],
      response: { 401: errorSchema, 403: errorSchema, 413: errorSchema, 415: errorSchema },
    },
    // Who is calling is settled before the body is read: a caller who may not declare uploads nothing.
    onRequest: async (req) => {
      const caller = await opts.authenticate(req);
      requireDeclarer(caller);
      callers.set(req, caller);
    },
  }, async (req) => {
    const caller = callers.get(req) ?? (await opts.authenticate(req));
    if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    return opts.precheck(caller, req.body, type === 'application/json' ? 'json' : 'xml');
  });
}
