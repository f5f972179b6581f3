/** Tariff: seed, longest-prefix lookups, merge/replace imports, strict all-or-nothing validation, operator-only routes, CLI. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDb, type Db } from '../../db/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { Authenticate, Caller } from '../../platform/http.ts';
import { fullCaller } from '../../platform/access.ts';
import { computeRetailImportTax, defaultRate } from '../tax/index.ts';
import { freshPostgresDatabase, tempDir } from '../../../test/support/db.ts';
import { startPlatform, type Platform } from '../../../test/support/platform.ts';
import { FALLBACK_RATE, createTariff, parsePositiveList, parseRates, tariffRoutes, tariffSeed, type TariffService } from './index.ts';
import { TariffRepository } from './tariff.repository.ts';
import { TariffService as Service } from './tariff.service.ts';

type Kind = 'sqlite' | 'postgres';
const kinds: Kind[] = inject('pgUrl') ? ['sqlite', 'postgres'] : ['sqlite'];

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}

const CALLERS: Record<string, Caller> = {
  'op-key': fullCaller({ id: 1, code: 'SGZONE0001', name: 'operator', dxpId: 'DXPENT0000011000', roles: ['operator'] }),
  'ebc-key': fullCaller({ id: 2, code: 'EBC0000001', name: 'ebc', dxpId: 'DXPENT0000011001', roles: ['ebc'] }),
  'customs-key': fullCaller({ id: 3, code: '2900000001', name: 'customs', dxpId: 'DXPENT0000011009', roles: ['customs'] }),
  'op-read-key': { ...fullCaller({ id: 1, code: 'SGZONE0001', name: 'operator', dxpId: 'DXPENT0000011000', roles: ['operator'] }), scopes: new Set(['read'] as const) },
};

const authenticate: Authenticate = async (req) => {
  const key = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  const c = key ? CALLERS[key] : undefined;
  if (!c) throw new AppError('UNAUTHORIZED');
  return c;
};

/** A bare Fastify with the app's error mapping and the tariff plugin. */
async function buildHttp(service: TariffService, maxCsvBytes?: number): Promise<FastifyInstance> {
  const http = Fastify();
  http.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
    if (err instanceof AppError) return reply.status(err.status).send(err.toJSON());
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send(new AppError('PAYLOAD_TOO_LARGE').toJSON());
    if (err.validation) return reply.status(400).send(new AppError('INVALID_REQUEST', err.message).toJSON());
    return reply.status(err.statusCode && err.statusCode < 500 ? err.statusCode : 500).send({ error: { code: 'INTERNAL', message: err.message, issues: [] } });
  });
  await http.register(tariffRoutes, { service, authenticate, ...(maxCsvBytes ? { maxCsvBytes } : {}) });
  await http.ready();
  return http;
}

async function openKind(kind: Kind): Promise<{ db: Db; close(): Promise<void> }> {
  if (kind === 'postgres') {
    const fresh = await freshPostgresDatabase(inject('pgUrl')!);
    const db = await openDb({ url: fresh.url, dataDir: '.' });
    return { db, close: async () => (await db.close(), await fresh.drop()) };
  }
  const dir = tempDir('silkgate-tariff-');
  const db = await openDb({ url: `sqlite:${path.join(dir.path, 't.db')}`, dataDir: dir.path });
  return { db, close: async () => (await db.close(), dir.cleanup()) };
}

const RATES_HEADER = 'hs_prefix,vat,consumption,duty,note';

