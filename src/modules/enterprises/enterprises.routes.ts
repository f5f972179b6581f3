/** Filing (备案), review, history and qualification documents; the key and grant routes are registered here too. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { isOperator, requireScope, ROLES, type Caller, type EnterpriseStatus } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import type { EnterprisesService } from './enterprises.service.ts';
import { grantsRoutes } from './grants.routes.ts';
import { keysRoutes } from './keys.routes.ts';
import { DECISIONS, DOCUMENT_KINDS, DOCUMENT_TYPES, type Decision, type FilingFields } from './rules.ts';
import { seesAll } from './shared.ts';

export interface EnterprisesRoutesOptions {
  service: EnterprisesService;
  authenticate: Authenticate;
  /** Largest qualification document accepted, bytes (SILKGATE_MAX_DOCUMENT_BYTES). */
  maxDocumentBytes: number;
}

const STATUSES: EnterpriseStatus[] = ['pending', 'approved', 'rejected', 'suspended', 'revoked'];

const contactSchema = {
  type: 'object',
  required: ['name', 'phone', 'email', 'role'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 50 },
    phone: { type: 'string', maxLength: 20 },
    email: { type: 'string', maxLength: 254 },
    role: { type: 'string', minLength: 1, maxLength: 50, description: 'Their role for the enterprise, e.g. 法定代表人, 业务联系人' },
  },
};

// Lengths are capped here; the patterns (and the USCC check digit) are checked by rules.ts, which names the rule.
const filingProperties = {
  code: { type: 'string', maxLength: 32, description: 'Customs registration code (海关注册编码): 10 characters of 0-9 and A-Z' },
  name: { type: 'string', maxLength: 100, description: 'Legal name' },
  uscc: { type: 'string', maxLength: 32, description: 'Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, check character verified' },
  dxpId: { type: 'string', maxLength: 32, description: 'DXP user id issued by the data centre, e.g. DXPENT0000011002' },
  roles: { type: 'array', minItems: 1, maxItems: ROLES.length, items: { type: 'string', maxLength: 20 } },
  contacts: { type: 'array', minItems: 1, maxItems: 10, items: contactSchema },
};

const filingBody = { type: 'object', required: ['code', 'name', 'uscc', 'dxpId', 'roles', 'contacts'], additionalProperties: false, properties: filingProperties };

export const enterpriseSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    code: { type: 'string' },
    name: { type: 'string' },
    uscc: { type: ['string', 'null'] },
    dxpId: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: STATUSES },
    contacts: { type: 'array', items: contactSchema },
    createdAt: { type: 'string' },
    updatedAt: { type: ['string', 'null'] },
  },
};

const filedSchema = {
  type: 'object',
  properties: {
    enterprise: enterpriseSchema,
    apiKey: { type: 'string', description: 'Shown once: keep it. The platform stores only its hash.' },
    keyId: { type: 'integer' },
    scopes: { type: 'array', items: { type: 'string' } },
  },
};

const documentSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, kind: { type: 'string' }, filename: { type: 'string' }, contentType: { type: 'string' }, size: { type: 'integer' }, sha256: { type: 'string' }, uploadedAt: { type: 'string' } },
};

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } };

