/** POST /api/v1/messages and the views of a stored message. Thin: the service does the work. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRead } from '../../platform/access.ts';
import { requireDeclarer } from './authorize.ts';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, parseId, type Authenticate, type Caller } from '../../platform/http.ts';
import type { DeclarationsService } from './declarations.service.ts';
import { DEFAULT_LIST, MAX_LIST, encodeCursor, listItem, listQuerySchema, parseListQuery, type ListQuery } from './list.ts';
import type { ReceiptView } from './views.ts';

export interface DeclarationsRoutesOptions {
  service: DeclarationsService;
  authenticate: Authenticate;
  receiptsOf: (messageId: number) => Promise<ReceiptView[]>;
  /** What the clearance checks found (inventories): state, tax, warnings or refusal. */
  clearanceOf: (messageId: number) => Promise<unknown[]>;
  maxBodyBytes: number;
}


const ackSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, messageType: { type: 'string' }, guid: { type: 'string' }, records: { type: 'integer' }, status: { type: 'string' } },
};

const viewErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

export async function declarationsRoutes(app: FastifyInstance, opts: DeclarationsRoutesOptions) {
  const { service, authenticate } = opts;
  const callers = new WeakMap<FastifyRequest, Caller>();
  /** Any reader: approved, with the read scope. Whose messages it sees is decided per message (404 otherwise). */
  const reader = async (req: FastifyRequest) => {
    const caller = await authenticate(req);
    requireRead(caller);
    return caller;
  };
  // Bodies are kept as the exact bytes received: they are stored and forwarded unchanged.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/json'], { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.post('/api/v1/messages', {
    bodyLimit: opts.maxBodyBytes,
    schema: {
      summary: 'Submit a CEB declaration (XML, DxpMsg or JSON form)',
      description:
        '202 after the durable commit; 200 with the first outcome for a repeat (same sender, message type and root guid). ' +
        'Only approved enterprises whose role sends the message type (CEB311 platform, CEB411 payment, CEB511/513 logistics, ' +
        'CEB621/623/625 declaration agent or e-commerce enterprise, CEB711 supervision-site operator); otherwise 403 with returnStatus -10101. ' +
        'Each record must name the sender as its declarant (ebpCode, payCode, logisticsCode, agentCode, operatorCode), and an inventory, cancel ' +
        'or return its ebcCode as the sender or an enterprise that delegated the message type to it; otherwise 403 naming the record, and nothing is stored.',
      tags: ['messages'],
      response: { 200: ackSchema, 202: ackSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 413: errorSchema, 415: errorSchema },
    },
    // Who is calling is settled before the body is read: a caller who may not declare uploads nothing.
    onRequest: async (req) => {
      const caller = await authenticate(req);
      requireDeclarer(caller);
      callers.set(req, caller);
    },
  }, async (req, reply) => {
    const caller = callers.get(req) ?? (await authenticate(req));
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const format = type === 'application/json' ? 'json' : 'xml';
    if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
    const { created, message } = await service.ingest(caller, req.body, format);
    return reply.status(created ? 202 : 200).send({ id: message.id, messageType: message.messageType, guid: message.guid, records: message.recordCount, status: message.status });
  });

  app.get('/api/v1/declarations', {
    schema: {
      summary: 'Your declarations, newest first: search by number, filter, page',
      description:
        'Each record (order, payment, waybill, inventory…) is a row. `q` finds a number exactly: orderNo, logisticsNo, invtNo, copNo or preNo (including those customs ' +
        'assigned). `type` (CEB311Message, CEB311 or 311), `status` (a record status), `direction` (import, export), `from`/`to` (YYYY-MM-DD in China time, `to` ' +
        `inclusive, or ISO 8601 times) bound when the message was received. Newest message first, its records last to first. Pages: pass \`next\` (opaque; null on the last page) as \`before\` (a declaration id, the cursor of earlier versions, is still taken); ` +
        `\`limit\` up to ${MAX_LIST} (default ${DEFAULT_LIST}). ` +
        'Visible as messages are: your own, those a declaration agent sent in your name, a bank those of enterprises that consented, the operator and regulators all.',
      tags: ['messages'],
      querystring: listQuerySchema,
      response: { 400: errorSchema, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => {
    const caller = await reader(req);
    const filter = parseListQuery(req.query as ListQuery);
    const { rows, next } = await service.list(caller, filter);
    return { items: rows.map(listItem), next: next && encodeCursor(next) };
  });

  app.get('/api/v1/messages/:id', {
    schema: {
      summary: 'A message: status, records and every receipt',
      description:
        'Your own messages, and the inventories, cancels and returns (CEB621/623/625) a declaration agent sent in your name (ebcCode); the operator ' +
        'and regulators read every message, a bank those whose sender or e-commerce enterprise consented to share messages with it. Any other id answers 404.',
      tags: ['messages'],
      response: viewErrors,
    },
  }, async (req) => {
    const caller = await reader(req);
    const id = parseId((req.params as { id: string }).id);
    const { message, records } = await service.show(id, caller);
    const receipts = await opts.receiptsOf(id);
    const clearance = message.messageType === 'CEB621Message' || message.messageType === 'CEB603Message' ? await opts.clearanceOf(id) : undefined;
    return {
      id: message.id,
      messageType: message.messageType,
      guid: message.guid,
      status: message.status,
      copMsgId: message.copMsgId,
      receivedAt: new Date(message.receivedAt).toISOString(),
      forwardedAt: message.forwardedAt ? new Date(message.forwardedAt).toISOString() : null,
      records: records.map((r) => ({
        id: r.id,
        seq: r.seq,
        guid: r.guid,
        key: r.corr_key,
        status: r.status,
        returnStatus: r.return_status,
        returnInfo: r.return_info,
        preNo: r.pre_no,
        invtNo: r.invt_no,
        // The record in the JSON form (head and lists), as declared.
        fields: JSON.parse(r.fields) as unknown,
        updatedAt: new Date(r.updated_at).toISOString(),
      })),
      receipts,
      ...(clearance ? { clearance } : {}),
    };
  });

  app.get('/api/v1/messages/:id/raw', { schema: { summary: 'The exact bytes received', description: 'Readable as the message view is.', tags: ['messages'], response: viewErrors } }, async (req, reply) => {
    const caller = await reader(req);
    const m = await service.bytes(parseId((req.params as { id: string }).id), caller);
    // Sender-supplied bytes: a download, never a page the browser renders.
    reply.header('content-disposition', `attachment; filename="message-${m.id}.${m.bodyFormat === 'json' ? 'json' : 'xml'}"`);
    return reply.type(m.bodyFormat === 'json' ? 'application/json' : 'application/xml').send(m.body);
  });

  app.get('/api/v1/messages/:id/envelope', { schema: { summary: 'The DxpMsg forwarded to customs', description: 'Readable as the message view is.', tags: ['messages'], response: viewErrors } }, async (req, reply) => {
    const caller = await reader(req);
    const m = await service.bytes(parseId((req.params as { id: string }).id), caller);
    return reply.type('application/xml; charset=utf-8').send(service.envelope(m));
  });
}