describe('parsing', () => {
  it('reads RFC 4180 CSV: BOM, CRLF, any column order, quotes, blank lines; rates in percent to exact ppm', () => {
    const csv = '\uFEFFnote,Duty,hs_prefix,vat,consumption\r\n"perfume, ""high-end""",0,3303,13,15\r\n\r\n"two\nlines",2.5,0402,9.1234,0\r\n';
    expect(parseRates('csv', csv)).toEqual({
      rows: [
        { hsPrefix: '3303', vatPpm: 130000, consumptionPpm: 150000, dutyPpm: 0, note: 'perfume, "high-end"' },
        { hsPrefix: '0402', vatPpm: 91234, consumptionPpm: 0, dutyPpm: 25000, note: 'two\nlines' },
      ],
      warnings: [],
    });
    expect(parseRates('csv', 'hs_prefix,vat,consumption,duty\n61,13,0,0\n').rows[0].note).toBeNull();
  });

  it('names every bad row and column at once, in order (spreadsheet rows: header = row 1)', () => {
    const csv = [
      RATES_HEADER,
      '33,13,0,0,ok', // row 2
      '3304,0.13,15,0,', // row 3: fraction typed as percent
      'abc,13,0,0,', // row 4
      '3305,13,,0,', // row 5: missing consumption
      '3306,13,0,100,', // row 6: 100 % refused
      '3307,13%,0,0,', // row 7
      '33,13,0,0,dup', // row 8: duplicate prefix
      '3401,13,0', // row 9: too few fields
      '3402,"13"x,0,0,', // row 10: stray text after a quote
      '12345678901,13,0,0,', // row 11: too long
    ].join('\n');
    let err: AppError | undefined;
    try {
      parseRates('csv', csv);
    } catch (e) {
      err = e as AppError;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err!.status).toBe(400);
    expect(err!.message).toMatch(/9 issues; nothing was changed/);
    expect(err!.issues.map((i) => `${i.path} ${i.rule} ${i.actual}`)).toEqual([
      'row 3.vat percent 0.13',
      'row 4.hs_prefix pattern abc',
      'row 5.consumption required ',
      'row 6.duty range 100',
      'row 7.vat pattern 13%',
      'row 8.hs_prefix unique 33',
      'row 9 columns 3 fields: 3401,13,0',
      'row 10 csv 3402,"13"x,0,0,',
      'row 11.hs_prefix pattern 12345678901',
    ]);
    expect(err!.issues[5].expected).toMatch(/row 2/);
  });

  it('checks the header: unknown, repeated and missing columns; empty documents', () => {
    const issues = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as AppError).issues.map((i) => `${i.path} ${i.rule}`);
      }
      return [];
    };
    expect(issues(() => parseRates('csv', 'hs_prefix;vat;consumption;duty\n33;13;0;0\n'))).toEqual([
      'header.hs_prefix;vat;consumption;duty unknown',
      'header.hs_prefix required',
      'header.vat required',
      'header.consumption required',
      'header.duty required',
    ]);
    expect(issues(() => parseRates('csv', 'hs_prefix,vat,vat,consumption,duty\n'))).toEqual(['header.vat unique']);
    expect(issues(() => parseRates('csv', ''))).toEqual(['header required']);
    expect(issues(() => parseRates('csv', `${RATES_HEADER}\n\n`))).toEqual(['rows minItems']);
    expect(issues(() => parseRates('csv', `${RATES_HEADER}\n33,13,0,0,"open`))).toEqual(['row 2 csv']);
    expect(issues(() => parseRates('json', { items: [] }))).toEqual(['rows type']);
    expect(issues(() => parseRates('json', []))).toEqual(['rows minItems']);
  });

  it('reads JSON arrays: numbers or numeric strings, hsPrefix alias, read-only fields ignored, others refused', () => {
    expect(parseRates('json', [{ hsPrefix: '3304', vat: 13, consumption: '15', duty: 0, updatedAt: 'x' }]).rows).toEqual([
      { hsPrefix: '3304', vatPpm: 130000, consumptionPpm: 150000, dutyPpm: 0, note: null },
    ]);
    try {
      parseRates('json', [{ hs_prefix: 3304, vat: 0.13, consumption: true, duty: 0, colour: 'red' }, 'x']);
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['row 1.colour unknown', 'row 1.hs_prefix required', 'row 1.vat percent', 'row 1.consumption type', 'row 2 type']);
    }
  });

  it('warns about odd-length prefixes (a dropped leading zero) but accepts them', () => {
    const r = parsePositiveList('csv', 'hs_prefix,name\n401,鲜乳\n');
    expect(r.rows).toEqual([{ hsPrefix: '401', name: '鲜乳', note: null }]);
    expect(r.warnings).toEqual([{ row: 2, hsPrefix: '401', message: expect.stringMatching(/leading zero/) }]);
  });

  it('ships a valid seed consistent with the tax engine for cosmetics', () => {
    const seed = tariffSeed();
    expect(seed.rates.find((r) => r.hsPrefix === '3303')).toMatchObject({ vatPpm: 130000, consumptionPpm: 150000, dutyPpm: 0 });
    expect(seed.rates.find((r) => r.hsPrefix === '3304')).toMatchObject({ vatPpm: 130000, consumptionPpm: 150000, dutyPpm: 0 });
    expect(seed.rates.find((r) => r.hsPrefix === '4901')).toMatchObject({ vatPpm: 90000 });
    expect(seed.positive.length).toBeGreaterThan(40);
    for (const p of seed.positive) {
      expect(p.note).toMatch(/not the official list/);
      expect(p.hsPrefix.length % 2).toBe(0);
    }
    // Headings the seed deliberately leaves off the list: medicines.
    expect(seed.positive.some((p) => p.hsPrefix.startsWith('30'))).toBe(false);
  });
});

