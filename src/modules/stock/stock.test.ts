/** Bonded stock: bookkeeping, all-or-nothing reservations, concurrency, and the routes' visibility rules. */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Transaction } from 'kysely';
import { openDb, type Database, type Db } from '../../db/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { Authenticate, Caller } from '../../platform/http.ts';
import { fullCaller, type DataKind } from '../../platform/access.ts';
import { createEnterprises, type Enterprise } from '../enterprises/index.ts';
import { freshPostgresDatabase, tempDir } from '../../../test/support/db.ts';
import { createStock, fromMicro, parseStockCsv, stockRoutes, toMicro, type StockService } from './index.ts';

type Kind = 'sqlite' | 'postgres';
const kinds: Kind[] = inject('pgUrl') ? ['sqlite', 'postgres'] : ['sqlite'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}

describe('quantities', () => {
  it('converts exact decimals to micro-units and back', () => {
    expect(toMicro('0')).toBe(0);
    expect(toMicro('1')).toBe(100000);
    expect(toMicro('12.5')).toBe(1250000);
    expect(toMicro('0.00001')).toBe(1);
    expect(toMicro('0.1')).toBe(10000);
    expect(toMicro('007.12345')).toBe(712345);
    expect(toMicro('-2.5')).toBe(-250000);
    expect(toMicro('90071992547.40991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['', '1.', '.5', '1e3', ' 1', '+1', '1,5', 'abc', '1.123456', '1.000000', '90071992547.40992']) {
      expect(() => toMicro(bad), bad).toThrow(RangeError);
    }
    expect(() => toMicro(5 as unknown as string)).toThrow(RangeError);
    expect(fromMicro(0)).toBe('0');
    expect(fromMicro(1)).toBe('0.00001');
    expect(fromMicro(1250000)).toBe('12.5');
    expect(fromMicro(100000)).toBe('1');
    expect(fromMicro(-250000)).toBe('-2.5');
    expect(fromMicro(Number.MAX_SAFE_INTEGER)).toBe('90071992547.40991');
    for (const s of ['3', '0.3', '1234.56789', '0.00001']) expect(fromMicro(toMicro(s))).toBe(s);
  });
});

describe('stock CSV', () => {
  it('reads RFC 4180 with a BOM, CRLF, quotes, any column order and blank lines', () => {
    const csv = '\uFEFFqty,emsNo,itemRecordNo,ownerCode,name\r\n2.5,T1,A,E,"Milk, powder ""gold"""\r\n\r\n1,T1,B,E,"two\nlines"\r\n';
    const r = parseStockCsv(csv);
    expect(r.issues).toEqual([]);
    expect(r.rows).toEqual([
      { qty: '2.5', emsNo: 'T1', itemRecordNo: 'A', ownerCode: 'E', name: 'Milk, powder "gold"' },
      { qty: '1', emsNo: 'T1', itemRecordNo: 'B', ownerCode: 'E', name: 'two\nlines' },
    ]);
    expect(r.lines).toEqual([2, 4]);
  });

  it('names bad header columns and rows', () => {
    expect(parseStockCsv('emsNo,itemRecordNo,qty,colour\n').issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['line[1].colour column', 'line[1].ownerCode column']);
    expect(parseStockCsv('').issues[0]).toMatchObject({ path: 'line[1]', rule: 'header' });
    expect(parseStockCsv('emsNo,itemRecordNo,ownerCode,qty\n').issues[0]).toMatchObject({ path: 'line[2]', rule: 'rows' });
    const r = parseStockCsv('emsNo,itemRecordNo,ownerCode,qty\nT,A,E,1\nT,A,E\n"T"x,A,E,1\nT,A,E,"1\n');
    expect(r.issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['line[3] columns', 'line[4] quote', 'line[5] quote']);
  });
});

describe.each(kinds)('stock on %s', (kind) => {
  let db: Db;
  let dir: { path: string; cleanup(): void };
  let drop: (() => Promise<void>) | null = null;
  let stock: StockService;
  let w1: Enterprise, w2: Enterprise, e1: Enterprise, e2: Enterprise, op: Enterprise, agent: Enterprise;
  let seq = 0;
  const book = () => `T${kind === 'postgres' ? 'P' : 'S'}${++seq}`;
  let declSeq = 1;
  const decl = () => declSeq++;
  const tx = <T>(fn: (trx: Transaction<Database>) => Promise<T>) => db.kysely.transaction().execute(fn);
  const itemRow = (emsNo: string, itemRecordNo: string) =>
    db.kysely.selectFrom('stock_items').selectAll().where('ems_no', '=', emsNo).where('item_record_no', '=', itemRecordNo).executeTakeFirst();
  const level = async (emsNo: string, itemRecordNo: string) => {
    const r = await itemRow(emsNo, itemRecordNo);
    return r ? { onHand: fromMicro(r.on_hand), reserved: fromMicro(r.reserved) } : null;
  };
  const moves = (emsNo: string) =>
    db.kysely.selectFrom('stock_moves').select(['item_record_no', 'kind', 'qty', 'declaration_id', 'ref']).where('ems_no', '=', emsNo).orderBy('id').execute()
      .then((rows) => rows.map((m) => ({ item: m.item_record_no, kind: m.kind, qty: fromMicro(m.qty), decl: m.declaration_id === null ? null : Number(m.declaration_id), ref: m.ref })));
  const holds = (declarationId: number) => db.kysely.selectFrom('stock_holds').select(['item_record_no', 'qty', 'state']).where('declaration_id', '=', declarationId).orderBy('item_record_no').execute();
  const refused = async (p: Promise<unknown>) => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).issues.map((i) => `${i.path} ${i.rule}`);
  };

  beforeAll(async () => {
    dir = tempDir();
    if (kind === 'postgres') {
      const fresh = await freshPostgresDatabase(inject('pgUrl')!);
      drop = fresh.drop;
      db = await openDb({ url: fresh.url, dataDir: dir.path, poolSize: 12 });
    } else {
      db = await openDb({ dataDir: dir.path });
    }
    const enterprises = createEnterprises(db.kysely);
    const make = async (code: string, role: string) => (await enterprises.create({ code, name: `${role} ${code}`, dxpId: `DXP${code}`, roles: [role] })).enterprise;
    w1 = await make('3301W60001', 'warehouse');
    w2 = await make('3301W60002', 'warehouse');
    e1 = await make('3301966A01', 'ebc');
    e2 = await make('3301966A02', 'ebc');
    op = await make('SGZONE0001', 'operator');
    agent = await make('3301980A02', 'agent');
    stock = createStock(db.kysely, enterprises);
  });

  afterAll(async () => {
    await db?.close();
    await drop?.();
    dir?.cleanup();
  });

  describe('stock in', () => {
    it('books rows into items, creating them, and writes one ledger row per input row', async () => {
      const ems = book();
      const r = await stock.stockIn(w1.id, [
        { emsNo: ems, itemRecordNo: 'B', ownerCode: e1.code, qty: '5', gcode: '0402210000', name: ' Milk powder ', ref: 'HZQD-1' },
        { emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '0.5' },
        { emsNo: ems, itemRecordNo: 'B', ownerCode: e1.code, qty: '2.25', ref: 'HZQD-2' },
      ]);
      expect(r.moves).toBe(3);
      expect(r.items.map((i) => [i.itemRecordNo, i.onHand, i.reserved, i.available])).toEqual([['A', '0.5', '0', '0.5'], ['B', '7.25', '0', '7.25']]);
      expect(r.items[1]).toMatchObject({ emsNo: ems, ownerCode: e1.code, warehouseId: w1.id, gcode: '0402210000', name: 'Milk powder' });
      expect(await moves(ems)).toEqual([
        { item: 'B', kind: 'in', qty: '5', decl: null, ref: 'HZQD-1' },
        { item: 'A', kind: 'in', qty: '0.5', decl: null, ref: null },
        { item: 'B', kind: 'in', qty: '2.25', decl: null, ref: 'HZQD-2' },
      ]);
      // More of the same item adds up and keeps what was known of it.
      await stock.stockIn(w1.id, [{ emsNo: ems, itemRecordNo: 'B', ownerCode: e1.code, qty: '0.75' }]);
      expect(await stock.item(ems, 'B')).toMatchObject({ onHand: '8', gcode: '0402210000', name: 'Milk powder' });
    });

    it('refuses the whole batch when any row is bad, naming each field', async () => {
      const ems = book();
      const issues = await refused(stock.stockIn(w1.id, [
        { emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '1' },
        { emsNo: ems, itemRecordNo: '', ownerCode: e1.code, qty: '1.123456' },
        { emsNo: ems, itemRecordNo: 'C', ownerCode: e1.code, qty: '0', gcode: '04022' },
        { emsNo: ems, itemRecordNo: 'D', ownerCode: e1.code, qty: '-1' },
      ]));
      expect(issues).toEqual(['items[1].itemRecordNo required', 'items[1].qty decimal', 'items[2].qty positive', 'items[2].gcode pattern', 'items[3].qty positive']);
      expect(await itemRow(ems, 'A')).toBeUndefined();
      expect(await moves(ems)).toEqual([]);
      expect(await refused(stock.stockIn(w1.id, []))).toEqual(['items required']);
    });

    it('refuses an owner that is not a registered e-commerce enterprise', async () => {
      const ems = book();
      expect(await refused(stock.stockIn(w1.id, [
        { emsNo: ems, itemRecordNo: 'A', ownerCode: 'NOBODY0001', qty: '1' },
        { emsNo: ems, itemRecordNo: 'B', ownerCode: w2.code, qty: '1' },
      ]))).toEqual(['items[0].ownerCode enterprise', 'items[1].ownerCode enterprise']);
      expect(await itemRow(ems, 'A')).toBeUndefined();
    });

    it('refuses an item owned by another owner or kept by another warehouse, and changes nothing', async () => {
      const ems = book();
      await stock.stockIn(w1.id, [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '3' }]);
      const issues = await refused(stock.stockIn(w1.id, [
        { emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '1' },
        { emsNo: ems, itemRecordNo: 'NEW', ownerCode: e1.code, qty: '1' },
        { emsNo: ems, itemRecordNo: 'A', ownerCode: e2.code, qty: '1' },
      ]));
      expect(issues).toEqual(['items[2].ownerCode owner']);
      expect(await level(ems, 'A')).toEqual({ onHand: '3', reserved: '0' });
      expect(await itemRow(ems, 'NEW')).toBeUndefined();
      // Another warehouse may neither add to the item nor use the account book.
      expect(await refused(stock.stockIn(w2.id, [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '1' }]))).toEqual(['items[0].emsNo warehouse']);
      expect(await refused(stock.stockIn(w2.id, [{ emsNo: ems, itemRecordNo: 'Z', ownerCode: e1.code, qty: '1' }]))).toEqual(['items[0].emsNo warehouse']);
      expect(await level(ems, 'A')).toEqual({ onHand: '3', reserved: '0' });
      expect((await moves(ems)).length).toBe(1);
    });
  });

  describe('reservations', () => {
    let ems: string;
    beforeAll(async () => {
      ems = book();
      await stock.stockIn(w1.id, [
        { emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '10' },
        { emsNo: ems, itemRecordNo: 'B', ownerCode: e1.code, qty: '2.5' },
      ]);
    });

    it('reserves every line or none, reporting each shortage', async () => {
      const d = decl();
      const r = await tx((trx) => stock.reserve(trx, d, [
        { emsNo: ems, itemRecordNo: 'A', qty: '4' },
        { emsNo: ems, itemRecordNo: 'B', qty: '3' },
        { emsNo: ems, itemRecordNo: 'GHOST', qty: '1' },
      ]));
      expect(r).toEqual({
        ok: false,
        shortages: [
          { emsNo: ems, itemRecordNo: 'B', requested: '3', available: '2.5' },
          { emsNo: ems, itemRecordNo: 'GHOST', requested: '1', available: '0' },
        ],
      });
      // Line A was reserved first and undone: nothing is held, nothing is on the ledger.
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '0' });
      expect(await level(ems, 'B')).toEqual({ onHand: '2.5', reserved: '0' });
      expect(await holds(d)).toEqual([]);
      expect((await moves(ems)).filter((m) => m.kind !== 'in')).toEqual([]);
      // Nothing stored for a refusal, so the same declaration may try again later.
      expect(await tx((trx) => stock.reserve(trx, d, [{ emsNo: ems, itemRecordNo: 'A', qty: '1' }]))).toEqual({ ok: true });
      await tx((trx) => stock.release(trx, d));
    });

    it('adds up lines of the same item', async () => {
      const d = decl();
      const r = await tx((trx) => stock.reserve(trx, d, [
        { emsNo: ems, itemRecordNo: 'B', qty: '1.5' },
        { emsNo: ems, itemRecordNo: 'B', qty: '1.5' },
      ]));
      expect(r).toEqual({ ok: false, shortages: [{ emsNo: ems, itemRecordNo: 'B', requested: '3', available: '2.5' }] });
    });

    it('runs in the caller\'s transaction: a rollback there undoes the reservation', async () => {
      const d = decl();
      await expect(tx(async (trx) => {
        expect(await stock.reserve(trx, d, [{ emsNo: ems, itemRecordNo: 'A', qty: '1' }])).toEqual({ ok: true });
        throw new Error('caller fails later');
      })).rejects.toThrow('caller fails later');
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '0' });
      expect(await holds(d)).toEqual([]);
    });

    it('refuses malformed lines', async () => {
      expect(await refused(tx((trx) => stock.reserve(trx, decl(), [{ emsNo: ems, itemRecordNo: 'A', qty: '0' }, { emsNo: '', itemRecordNo: 'A', qty: 'x' }]))))
        .toEqual(['lines[0].qty positive', 'lines[1].emsNo required', 'lines[1].qty decimal']);
    });

    it('reserves, consumes on release and returns goods, idempotently and on the ledger', async () => {
      const d = decl();
      const lines = [{ emsNo: ems, itemRecordNo: 'A', qty: '3' }, { emsNo: ems, itemRecordNo: 'B', qty: '0.5' }];
      expect(await tx((trx) => stock.reserve(trx, d, lines))).toEqual({ ok: true });
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '3' });
      expect(await stock.item(ems, 'A')).toMatchObject({ onHand: '10', reserved: '3', available: '7' });
      // A repeat (even with other lines) changes nothing.
      expect(await tx((trx) => stock.reserve(trx, d, [{ emsNo: ems, itemRecordNo: 'A', qty: '5' }]))).toEqual({ ok: true });
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '3' });

      expect(await tx((trx) => stock.consume(trx, d))).toBe(2);
      expect(await tx((trx) => stock.consume(trx, d))).toBe(0);
      expect(await level(ems, 'A')).toEqual({ onHand: '7', reserved: '0' });
      expect(await level(ems, 'B')).toEqual({ onHand: '2', reserved: '0' });
      expect((await holds(d)).map((h) => h.state)).toEqual(['consumed', 'consumed']);

      // An approved return after release puts the goods back, once.
      expect(await tx((trx) => stock.release(trx, d))).toBe(2);
      expect(await tx((trx) => stock.release(trx, d))).toBe(0);
      expect(await tx((trx) => stock.consume(trx, d))).toBe(0);
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '0' });
      expect(await level(ems, 'B')).toEqual({ onHand: '2.5', reserved: '0' });
      expect(await tx((trx) => stock.reserve(trx, d, lines))).toEqual({ ok: true });
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '0' });

      expect((await moves(ems)).filter((m) => m.decl === d)).toEqual([
        { item: 'A', kind: 'reserve', qty: '3', decl: d, ref: null },
        { item: 'B', kind: 'reserve', qty: '0.5', decl: d, ref: null },
        { item: 'A', kind: 'consume', qty: '3', decl: d, ref: null },
        { item: 'B', kind: 'consume', qty: '0.5', decl: d, ref: null },
        { item: 'A', kind: 'release', qty: '3', decl: d, ref: 'return' },
        { item: 'B', kind: 'release', qty: '0.5', decl: d, ref: 'return' },
      ]);
      expect(await stock.holds(d)).toEqual([
        { emsNo: ems, itemRecordNo: 'A', qty: '3', state: 'released' },
        { emsNo: ems, itemRecordNo: 'B', qty: '0.5', state: 'released' },
      ]);
    });

    it('drops a reservation on rejection or cancel before release', async () => {
      const d = decl();
      expect(await tx((trx) => stock.reserve(trx, d, [{ emsNo: ems, itemRecordNo: 'A', qty: '4' }]))).toEqual({ ok: true });
      expect(await tx((trx) => stock.release(trx, d))).toBe(1);
      expect(await tx((trx) => stock.release(trx, d))).toBe(0);
      expect(await tx((trx) => stock.consume(trx, d))).toBe(0);
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '0' });
      expect((await moves(ems)).filter((m) => m.decl === d).map((m) => `${m.kind} ${m.qty} ${m.ref}`)).toEqual(['reserve 4 null', 'release 4 unreserve']);
      // Consuming or releasing a declaration that holds nothing is a no-op.
      expect(await tx((trx) => stock.consume(trx, 999_999))).toBe(0);
    });

    it('keeps the ledger consistent with the items', async () => {
      const rows = await db.kysely.selectFrom('stock_moves').select(['ems_no', 'item_record_no', 'kind', 'qty', 'ref']).execute();
      const sums = new Map<string, { onHand: number; reserved: number }>();
      for (const m of rows) {
        const k = `${m.ems_no}/${m.item_record_no}`;
        const s = sums.get(k) ?? { onHand: 0, reserved: 0 };
        const q = Number(m.qty);
        if (m.kind === 'in') s.onHand += q;
        if (m.kind === 'reserve') s.reserved += q;
        if (m.kind === 'consume') {
          s.onHand -= q;
          s.reserved -= q;
        }
        if (m.kind === 'release' && m.ref === 'unreserve') s.reserved -= q;
        if (m.kind === 'release' && m.ref === 'return') s.onHand += q;
        sums.set(k, s);
      }
      const items = await db.kysely.selectFrom('stock_items').select(['ems_no', 'item_record_no', 'on_hand', 'reserved']).execute();
      for (const i of items) expect(sums.get(`${i.ems_no}/${i.item_record_no}`), `${i.ems_no}/${i.item_record_no}`).toEqual({ onHand: Number(i.on_hand), reserved: Number(i.reserved) });
    });
  });

  describe('concurrency', () => {
    /** Runs each job in its own transaction, all at once; reports how many transactions were open together. */
    async function concurrently<T>(n: number, job: (trx: Db['kysely'], i: number) => Promise<T>) {
      let open = 0;
      let maxOpen = 0;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => db.kysely.transaction().execute(async (trx) => {
        maxOpen = Math.max(maxOpen, ++open);
        try {
          await sleep(5); // let the others begin: the transactions overlap on PostgreSQL
          const r = await job(trx, i);
          await sleep(2); // hold the row locks a little before committing
          return r;
        } finally {
          open--;
        }
      })));
      return { results, maxOpen };
    }

    it('never oversells: 30 concurrent reservations of 1 unit on 10 units, exactly 10 succeed', async () => {
      const ems = book();
      await stock.stockIn(w1.id, [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '10' }]);
      const base = decl();
      declSeq += 30;
      const { results, maxOpen } = await concurrently(30, (trx, i) => stock.reserve(trx, base + i, [{ emsNo: ems, itemRecordNo: 'A', qty: '1' }]));
      if (kind === 'postgres') expect(maxOpen).toBeGreaterThan(5);
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      for (const r of results) if (!r.ok) expect(r.shortages).toEqual([{ emsNo: ems, itemRecordNo: 'A', requested: '1', available: '0' }]);
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '10' });
      expect((await moves(ems)).filter((m) => m.kind === 'reserve')).toHaveLength(10);
      const held = await db.kysely.selectFrom('stock_holds').select('declaration_id').where('ems_no', '=', ems).execute();
      expect(held).toHaveLength(10);
    });

    it('never oversells or deadlocks with multi-line declarations listing items in opposite orders', async () => {
      const ems = book();
      await stock.stockIn(w1.id, [
        { emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '10' },
        { emsNo: ems, itemRecordNo: 'B', ownerCode: e1.code, qty: '7' },
      ]);
      const base = decl();
      declSeq += 30;
      const { results } = await concurrently(30, (trx, i) => {
        const lines = [{ emsNo: ems, itemRecordNo: 'A', qty: '1' }, { emsNo: ems, itemRecordNo: 'B', qty: '1' }];
        return stock.reserve(trx, base + i, i % 2 ? lines.reverse() : lines);
      });
      expect(results.filter((r) => r.ok)).toHaveLength(7);
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '7' });
      expect(await level(ems, 'B')).toEqual({ onHand: '7', reserved: '7' });
    });

    it('reserves a declaration once when the same declaration races itself', async () => {
      const ems = book();
      await stock.stockIn(w1.id, [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '10' }]);
      const d = decl();
      const { results } = await concurrently(8, (trx) => stock.reserve(trx, d, [{ emsNo: ems, itemRecordNo: 'A', qty: '2' }]));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(await level(ems, 'A')).toEqual({ onHand: '10', reserved: '2' });
      const { results: done } = await concurrently(6, (trx) => stock.consume(trx, d));
      expect(done.reduce((a, b) => a + b, 0)).toBe(1);
      expect(await level(ems, 'A')).toEqual({ onHand: '8', reserved: '0' });
    });
  });

  describe('routes', () => {
    let http: FastifyInstance;
    const callers = (): Record<string, Caller> => ({
      ...Object.fromEntries([w1, w2, e1, e2, op, agent].map((e) => [e.code, fullCaller(e)])),
      // A regulator reads everything; a bank what enterprises consented to share (e1: its stock; e2: only its messages).
      CUSTOMS: fullCaller({ id: 9001, code: '2900000001', name: 'customs', dxpId: 'DXPENT0000011009', roles: ['customs'] }),
      BANK: { ...fullCaller({ id: 9002, code: '3301B00001', name: 'bank', dxpId: 'DXPENT0000011008', roles: ['bank'] }), shared: new Map<number, ReadonlySet<DataKind>>([[e1.id, new Set(['stock'])], [e2.id, new Set(['messages'])]]) },
      'W1-READONLY': { ...fullCaller(w1), scopes: new Set(['read'] as const) },
    });
    let ems: string;
    let ems2: string;

    beforeAll(async () => {
      http = Fastify();
      http.setErrorHandler((err: FastifyError | AppError, _req, reply) => {
        if (err instanceof AppError) return reply.status(err.status).send(err.toJSON());
        if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send(new AppError('UNSUPPORTED_MEDIA_TYPE').toJSON());
        if (err.validation) return reply.status(400).send(new AppError('INVALID_REQUEST', err.message).toJSON());
        return reply.status(err.statusCode && err.statusCode < 500 ? err.statusCode : 500).send({ error: { code: 'INTERNAL', message: err.message, issues: [] } });
      });
      const who = callers();
      const authenticate: Authenticate = async (req) => {
        const c = who[String(req.headers['x-as'])];
        if (!c) throw new AppError('UNAUTHORIZED');
        return c;
      };
      const codes = new Map([w1, w2, e1, e2, op, agent].map((e) => [e.id, e.code]));
      await http.register(stockRoutes, { service: stock, authenticate, maxCsvBytes: 4096, codeOf: async (id) => codes.get(id) ?? null });
      await http.ready();
      ems = book();
      ems2 = book();
    });
    afterAll(() => http?.close());

    const post = (as: string | null, payload: string | object, type = 'application/json') =>
      http.inject({ method: 'POST', url: '/api/v1/stock/in', headers: { ...(as ? { 'x-as': as } : {}), 'content-type': type }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    const get = (as: string, url: string) => http.inject({ method: 'GET', url, headers: { 'x-as': as } });
    const list = async (as: string, query = '') => {
      const res = await get(as, `/api/v1/stock${query}`);
      expect(res.statusCode).toBe(200);
      return (res.json() as { items: Array<{ emsNo: string; itemRecordNo: string }> }).items.filter((i) => i.emsNo === ems || i.emsNo === ems2).map((i) => `${i.emsNo === ems ? 1 : 2}/${i.itemRecordNo}`).sort();
    };

    it('books stock in from JSON, for warehouses only', async () => {
      const res = await post(w1.code, { items: [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '4' }, { emsNo: ems, itemRecordNo: 'B', ownerCode: e2.code, qty: 2 }] });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ moves: 2, items: [{ itemRecordNo: 'A', onHand: '4', available: '4' }, { itemRecordNo: 'B', onHand: '2' }] });
      expect((await post(e1.code, { items: [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '1' }] })).statusCode).toBe(403);
      // Regulators change nothing; a key without the manage scope books nothing in.
      for (const who of ['CUSTOMS', 'W1-READONLY']) expect((await post(who, { items: [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, qty: '1' }] })).statusCode, who).toBe(403);
      expect((await post(null, { items: [] })).statusCode).toBe(401);
      expect((await post(w1.code, '{"items":[]}')).statusCode).toBe(400);
      expect((await post(w1.code, 'emsNo', 'text/plain')).statusCode).toBe(415);
      const bad = await post(w1.code, { items: [{ emsNo: ems, itemRecordNo: 'A', ownerCode: e2.code, qty: '1.5' }] });
      expect(bad.statusCode).toBe(400);
      expect((bad.json() as ErrorBody).error.issues).toEqual([{ path: 'items[0].ownerCode', rule: 'owner', expected: e1.code, actual: e2.code }]);
    });

    it('books stock in from CSV', async () => {
      const csv = '\uFEFFemsNo,itemRecordNo,ownerCode,qty,gcode,name,ref\r\n' +
        `${ems2},C,${e1.code},1.5,0402210000,"Milk powder, 800g",QD-7\r\n` +
        `${ems2},C,${e1.code},0.5,,,\r\n`;
      const res = await post(w2.code, csv, 'text/csv; charset=utf-8');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ moves: 2, items: [{ emsNo: ems2, itemRecordNo: 'C', ownerCode: e1.code, warehouseId: w2.id, onHand: '2', name: 'Milk powder, 800g', gcode: '0402210000' }] });
      expect((await moves(ems2)).map((m) => m.ref)).toEqual(['QD-7', null]);
    });

    it('refuses a bad CSV as a whole, naming each bad line and column', async () => {
      const csv = 'emsNo,itemRecordNo,ownerCode,qty\n' +
        `${ems2},C,${e1.code},1\n` +
        `${ems2},D,${e1.code},abc\n` +
        `${ems2},E,${e1.code}\n` +
        `${ems2},F,,1.123456\n`;
      const res = await post(w2.code, csv, 'text/csv');
      expect(res.statusCode).toBe(400);
      const body = res.json() as ErrorBody;
      expect(body.error.code).toBe('INVALID_REQUEST');
      expect(body.error.issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['line[4] columns']);
      const res2 = await post(w2.code, csv.replace(`${ems2},E,${e1.code}\n`, ''), 'text/csv');
      expect((res2.json() as ErrorBody).error.issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['line[3].qty decimal', 'line[4].ownerCode required', 'line[4].qty decimal']);
      // Conflicts with the stock on record are named by line too; the good line 2 was not booked.
      const res3 = await post(w2.code, `emsNo,itemRecordNo,ownerCode,qty\n${ems2},C,${e1.code},1\n${ems2},C,${e2.code},1\n`, 'text/csv');
      expect((res3.json() as ErrorBody).error.issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['line[3].ownerCode owner']);
      expect(await level(ems2, 'C')).toEqual({ onHand: '2', reserved: '0' });
      expect((await post(w2.code, 'emsNo,itemRecordNo,ownerCode,qty\n' + 'x'.repeat(5000), 'text/csv')).statusCode).toBe(413);
      expect((await post(w2.code, Buffer.from([0x65, 0x6d, 0xff, 0xfe]).toString('latin1'), 'text/csv')).statusCode).toBe(400);
    });

    it('shows a warehouse what it keeps, an owner what it owns, the operator everything', async () => {
      expect(await list(w1.code)).toEqual(['1/A', '1/B']);
      expect(await list(w2.code)).toEqual(['2/C']);
      expect(await list(e1.code)).toEqual(['1/A', '2/C']);
      expect(await list(e2.code)).toEqual(['1/B']);
      expect(await list(op.code)).toEqual(['1/A', '1/B', '2/C']);
      expect(await list(op.code, `?ownerCode=${e1.code}`)).toEqual(['1/A', '2/C']);
      expect(await list(op.code, `?warehouseId=${w2.id}`)).toEqual(['2/C']);
      expect(await list(w1.code, `?emsNo=${ems}&ownerCode=${e2.code}`)).toEqual(['1/B']);
      expect(await list(e1.code, `?ownerCode=${e2.code}`)).toEqual([]);
      expect((await get(agent.code, '/api/v1/stock')).statusCode).toBe(403);
      expect(await list('CUSTOMS')).toEqual(['1/A', '1/B', '2/C']);
      expect(await list('BANK')).toEqual(['1/A', '2/C']);
      expect(await list('BANK', `?ownerCode=${e2.code}`)).toEqual([]);
      const one = (await get(e1.code, `/api/v1/stock?emsNo=${ems}`)).json() as { items: unknown[] };
      expect(one.items).toEqual([expect.objectContaining({ emsNo: ems, itemRecordNo: 'A', ownerCode: e1.code, warehouseId: w1.id, onHand: '4', reserved: '0', available: '4', gcode: null })]);
    });

    it('shows one item with its ledger to those who may see it, 404 to others', async () => {
      const url = `/api/v1/stock/${ems}/A`;
      for (const who of [w1.code, e1.code, op.code]) {
        const res = await get(who, url);
        expect(res.statusCode, who).toBe(200);
        expect(res.json()).toMatchObject({ item: { emsNo: ems, itemRecordNo: 'A', onHand: '4' }, moves: [{ kind: 'in', qty: '4', declarationId: null }] });
      }
      for (const who of [w2.code, e2.code]) expect((await get(who, url)).statusCode, who).toBe(404);
      for (const who of ['CUSTOMS', 'BANK']) expect((await get(who, url)).statusCode, who).toBe(200);
      expect((await get('BANK', `/api/v1/stock/${ems}/B`)).statusCode).toBe(404);
      expect((await get(op.code, `/api/v1/stock/${ems}/NOPE`)).statusCode).toBe(404);
      expect((await get(agent.code, url)).statusCode).toBe(403);
    });
  });
});
