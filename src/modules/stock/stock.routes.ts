/**
 * Bonded stock over HTTP: a warehouse books goods in (JSON or CSV); warehouses, owners, banks
 * (by consent), the operator and regulators look at the stock they may see. Thin: the service
 * does the work.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, type Authenticate, type Caller } from '../../platform/http.ts';
import { hasRole, readFilter, requireRead, requireWrite } from '../../platform/access.ts';
import { CSV_COLUMNS, parseStockCsv } from './stock.csv.ts';
import type { StockInRow, StockItemView, StockQuery, StockService } from './stock.service.ts';

export interface StockRoutesOptions {
  service: StockService;
  authenticate: Authenticate;
  /** Largest CSV body accepted (default 4 MiB). */
  maxCsvBytes?: number;
  /** Code of an enterprise by id: the owners whose stock a bank may see by consent. */
  codeOf?: (enterpriseId: number) => Promise<string | null>;
}

const MAX_JSON_ROWS = 10_000;


const itemSchema = {
  type: 'object',
  properties: {
    emsNo: { type: 'string' },
    itemRecordNo: { type: 'string' },
    ownerCode: { type: 'string' },
    warehouseId: { type: 'integer' },
    gcode: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    onHand: { type: 'string', description: 'Decimal, up to 5 decimals.' },
    reserved: { type: 'string' },
    available: { type: 'string', description: 'onHand − reserved.' },
    updatedAt: { type: 'string' },
  },
};

const moveSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string', enum: ['in', 'reserve', 'consume', 'release', 'adjust'] },
    qty: { type: 'string' },
    declarationId: { type: ['integer', 'null'] },
    ref: { type: ['string', 'null'] },
    at: { type: 'string' },
  },
};

const str = (description: string) => ({ type: 'string', description });
const stockInJson = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_JSON_ROWS,
      items: {
        type: 'object',
        properties: {
          emsNo: str('Bonded account book (账册) of the warehouse, C..30.'),
          itemRecordNo: str('Item record number in the account book (账册备案料号), C..30.'),
          ownerCode: str('Code of the e-commerce enterprise owning the goods (ebcCode).'),
          qty: str('Quantity, a decimal with at most 5 decimals, > 0.'),
          gcode: str('10-digit HS code (optional).'),
          name: str('Goods name (optional).'),
          ref: str('Your reference, kept on the ledger row (optional).'),
        },
      },
    },
  },
};

