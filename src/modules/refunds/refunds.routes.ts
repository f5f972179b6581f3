/**
 * The refund ledger over HTTP. Rates: anyone authenticated reads them, the operator replaces
 * them. Invoices, sales and claims: the exporting enterprise (declare or manage scope), on its own
 * entries. Ledger, CSV and totals (read scope): an enterprise its own entries, the operator and
 * regulators everyone's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readFilter, requireOperator, requireRead, requireWrite, type Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { errorSchema, type Authenticate } from '../../platform/http.ts';
import { claimBody, invoiceBody, saleBody, type ClaimInput, type InvoiceInput, type SaleInput } from './input.ts';
import { parseRatesCsv, parseRatesJson, RATE_COLUMNS } from './rates.parse.ts';
import { MAX_TOTAL_MONTHS, type RefundsService } from './refunds.service.ts';
import { isMonth, STATUSES } from './rules.ts';
import { entryView } from './views.ts';

export interface RefundsRoutesOptions {
  service: RefundsService;
  authenticate: Authenticate;
  /** Largest CSV rate table accepted (default 2 MiB). */
  maxCsvBytes?: number;
}

const CSV_TYPES = ['text/csv', 'application/csv'];
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorSchema]));
const TAGS = ['refunds'];

/**
 * The ledger is tax data, not among the kinds an enterprise shares with a bank by consent: an
 * enterprise reads its own entries, the operator and regulators everyone's. `enterpriseId`
 * narrows to one enterprise the caller may read (403 otherwise).
 */
function visible(c: Caller, enterpriseId: number | undefined): number[] | null {
  const ids = readFilter({ ...c, shared: undefined });
  if (enterpriseId === undefined) return ids;
  if (ids && !ids.includes(enterpriseId)) {
    throw new AppError('FORBIDDEN', `You may not read the refund ledger of enterprise ${enterpriseId}.`, [
      { path: 'enterpriseId', rule: 'readable', expected: `your own enterprise (${c.id})`, actual: String(enterpriseId) },
    ]);
  }
  return [enterpriseId];
}

function month(value: string, path: string): string {
  if (!isMonth(value)) throw new AppError('INVALID_REQUEST', `${path} must be a month YYYY-MM.`, [{ path, rule: 'month', expected: 'a month YYYY-MM', actual: value }]);
  return value;
}

const monthParam = { type: 'string', description: 'YYYY-MM (the export month, China time).' } as const;
const enterpriseParam = { type: 'integer', minimum: 1, description: 'Operator and regulators: one enterprise only.' } as const;

