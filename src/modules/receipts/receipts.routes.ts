import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { parseId, type Authenticate } from '../../platform/http.ts';
import { receiptView, type ReceiptsService } from './receipts.service.ts';
import type { WebhooksService } from './webhooks.service.ts';

export interface ReceiptsRoutesOptions {
  receipts: ReceiptsService;
  webhooks: WebhooksService;
  authenticate: Authenticate;
}

export async function receiptsRoutes(app: FastifyInstance, opts: ReceiptsRoutesOptions) {
  const { receipts, webhooks, authenticate } = opts;

  app.get('/api/v1/receipts', {
    schema: {
      summary: 'Pull feed of your receipts, oldest first',
      description: 'Pass the `next` cursor of the previous page as `after`. Only receipts of your own declarations.',
      tags: ['receipts'],
      querystring: { type: 'object', properties: { after: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000 } } },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    const q = req.query as { after?: string; limit?: number };
    const after = q.after === undefined || q.after === '' ? 0 : Number(q.after);
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new AppError('INVALID_REQUEST', 'after must be a cursor returned as `next`.', [{ path: 'after', rule: 'cursor', expected: 'a non-negative integer cursor', actual: String(q.after) }]);
    }
    const rows = await receipts.feed(caller.id, after, q.limit ?? 100);
    return { items: rows.map((r) => ({ ...receiptView(r), xml: r.xml })), next: String(rows.length ? rows[rows.length - 1].id : after) };
  });

  app.post('/api/v1/webhooks', {
    schema: {
      summary: 'Register a webhook for your receipts',
      description: 'Each delivery is a JSON POST signed in the x-silkgate-signature header: t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<body>")). The secret is shown once.',
      tags: ['webhooks'],
      body: { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string', maxLength: 2000 } } },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    const created = await webhooks.register(caller.id, (req.body as { url: string }).url);
    return reply.status(201).send(created);
  });

  app.get('/api/v1/webhooks', { schema: { summary: 'Your webhooks', tags: ['webhooks'] } }, async (req) => {
    const caller = await authenticate(req);
    return { items: await webhooks.list(caller.id) };
  });

  app.delete('/api/v1/webhooks/:id', { schema: { summary: 'Deactivate a webhook', tags: ['webhooks'] } }, async (req, reply) => {
    const caller = await authenticate(req);
    await webhooks.deactivate(caller.id, parseId((req.params as { id: string }).id));
    return reply.status(204).send();
  });

  app.get('/api/v1/webhooks/:id/deliveries', { schema: { summary: 'Recent deliveries of a webhook', tags: ['webhooks'] } }, async (req) => {
    const caller = await authenticate(req);
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
