/**
 * The declarations list of the workbench (GET /api/v1/declarations) through the real API on every
 * database of the run: a 9610 flow is found by each of its numbers by those who may read it and by
 * nobody else; filters, paging and bad parameters; the numbers of records stored before the
 * search table existed (the migration's backfill); what the message view adds for the console.
 */
import path from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from '../../src/db/index.ts';
import { DeclarationsRepository } from '../../src/modules/declarations/declarations.repository.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage, type Flow } from '../../src/demo/flows.ts';
import { up as searchMigration } from '../../src/db/migrations/0018_declaration_search.ts';
import { up as listOrderMigration } from '../../src/db/migrations/0019_declaration_list_order.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';
import { CODES } from '../../src/modules/clearance/index.ts';
import type { ListItem as Item, ListPage as Page } from '../../src/modules/declarations/index.ts';
import fs from 'node:fs';

type Role = 'ebp' | 'payment' | 'logistics' | 'agent' | 'ebc' | 'customs' | 'warehouse';

interface Shown {
  records: Array<{ id: number; status: string; preNo: string | null; invtNo: string | null; fields: Record<string, Record<string, string>> }>;
  clearance?: Array<{ state: string; refusal?: { code: string; reasons: string[]; issues?: Array<{ path: string; rule: string; expected: string; actual: string }> } }>;
}

/** Today and tomorrow in China time, YYYY-MM-DD. */
const cstDay = (offsetDays = 0) => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('what-to-fix hints of the console', () => {
  // Read as text: the console is typed by its own project (JSX), not the platform's.
  const source = fs.readFileSync(new URL('../../web/src/workbench/codes.ts', import.meta.url), 'utf8');
  it('has a hint, in Chinese and in English, for every code the platform answers with', () => {
    for (const code of Object.values(CODES)) {
      const hints = [...source.matchAll(new RegExp(`'${code}': (['"])(.+)\\1,$`, 'gm'))].map((m) => m[2]);
      expect(hints, code).toHaveLength(2);
      expect(hints[0], code).toMatch(/\p{Script=Han}/u);
      expect(hints[1], code).toMatch(/^[\x20-\x7e]+$/);
    }
  });
});

