/**
 * The declarations list at volume, on each database: an e-commerce enterprise whose records
 * mostly come through an agent, a bank with more consenting enterprises than one statement
 * takes, a regulator. Every page equals the one worked out by brute force, and the plans read
 * each source by its index in the list's order and stop after a page — no scan of a table, no
 * sort of a source's history (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE's row counts).
 */
import BetterSqlite from 'better-sqlite3';
import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../db/index.ts';
import '../../db/index.ts'; // its PostgreSQL int8 parser: ids as numbers
import { migrateToLatest } from '../../db/migrate.ts';
import { freshPostgresDatabase, tempDir } from '../../../test/support/db.ts';
import { listDeclarations, listOrder, type ListFilter } from './list.query.ts';

const pgUrl = inject('pgUrl');
const MESSAGES = 12_000;
const LIMIT = 11; // a page of 10 and one more, as the service asks
const EBC = 1;
const AGENT = 2;
const BANK = 3;
/** Enterprises that consented to the bank: more than one statement takes (50). */
const CONSENTING = Array.from({ length: 60 }, (_, i) => 4 + i);

/**
 * Message i (1…): the e-commerce enterprise's own (3%), the agent's in its name (25%), the
 * agent's for a consenting enterprise (30%), a consenting enterprise's own (37%), others' (5%).
 * One record in two messages of three, three records in the others.
 */