export async function refundsRoutes(app: FastifyInstance, opts: RefundsRoutesOptions) {
  const { service, authenticate } = opts;
  const limit = opts.maxCsvBytes ?? 2 * 1024 * 1024;
  const reader = async (req: FastifyRequest) => {
    const caller = await authenticate(req);
    requireRead(caller);
    return caller;
  };
  /** The exporting enterprise: changes with the declare or the manage scope. */
  const writer = async (req: FastifyRequest) => {
    const caller = await authenticate(req);
    requireWrite(caller, caller.scopes.has('declare') ? 'declare' : 'manage');
    return caller;
  };
  const operators = new WeakMap<FastifyRequest, Caller>();

  app.addContentTypeParser(CSV_TYPES, { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => {
    try {
      done(null, new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer));
    } catch {
      done(new AppError('INVALID_REQUEST', 'The CSV is not UTF-8: save it as "CSV UTF-8".', [{ path: 'body', rule: 'encoding', expected: 'UTF-8 text', actual: 'invalid UTF-8 bytes' }]), undefined);
    }
  });

  app.get('/api/v1/refund-rates', {
    schema: {
      summary: 'Export refund rates (出口退税率) by HS prefix',
      description: 'Rates in percent (13 = 13 %). A declared item takes the rate of the longest prefix of its HS code with a row in force on the export date (the latest validFrom not after it). The items can be sent back with PUT.',
      tags: TAGS,
      response: errors(401, 403),
    },
  }, async (req) => {
    await authenticate(req);
    return service.listRates();
  });

  app.put('/api/v1/refund-rates', {
    bodyLimit: limit,
    // Checked before the body is read: a caller who may not change the table uploads nothing.
    onRequest: async (req) => {
      const caller = await authenticate(req);
      requireOperator(caller, 'change the refund rates');
      operators.set(req, caller);
    },
    schema: {
      summary: 'Replace the refund-rate table (operator)',
      description:
        `Body: text/csv (UTF-8, header \`${RATE_COLUMNS.join(',')}\`) or application/json (an array of { hs, rate, validFrom }). hs: 4–10 digits; rate: percent, ` +
        'at most two decimals, 0–17; validFrom: YYYY-MM-DD. The table becomes exactly the document, in one transaction; any issue → 400 naming each (`line 3.rate` in CSV, ' +
        '`row 2.rate` in JSON) and nothing changes. Entries already in the ledger keep the rate they were declared with.',
      tags: TAGS,
      response: errors(400, 401, 403, 413, 415),
    },
  }, async (req) => {
    const caller = operators.get(req)!;
    const rows = typeof req.body === 'string' ? parseRatesCsv(req.body) : parseRatesJson(req.body);
    return service.replaceRates(rows, `enterprise:${caller.code}`);
  });

  app.post('/api/v1/refunds/invoices', {
    schema: {
      summary: 'Register a purchase VAT invoice (增值税专用发票) against declared items',
      description:
        'Each item names a declaration (entryId, or declSeqNo before customs assigned one) and its item (gseqno) or inventory line (invtNo + gnum), with the quantity ' +
        'and amount (excl. VAT) of the invoice it covers. Item amounts must add up to amount; quantities may not exceed what was exported and not invoiced yet; ' +
        'only your entries of the refund regime (9710, 9810). Refund = invoiced amount × rate, at most the invoice VAT attributed. 409 when the invoice is already registered.',
      tags: TAGS,
      body: invoiceBody,
      response: errors(400, 401, 403, 404, 409),
    },
  }, async (req, reply) => {
    const caller = await writer(req);
    return reply.status(201).send(await service.registerInvoice(caller, req.body as InvoiceInput));
  });

  app.post('/api/v1/refunds/sales', {
    schema: {
      summary: 'Report a sale from overseas-warehouse stock (9810)',
      description:
        'The inventory line is named by invtNo and gnum (or itemNo). The claimable part of its refund becomes refundable × sold ÷ exported (rounded down; the sale completing ' +
        'the quantity gets the remainder). 201 for a new sale; 200 (created: false) when the same sale (orderNo, invtNo, gnum) was reported before; 409 when it was reported ' +
        'with other figures, or the quantity exceeds exported minus sold.',
      tags: TAGS,
      body: saleBody,
      response: errors(400, 401, 403, 404, 409),
    },
  }, async (req, reply) => {
    const caller = await writer(req);
    const result = await service.reportSale(caller, req.body as SaleInput);
    return reply.status(result.created ? 201 : 200).send(result);
  });

  app.post('/api/v1/refunds/claims', {
    schema: {
      summary: 'Claim the open refund of ledger entries (申报退税)',
      description: 'Marks each entry\'s claimable, not yet claimed amount as claimed, in one batch for the period. Refused whole (409, each entry named) if any entry has nothing open.',
      tags: TAGS,
      body: claimBody,
      response: errors(400, 401, 403, 404, 409),
    },
  }, async (req, reply) => {
    const caller = await writer(req);
    return reply.status(201).send(await service.fileClaim(caller, req.body as ClaimInput));
  });

  app.get('/api/v1/refunds/ledger', {
    schema: {
      summary: 'The refund ledger, by declared item, oldest first',
      description: 'Pass the `next` cursor of the previous page as `after`. Amounts are yuan with two decimals; rate in percent.',
      tags: TAGS,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          month: monthParam,
          entryId: { type: 'string', maxLength: 18, description: '报关单号' },
          status: { type: 'string', enum: [...STATUSES] },
          regime: { type: 'string', enum: ['exempt', 'refund'] },
          enterpriseId: enterpriseParam,
          after: { type: 'string' },
          limit: { type: 'integer', minimum: 1, maximum: 1000 },
        },
      },
      response: errors(400, 401, 403),
    },
  }, async (req) => {
    const caller = await reader(req);
    const q = req.query as { month?: string; entryId?: string; status?: string; regime?: 'exempt' | 'refund'; enterpriseId?: number; after?: string; limit?: number };
    const after = q.after === undefined || q.after === '' ? 0 : Number(q.after);
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new AppError('INVALID_REQUEST', 'after must be a cursor returned as `next`.', [{ path: 'after', rule: 'cursor', expected: 'a non-negative integer cursor', actual: String(q.after) }]);
    }
    const filter = {
      enterpriseIds: visible(caller, q.enterpriseId),
      month: q.month === undefined ? undefined : month(q.month, 'month'),
      entryId: q.entryId,
      status: q.status,
      regime: q.regime,
    };
    const rows = await service.ledger(filter, after, q.limit ?? 100);
    return { items: rows.map(entryView), next: String(rows.length ? rows[rows.length - 1].id : after) };
  });

  app.get('/api/v1/refunds/ledger.csv', {
    schema: {
      summary: 'The month\'s ledger as CSV, for the tax bureau',
      description: 'UTF-8 with BOM, CRLF, RFC 4180 quoting; header in Chinese and English; one row per entry, by entryId, gseqno and inventory line; amounts in yuan with two decimals.',
      tags: TAGS,
      querystring: { type: 'object', additionalProperties: false, required: ['month'], properties: { month: monthParam, enterpriseId: enterpriseParam } },
      response: errors(400, 401, 403),
    },
  }, async (req, reply) => {
    const caller = await reader(req);
    const q = req.query as { month: string; enterpriseId?: number };
    const m = month(q.month, 'month');
    const csv = await service.ledgerCsv(visible(caller, q.enterpriseId), m);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="refund-ledger-${m}.csv"`).send(csv);
  });

  app.get('/api/v1/refunds/totals', {
    schema: {
      summary: 'Ledger totals by export month',
      description: `Every month from \`from\` to \`to\` (at most ${MAX_TOTAL_MONTHS}): exempt and refund-regime FOB in RMB, refundable, claimable, claimed, entry counts.`,
      tags: TAGS,
      querystring: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: monthParam, to: monthParam, enterpriseId: enterpriseParam } },
      response: errors(400, 401, 403),
    },
  }, async (req) => {
    const caller = await reader(req);
    const q = req.query as { from: string; to: string; enterpriseId?: number };
    const from = month(q.from, 'from');
    const to = month(q.to, 'to');
    const span = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5)) - Number(from.slice(5)) + 1;
    if (span < 1 || span > MAX_TOTAL_MONTHS) {
      throw new AppError('INVALID_REQUEST', 'from..to must be 1 to 120 months.', [{ path: 'to', rule: 'range', expected: `a month from ${from} to ${MAX_TOTAL_MONTHS} months later`, actual: to }]);
    }
    return { from, to, months: await service.totals(visible(caller, q.enterpriseId), from, to) };
  });
}