describe.each(databases())('declarations list on %s', (kind) => {
  let p: Platform;
  let seed = 4100;
  let f: Flow;
  const ids = { order: 0, payment: 0, waybill: 0, inventory: 0 };
  let numbers: { invtNo: string; preNo: string };

  const send = async (role: Role, xml: string, status = 202) => {
    const res = await p.request('POST', '/api/v1/messages', { key: p.key(role), body: xml });
    expect(res.status, res.text).toBe(status);
    return res.json() as { id: number; error?: { code: string } };
  };
  const list = async (role: Role, query: string) => {
    const res = await p.request('GET', `/api/v1/declarations${query}`, { key: p.key(role) });
    expect(res.status, res.text).toBe(200);
    return res.json() as Page;
  };
  const show = async (role: Role, id: number) => (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key(role) })).json() as Shown;

  beforeAll(async () => {
    p = await startPlatform(kind);
    f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    ids.order = (await send('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp))).id;
    ids.payment = (await send('payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment))).id;
    ids.waybill = (await send('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics))).id;
    ids.inventory = (await send('agent', wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent))).id;
    // Customs takes the inventory in (120) and assigns its preNo and invtNo.
    const rec = await eventually(async () => {
      const r = (await show('agent', ids.inventory)).records[0];
      return r.status === 'customs-accepted' && r.invtNo && r.preNo ? r : undefined;
    }, 15_000, 'inventory 120 with invtNo');
    numbers = { invtNo: rec.invtNo!, preNo: rec.preNo! };
  });

  afterAll(async () => {
    await p.close();
  });

  const typesOf = (page: Page) => page.items.map((i) => i.messageType).sort();
  /** The list's order: newest message first, its records last to first. */
  const inOrder = (items: Item[]) => items.every((r, n) => n === 0 || r.messageId < items[n - 1].messageId || (r.messageId === items[n - 1].messageId && r.seq < items[n - 1].seq));

  it('finds a record by each of its numbers, for those who read it', async () => {
    // A regulator reads all four documents of the order.
    expect(typesOf(await list('customs', `?q=${f.orderNo}`))).toEqual(['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB621Message']);
    // Each sender its own; the agent's inventory also to the e-commerce enterprise it was declared for.
    expect(typesOf(await list('ebp', `?q=${f.orderNo}`))).toEqual(['CEB311Message']);
    expect(typesOf(await list('payment', `?q=${f.orderNo}`))).toEqual(['CEB411Message']);
    expect(typesOf(await list('logistics', `?q=${f.logisticsNo}`))).toEqual(['CEB511Message']);
    for (const q of [f.orderNo, f.logisticsNo, f.copNo, numbers.invtNo, numbers.preNo]) {
      for (const role of ['agent', 'ebc'] as const) {
        const page = await list(role, `?q=${encodeURIComponent(q)}`);
        expect(page.items.map((i) => i.messageId), `${role} finds the inventory by ${q}`).toEqual([ids.inventory]);
      }
    }
    // Another tenant's declarations never appear, whatever number it knows.
    for (const q of [f.orderNo, f.copNo, numbers.invtNo, numbers.preNo]) {
      expect((await list('warehouse', `?q=${q}`)).items).toEqual([]);
      expect((await list('logistics', `?q=${q}`)).items.filter((i) => i.messageType !== 'CEB511Message')).toEqual([]);
    }
    // Exact match only: a prefix finds nothing.
    expect((await list('customs', `?q=${f.orderNo.slice(0, -2)}`)).items).toEqual([]);
  });

  it('answers each row with its numbers, state and times', async () => {
    const [row] = (await list('agent', `?q=${f.copNo}`)).items;
    expect(row).toMatchObject({
      messageId: ids.inventory,
      messageType: 'CEB621Message',
      direction: 'import',
      orderNo: f.orderNo,
      logisticsNo: f.logisticsNo,
      copNo: f.copNo,
      invtNo: numbers.invtNo,
      preNo: numbers.preNo,
      mode: '9610',
      status: 'customs-accepted',
      returnStatus: '120',
    });
    expect(row.returnInfo).toContain('1800');
    expect(Date.parse(row.receivedAt)).toBeLessThanOrEqual(Date.parse(row.updatedAt));
    const shown = await show('agent', ids.inventory);
    expect(row.id).toBe(shown.records[0].id);
    // The message view carries the record as declared.
    expect(shown.records[0].fields.InventoryHead.copNo).toBe(f.copNo);
  });

  it('filters by type, status, direction and date', async () => {
    const q = `q=${f.orderNo}`;
    expect(typesOf(await list('customs', `?${q}&type=CEB621Message`))).toEqual(['CEB621Message']);
    expect(typesOf(await list('customs', `?${q}&type=411`))).toEqual(['CEB411Message']);
    expect(typesOf(await list('customs', `?${q}&status=customs-accepted`))).toEqual(['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB621Message']);
    expect((await list('customs', `?${q}&status=released`)).items).toEqual([]);
    expect(typesOf(await list('customs', `?${q}&direction=import`))).toHaveLength(4);
    expect((await list('customs', `?${q}&direction=export`)).items).toEqual([]);
    expect((await list('customs', `?${q}&type=CEB311Message&direction=export`)).items).toEqual([]);
    expect(typesOf(await list('customs', `?${q}&from=${cstDay()}&to=${cstDay()}`))).toHaveLength(4);
    expect((await list('customs', `?${q}&to=${cstDay(-1)}`)).items).toEqual([]);
    expect((await list('customs', `?${q}&from=${cstDay(1)}`)).items).toEqual([]);
    const t = new Date().toISOString();
    expect((await list('customs', `?${q}&from=${encodeURIComponent(t)}`)).items).toEqual([]);
    // Without q: the agent's list holds only what it reads.
    const mine = await list('agent', '?limit=200');
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((i) => ['CEB621Message', 'CEB623Message', 'CEB625Message'].includes(i.messageType))).toBe(true);
  });

  it('pages newest first with a cursor', async () => {
    // More documents, so the regulator's list spans pages.
    for (let n = 0; n < 3; n++) {
      const g = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
      await send('ebp', wrapMessage('CEB311Message', [g.order], DEMO_PARTIES.ebp));
    }
    const items = (await list('customs', '?limit=200')).items;
    const all = items.map((i) => i.id);
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(inOrder(items)).toBe(true);
    const seen: number[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list('customs', `?limit=3${next ? `&before=${next}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.id));
      next = page.next;
      pages++;
    } while (next && pages < 20);
    expect(seen).toEqual(all);
    expect(pages).toBeGreaterThanOrEqual(3);
    // The ebp pages its own orders only.
    const ebp = (await list('ebp', '?limit=2')).items;
    expect(ebp).toHaveLength(2);
    expect(ebp.every((i) => i.messageType === 'CEB311Message')).toBe(true);
  });

  it('pages an e-commerce enterprise\'s own and agent-declared records two at a time, none skipped or repeated', async () => {
    const inventory = () => makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).inventory;
    // The e-commerce enterprise declares some inventories itself (it is their declarant too).
    const own = () => {
      const inv = inventory();
      return { ...inv, InventoryHead: { ...(inv.InventoryHead as Record<string, string>), agentCode: DEMO_PARTIES.ebc.code, agentName: DEMO_PARTIES.ebc.name } };
    };
    const sent = [
      await send('ebc', wrapMessage('CEB621Message', [own()], DEMO_PARTIES.ebc)),
      // Three records in one message: a page boundary falls inside it.
      await send('agent', wrapMessage('CEB621Message', [inventory(), inventory(), inventory()], DEMO_PARTIES.agent)),
      await send('ebc', wrapMessage('CEB621Message', [own(), own()], DEMO_PARTIES.ebc)),
      await send('agent', wrapMessage('CEB621Message', [inventory()], DEMO_PARTIES.agent)),
      await send('ebc', wrapMessage('CEB621Message', [own()], DEMO_PARTIES.ebc)),
    ].map((m) => m.id);
    const full = await list('ebc', '?limit=200');
    expect(full.next).toBeNull();
    const items = full.items;
    expect(inOrder(items)).toBe(true);
    // Both sources: sent by the enterprise itself, and by the agent in its name.
    const ebc = items.find((i) => i.messageId === sent[0])!.enterpriseId;
    expect(items.filter((i) => sent.includes(i.messageId)).map((i) => [i.messageId, i.seq, i.enterpriseId === ebc])).toEqual([
      [sent[4], 0, true], [sent[3], 0, false], [sent[2], 1, true], [sent[2], 0, true], [sent[1], 2, false], [sent[1], 1, false], [sent[1], 0, false], [sent[0], 0, true],
    ]);
    expect(items.some((i) => i.messageId === ids.inventory)).toBe(true);
    const paged: Item[] = [];
    const splits: number[] = [];
    let next: string | null = null;
    for (let pages = 0; pages === 0 || next; pages++) {
      expect(pages).toBeLessThan(items.length);
      const page: Page = await list('ebc', `?limit=2${next ? `&before=${encodeURIComponent(next)}` : ''}`);
      expect(page.items.length).toBe(Math.min(2, items.length - paged.length));
      if (paged.length && paged[paged.length - 1].messageId === page.items[0].messageId) splits.push(page.items[0].messageId);
      paged.push(...page.items);
      next = page.next;
    }
    expect(paged.map((i) => i.id)).toEqual(items.map((i) => i.id));
    expect(splits.length).toBeGreaterThan(0);
    // The cursor of earlier versions, a declaration id, still pages from that row.
    expect((await list('ebc', `?limit=3&before=${items[1].id}`)).items.map((i) => i.id)).toEqual(items.slice(2, 5).map((i) => i.id));
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['before=-4', 'before'],
    ['before=x', 'before'],
    ['before=12-x', 'before'],
    ['before=99999999', 'before'],
    ['type=CEB999Message', 'type'],
    ['type=CEB312Message', 'type'],
    ['status=lost', 'status'],
    ['direction=sideways', 'direction'],
    ['from=2025-13-01', 'from'],
    ['from=2025-02-30', 'from'],
    ['to=yesterday', 'to'],
    ['from=2025-03-02&to=2025-03-01', 'to'],
  ])('refuses %s naming the parameter', async (query, param) => {
    const res = await p.request('GET', `/api/v1/declarations?${query}`, { key: p.key('customs') });
    expect(res.status, res.text).toBe(400);
    const err = (res.json() as { error: { code: string; issues: Array<{ path: string; expected: string; actual: string }> } }).error;
    expect(err.code).toBe('INVALID_REQUEST');
    expect(err.issues.map((i) => i.path)).toEqual([param]);
    expect(err.issues[0].expected.length).toBeGreaterThan(5);
  });

  it('refuses a parameter it does not know', async () => {
    const res = await p.request('GET', '/api/v1/declarations?orderNo=1', { key: p.key('customs') });
    expect(res.status).toBe(400);
    expect(JSON.stringify((res.json() as { error: { issues: unknown[] } }).error.issues)).toContain('orderNo');
  });

  it('lets a rejected order be declared again with the same orderNo, and refuses a live one', async () => {
    const g = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++, orderNoPrefix: 'NEG' });
    const first = await send('ebp', wrapMessage('CEB311Message', [g.order], DEMO_PARTIES.ebp));
    await eventually(async () => (await show('ebp', first.id)).records[0].status === 'rejected', 10_000, 'order -301010');
    expect(typesOf(await list('ebp', `?q=${g.orderNo}&status=rejected`))).toEqual(['CEB311Message']);
    // Again as a new declaration: a new guid, the same order number.
    const again = { ...g.order, OrderHead: { ...(g.order.OrderHead as Record<string, string>), guid: crypto.randomUUID().toUpperCase() } };
    const second = await send('ebp', wrapMessage('CEB311Message', [again], DEMO_PARTIES.ebp));
    expect(second.id).not.toBe(first.id);
    expect((await list('ebp', `?q=${g.orderNo}`)).items.map((i) => i.messageId)).toEqual([second.id, first.id]);
    // The flow's order is live (120): a new declaration of it is a conflict.
    const live = { ...f.order, OrderHead: { ...(f.order.OrderHead as Record<string, string>), guid: crypto.randomUUID().toUpperCase() } };
    const refused = await p.request('POST', '/api/v1/messages', { key: p.key('ebp'), body: wrapMessage('CEB311Message', [live], DEMO_PARTIES.ebp) });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('-301010');
  });

  it('shows a 三单比对 refusal field by field in the clearance view', async () => {
    const g = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    const payment = { ...g.payment, PaymentHead: { ...(g.payment.PaymentHead as Record<string, string>), payerName: '王五' } };
    await send('ebp', wrapMessage('CEB311Message', [g.order], DEMO_PARTIES.ebp));
    await send('payment', wrapMessage('CEB411Message', [payment], DEMO_PARTIES.payment));
    await send('logistics', wrapMessage('CEB511Message', [g.waybill], DEMO_PARTIES.logistics));
    const inv = await send('agent', wrapMessage('CEB621Message', [g.inventory], DEMO_PARTIES.agent));
    const view = await eventually(async () => {
      const v = await show('agent', inv.id);
      return v.clearance?.[0]?.refusal ? v : undefined;
    }, 15_000, 'inventory refused');
    const refusal = view.clearance![0].refusal!;
    expect(refusal.code).toBe('-621903');
    expect(refusal.issues).toContainEqual({ path: 'CEB311 buyerName ↔ CEB411 payerName', rule: 'buyer-is-payer', expected: '王五', actual: (g.order.OrderHead as Record<string, string>).buyerName });
    expect(typesOf(await list('agent', `?q=${g.copNo}&status=rejected`))).toEqual(['CEB621Message']);
  });

  it.runIf(kind === 'sqlite')('searches a number by its indexes, not by walking an enterprise\'s rows (SQLite plan)', async () => {
    const raw = new BetterSqlite(path.join(p.dataDir, 'silkgate.db'), { readonly: true });
    const plans: string[] = [];
    const logged = new Kysely<Database>({
      dialect: new SqliteDialect({ database: raw }),
      log: (e) => {
        if (e.level === 'query') plans.push((raw.prepare(`EXPLAIN QUERY PLAN ${e.query.sql}`).all(...e.query.parameters) as Array<{ detail: string }>).map((r) => r.detail).join('\n'));
      },
    });
    try {
      const repo = new DeclarationsRepository(logged);
      const agent = p.creds.find((c) => c.role === 'agent')!;
      const enterprise = await p.app.db.kysely.selectFrom('enterprises').select('id').where('code', '=', agent.code).executeTakeFirstOrThrow();
      expect((await repo.list({ readers: [Number(enterprise.id)], q: f.copNo, limit: 50 })).map((r) => r.message_id)).toEqual([ids.inventory]);
      expect(plans).toHaveLength(1);
      expect(plans[0]).toContain('declaration_numbers');
      // An enterprise's index only to test a found row (both columns), never walked (a range).
      expect(plans[0]).not.toMatch(/INDEX (declarations|message_parties)_enterprise_message \(enterprise_id=\?(\)| AND message_id<)|SCAN (d|p)\b/);
      // Without a number, the enterprise's rows are read newest first by their indexes.
      plans.length = 0;
      await repo.list({ readers: [Number(enterprise.id)], limit: 50 });
      expect(plans[0]).toMatch(/USING COVERING INDEX declarations_enterprise_message/);
      expect(plans[0]).toMatch(/USING COVERING INDEX message_parties_enterprise_message/);
    } finally {
      await logged.destroy();
    }
  });

  it('finds records stored before the search table existed (backfill)', async () => {
    const db = p.app.db.kysely;
    const rowsOf = async () => (await db.selectFrom('declaration_numbers').select(['number', 'declaration_id']).execute()).map((r) => `${Number(r.declaration_id)} ${r.number}`).sort();
    const atIngest = await rowsOf();
    await sql`drop table declaration_numbers`.execute(db);
    await sql`drop index declarations_pre_no`.execute(db);
    await sql`drop index declarations_enterprise_message`.execute(db);
    await searchMigration(db as never, p.app.db.dialect);
    await listOrderMigration(db as never, p.app.db.dialect);
    // The backfill finds each record's numbers as ingest recorded them: no more, no fewer.
    expect(atIngest.length).toBeGreaterThan(10);
    expect(await rowsOf()).toEqual(atIngest);
    expect((await list('agent', `?q=${f.copNo}`)).items.map((i) => i.messageId)).toEqual([ids.inventory]);
    expect(typesOf(await list('customs', `?q=${f.orderNo}`))).toEqual(['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB621Message']);
  });
});