for (const kind of kinds) {
  describe(`tariff on ${kind}`, () => {
    let handle: { db: Db; close(): Promise<void> };
    let tariff: TariffService;
    let http: FastifyInstance;

    beforeAll(async () => {
      handle = await openKind(kind);
      tariff = await createTariff(handle.db.kysely);
      http = await buildHttp(tariff, 64 * 1024);
    });
    afterAll(async () => {
      await http?.close();
      await handle?.close();
    });

    const as = (key: string | null) => (key ? { authorization: `Bearer ${key}` } : {});
    const post = (table: string, key: string | null, payload: string | object, type = 'text/csv', query = '') =>
      http.inject({
        method: 'POST',
        url: `/api/v1/tariff/${table}${query}`,
        headers: { ...as(key), 'content-type': type },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    const get = (url: string, key: string | null = 'ebc-key') => http.inject({ method: 'GET', url, headers: as(key) });

    it('is seeded by the migration and serves lookups from memory', async () => {
      expect(tariff.rateMatch('3304990099')).toMatchObject({ prefix: '3304', rate: { vat: 0.13, consumption: 0.15, duty: 0 } });
      expect(tariff.rateMatch('8541401000')).toMatchObject({ prefix: null, rate: FALLBACK_RATE });
      expect(tariff.rateOf('4901990000')).toEqual({ vat: 0.09, consumption: 0, duty: 0 });
      for (const g of ['3303000000', '3304990099', '3305100000', '8541401000', '9503000090']) expect(tariff.rateOf(g), g).toEqual(defaultRate(g));
      expect(tariff.onPositiveList('0402210000')).toMatchObject({ ok: true, entry: { prefix: '0402' } });
      expect(tariff.onPositiveList('8509800090')).toMatchObject({ ok: true, entry: { prefix: '850980', name: expect.stringContaining('电动牙刷') } });
      expect(tariff.onPositiveList('3004909099')).toEqual({ ok: false });
      expect((await tariff.listRates()).length).toBe(tariffSeed().rates.length);

      // The hot path does not query: lookups still answer with the database closed underneath.
      const detached = new Service({ rates: async () => [], positive: async () => [] } as unknown as TariffRepository);
      await detached.load();
      expect(detached.rateOf('3304990000')).toBe(FALLBACK_RATE);
      expect(() => new Service({} as TariffRepository).rateOf('33')).toThrow(/load\(\)/);
    });

    it('longest prefix wins, for rates and for the positive list', async () => {
      const r = await tariff.importRates(
        parseRates('csv', [RATES_HEADER, '95,13,0,0,chapter', '9506,13,0,0,', '950632,13,10,0,golf balls', '9506320010,13,0,5,one line'].join('\n')).rows,
        'merge',
      );
      expect(r).toMatchObject({ inserted: 3, updated: 1, removed: 0 }); // 950632 came with the seed
      expect(tariff.rateMatch('9503000090').prefix).toBe('95');
      expect(tariff.rateMatch('9506629000').prefix).toBe('9506');
      expect(tariff.rateMatch('9506320090')).toMatchObject({ prefix: '950632', rate: { consumption: 0.1 } });
      expect(tariff.rateMatch('9506320010')).toMatchObject({ prefix: '9506320010', rate: { vat: 0.13, consumption: 0, duty: 0.05 } });
      expect(tariff.rateMatch('9606000000').prefix).toBeNull();

      await tariff.importPositiveListDocument('json', [{ hs_prefix: '95', name: '第95章' }, { hs_prefix: '950300', name: '玩具（子目）' }], 'merge');
      expect(tariff.onPositiveList('9503000090')).toMatchObject({ ok: true, entry: { prefix: '950300', name: '玩具（子目）' } });
      expect(tariff.onPositiveList('9506990000')).toMatchObject({ ok: true, entry: { prefix: '9506' } });
      expect(tariff.onPositiveList('9504500000')).toMatchObject({ ok: true, entry: { prefix: '95' } });
      expect(tariff.onPositiveList('9601000000')).toEqual({ ok: false });
      expect(tariff.onPositiveList('9')).toEqual({ ok: false });
    });

    it('feeds the tax engine (rateOf is bound)', () => {
      const { rateOf } = tariff;
      const t = computeRetailImportTax({ lines: [{ gnum: 1, gcode: '3304990000', totalPrice: '1000.00' }, { gnum: 2, gcode: '4901990000', totalPrice: '100.00' }], freight: '0', insuredFee: '0', rateOf });
      expect(t.lines.map((l) => [l.consumptionFen, l.vatFen])).toEqual([[12353, 10706], [0, 630]]);
    });

    it('merge upserts; replace makes the table exactly the document; both refresh the index', async () => {
      const before = (await tariff.listPositive()).length;
      const merged = await post('positive-list', 'op-key', 'hs_prefix,name,note\n9619,纸尿裤,updated\n9999,测试,\n');
      expect(merged.statusCode).toBe(200);
      expect(merged.json()).toMatchObject({ table: 'positive_list', mode: 'merge', rows: 2, inserted: 1, updated: 1, removed: 0, total: before + 1, warnings: [] });
      expect(tariff.onPositiveList('9619001100')).toMatchObject({ ok: true, entry: { name: '纸尿裤', note: 'updated' } });

      const replaced = await post('positive-list', 'op-key', 'hs_prefix,name\n0402,乳粉\n190110,婴幼儿配方食品\n', 'text/csv; charset=utf-8', '?mode=replace');
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toMatchObject({ mode: 'replace', rows: 2, inserted: 0, updated: 2, removed: before + 1 - 2, total: 2 });
      expect((await tariff.listPositive()).map((p) => p.hsPrefix)).toEqual(['0402', '190110']);
      expect(tariff.onPositiveList('9619001100')).toEqual({ ok: false });
      expect(tariff.onPositiveList('1901101000')).toMatchObject({ ok: true });

      const rates = await post('rates', 'op-key', [{ hs_prefix: '61', vat: 13, consumption: 0, duty: 0 }], 'application/json', '?mode=replace');
      expect(rates.json()).toMatchObject({ total: 1, inserted: 1 });
      expect(tariff.rateMatch('3304990000').prefix).toBeNull();
      expect(tariff.rateMatch('6109100000').prefix).toBe('61');
    });

    it('round-trips: the items of a GET post back unchanged', async () => {
      const seed = tariffSeed();
      await tariff.importRates(seed.rates, 'replace');
      const listed = (await get('/api/v1/tariff/rates')).json() as { count: number; items: Array<Record<string, unknown>> };
      expect(listed.count).toBe(seed.rates.length);
      expect(listed.items.find((i) => i.hsPrefix === '3304')).toMatchObject({ vat: 13, consumption: 15, duty: 0 });
      const again = await post('rates', 'op-key', listed.items, 'application/json', '?mode=replace');
      expect(again.json()).toMatchObject({ inserted: 0, updated: seed.rates.length, removed: 0 });
      const after = (await get('/api/v1/tariff/rates')).json() as typeof listed;
      expect(after.items.map(({ updatedAt: _u, ...rest }) => rest)).toEqual(listed.items.map(({ updatedAt: _u, ...rest }) => rest));
    });

    it('a bad CSV changes nothing and names row and column (replace too)', async () => {
      const before = await tariff.listRates();
      const probe = tariff.rateMatch('3304990000');
      const csv = [RATES_HEADER, '01,13,0,0,', '02,13,0,0,', '03,13,0,0,', '04,13,0,0,', '05,13,0,0,', '06,abc,0,0,'].join('\n');
      for (const query of ['', '?mode=replace']) {
        const res = await post('rates', 'op-key', csv, 'text/csv', query);
        expect(res.statusCode).toBe(400);
        const body = res.json() as ErrorBody;
        expect(body.error.code).toBe('INVALID_REQUEST');
        expect(body.error.issues).toEqual([{ path: 'row 7.vat', rule: 'pattern', expected: expect.stringMatching(/percentage/), actual: 'abc' }]);
      }
      expect(await tariff.listRates()).toEqual(before);
      expect(tariff.rateMatch('3304990000')).toBe(probe);
    });

    it('a failure while writing rolls the whole import back (one transaction)', async () => {
      const repo = new TariffRepository(handle.db.kysely);
      const broken = new Service(repo, () => Number.NaN); // updated_at NaN → the INSERT fails after the DELETE
      await broken.load();
      const before = await tariff.listRates();
      await expect(broken.importRates(parseRates('csv', `${RATES_HEADER}\n33,13,0,0,\n`).rows, 'replace')).rejects.toThrow();
      expect(await tariff.listRates()).toEqual(before);
    });

    it('writes are operator-only; reads are for any authenticated caller', async () => {
      const csv = `${RATES_HEADER}\n33,13,0,0,\n`;
      const forbidden = await post('rates', 'ebc-key', csv);
      expect(forbidden.statusCode).toBe(403);
      expect((forbidden.json() as ErrorBody).error.code).toBe('FORBIDDEN');
      expect((await post('positive-list', 'ebc-key', 'hs_prefix,name\n33,x\n')).statusCode).toBe(403);
      // Regulators read and change nothing; an operator key without the manage scope imports nothing.
      for (const key of ['customs-key', 'op-read-key']) expect((await post('rates', key, csv)).statusCode, key).toBe(403);
      expect((await get('/api/v1/tariff/rates', 'customs-key')).statusCode).toBe(200);
      expect((await post('rates', null, csv)).statusCode).toBe(401);
      expect((await get('/api/v1/tariff/rates', null)).statusCode).toBe(401);
      expect((await get('/api/v1/tariff/positive-list')).statusCode).toBe(200);
      expect((await get('/api/v1/tariff/lookup/3304990000')).statusCode).toBe(200);
    });

    it('refuses bad modes, media types, encodings and sizes', async () => {
      const csv = `${RATES_HEADER}\n33,13,0,0,\n`;
      const mode = await post('rates', 'op-key', csv, 'text/csv', '?mode=overwrite');
      expect(mode.statusCode).toBe(400);
      expect((mode.json() as ErrorBody).error.issues).toEqual([{ path: 'mode', rule: 'enum', expected: 'merge | replace', actual: 'overwrite' }]);
      const plain = await post('rates', 'op-key', csv, 'text/plain');
      expect(plain.statusCode).toBe(415);
      expect((plain.json() as ErrorBody).error.message).toMatch(/text\/csv/);
      const gbk = await http.inject({ method: 'POST', url: '/api/v1/tariff/positive-list', headers: { ...as('op-key'), 'content-type': 'text/csv' }, payload: Buffer.from([0x68, 0x73, 0x5f, 0x0a, 0xc4, 0xcc, 0xb7, 0xdb]) });
      expect(gbk.statusCode).toBe(400);
      expect((gbk.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'body', rule: 'encoding' });
      const big = await post('rates', 'op-key', RATES_HEADER + '\n' + '33,13,0,0,x\n'.repeat(10_000));
      expect(big.statusCode).toBe(413);
      expect((await post('rates', 'op-key', '[1,', 'application/json')).statusCode).toBe(400);
    });

    it('GET lookup/:gcode answers rate (fractions, prefix) and positive-list status', async () => {
      await tariff.importRates(tariffSeed().rates, 'replace');
      await tariff.importPositiveList(tariffSeed().positive, 'replace');
      const hit = await get('/api/v1/tariff/lookup/3304990000');
      expect(hit.json()).toEqual({
        gcode: '3304990000',
        rate: { vat: 0.13, consumption: 0.15, duty: 0, prefix: '3304', note: expect.stringMatching(/高档化妆品/) },
        positiveList: { ok: true, prefix: '3304', name: '美容品、化妆品及护肤品', note: expect.stringMatching(/not the official list/) },
      });
      const miss = await get('/api/v1/tariff/lookup/3004909099');
      expect(miss.json()).toEqual({ gcode: '3004909099', rate: { vat: 0.13, consumption: 0, duty: 0, prefix: null, note: expect.any(String) }, positiveList: { ok: false } });
      const bad = await get('/api/v1/tariff/lookup/33049900x0');
      expect(bad.statusCode).toBe(400);
      expect((bad.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'gcode', rule: 'pattern' });
    });
  });
}

for (const kind of kinds) {
  describe(`tariff through the platform's HTTP API on ${kind}`, () => {
    let p: Platform;
    beforeAll(async () => {
      p = await startPlatform(kind);
    });
    afterAll(() => p?.close());

    it('the demo operator imports, an e-commerce key gets 403, anyone authenticated looks up', async () => {
      const csv = `${RATES_HEADER}\n2208,13,20,0,spirits\n`;
      for (const role of ['ebc', 'ebp'] as const) {
        const denied = await p.request('POST', '/api/v1/tariff/rates', { key: p.key(role), body: csv, type: 'text/csv' });
        expect(denied.status).toBe(403);
        expect((denied.json() as ErrorBody).error.code).toBe('FORBIDDEN');
      }
      const bad = await p.request('POST', '/api/v1/tariff/rates?mode=replace', { key: p.key('operator'), body: `${RATES_HEADER}\n2208,13,x,0,\n`, type: 'text/csv' });
      expect(bad.status).toBe(400);
      expect((bad.json() as ErrorBody).error.issues.map((i) => i.path)).toEqual(['row 2.consumption']);
      expect((await p.request('GET', '/api/v1/tariff/rates', { key: p.key('ebc') })).json()).toMatchObject({ count: tariffSeed().rates.length });
      const ok = await p.request('POST', '/api/v1/tariff/rates', { key: p.key('operator'), body: csv, type: 'text/csv' });
      expect(ok.status).toBe(200);
      const look = await p.request('GET', '/api/v1/tariff/lookup/2208300000', { key: p.key('ebc') });
      expect(look.json()).toMatchObject({ rate: { vat: 0.13, consumption: 0.2, duty: 0, prefix: '2208' }, positiveList: { ok: false } });
      expect(p.app.tariff.rateOf('2208300000')).toEqual({ vat: 0.13, consumption: 0.2, duty: 0 });
    });
  });
}

describe('silkgate tariff (CLI)', () => {
  const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
  const BIN = path.join(ROOT, 'bin', 'silkgate.js');
  let handle: { db: Db; close(): Promise<void> };
  let http: FastifyInstance;
  let url = '';
  const files = tempDir('silkgate-tariff-cli-');
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SILKGATE_')));
      execFile(process.execPath, [BIN, ...args, '--url', url], { cwd: ROOT, env, timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });

  beforeAll(async () => {
    handle = await openKind('sqlite');
    http = await buildHttp(await createTariff(handle.db.kysely));
    await http.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await http?.close();
    await handle?.close();
    files.cleanup();
  });

  it('imports a CSV as operator, reports issues of a bad one, and looks a gcode up', async () => {
    const good = path.join(files.path, 'rates.csv');
    fs.writeFileSync(good, `${RATES_HEADER}\n2208,13,20,0,spirits (ad valorem part only)\n401,13,0,0,\n`);
    const ok = await cli(['tariff', 'import', 'rates', good, '--key', 'op-key']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/rates: merge, 2 rows: 2 inserted, 0 updated, 0 removed; the table now has \d+/);
    expect(ok.stderr).toMatch(/warning: row 3 \(401\): odd length/);

    const bad = path.join(files.path, 'bad.csv');
    fs.writeFileSync(bad, `${RATES_HEADER}\n2208,13,abc,0,\n`);
    const refused = await cli(['tariff', 'import', 'rates', bad, '--mode', 'replace', '--key', 'op-key']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/400 INVALID_REQUEST/);
    expect(refused.stderr).toMatch(/row 2\.consumption pattern: expected .*, got abc/);

    const denied = await cli(['tariff', 'import', 'rates', good, '--key', 'ebc-key']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/403 FORBIDDEN/);

    const look = await cli(['tariff', 'lookup', '2208300000', '--key', 'ebc-key']);
    expect(look.code).toBe(0);
    expect(look.stdout).toMatch(/VAT 13 %, consumption tax 20 %, duty 0 %\s+\(entry 2208\)/);
    expect(look.stdout).toMatch(/positive list\s+no/);
    const json = await cli(['tariff', 'lookup', '3304990000', '--key', 'ebc-key', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ rate: { prefix: '3304' }, positiveList: { ok: true } });

    const usage = await cli(['tariff', 'import', 'tables', good, '--key', 'op-key']);
    expect(usage.code).toBe(2);
  });
});
