/** Reading and verifying the audit log: the operator and regulators see all, an enterprise its own entries. */
import type { FastifyInstance } from 'fastify';
import { requireScope, type Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import type { AuditLog } from './audit.ts';

const canSeeAll = (c: Caller) => c.readable === 'all';

export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditLog; authenticate: Authenticate }) {
  const { audit, authenticate } = opts;

  app.get('/api/v1/audit', {
    schema: {
      summary: 'Audit log entries, newest first (operator and regulators: all; an enterprise: its own)',
      tags: ['audit'],
      querystring: {
        type: 'object',
        properties: { action: { type: 'string', maxLength: 64 }, before: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, enterpriseId: { type: 'integer', minimum: 1 } },
        additionalProperties: false,
      },
      response: { 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    requireScope(caller, 'read');
    const q = req.query as { action?: string; before?: number; limit?: number; enterpriseId?: number };
    if (!canSeeAll(caller) && q.enterpriseId !== undefined && q.enterpriseId !== caller.id) {
      throw new AppError('FORBIDDEN', 'An enterprise reads only its own audit entries.');
    }
    const enterpriseId = canSeeAll(caller) ? q.enterpriseId : caller.id;
    return { entries: await audit.list({ enterpriseId, action: q.action, beforeSeq: q.before, limit: q.limit }) };
  });

  app.get('/api/v1/audit/verify', {
    schema: { summary: 'Walk the hash chain: ok, number of entries, head hash, or the first broken entry', tags: ['audit'], response: { 401: errorSchema, 403: errorSchema } },
  }, async (req) => {
    const caller = await authenticate(req);
    if (!canSeeAll(caller)) throw new AppError('FORBIDDEN', 'Only the zone operator and regulators verify the whole audit chain.');
    return audit.verify();
  });
}
