import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { Authenticate } from '../../platform/http.ts';
import { isOperator, isRegulator, requireOperator, requireScope } from '../../platform/access.ts';
import type { ImportFormat } from './parse.ts';
import type { ImportMode } from './tariff.repository.ts';
import type { TariffService } from './tariff.service.ts';

export interface TariffRoutesOptions {
  service: TariffService;
  authenticate: Authenticate;
  /** Size limit of a text/csv body (default 8 MiB; the official list is a few hundred KB). */
  maxCsvBytes?: number;
}

const GCODE = /^\d{2,10}$/;
const CSV_TYPES = ['text/csv', 'application/csv'];

const mediaType = (req: FastifyRequest) => String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();

function formatOf(req: FastifyRequest): ImportFormat {
  const type = mediaType(req);
  if (CSV_TYPES.includes(type)) return 'csv';
  if (type === 'application/json') return 'json';
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send text/csv (UTF-8) or application/json.');
}

function modeOf(req: FastifyRequest): ImportMode {
  const raw = (req.query as { mode?: unknown }).mode;
  if (raw === undefined || raw === '') return 'merge';
  if (raw === 'merge' || raw === 'replace') return raw;
  throw new AppError('INVALID_REQUEST', 'mode must be merge or replace.', [{ path: 'mode', rule: 'enum', expected: 'merge | replace', actual: String(raw) }]);
}

async function operator(authenticate: Authenticate, req: FastifyRequest) {
  const caller = await authenticate(req);
  requireOperator(caller, 'change the rate table or the positive list');
  return caller;
}

const importDescription = (columns: string) =>
  `Body: text/csv (UTF-8, header \`${columns}\`) or application/json (an array of objects with these fields). ` +
  '`mode=merge` (default) upserts by prefix; `mode=replace` makes the table exactly the document. ' +
  'The whole document is validated first: any issue → 400 listing every bad row (`row N.column`; CSV rows numbered as in a spreadsheet, header = row 1) and nothing changes. Operator only.';

// No enum here: the handler checks mode itself, so a bad value gets the same issue format everywhere.
const modeQuery = { type: 'object', properties: { mode: { type: 'string', description: 'merge (default) or replace' } } } as const;

/**
 * Rate table and positive list. Registers its own body parsers (text/csv, and a catch-all that
 * lets the handler answer 415 itself) inside this plugin's encapsulated scope only.
 */
export async function tariffRoutes(app: FastifyInstance, opts: TariffRoutesOptions) {
  const { service, authenticate } = opts;
  const limit = opts.maxCsvBytes ?? 8 * 1024 * 1024;
  // The caller settled before the body was read, for the audit entry of the import.
  const importers = new WeakMap<FastifyRequest, string>();
  const importer = async (req: FastifyRequest) => {
    const caller = await operator(authenticate, req);
    importers.set(req, `enterprise:${caller.code}`);
  };

  app.addContentTypeParser(CSV_TYPES, { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => {
    try {
      done(null, new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer));
    } catch {
      done(new AppError('INVALID_REQUEST', 'The CSV is not UTF-8: save it as "CSV UTF-8" (a spreadsheet\'s plain CSV is often GBK).', [{ path: 'body', rule: 'encoding', expected: 'UTF-8 text', actual: 'invalid UTF-8 bytes' }]), undefined);
    }
  });
  // Any other type reaches the handler, which answers 415 naming the accepted types.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, _body, done) => done(null, undefined));

  app.get('/api/v1/tariff/rates', {
    schema: {
      summary: 'The rate table (VAT, consumption tax, duty by HS prefix)',
      description: 'Rates in percent (13 = 13 %), the unit of the import, so the items can be posted back. A code takes the rate of the longest prefix that matches it; a code no prefix matches gets VAT 13 %, consumption tax 0, duty 0.',
      tags: ['tariff'],
    },
  }, async (req) => {
    await authenticate(req);
    const items = await service.listRates();
    return { count: items.length, items };
  });

  app.get('/api/v1/tariff/positive-list', {
    schema: {
      summary: 'The cross-border retail import positive list (跨境电子商务零售进口商品清单)',
      description: 'A 10-digit gcode is on the list when some entry\'s hs_prefix is a prefix of it. The shipped entries are a seed sample: the operator must import the official list.',
      tags: ['tariff'],
    },
  }, async (req) => {
    await authenticate(req);
    const items = await service.listPositive();
    return { count: items.length, items };
  });

  // The tables as files: for the operator to edit and import back, for regulators to keep.
  for (const [path, what, csv] of [
    ['/api/v1/tariff/rates.csv', 'rate table', () => service.ratesCsv()],
    ['/api/v1/tariff/positive-list.csv', 'positive list', () => service.positiveCsv()],
  ] as const) {
    app.get(path, {
      schema: {
        summary: `The ${what} as CSV (operator and regulators)`,
        description: 'UTF-8 with BOM, CRLF, RFC 4180 quoting; the columns and units the import takes, so the file can be edited and posted back.',
        tags: ['tariff'],
      },
    }, async (req, reply) => {
      const caller = await authenticate(req);
      if (!isOperator(caller) && !isRegulator(caller)) throw new AppError('FORBIDDEN', `Only the zone operator and regulators download the ${what}.`);
      requireScope(caller, 'read');
      const name = path.slice(path.lastIndexOf('/') + 1);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(await csv());
    });
  }

  app.post('/api/v1/tariff/rates', {
    bodyLimit: limit,
    // Checked before the body is read: a caller who may not import uploads nothing.
    onRequest: importer,
    schema: { summary: 'Import rates (operator)', description: importDescription('hs_prefix,vat,consumption,duty,note') + ' Rates in percent: 13 for 13 %, 0 ≤ rate < 100, at most 4 decimals.', tags: ['tariff'], querystring: modeQuery },
  }, async (req) => {
    return service.importRatesDocument(formatOf(req), req.body, modeOf(req), importers.get(req));
  });

  app.post('/api/v1/tariff/positive-list', {
    bodyLimit: limit,
    // Checked before the body is read: a caller who may not import uploads nothing.
    onRequest: importer,
    schema: { summary: 'Import the positive list (operator)', description: importDescription('hs_prefix,name,note'), tags: ['tariff'], querystring: modeQuery },
  }, async (req) => {
    return service.importPositiveListDocument(formatOf(req), req.body, modeOf(req), importers.get(req));
  });

  app.get('/api/v1/tariff/lookup/:gcode', {
    schema: {
      summary: 'Rate and positive-list status of a gcode',
      description: 'rate: fractions as the tax engine uses them (0.13 = 13 %) and the matching prefix (null: the default rate). positiveList: ok, and the longest matching entry.',
      tags: ['tariff'],
    },
  }, async (req) => {
    await authenticate(req);
    const gcode = (req.params as { gcode: string }).gcode;
    if (!GCODE.test(gcode)) {
      throw new AppError('INVALID_REQUEST', 'gcode must be 2 to 10 digits.', [{ path: 'gcode', rule: 'pattern', expected: 'an HS code of 2 to 10 digits (a 10-digit gcode)', actual: gcode }]);
    }
    const m = service.rateMatch(gcode);
    const p = service.onPositiveList(gcode);
    return {
      gcode,
      rate: { ...m.rate, prefix: m.prefix, note: m.note },
      positiveList: p.ok ? { ok: true, prefix: p.entry.prefix, name: p.entry.name, note: p.entry.note } : { ok: false },
    };
  });
}