/** RFC 6266 Content-Disposition: an ASCII fallback and the UTF-8 name. */
function disposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export async function enterprisesRoutes(app: FastifyInstance, opts: EnterprisesRoutesOptions) {
  const { service, authenticate, maxDocumentBytes } = opts;
  const { filing } = service;
  const callers = new WeakMap<FastifyRequest, Caller>();

  // Scoped to this plugin: documents arrive as raw bytes, read with their own size limit.
  app.addContentTypeParser(Object.keys(DOCUMENT_TYPES), async (req: FastifyRequest, payload: IncomingMessage) => {
    const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `The document is larger than the limit of ${maxDocumentBytes} bytes.`, [{ path: 'body', rule: 'maxBytes', expected: `at most ${maxDocumentBytes} bytes`, actual: String(req.headers['content-length'] ?? 'more') }]);
    if (Number(req.headers['content-length']) > maxDocumentBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload) {
      size += (chunk as Buffer).length;
      if (size > maxDocumentBytes) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  });

  app.post('/api/v1/filings', {
    schema: {
      summary: 'Apply for filing (备案): no key needed',
      description:
        'Creates the enterprise as `pending` and answers with its id and a first API key (shown once) with the scopes `read` and `manage`: ' +
        'enough to follow the filing, edit it, upload qualification documents and create console accounts, not to declare. ' +
        'Declaring starts when the operator approves the filing. Roles: any but operator, customs and commerce (those the operator files). ' +
        'A customs code, USCC or DXP id another enterprise has filed is 409 naming the field.',
      tags: ['filing'],
      security: [],
      body: filingBody,
      response: { 201: filedSchema, 400: errorSchema, 409: errorSchema },
    },
  }, async (req, reply) => {
    const out = await filing.apply(req.body as FilingFields);
    return reply.status(201).send(out);
  });

  app.post('/api/v1/enterprises', {
    schema: {
      summary: 'File an enterprise directly, approved at once (operator)',
      description: 'For the operator: any role, regulators (customs, commerce) and other operators too. Answers with a first API key carrying every scope (shown once).',
      tags: ['filing'],
      body: filingBody,
      response: { 201: filedSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    return reply.status(201).send(await filing.createByOperator(caller, req.body as FilingFields));
  });

  app.get('/api/v1/enterprises', {
    schema: {
      summary: 'Filed enterprises (operator and regulators: all; others: their own)',
      tags: ['filing'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: STATUSES },
          role: { type: 'string', enum: [...ROLES] },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          offset: { type: 'integer', minimum: 0, default: 0 },
        },
      },
      response: {
        200: { type: 'object', properties: { enterprises: { type: 'array', items: enterpriseSchema }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } } },
        401: errorSchema,
        403: errorSchema,
      },
    },
  }, async (req) => filing.list(await authenticate(req), req.query as { status?: EnterpriseStatus; role?: string; limit?: number; offset?: number }));

  app.get('/api/v1/enterprises/:id', {
    schema: {
      summary: 'A filing: the enterprise itself, the operator and regulators (others: 404)',
      tags: ['filing'],
      params: idParams,
      response: { 200: enterpriseSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (req) => filing.get(await authenticate(req), (req.params as { id: number }).id));

  app.patch('/api/v1/enterprises/:id', {
    schema: {
      summary: 'Edit a filing',
      description:
        'The applicant edits any field while its filing is pending or rejected (an edited rejected filing is pending again: that is resubmission); ' +
        'an approved enterprise changes only its contacts; a suspended one nothing. The operator changes any field of any filing that is not revoked. ' +
        'Status changes only by review.',
      tags: ['filing'],
      params: idParams,
      body: { type: 'object', minProperties: 1, additionalProperties: false, properties: filingProperties },
      response: { 200: enterpriseSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => filing.update(await authenticate(req), (req.params as { id: number }).id, req.body as Partial<FilingFields>));

  app.post('/api/v1/enterprises/:id/review', {
    schema: {
      summary: "The operator's decision on a filing",
      description:
        'approve: pending → approved; reject: pending → rejected; suspend: approved → suspended; reinstate: suspended → approved; ' +
        'revoke: approved or suspended → revoked (final). A rejected filing returns to pending when the applicant edits it. ' +
        'reject, suspend and revoke need a reason. Any other transition is 409 naming from and to. Takes effect at once: ' +
        'a suspended enterprise stops declaring with its next request, a revoked one loses every credential. ' +
        'basedOn: the updatedAt of the filing as read; when the filing changed since, the decision is refused (409).',
      tags: ['filing'],
      params: idParams,
      body: {
        type: 'object',
        required: ['decision'],
        additionalProperties: false,
        properties: { decision: { type: 'string', enum: [...DECISIONS] }, reason: { type: 'string', maxLength: 1000 }, basedOn: { type: 'string', format: 'date-time' } },
      },
      response: { 200: enterpriseSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req) => {
    const body = req.body as { decision: Decision; reason?: string; basedOn?: string };
    return filing.review(await authenticate(req), (req.params as { id: number }).id, body.decision, body.reason, body.basedOn);
  });

  app.get('/api/v1/enterprises/:id/history', {
    schema: {
      summary: 'Every change of a filing: action, status from/to, reason, actor, changed fields before/after, time',
      tags: ['filing'],
      params: idParams,
      response: {
        200: {
          type: 'object',
          properties: {
            history: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  action: { type: 'string' },
                  from: { type: ['string', 'null'] },
                  to: { type: ['string', 'null'] },
                  reason: { type: ['string', 'null'] },
                  actor: { type: ['string', 'null'] },
                  actorId: { type: ['integer', 'null'] },
                  changes: { type: 'object', additionalProperties: true },
                  detail: { type: 'object', additionalProperties: true },
                  at: { type: 'string' },
                },
              },
            },
          },
        },
        401: errorSchema,
        403: errorSchema,
        404: errorSchema,
      },
    },
  }, async (req) => ({ history: await filing.history(await authenticate(req), (req.params as { id: number }).id) }));

  app.post('/api/v1/enterprises/:id/documents', {
    bodyLimit: maxDocumentBytes,
    schema: {
      summary: 'Upload a qualification document (the raw file as the body)',
      description: `application/pdf, image/png or image/jpeg, at most ${maxDocumentBytes} bytes; the first bytes must be of the declared type. The answer carries the SHA-256 of the bytes stored.`,
      tags: ['filing'],
      params: idParams,
      querystring: {
        type: 'object',
        required: ['kind', 'filename'],
        additionalProperties: false,
        properties: { kind: { type: 'string', enum: [...DOCUMENT_KINDS] }, filename: { type: 'string', minLength: 1, maxLength: 200 } },
      },
      response: { 201: documentSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema },
    },
    // Who is calling is settled before the body is read: a refused caller uploads nothing.
    onRequest: async (req) => {
      const caller = await authenticate(req);
      requireScope(caller, 'manage');
      const id = Number((req.params as { id: string }).id);
      if (id !== caller.id && !isOperator(caller)) {
        if (seesAll(caller)) throw new AppError('FORBIDDEN', 'Only the enterprise itself and the operator add documents to a filing.');
        throw new AppError('NOT_FOUND', `No enterprise ${id} that you may see.`);
      }
      callers.set(req, caller);
    },
  }, async (req, reply) => {
    const caller = callers.get(req) ?? (await authenticate(req));
    const q = req.query as { kind: string; filename: string };
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!Buffer.isBuffer(req.body)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the document as application/pdf, image/png or image/jpeg.', [
        { path: 'content-type', rule: 'media-type', expected: Object.keys(DOCUMENT_TYPES).join(', '), actual: contentType || 'none' },
      ]);
    }
    const doc = await filing.addDocument(caller, (req.params as { id: number }).id, { kind: q.kind, filename: q.filename, contentType, body: req.body });
    return reply.status(201).send(doc);
  });

  app.get('/api/v1/enterprises/:id/documents', {
    schema: {
      summary: "A filing's qualification documents (without their bytes)",
      tags: ['filing'],
      params: idParams,
      response: { 200: { type: 'object', properties: { documents: { type: 'array', items: documentSchema } } }, 401: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (req) => ({ documents: await filing.documents(await authenticate(req), (req.params as { id: number }).id) }));

  app.get('/api/v1/enterprises/:id/documents/:docId', {
    schema: {
      summary: 'The bytes of a qualification document, with their SHA-256 in X-Content-SHA256',
      tags: ['filing'],
      params: { type: 'object', required: ['id', 'docId'], properties: { id: { type: 'integer', minimum: 1 }, docId: { type: 'integer', minimum: 1 } } },
      response: { 401: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (req, reply) => {
    const p = req.params as { id: number; docId: number };
    const d = await filing.document(await authenticate(req), p.id, p.docId);
    return reply
      .type(d.contentType)
      .header('x-content-sha256', d.sha256)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', disposition(d.filename))
      .send(d.body);
  });

  await keysRoutes(app, { service: service.keys, authenticate });
  await grantsRoutes(app, { service: service.grants, authenticate });
}
