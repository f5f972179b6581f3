import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readFilter, requireRead, requireWrite } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, parseId, type Authenticate } from '../../platform/http.ts';
import { receiptView, type ReceiptsService } from './receipts.service.ts';
import type { WebhooksService } from './webhooks.service.ts';

export interface ReceiptsRoutesOptions {
  receipts: ReceiptsService;
  webhooks: WebhooksService;
  authenticate: Authenticate;
}

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorSchema]));

export async function receiptsRoutes(app: FastifyInstance, opts: ReceiptsRoutesOptions) {
  const { receipts, webhooks, authenticate } = opts;
  const reader = async (req: FastifyRequest) => {
    const caller = await authenticate(req);
    requireRead(caller);
    return caller;
  };
  /** Webhooks are an enterprise's own configuration: changed with the manage scope, never by regulators. */
  const manager = async (req: FastifyRequest) => {
    const caller = await authenticate(req);
    requireWrite(caller, 'manage');
    return caller;
  };

  app.get('/api/v1/receipts', {
    schema: {
      summary: 'Pull feed of receipts, oldest first',
      description:
        'Pass the `next` cursor of the previous page as `after`. An enterprise reads the receipts of its own declarations and of the inventories, ' +
        'cancels and returns a declaration agent sent in its name; a bank those of the enterprises that consented to share receipts with it; the ' +
        'operator and regulators every receipt. `enterpriseId` (each item\'s is its declaration\'s sender) narrows the feed to one enterprise you may read (403 otherwise).',
      tags: ['receipts'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { after: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, enterpriseId: { type: 'integer', minimum: 1 } },
      },
      response: errors(400, 401, 403),
    },
  }, async (req) => {
    const caller = await reader(req);
    const q = req.query as { after?: string; limit?: number; enterpriseId?: number };
    const after = q.after === undefined || q.after === '' ? 0 : Number(q.after);
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new AppError('INVALID_REQUEST', 'after must be a cursor returned as `next`.', [{ path: 'after', rule: 'cursor', expected: 'a non-negative integer cursor', actual: String(q.after) }]);
    }
    let ids = readFilter(caller, 'receipts');
    if (q.enterpriseId !== undefined) {
      if (ids && !ids.includes(q.enterpriseId)) {
        throw new AppError('FORBIDDEN', `You may not read the receipts of enterprise ${q.enterpriseId}.`, [
          { path: 'enterpriseId', rule: 'readable', expected: `one of ${ids.join(', ')}`, actual: String(q.enterpriseId) },
        ]);
      }
      ids = [q.enterpriseId];
    }
    const rows = await receipts.feed(ids, after, q.limit ?? 100);
    return { items: rows.map((r) => ({ ...receiptView(r), enterpriseId: r.enterprise_id, xml: r.xml })), next: String(rows.length ? rows[rows.length - 1].id : after) };
  });

  app.post('/api/v1/webhooks', {
    schema: {
      summary: 'Register a webhook for your receipts',
      description:
        'Receives the receipts of your declarations and of those a declaration agent sent in your name. Each delivery is a JSON POST signed in the ' +
        'x-silkgate-signature header: t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<body>")). The secret is shown once.',
      tags: ['webhooks'],
      body: { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string', maxLength: 2000 } } },
      response: errors(400, 401, 403),
    },
  }, async (req, reply) => {
    const caller = await manager(req);
    const created = await webhooks.register(caller.id, (req.body as { url: string }).url, `enterprise:${caller.code}`);
    return reply.status(201).send(created);
  });

  app.get('/api/v1/webhooks', { schema: { summary: 'Your webhooks', tags: ['webhooks'], response: errors(401, 403) } }, async (req) => {
    const caller = await reader(req);
    return { items: await webhooks.list(caller.id) };
  });

  app.delete('/api/v1/webhooks/:id', { schema: { summary: 'Deactivate a webhook', description: 'One of yours; any other id answers 404.', tags: ['webhooks'], response: errors(400, 401, 403, 404) } }, async (req, reply) => {
    const caller = await manager(req);
    await webhooks.deactivate(caller.id, parseId((req.params as { id: string }).id), `enterprise:${caller.code}`);
    return reply.status(204).send();
  });

  app.get('/api/v1/webhooks/:id/deliveries', { schema: { summary: 'Recent deliveries of a webhook', description: 'One of yours; any other id answers 404.', tags: ['webhooks'], response: errors(400, 401, 403, 404) } }, async (req) => {
    const caller = await reader(req);
    const rows = await webhooks.deliveries(caller.id, parseId((req.params as { id: string }).id));
    return {
      items: rows.map((d) => ({
        id: d.delivery_id,
        receiptId: d.receipt_id,
        status: d.status,
        attempts: d.attempts,
        responseStatus: d.response_status,
        lastError: d.last_error,
        createdAt: new Date(d.created_at).toISOString(),
        deliveredAt: d.delivered_at ? new Date(d.delivered_at).toISOString() : null,
      })),
    };
  });
}
