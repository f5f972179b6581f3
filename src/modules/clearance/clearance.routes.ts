import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { Authenticate } from '../../platform/http.ts';
import type { PrecheckResult } from './precheck.ts';

export interface ClearanceRoutesOptions {
  authenticate: Authenticate;
  precheck(sender: { id: number; code: string; dxpId: string }, body: Buffer, format: 'xml' | 'json'): Promise<PrecheckResult>;
  maxBodyBytes: number;
}

export async function clearanceRoutes(app: FastifyInstance, opts: ClearanceRoutesOptions) {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/json'], { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.post('/api/v1/precheck', {
    bodyLimit: opts.maxBodyBytes,
    schema: {
      summary: 'Every rule a message would fail, and its tax, without storing anything',
      description: 'Same body as POST /api/v1/messages. 200 with { ok, messageType, records: [{ seq, guid, findings: [{ code, message, path? }], warnings, tax? }] }.',
      tags: ['clearance'],
    },
  }, async (req) => {
    const caller = await opts.authenticate(req);
    if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    return opts.precheck(caller, req.body, type === 'application/json' ? 'json' : 'xml');
  });
}