async function seed(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
  const n = sql`(with recursive n(i) as (select 1 union all select i + 1 from n where i < ${MESSAGES}) select i from n) x`;
  // Spread evenly: i * 37 mod 100 runs through 0…99 in a shuffled order.
  const r = sql`(i * 37) % 100`;
  const kind = sql`case when ${r} < 3 then 'own' when ${r} < 28 then 'for-ebc' when ${r} < 58 then 'for-other' when ${r} < 95 then 'other' else 'noise' end`;
  await sql`insert into enterprises (code, name, dxp_id, roles, created_at) select 'V' || i, 'v', 'DXPV' || i, 'ebc', 0 from (with recursive n(i) as (select 1 union all select i + 1 from n where i < 70) select i from n) x`.execute(db);
  await sql`insert into messages (enterprise_id, message_type, guid, idem_key, body, body_format, encoding, record_count, status, cop_msg_id, sender_dxp_id, received_at)
    select case k when 'own' then ${EBC} when 'for-ebc' then ${AGENT} when 'for-other' then ${AGENT} when 'other' then 4 + (i % 60) else 70 end,
      k, 'g' || i, 'k' || i, ${dialect === 'sqlite' ? sql`x''` : sql`''::bytea`}, 'xml', 'UTF-8', case when i % 3 = 0 then 3 else 1 end, 'accepted', 'c' || i, 'DXPV', 1700000000000 + i * 1000
    from (select i, ${kind} as k from ${n}) y order by i`.execute(db);
  await sql`insert into message_parties (message_id, enterprise_id)
    select id, case message_type when 'for-ebc' then ${EBC} else 4 + (id % 60) end from messages where message_type in ('for-ebc', 'for-other')`.execute(db);
  await sql`insert into declarations (message_id, seq, enterprise_id, message_type, guid, corr_key, status, fields, updated_at)
    select m.id, s.seq, m.enterprise_id, 'CEB621Message', m.guid || '-' || s.seq, 'ck' || m.id || '-' || s.seq,
      case when (m.id + s.seq) % 7 = 0 then 'rejected' else 'accepted' end, '{}', m.received_at
    from messages m join (select 0 as seq union all select 1 union all select 2) s on s.seq < m.record_count order by m.id, s.seq`.execute(db);
  await sql`update messages set message_type = 'CEB621Message'`.execute(db);
  await sql`insert into declaration_numbers (number, declaration_id) select 'N' || id, id from declarations`.execute(db);
  await sql`analyze`.execute(db);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe.skipIf(dialect === 'postgres' && !pgUrl)(`declarations list at volume on ${dialect}`, () => {
    let db: Kysely<Database>;
    let raw: BetterSqlite.Database | undefined;
    const cleanups: Array<() => unknown> = [];
    const statements: CompiledQuery[] = [];
    let all: Array<{ id: number; message_id: number; seq: number; enterprise_id: number; status: string }>;
    const partiesOf = new Map<number, number[]>();

    beforeAll(async () => {
      const dir = tempDir();
      cleanups.push(() => dir.cleanup());
      const log = (e: { level: string; query: CompiledQuery }) => void (e.level === 'query' && statements.push(e.query));
      if (dialect === 'postgres') {
        const fresh = await freshPostgresDatabase(pgUrl!);
        cleanups.push(() => fresh.drop());
        db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: fresh.url, max: 2 }) }), log });
      } else {
        raw = new BetterSqlite(`${dir.path}/list.db`);
        db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }), log });
      }
      cleanups.push(() => db.destroy());
      await migrateToLatest(db, dialect);
      await seed(db, dialect);
      all = (await db.selectFrom('declarations').select(['id', 'message_id', 'seq', 'enterprise_id', 'status']).execute()).sort(listOrder);
      for (const p of await db.selectFrom('message_parties').select(['message_id', 'enterprise_id']).execute()) {
        partiesOf.set(p.message_id, [...(partiesOf.get(p.message_id) ?? []), p.enterprise_id]);
      }
    }, 120_000);

    afterAll(async () => {
      while (cleanups.length) await cleanups.pop()!();
    });

    /** What the readers may read, narrowed by the filter, in the list's order: by brute force. */
    const expected = (readers: number[] | null, status?: string) =>
      all.filter((d) => (!readers || readers.includes(d.enterprise_id) || (partiesOf.get(d.message_id) ?? []).some((e) => readers.includes(e))) && (!status || d.status === status));

    /** A page through the list, checked against brute force; the statements it ran. */
    async function page(f: ListFilter, want: typeof all) {
      statements.length = 0;
      const rows = await listDeclarations(db, f);
      expect(rows.map((r) => r.id)).toEqual(want.slice(0, f.limit).map((r) => r.id));
      return [...statements];
    }

    /**
     * SQLite: no table scanned (but a regulator's walk down the messages' index), no sort beside a
     * table's search (a source sorted before its LIMIT).
     */
    function expectSqlitePlan(q: CompiledQuery, uses: RegExp[]) {
      const plan = raw!.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ id: number; parent: number; detail: string }>;
      const text = plan.map((r) => r.detail).join('\n');
      expect(text.replace(/^SCAN d USING (COVERING )?INDEX declarations_message$/m, '')).not.toMatch(/^SCAN (d|p|m|r|declarations|message_parties|messages)\b/m);
      // (Beside lookups by primary key, a sort orders only the rows found.)
      for (const search of plan.filter((r) => /^(SEARCH|SCAN) (d|p|declarations|message_parties)\b(?!.*PRIMARY KEY)/.test(r.detail))) {
        const siblings = plan.filter((r) => r.parent === search.parent).map((r) => r.detail);
        expect(siblings.filter((d) => d.includes('TEMP B-TREE')), text).toEqual([]);
      }
      for (const u of uses) expect(text).toMatch(u);
    }

    /** PostgreSQL: no sequential scan; rows read by all scans (kept or filtered out), for a bound. */
    async function pgRowsRead(q: CompiledQuery): Promise<number> {
      const [{ 'QUERY PLAN': plan }] = (await db.executeQuery(CompiledQuery.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, [...q.parameters]))).rows as Array<{ 'QUERY PLAN': unknown }>;
      type Node = Record<string, unknown> & { Plans?: Node[] };
      let read = 0;
      const walk = (n: Node) => {
        expect(n['Node Type'], JSON.stringify(plan)).not.toBe('Seq Scan');
        if (n['Relation Name']) read += (Number(n['Actual Rows']) + Number(n['Rows Removed by Filter'] ?? 0) + Number(n['Rows Removed by Index Recheck'] ?? 0)) * Number(n['Actual Loops']);
        for (const c of n.Plans ?? []) walk(c);
      };
      walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan as Node);
      return read;
    }

    /** Each statement reads at most a few pages' worth of rows per source (arms), whatever the history. */
    async function expectBounded(qs: CompiledQuery[], sources: number, uses: RegExp[] = []) {
      for (const q of qs) {
        if (dialect === 'sqlite') expectSqlitePlan(q, uses);
        else expect(await pgRowsRead(q)).toBeLessThanOrEqual(6 * (sources + 1) * LIMIT);
      }
    }

    const cursorAt = (rows: typeof all, n: number) => ({ messageId: rows[n].message_id, seq: rows[n].seq });
    const OWN = /SEARCH d USING (COVERING )?INDEX declarations_enterprise_message \(enterprise_id=\?/;
    const PARTIES = /SEARCH p USING COVERING INDEX message_parties_enterprise_message \(enterprise_id=\?/;

    it('lists an e-commerce enterprise\'s own and agent-declared records from both indexes, a page at a time', async () => {
      const want = expected([EBC]);
      expect(want.length).toBeGreaterThan(4000);
      expect(want.filter((d) => d.enterprise_id === AGENT).length).toBeGreaterThan(want.length * 0.8);
      await expectBounded(await page({ readers: [EBC], limit: LIMIT }, want), 2, [OWN, PARTIES]);
      const mid = Math.floor(want.length / 2);
      await expectBounded(await page({ readers: [EBC], limit: LIMIT, before: cursorAt(want, mid) }, want.slice(mid + 1)), 2, [OWN, PARTIES]);
      const rejected = expected([EBC], 'rejected');
      const at = want.indexOf(rejected[Math.floor(rejected.length / 2)]);
      await page({ readers: [EBC], limit: LIMIT, status: 'rejected', before: cursorAt(want, at) }, rejected.filter((d) => listOrder(d, want[at]) > 0));
    });

    it('pages through all of it, merging both sources, with nothing skipped or repeated', async () => {
      const want = expected([EBC]);
      const seen: number[] = [];
      let before: ListFilter['before'];
      for (let n = 0; n < 100; n++) {
        const rows = await listDeclarations(db, { readers: [EBC], limit: 301, before });
        seen.push(...rows.slice(0, 300).map((r) => r.id));
        if (rows.length <= 300) break;
        before = { messageId: rows[299].message_id, seq: rows[299].seq };
      }
      expect(seen).toEqual(want.map((d) => d.id));
    });

    it('lists a bank\'s consenting enterprises in statements of 50, each source stopping after a page', async () => {
      const readers = [BANK, ...CONSENTING];
      const want = expected(readers);
      const first = await page({ readers, limit: LIMIT }, want);
      expect(first).toHaveLength(2);
      await expectBounded(first, 100, [OWN, PARTIES]);
      const mid = Math.floor(want.length / 2);
      await expectBounded(await page({ readers, limit: LIMIT, before: cursorAt(want, mid) }, want.slice(mid + 1)), 100, [OWN, PARTIES]);
    });

    it('lists everything for a regulator by the messages\' index', async () => {
      const want = expected(null);
      await expectBounded(await page({ readers: null, limit: LIMIT }, want), 1, [/(SEARCH|SCAN) d USING (COVERING )?INDEX declarations_message\b/]);
      const mid = Math.floor(want.length / 3);
      await expectBounded(await page({ readers: null, limit: LIMIT, before: cursorAt(want, mid) }, want.slice(mid + 1)), 1);
    });

    it('finds a number from its indexes, then checks who may read it', async () => {
      const target = expected([EBC]).find((d) => d.id % 97 === 0 && d.enterprise_id === AGENT)!;
      for (const readers of [[EBC], [AGENT], [BANK, ...CONSENTING], null]) {
        const want = expected(readers).filter((d) => d.id === target.id);
        expect(want.length).toBe(readers?.[0] === BANK ? 0 : 1);
        await expectBounded(await page({ readers, q: `N${target.id}`, limit: LIMIT }, want), 1, [/SEARCH declaration_numbers USING COVERING INDEX/, /SEARCH d USING INTEGER PRIMARY KEY/]);
      }
    });
  });
}
