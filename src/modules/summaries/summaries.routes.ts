/**
 * Summary declaration over HTTP: proposals, confirmation (sends the CEB701), and the summaries an
 * enterprise made with the declarations customs made of them. Thin: the service does the work.
 */
import type { FastifyInstance } from 'fastify';
import { errorSchema, parseId, type Authenticate } from '../../platform/http.ts';
import type { SummariesService } from './summaries.service.ts';
import type { ItemNameFlag, SummaryFlag } from './grouping.ts';

export interface SummariesRoutesOptions {
  service: SummariesService;
  authenticate: Authenticate;
}

const flags = {
  summaryFlag: { type: 'string', enum: ['1', '2'], default: '1', description: '1: by consignor (收发货人); 2: by consignor and producer (生产销售单位).' },
  itemNameFlag: { type: 'string', enum: ['0', '1'], default: '0', description: '1: lines merge into declaration items by their original item name too.' },
} as const;
const open = { type: 'object', additionalProperties: true } as const;

export async function summariesRoutes(app: FastifyInstance, opts: SummariesRoutesOptions) {
  const { service, authenticate } = opts;

  app.get('/api/v1/summaries/proposals', {
    schema: {
      summary: 'Groups of your released, departed export inventories that can be summarised into customs declarations',
      description:
        'Inventories closed by customs (结关, after departure) with statisticsFlag B and in no standing summary, grouped by consignor (and producer with ' +
        'summaryFlag 2), customs, exit port, trade mode, transport mode, destination country and month of export; a group is split so that it makes at ' +
        'most 50 declaration items. A consignor sees its own inventories, a declaration agent those it declared, regulators everyone\'s.',
      tags: ['summaries'],
      querystring: { type: 'object', additionalProperties: false, properties: flags },
      response: { 200: { type: 'object', properties: { groups: { type: 'array', items: open } } }, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    const q = req.query as { summaryFlag: SummaryFlag; itemNameFlag: ItemNameFlag };
    const groups = await service.proposals(caller, q.summaryFlag, q.itemNameFlag);
    return {
      groups: groups.map((g) => ({
        ...g,
        inventories: g.inventories.map((c) => ({ invtNo: c.invtNo, logisticsNo: c.logisticsNo, ieDate: c.ieDate, lines: c.lines.length })),
      })),
    };
  });

  app.post('/api/v1/summaries', {
    schema: {
      summary: 'Confirm a proposed group: the platform sends its summary request (CEB701)',
      description:
        'Sends a CEB701 naming the group\'s inventories (or those of `invtNos`, a part of the group), in your name as declarant, signed with your ' +
        'platform-held key when you have one. The request goes through ingest like any message of yours (a declaration agent needs the consignor\'s ' +
        'delegation for CEB701). Customs answers with CEB702 and one CEB792 per customs declaration; follow them on GET /api/v1/summaries/{id}.',
      tags: ['summaries'],
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['key'],
        properties: {
          key: { type: 'string', minLength: 1, maxLength: 300 },
          ...flags,
          invtNos: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 20 } },
          loctNo: { type: 'string', maxLength: 10 },
          note: { type: 'string', maxLength: 1000 },
        },
      },
      response: { 202: open, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (req, reply) => {
    const caller = await authenticate(req);
    const body = req.body as { key: string; summaryFlag: SummaryFlag; itemNameFlag: ItemNameFlag; invtNos?: string[]; loctNo?: string; note?: string };
    return reply.code(202).send(await service.confirm(caller, body));
  });

  app.get('/api/v1/summaries', {
    schema: {
      summary: 'Your summary requests, newest first',
      tags: ['summaries'],
      querystring: { type: 'object', additionalProperties: false, properties: { before: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } } },
      response: { 200: { type: 'object', properties: { summaries: { type: 'array', items: open } } }, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    const q = req.query as { before?: number; limit: number };
    return { summaries: await service.list(caller, q.before ?? null, q.limit) };
  });

  app.get('/api/v1/summaries/:id', {
    schema: {
      summary: 'One summary request: its inventories and the customs declarations (CEB792) made of them',
      tags: ['summaries'],
      params: { type: 'object', properties: { id: { type: 'string' } } },
      response: { 200: open, 401: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    return service.show(caller, parseId((req.params as { id: string }).id));
  });
}
