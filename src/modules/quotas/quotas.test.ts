import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDb, type Db } from '../../db/index.ts';
import { freshPostgresDatabase, tempDir } from '../../../test/support/db.ts';
import { buyerKey, createQuotas, QUOTA_ANNUAL_LIMIT_FEN, type HoldChange, type QuotasService, type ReserveInput, type ReserveResult } from './index.ts';

const pgUrl = inject('pgUrl');

let idSeq = 0;
/** A fresh, realistic-looking 18-character ID number per call: every test gets its own buyers. */
const newIdNumber = () => `1101011990${String(++idSeq).padStart(7, '0')}X`;
let declSeq = 0;
const newDecl = () => ++declSeq;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('buyerKey', () => {
  it('is the SHA-256 hex of the trimmed, upper-cased ID number', () => {
    const k = buyerKey('11010119900307001X');
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(k).toBe(createHash('sha256').update('11010119900307001X').digest('hex'));
    expect(buyerKey(' 11010119900307001x \n')).toBe(k);
    expect(buyerKey('110101199003070010')).not.toBe(buyerKey('110101199003070011'));
    expect(() => buyerKey('   ')).toThrow(/empty/);
  });
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUrl)(`quotas on ${dialect}`, () => {
    let db: Db;
    let quotas: QuotasService;
    const cleanups: Array<() => Promise<void> | void> = [];

    beforeAll(async () => {
      const dir = tempDir();
      cleanups.push(() => dir.cleanup());
      if (dialect === 'postgres') {
        const fresh = await freshPostgresDatabase(pgUrl!);
        cleanups.push(() => fresh.drop());
        db = await openDb({ url: fresh.url, dataDir: dir.path });
      } else {
        db = await openDb({ dataDir: dir.path });
      }
      cleanups.push(() => db.close());
      quotas = createQuotas(db.kysely);
    });

    afterAll(async () => {
      while (cleanups.length) await cleanups.pop()!();
    });

    /** reserve() in a transaction of its own, as the clearance module will call it. */
    const reserve = (input: ReserveInput): Promise<ReserveResult> => db.kysely.transaction().execute((trx) => quotas.reserve(trx, input));
    const consume = (id: number) => db.kysely.transaction().execute((trx) => quotas.consume(trx, id));
    const release = (id: number) => db.kysely.transaction().execute((trx) => quotas.release(trx, id));
    const holdsOf = (idNumber: string, year: number) =>
      db.kysely.selectFrom('quota_holds').selectAll().where('buyer_key', '=', buyerKey(idNumber)).where('year', '=', year).execute();

    /** The counters equal the sum of the holds, state by state, and never exceed the annual limit. */
    async function expectConsistent(idNumber: string, year: number) {
      const u = await quotas.usage(idNumber, year);
      const holds = await holdsOf(idNumber, year);
      const sum = (state: string) => holds.filter((h) => h.state === state).reduce((s, h) => s + Number(h.amount_fen), 0);
      expect(u.reservedFen).toBe(sum('reserved'));
      expect(u.consumedFen).toBe(sum('consumed'));
      expect(u.reservedFen + u.consumedFen).toBeLessThanOrEqual(QUOTA_ANNUAL_LIMIT_FEN);
      expect(u.remainingFen).toBe(QUOTA_ANNUAL_LIMIT_FEN - u.reservedFen - u.consumedFen);
      return u;
    }

    it('stores the buyer only as a hash', async () => {
      const idNumber = newIdNumber();
      await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 100 });
      const rows = await db.kysely.selectFrom('buyer_quotas').selectAll().where('buyer_key', '=', buyerKey(idNumber)).execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(await db.kysely.selectFrom('quota_holds').selectAll().execute())).not.toContain(idNumber);
      // the same person written with a lower-case x and blanks is the same buyer
      expect((await quotas.usage(` ${idNumber.toLowerCase()} `, 2025)).reservedFen).toBe(100);
    });

    it('refuses a transaction over 5,000.00 yuan with -621005, unless it is a single indivisible item', async () => {
      const idNumber = newIdNumber();
      expect(await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 500_000 })).toEqual({ ok: true, remainingFen: 2_100_000 });

      const over = newDecl();
      const r = await reserve({ declarationId: over, idNumber, year: 2025, amountFen: 500_001 });
      expect(r).toMatchObject({ ok: false, code: '-621005', remainingFen: 2_100_000 });
      if (r.ok) throw new Error('unreachable');
      expect(r.message).toMatch(/^订购人单次交易金额 5000\.01 元超过跨境电商零售进口单次交易限值 5000\.00 元，年度剩余额度 21000\.00 元 \(single transaction limit exceeded/);
      expect(r.message).toContain('21000.00 yuan of the annual limit remaining');
      expect(await quotas.hold(over)).toBeUndefined();

      // a single indivisible item over 5,000 is allowed within the annual limit, and counts toward it
      expect(await reserve({ declarationId: over, idNumber, year: 2025, amountFen: 1_800_000, singleItemOverLimit: true })).toEqual({ ok: true, remainingFen: 300_000 });
      const big = await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 300_001, singleItemOverLimit: true });
      expect(big).toMatchObject({ ok: false, code: '-621018', remainingFen: 300_000 });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 2_300_000, consumedFen: 0, remainingFen: 300_000 });
    });

    it('fits exactly 26,000.00 yuan a year and refuses 0.01 more with -621018', async () => {
      const idNumber = newIdNumber();
      for (let i = 0; i < 5; i++) expect((await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 500_000 })).ok).toBe(true);
      expect(await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 100_000 })).toEqual({ ok: true, remainingFen: 0 });
      const refused = newDecl();
      expect(await reserve({ declarationId: refused, idNumber, year: 2025, amountFen: 1 })).toEqual({
        ok: false,
        code: '-621018',
        remainingFen: 0,
        message: '订购人年度跨境电商零售进口个人额度不足，剩余额度 0.00 元 (annual personal limit exceeded: 0.00 yuan remaining)',
      });
      expect(await quotas.hold(refused)).toBeUndefined();
      expect(await reserve({ declarationId: refused, idNumber, year: 2025, amountFen: 0 })).toEqual({ ok: true, remainingFen: 0 });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 2_600_000, consumedFen: 0, remainingFen: 0 });

      // one single item: 26,000.00 fits on a fresh year, 26,000.01 does not
      const other = newIdNumber();
      expect(await reserve({ declarationId: newDecl(), idNumber: other, year: 2025, amountFen: 2_600_001, singleItemOverLimit: true })).toMatchObject({ ok: false, code: '-621018', remainingFen: 2_600_000 });
      expect(await reserve({ declarationId: newDecl(), idNumber: other, year: 2025, amountFen: 2_600_000, singleItemOverLimit: true })).toEqual({ ok: true, remainingFen: 0 });
    });

    it('names the remaining amount in the refusal, customs style', async () => {
      const idNumber = newIdNumber();
      await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 2_480_000, singleItemOverLimit: true });
      const r = await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 150_000 });
      expect(r).toEqual({
        ok: false,
        code: '-621018',
        remainingFen: 120_000,
        message: '订购人年度跨境电商零售进口个人额度不足，剩余额度 1200.00 元 (annual personal limit exceeded: 1200.00 yuan remaining)',
      });
    });

    it('is idempotent per declaration', async () => {
      const idNumber = newIdNumber();
      const id = newDecl();
      expect(await reserve({ declarationId: id, idNumber, year: 2025, amountFen: 300_000 })).toEqual({ ok: true, remainingFen: 2_300_000 });
      expect(await reserve({ declarationId: id, idNumber, year: 2025, amountFen: 300_000 })).toEqual({ ok: true, remainingFen: 2_300_000 });
      // a repeat with other figures does not change what the declaration holds
      expect(await reserve({ declarationId: id, idNumber, year: 2025, amountFen: 999_999 })).toEqual({ ok: true, remainingFen: 2_300_000 });
      await consume(id);
      expect(await reserve({ declarationId: id, idNumber, year: 2025, amountFen: 300_000 })).toEqual({ ok: true, remainingFen: 2_300_000 });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 0, consumedFen: 300_000, remainingFen: 2_300_000 });
      expect(await holdsOf(idNumber, 2025)).toHaveLength(1);
    });

    it('moves reserved to consumed at release and gives everything back on release, idempotently', async () => {
      const idNumber = newIdNumber();
      const [a, b, c] = [newDecl(), newDecl(), newDecl()];
      await reserve({ declarationId: a, idNumber, year: 2025, amountFen: 100_000 });
      await reserve({ declarationId: b, idNumber, year: 2025, amountFen: 200_000 });
      await reserve({ declarationId: c, idNumber, year: 2025, amountFen: 400_000 });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 700_000, consumedFen: 0, remainingFen: 1_900_000 });

      expect(await consume(a)).toEqual({ changed: true, state: 'consumed' });
      expect(await consume(a)).toEqual({ changed: false, state: 'consumed' });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 600_000, consumedFen: 100_000, remainingFen: 1_900_000 });

      // rejected before release: the reservation goes back
      expect(await release(b)).toEqual({ changed: true, state: 'released' });
      expect(await release(b)).toEqual({ changed: false, state: 'released' });
      expect(await consume(b)).toEqual({ changed: false, state: 'released' });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 400_000, consumedFen: 100_000, remainingFen: 2_100_000 });

      // returned after release: the consumption goes back
      expect(await release(a)).toEqual({ changed: true, state: 'released' });
      expect(await release(a)).toEqual({ changed: false, state: 'released' });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 400_000, consumedFen: 0, remainingFen: 2_200_000 });

      await consume(c);
      await release(c);
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 0, consumedFen: 0, remainingFen: 2_600_000 });

      // nothing held: nothing to do
      expect(await consume(newDecl())).toEqual({ changed: false, state: null });
      expect(await release(newDecl())).toEqual({ changed: false, state: null });

      // a released declaration that reserves again counts again, within the limit
      expect(await reserve({ declarationId: b, idNumber, year: 2025, amountFen: 250_000 })).toEqual({ ok: true, remainingFen: 2_350_000 });
      expect(await quotas.hold(b)).toMatchObject({ state: 'reserved', amountFen: 250_000 });
      expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 250_000, consumedFen: 0, remainingFen: 2_350_000 });
    });

    it('a released declaration refused on reserving again stays released', async () => {
      const idNumber = newIdNumber();
      const id = newDecl();
      await reserve({ declarationId: id, idNumber, year: 2025, amountFen: 100_000 });
      await release(id);
      await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 2_600_000, singleItemOverLimit: true });
      expect(await reserve({ declarationId: id, idNumber, year: 2025, amountFen: 100_000 })).toMatchObject({ ok: false, code: '-621018' });
      expect(await quotas.hold(id)).toMatchObject({ state: 'released', amountFen: 100_000 });
      await expectConsistent(idNumber, 2025);
    });

    it('counts each calendar year on its own', async () => {
      const idNumber = newIdNumber();
      expect((await reserve({ declarationId: newDecl(), idNumber, year: 2024, amountFen: 2_600_000, singleItemOverLimit: true })).ok).toBe(true);
      expect(await reserve({ declarationId: newDecl(), idNumber, year: 2024, amountFen: 1 })).toMatchObject({ ok: false, code: '-621018' });
      expect(await reserve({ declarationId: newDecl(), idNumber, year: 2025, amountFen: 500_000 })).toEqual({ ok: true, remainingFen: 2_100_000 });
      expect(await quotas.usage(idNumber, 2024)).toEqual({ reservedFen: 2_600_000, consumedFen: 0, remainingFen: 0 });
      expect(await quotas.usage(idNumber, 2025)).toEqual({ reservedFen: 500_000, consumedFen: 0, remainingFen: 2_100_000 });
      expect(await quotas.usage(idNumber, 2026)).toEqual({ reservedFen: 0, consumedFen: 0, remainingFen: 2_600_000 });
    });

    it("commits and rolls back with the caller's transaction", async () => {
      const idNumber = newIdNumber();
      const id = newDecl();
      await expect(
        db.kysely.transaction().execute(async (trx) => {
          expect((await quotas.reserve(trx, { declarationId: id, idNumber, year: 2025, amountFen: 100_000 })).ok).toBe(true);
          throw new Error('the caller fails later');
        }),
      ).rejects.toThrow('the caller fails later');
      expect(await quotas.usage(idNumber, 2025)).toEqual({ reservedFen: 0, consumedFen: 0, remainingFen: 2_600_000 });
      expect(await quotas.hold(id)).toBeUndefined();

      // a refusal inside a transaction the caller commits anyway leaves nothing behind
      await db.kysely.transaction().execute(async (trx) => {
        await quotas.reserve(trx, { declarationId: newDecl(), idNumber, year: 2025, amountFen: 2_600_000, singleItemOverLimit: true });
        expect((await quotas.reserve(trx, { declarationId: id, idNumber, year: 2025, amountFen: 1 })).ok).toBe(false);
      });
      expect(await quotas.hold(id)).toBeUndefined();
      await expectConsistent(idNumber, 2025);
    });

    it('validates its input', async () => {
      await expect(reserve({ declarationId: newDecl(), idNumber: newIdNumber(), year: 2025, amountFen: 1.5 })).rejects.toThrow(RangeError);
      await expect(reserve({ declarationId: newDecl(), idNumber: newIdNumber(), year: 2025, amountFen: -1 })).rejects.toThrow(RangeError);
      await expect(reserve({ declarationId: 0, idNumber: newIdNumber(), year: 2025, amountFen: 1 })).rejects.toThrow(RangeError);
      await expect(reserve({ declarationId: newDecl(), idNumber: ' ', year: 2025, amountFen: 1 })).rejects.toThrow(/empty/);
    });

    describe('under concurrency', () => {
      /** Runs each job in its own transaction, all at once; records how many transactions were open together. */
      async function concurrently<T>(jobs: Array<(trx: Db['kysely']) => Promise<T>>) {
        let open = 0;
        let maxOpen = 0;
        const results = await Promise.all(
          jobs.map((job) =>
            db.kysely.transaction().execute(async (trx) => {
              maxOpen = Math.max(maxOpen, ++open);
              try {
                const r = await job(trx);
                await sleep(Math.random() * 3); // keep the row locked a little while others queue on it
                return r;
              } finally {
                open--;
              }
            }),
          ),
        );
        return { results, maxOpen };
      }

      it('lets exactly 26 of 60 concurrent 1,000.00-yuan reservations through', async () => {
        const idNumber = newIdNumber();
        let running = true;
        let samples = 0;
        const watcher = (async () => {
          while (running) {
            const u = await quotas.usage(idNumber, 2025);
            expect(u.reservedFen + u.consumedFen).toBeLessThanOrEqual(QUOTA_ANNUAL_LIMIT_FEN);
            samples++;
            await sleep(1);
          }
        })();
        const { results, maxOpen } = await concurrently(
          Array.from({ length: 60 }, () => (trx: Db['kysely']) => quotas.reserve(trx, { declarationId: newDecl(), idNumber, year: 2025, amountFen: 100_000 })),
        );
        running = false;
        await watcher;

        expect(results.filter((r) => r.ok)).toHaveLength(26);
        const refused = results.filter((r) => !r.ok);
        expect(refused).toHaveLength(34);
        for (const r of refused) expect(r).toMatchObject({ ok: false, code: '-621018', remainingFen: 0 });
        expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 2_600_000, consumedFen: 0, remainingFen: 0 });
        expect(await holdsOf(idNumber, 2025)).toHaveLength(26);
        expect(samples).toBeGreaterThan(0);
        // PostgreSQL: a real pool, so the transactions truly overlapped; SQLite serialises them.
        if (dialect === 'postgres') expect(maxOpen).toBeGreaterThan(1);
        else expect(maxOpen).toBe(1);
      });

      it('keeps the books straight while reserving, consuming and releasing at once', async () => {
        const idNumber = newIdNumber();
        const existing = Array.from({ length: 20 }, () => newDecl());
        for (const id of existing) await reserve({ declarationId: id, idNumber, year: 2025, amountFen: 100_000 });
        const jobs: Array<(trx: Db['kysely']) => Promise<ReserveResult | HoldChange>> = [
          ...existing.slice(0, 10).map((id) => (trx: Db['kysely']) => quotas.release(trx, id)),
          ...existing.slice(10).map((id) => (trx: Db['kysely']) => quotas.consume(trx, id)),
          ...existing.slice(10, 15).map((id) => (trx: Db['kysely']) => quotas.release(trx, id)), // returned after (or before) release
          ...Array.from({ length: 20 }, () => (trx: Db['kysely']) => quotas.reserve(trx, { declarationId: newDecl(), idNumber, year: 2025, amountFen: 100_000 })),
        ].sort(() => Math.random() - 0.5);
        const { results } = await concurrently(jobs);
        const oks = results.filter((r) => 'ok' in r && r.ok).length;
        // 6 fit before any release, 16 once the ten releases are through, 21 with the five more
        expect(oks).toBeGreaterThanOrEqual(6);
        expect(oks).toBeLessThanOrEqual(20);
        // every old hold ended consumed (15–19) or released (0–14): what stays reserved is the new ones
        expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: oks * 100_000, consumedFen: 500_000, remainingFen: 2_100_000 - oks * 100_000 });
        const states = new Map((await holdsOf(idNumber, 2025)).map((h) => [Number(h.declaration_id), h.state]));
        for (const id of existing) expect(states.get(id)).toBe(existing.indexOf(id) < 15 ? 'released' : 'consumed');
      });

      it('counts a declaration reserved concurrently by several transactions once', async () => {
        const idNumber = newIdNumber();
        const id = newDecl();
        const { results } = await concurrently(Array.from({ length: 12 }, () => (trx: Db['kysely']) => quotas.reserve(trx, { declarationId: id, idNumber, year: 2025, amountFen: 250_000 })));
        for (const r of results) expect(r).toEqual({ ok: true, remainingFen: 2_350_000 });
        expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 250_000, consumedFen: 0, remainingFen: 2_350_000 });
      });

      it('lets concurrent reservations of different buyers all through', async () => {
        const buyers = Array.from({ length: 40 }, () => newIdNumber());
        const { results } = await concurrently(
          buyers.flatMap((idNumber) => [
            (trx: Db['kysely']) => quotas.reserve(trx, { declarationId: newDecl(), idNumber, year: 2025, amountFen: 500_000 }),
            (trx: Db['kysely']) => quotas.reserve(trx, { declarationId: newDecl(), idNumber, year: 2025, amountFen: 2_000_000, singleItemOverLimit: true }),
          ]),
        );
        expect(results.every((r) => r.ok)).toBe(true);
        for (const idNumber of buyers) expect(await expectConsistent(idNumber, 2025)).toEqual({ reservedFen: 2_500_000, consumedFen: 0, remainingFen: 100_000 });
      });
    });
  });
}