const mediaType = (req: FastifyRequest) => (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();

const NOT_SHOWN = 'Stock is shown to warehouses, e-commerce enterprises, banks (by consent), the operator and regulators.';

/**
 * Which slices of the stock a caller sees, or null when the caller may not look at stock at all
 * (403). The operator and regulators see everything; a warehouse the items it keeps; an
 * e-commerce enterprise the items it owns; a bank the items kept or owned by enterprises that
 * consented to share their stock with it.
 */
async function scopes(caller: Caller, codeOf: (id: number) => Promise<string | null>): Promise<StockQuery[] | null> {
  if (caller.readable === 'all') return [{}];
  const out: StockQuery[] = [];
  if (hasRole(caller, 'warehouse')) out.push({ warehouseId: caller.id });
  if (hasRole(caller, 'ebc')) out.push({ ownerCode: caller.code });
  const bank = hasRole(caller, 'bank');
  if (bank) {
    for (const id of readFilter(caller, 'stock') ?? []) {
      if (id === caller.id) continue;
      out.push({ warehouseId: id });
      const code = await codeOf(id);
      if (code) out.push({ ownerCode: code });
    }
  }
  return out.length || bank ? out : null;
}

const inScope = (scope: StockQuery, item: StockItemView) =>
  (scope.warehouseId === undefined || scope.warehouseId === item.warehouseId) && (scope.ownerCode === undefined || scope.ownerCode === item.ownerCode);

/** The filter within one scope, or null when the filter contradicts the scope. */
function within(scope: StockQuery, filter: StockQuery): StockQuery | null {
  const out: StockQuery = { ...filter };
  for (const [k, v] of Object.entries(scope) as Array<[keyof StockQuery, never]>) {
    if (out[k] !== undefined && out[k] !== v) return null;
    out[k] = v;
  }
  return out;
}

export async function stockRoutes(app: FastifyInstance, opts: StockRoutesOptions) {
  const { service, authenticate } = opts;
  const codeOf = opts.codeOf ?? (async () => null);
  const maxCsvBytes = opts.maxCsvBytes ?? 4 * 1024 * 1024;
  const callers = new WeakMap<FastifyRequest, Caller>();

  // Scoped to this plugin: text/csv is accepted here only, read with our own size limit.
  app.addContentTypeParser('text/csv', async (req: FastifyRequest, payload: IncomingMessage) => {
    const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `The CSV is larger than the limit of ${maxCsvBytes} bytes; send it in parts.`);
    if (Number(req.headers['content-length']) > maxCsvBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload) {
      size += (chunk as Buffer).length;
      if (size > maxCsvBytes) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw new AppError('INVALID_REQUEST', 'The CSV is not UTF-8 text.', [{ path: 'body', rule: 'encoding', expected: 'UTF-8 (with or without BOM)', actual: 'other bytes' }]);
    }
  });

  app.post('/api/v1/stock/in', {
    schema: {
      summary: 'Book goods into your bonded stock (warehouse)',
      description:
        'For the in-zone warehouse (区内仓储企业): adds the quantities to the items of your account books, creating items as needed. ' +
        `JSON \`{ items: [...] }\` or \`text/csv\` with the header \`${CSV_COLUMNS.join(',')}\` (gcode, name, ref optional). ` +
        'All rows or none: a fault anywhere refuses the whole upload, with an issue per bad row and column ' +
        '(`items[i].field`, or `line[n].column` for CSV where the header is line 1). An item owned by another enterprise ' +
        'or kept by another warehouse is refused.',
      tags: ['stock'],
      body: { content: { 'application/json': { schema: stockInJson }, 'text/csv': { schema: { type: 'string' } } } },
      response: { 200: { type: 'object', properties: { moves: { type: 'integer' }, items: { type: 'array', items: itemSchema } } }, 400: errorSchema, 401: errorSchema, 403: errorSchema, 413: errorSchema, 415: errorSchema },
    },
    // Who is calling is settled before the body is read: a refused caller uploads nothing.
    onRequest: async (req) => {
      const caller = await authenticate(req);
      requireWrite(caller, 'manage');
      if (!hasRole(caller, 'warehouse')) throw new AppError('FORBIDDEN', 'Only a warehouse enterprise may book stock in.');
      callers.set(req, caller);
    },
  }, async (req) => {
    const caller = callers.get(req) ?? (await authenticate(req));
    if (mediaType(req) === 'text/csv' && typeof req.body === 'string') {
      const csv = parseStockCsv(req.body);
      if (csv.issues.length) {
        throw new AppError('INVALID_REQUEST', `The CSV is not valid: ${csv.issues.length} fault${csv.issues.length === 1 ? '' : 's'}; nothing was changed.`, csv.issues.slice(0, 200));
      }
      return service.stockIn(caller.id, csv.rows, { where: (i, field) => `line[${csv.lines[i]}].${field}`, actor: `enterprise:${caller.code}` });
    }
    const body = req.body as { items?: StockInRow[] } | undefined;
    if (!body || typeof body !== 'object' || !Array.isArray(body.items)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send application/json { items: [...] } or text/csv.');
    return service.stockIn(caller.id, body.items, { actor: `enterprise:${caller.code}` });
  });

  app.get('/api/v1/stock', {
    schema: {
      summary: 'Bonded stock you may see',
      description:
        'A warehouse sees the items it keeps, an e-commerce enterprise the items it owns, a bank the items of enterprises that consented to share ' +
        'their stock with it, the operator and regulators everything. Filters narrow that down. Other roles: 403.',
      tags: ['stock'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { emsNo: { type: 'string', maxLength: 30 }, itemRecordNo: { type: 'string', maxLength: 30 }, ownerCode: { type: 'string', maxLength: 18 }, warehouseId: { type: 'integer', minimum: 1 } },
      },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } }, 401: errorSchema, 403: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    requireRead(caller);
    const visible = await scopes(caller, codeOf);
    if (!visible) throw new AppError('FORBIDDEN', NOT_SHOWN);
    const filter = req.query as StockQuery;
    const seen = new Map<string, StockItemView>();
    for (const scope of visible) {
      const q = within(scope, filter);
      if (!q) continue;
      for (const item of await service.query(q)) seen.set(`${item.emsNo}\u0000${item.itemRecordNo}`, item);
    }
    const items = [...seen.values()].sort((a, b) => (a.emsNo === b.emsNo ? (a.itemRecordNo < b.itemRecordNo ? -1 : 1) : a.emsNo < b.emsNo ? -1 : 1));
    return { items };
  });

  app.get('/api/v1/stock/:emsNo/:itemRecordNo', {
    schema: {
      summary: 'One item of bonded stock, with its latest ledger rows',
      tags: ['stock'],
      params: { type: 'object', properties: { emsNo: { type: 'string', maxLength: 30 }, itemRecordNo: { type: 'string', maxLength: 30 } } },
      response: { 200: { type: 'object', properties: { item: itemSchema, moves: { type: 'array', items: moveSchema } } }, 401: errorSchema, 403: errorSchema, 404: errorSchema },
    },
  }, async (req) => {
    const caller = await authenticate(req);
    requireRead(caller);
    const visible = await scopes(caller, codeOf);
    if (!visible) throw new AppError('FORBIDDEN', NOT_SHOWN);
    const { emsNo, itemRecordNo } = req.params as { emsNo: string; itemRecordNo: string };
    const item = await service.item(emsNo, itemRecordNo);
    // Someone else's item answers like a missing one: its existence is not disclosed.
    if (!item || !visible.some((scope) => inScope(scope, item))) throw new AppError('NOT_FOUND', `No stock item ${emsNo}/${itemRecordNo} that you may see.`);
    return { item, moves: await service.moves(emsNo, itemRecordNo, 50) };
  });
}
