/**
 * Crash tests: the platform runs as a real child process and is killed with SIGKILL at the worst
 * moments — during ingest, while the outbox drains to customs, while receipts are relayed to a
 * webhook — then started again on the same data dir / database. What the platform promises must
 * hold across the crash:
 *  - a 2xx means durably stored (and resending is answered from what is stored, never twice);
 *  - forwarding never gives customs a second declaration (CopMsgId fixed at ingest, deduplicated);
 *  - receipts are stored once, and each webhook delivery keeps one id across redeliveries.
 */
import http from 'node:http';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { DEMO_PARTIES, makeFlows, wrapMessage, type ImportRoot } from '../../src/demo/flows.ts';
import type { CebNode } from '../../src/ceb/index.ts';
import { openDb, type Db } from '../../src/db/index.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, readReceipt, verifySignature } from '../../src/modules/receipts/index.ts';
import { ChildPlatform } from '../support/child-platform.ts';
import { freshPostgresDatabase, tempDir } from '../support/db.ts';

type Kind = 'sqlite' | 'postgres';
type Role = 'ebp' | 'payment' | 'logistics';

const pgUrl = inject('pgUrl');
const kinds: Kind[] = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];

const RECEIPT_OF: Record<string, string> = { CEB311Message: 'CEB312Message', CEB411Message: 'CEB412Message', CEB511Message: 'CEB512Message' };

/** One single-record message of the run, as sent. */
interface Msg {
  n: number;
  role: Role;
  type: ImportRoot;
  guid: string;
  xml: string;
  /** The message (its order) that must be answered before this one is sent. */
  after?: number;
}

/** What the client saw for one POST. */
interface Sent {
  status: number | null;
  id?: number;
  guid?: string;
  error?: string;
  /** The answer came in after SIGKILL had been sent (written by the server before it died). */
  afterKill: boolean;
}

const headGuid = (record: CebNode, head: string) => String((record[head] as CebNode).guid);

/** `flows` orders, payments and waybills (3 × flows distinct messages), each flow in turn; payment and waybill after their order. */
function messagesOf(flows: number, seed: number): Msg[] {
  const out: Msg[] = [];
  for (const f of makeFlows(DEMO_PARTIES, flows, { mode: '9610', seed })) {
    const order = out.length;
    const add = (role: Role, type: ImportRoot, record: CebNode, head: string, after?: number) =>
      out.push({ n: out.length, role, type, guid: headGuid(record, head), xml: wrapMessage(type, [record], DEMO_PARTIES[role]), after });
    add('ebp', 'CEB311Message', f.order, 'OrderHead');
    add('payment', 'CEB411Message', f.payment, 'PaymentHead', order);
    add('logistics', 'CEB511Message', f.waybill, 'LogisticsHead', order);
  }
  return out;
}

const msgKey = (type: string, guid: string) => `${type}|${guid}`;

/**
 * POSTs every message with `concurrency` requests in flight; a payment or waybill goes only
 * after its order was answered (a payment needs its order). `onAck(count)` runs synchronously
 * on each 2xx (it may SIGKILL the platform); once `stopped()` is true no new request starts.
 * Returns one entry per message; undefined = never sent.
 */
async function drive(p: ChildPlatform, msgs: Msg[], concurrency: number, opts: { onAck?: (acked: number) => void; stopped?: () => boolean } = {}): Promise<Array<Sent | undefined>> {
  const results: Array<Sent | undefined> = new Array(msgs.length).fill(undefined);
  const answered = msgs.map(() => {
    let done!: () => void;
    const promise = new Promise<void>((r) => (done = r));
    return { promise, done };
  });
  let next = 0;
  let acked = 0;
  const stopped = opts.stopped ?? (() => false);
  const worker = async () => {
    while (next < msgs.length && !stopped()) {
      const m = msgs[next++];
      try {
        if (m.after !== undefined) await answered[m.after].promise;
        if (stopped()) continue;
        const res = await p.request('POST', '/api/v1/messages', { key: p.key(m.role), body: m.xml, timeoutMs: 20_000 });
        const sent: Sent = { status: res.status, afterKill: stopped() };
        if (res.status >= 200 && res.status < 300) {
          const ack = res.json<{ id: number; guid: string }>();
          sent.id = ack.id;
          sent.guid = ack.guid;
          results[m.n] = sent;
          opts.onAck?.(++acked);
        } else {
          sent.error = res.text;
          results[m.n] = sent;
        }
      } catch (err) {
        results[m.n] = { status: null, error: String((err as Error).cause ?? err), afterKill: stopped() };
      } finally {
        answered[m.n].done();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const a of answered) a.done();
  return results;
}

/** Runs `fn` over `items` with a few requests in flight. */
async function each<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

async function until<T>(what: string, ms: number, check: () => Promise<T | false | undefined>, p?: ChildPlatform): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v !== false && v !== undefined) return v;
      last = null;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (${String(last)})` : ''}${p ? `\nplatform log:\n${p.logTail(20)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A data dir, a database (SQLite in the data dir, or a fresh PostgreSQL database) and a platform child on them. */
async function environment(kind: Kind, env: Record<string, string>) {
  const dir = tempDir('silkgate-crash-');
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | null = null;
  if (kind === 'postgres') {
    const fresh = await freshPostgresDatabase(pgUrl!);
    databaseUrl = fresh.url;
    drop = fresh.drop;
  }
  const p = new ChildPlatform({ dataDir: dir.path, databaseUrl, env: { SILKGATE_LOG_LEVEL: 'warn', ...env } });
  // (onTestFinished runs before onTestFailed: look at the result here, while the log still exists.)
  onTestFinished(async (ctx) => {
    await p.kill();
    if (drop) await drop();
    if (ctx.task.result?.state === 'fail') console.error(`[crash ${kind}] data dir kept: ${dir.path}; platform log:\n${p.logTail(60)}`);
    else dir.cleanup();
  });
  return {
    p,
    /** The platform's database, opened by this process to look (SQLite WAL lets it read beside the child). */
    openMain: (): Promise<Db> => openDb({ url: databaseUrl ?? `sqlite:${dir.path}/silkgate.db`, dataDir: dir.path, poolSize: 2 }),
    /** The sandbox customs' database: its own SQLite file, or the same PostgreSQL database. */
    openSandbox: (): Promise<Db> => openDb({ url: databaseUrl ?? `sqlite:${dir.path}/sandbox-customs.db`, dataDir: dir.path, poolSize: 2 }),
  };
}

async function withDb<T>(open: () => Promise<Db>, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

interface StoredRow {
  id: number;
  message_type: string;
  guid: string;
  body: Buffer;
  cop_msg_id: string;
}

/** Messages with their records and outbox rows, as the database holds them. */
async function storedMessages(db: Db) {
  const rows = (await db.kysely.selectFrom('messages').select(['id', 'message_type', 'guid', 'body', 'cop_msg_id']).orderBy('id').execute()) as StoredRow[];
  const decl = await db.kysely.selectFrom('declarations').select(['message_id']).execute();
  const outbox = await db.kysely.selectFrom('outbox').select(['message_id']).execute();
  const count = (list: Array<{ message_id: number }>) => {
    const m = new Map<number, number>();
    for (const r of list) m.set(Number(r.message_id), (m.get(Number(r.message_id)) ?? 0) + 1);
    return m;
  };
  return { rows, declarations: count(decl), outbox: count(outbox) };
}

interface Shown {
  id: number;
  messageType: string;
  guid: string;
  status: string;
  copMsgId: string;
  records: Array<{ key: string; status: string }>;
  receipts: Array<{ id: number; messageType: string; returnStatus: string }>;
}

describe.each(kinds)('crash safety on %s (platform as a child process, SIGKILL)', (kind) => {
  it('kill during ingest: every 2xx survives, resending answers 200 for stored and 202 for the rest, one row per message', async () => {
    const { p, openMain } = await environment(kind, { SILKGATE_SANDBOX_DELAY_MS: '50' });
    await p.start();
    const msgs = messagesOf(200, kind === 'sqlite' ? 101 : 102);
    const byKey = new Map(msgs.map((m) => [msgKey(m.type, m.guid), m]));
    const killAt = Math.round(msgs.length * 0.4);

    // 1. Fire 600 messages, 32 at a time; SIGKILL the moment the 40 % mark is acknowledged.
    let killed = false;
    const sent = await drive(p, msgs, 32, {
      onAck: (n) => {
        if (n >= killAt && !killed) {
          killed = true;
          p.killNow();
        }
      },
      stopped: () => killed,
    });
    const exit = await p.kill();
    expect(exit.signal, 'the platform died of the SIGKILL').toBe('SIGKILL');
    const acked = msgs.filter((m) => sent[m.n]?.id !== undefined);
    const failed = msgs.filter((m) => sent[m.n] && sent[m.n]!.id === undefined);
    const unsent = msgs.filter((m) => !sent[m.n]);
    expect(acked.length).toBeGreaterThanOrEqual(killAt);
    // The kill really cut requests off: some were in flight, some never sent.
    expect(failed.length, 'requests cut off by the kill').toBeGreaterThan(0);
    expect(unsent.length).toBeGreaterThan(0);
    for (const m of failed) expect(sent[m.n]!.status, `message ${m.n} got a non-2xx answer: ${sent[m.n]!.error}`).toBeNull();
    for (const m of acked) expect(sent[m.n]!.guid).toBe(m.guid);

    // 2. With the platform dead, read what the database holds: every acknowledged message, whole.
    const atCrash = await withDb(openMain, storedMessages);
    const storedAtCrash = new Map(atCrash.rows.map((r) => [msgKey(r.message_type, r.guid), r]));
    for (const m of acked) {
      const row = storedAtCrash.get(msgKey(m.type, m.guid));
      expect(row, `acknowledged message ${m.n} (${m.type} ${m.guid}, id ${sent[m.n]!.id}) is not in the database`).toBeDefined();
      expect(row!.id).toBe(sent[m.n]!.id);
    }
    for (const r of atCrash.rows) {
      const m = byKey.get(msgKey(r.message_type, r.guid));
      expect(m, `stored message ${r.id} is none of ours`).toBeDefined();
      expect(Buffer.from(r.body).equals(Buffer.from(m!.xml)), `stored bytes of message ${r.id}`).toBe(true);
      expect(atCrash.declarations.get(r.id), `records of message ${r.id}`).toBe(1);
      expect(atCrash.outbox.get(r.id), `outbox rows of message ${r.id}`).toBe(1);
    }
    expect(atCrash.rows.length).toBeLessThan(msgs.length);

    // 3. Restart on the same data dir / database: the API serves every acknowledged message.
    await p.start();
    await each(acked, 16, async (m) => {
      const id = sent[m.n]!.id!;
      const shown = await p.request('GET', `/api/v1/messages/${id}`, { key: p.key(m.role) });
      expect(shown.status, shown.text).toBe(200);
      expect(shown.json<Shown>()).toMatchObject({ id, guid: m.guid, messageType: m.type });
      const raw = await p.request('GET', `/api/v1/messages/${id}/raw`, { key: p.key(m.role) });
      expect(raw.status).toBe(200);
      expect(Buffer.from(raw.text).equals(Buffer.from(m.xml)), `raw bytes of message ${id}`).toBe(true);
    });

    // 4. Resend the whole run: 200 (same id) for what was stored, 202 for the rest.
    const again = await drive(p, msgs, 32);
    for (const m of msgs) {
      const before = storedAtCrash.get(msgKey(m.type, m.guid));
      const r = again[m.n]!;
      expect(r.status, `resend of message ${m.n}: ${r.error ?? ''}`).toBe(before ? 200 : 202);
      if (before) expect(r.id).toBe(before.id);
      expect(r.guid).toBe(m.guid);
    }

    // 5. Stopped, the database holds exactly one row (one record, one outbox entry) per message.
    await p.stop();
    const final = await withDb(openMain, storedMessages);
    expect(final.rows).toHaveLength(msgs.length);
    expect(new Set(final.rows.map((r) => msgKey(r.message_type, r.guid))).size).toBe(msgs.length);
    expect(new Set(final.rows.map((r) => r.cop_msg_id)).size).toBe(msgs.length);
    for (const r of final.rows) {
      expect(Buffer.from(r.body).equals(Buffer.from(byKey.get(msgKey(r.message_type, r.guid))!.xml))).toBe(true);
      expect(final.declarations.get(r.id)).toBe(1);
      expect(final.outbox.get(r.id)).toBe(1);
    }
    console.log(`[crash ${kind}] ingest: ${acked.length} acknowledged (${acked.filter((m) => sent[m.n]!.afterKill).length} answered after the kill signal), ` +
      `${failed.length} cut off, ${unsent.length} never sent; ${atCrash.rows.length} stored at the crash, ${atCrash.rows.length - acked.length} of them unacknowledged`);
  }, 60_000);

  it('kill during forwarding: customs accepts every CopMsgId once, every record gets its receipts once', async () => {
    const { p, openMain, openSandbox } = await environment(kind, { SILKGATE_SANDBOX_DELAY_MS: '25' });
    const msgs = messagesOf(80, kind === 'sqlite' ? 201 : 202);

    // 1. Ingest M messages with forwarding off: the whole run waits in the outbox.
    await p.start({ SILKGATE_FORWARDING: 'off' });
    const sent = await drive(p, msgs, 32);
    for (const m of msgs) expect(sent[m.n]?.status, sent[m.n]?.error).toBe(202);
    await p.kill();

    // The state both sides hold, as seen from outside (the platform frozen or dead).
    const state = async (main: Db, sb: Db) => {
      const marked = new Set((await main.kysely.selectFrom('outbox as o').innerJoin('messages as m', 'm.id', 'o.message_id').select('m.cop_msg_id').where('o.status', '=', 'sent').execute()).map((r) => r.cop_msg_id));
      const stored = Number((await main.kysely.selectFrom('receipts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const inbox = (await sb.kysely.selectFrom('sandbox_inbox').select('cop_msg_id').execute()).map((r) => r.cop_msg_id);
      const relayed = Number((await sb.kysely.selectFrom('sandbox_events').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'done').executeTakeFirstOrThrow()).n);
      // Accepted by customs, not yet marked sent by the outbox: will be sent again after a crash.
      const unmarked = inbox.filter((c) => !marked.has(c)).length;
      // One receipt document per record here: receipts stored by the platform that customs has not
      // marked delivered will be delivered again after a crash.
      return { accepted: inbox.length, marked: marked.size, unmarked, relayed, stored, unconfirmed: stored - relayed };
    };
    type State = Awaited<ReturnType<typeof state>>;

    /**
     * Starts the platform, then every few ms freezes it (SIGSTOP: all threads at once) and looks
     * at both databases; SIGKILLs it, still frozen, the first time `inWindow` holds. A PostgreSQL
     * commit already on its way may still land after the look, so the state is checked again
     * once the process is dead, and the round repeated (at most 3 times) if the window closed.
     */
    const rounds: string[] = [];
    const crashIn = async (label: string, inWindow: (s: State) => boolean): Promise<State> => {
      for (let attempt = 1; ; attempt++) {
        await p.start();
        let looks = 0;
        await withDb(openMain, (main) => withDb(openSandbox, async (sb) => {
          const end = Date.now() + 20_000;
          for (;;) {
            looks++;
            p.pause();
            let hit = false;
            try {
              hit = inWindow(await state(main, sb));
            } finally {
              if (hit) p.killNow();
              else p.resume();
            }
            if (hit) return;
            if (!p.running) throw new Error(`the platform exited by itself:\n${p.logTail()}`);
            if (Date.now() > end) throw new Error(`${label}: the window never came in 20 s (last state ${JSON.stringify(await state(main, sb))})`);
            await new Promise((r) => setTimeout(r, 2));
          }
        }));
        await p.kill();
        const after = await withDb(openMain, (main) => withDb(openSandbox, (sb) => state(main, sb)));
        rounds.push(`${label}, try ${attempt} after ${looks} looks: ${JSON.stringify(after)}`);
        if (inWindow(after) || attempt === 3) return after;
      }
    };

    // 2. Forwarding on; SIGKILL while customs has accepted messages the outbox has not marked sent
    //    (a batch is marked after all of it went out): they will be sent again, same CopMsgId.
    const first = await crashIn('kill #1 (outbox draining)', (s) => s.unmarked >= 10);
    expect(first.unmarked, rounds.join('\n')).toBeGreaterThan(0);
    // 3. SIGKILL while the platform has stored receipts customs has not yet seen confirmed: they
    //    will be delivered again.
    const second = await crashIn('kill #2 (receipts relayed, not confirmed)', (s) => s.unconfirmed > 0);
    expect(second.unconfirmed, rounds.join('\n')).toBeGreaterThan(0);

    // 4. Restart and let everything finish: every message forwarded, every record at 120 with its receipts.
    await p.start();
    const shown = await until('every message forwarded and every record customs-accepted', 30_000, async () => {
      const all = await each(msgs, 16, async (m) => {
        const r = await p.request('GET', `/api/v1/messages/${sent[m.n]!.id}`, { key: p.key(m.role) });
        return r.status === 200 ? r.json<Shown>() : null;
      });
      const ready = all.every((s) => s && s.status === 'forwarded' && s.records[0].status === 'customs-accepted' && s.receipts.length >= 2);
      return ready && (all as Shown[]);
    }, p);
    for (const m of msgs) {
      const s = shown[m.n];
      const type = RECEIPT_OF[m.type];
      // No receipt twice: exactly one 2 and one 120, in that order.
      expect(s.receipts.map((r) => [r.messageType, r.returnStatus]), `receipts of message ${s.id}`).toEqual([[type, '2'], [type, '120']]);
    }
    await p.stop();

    // 5. Customs' side: one inbox row per message's CopMsgId, exactly two receipt documents per message.
    const copMsgIds = new Set(shown.map((s) => s.copMsgId));
    expect(copMsgIds.size).toBe(msgs.length);
    const byRecordKey = new Map(shown.map((s, i) => [s.records[0].key, i]));
    const customs = await withDb(openSandbox, async (db) => ({
      inbox: (await db.kysely.selectFrom('sandbox_inbox').select('cop_msg_id').execute()).map((r) => r.cop_msg_id),
      events: await db.kysely.selectFrom('sandbox_events').select(['payload', 'status']).execute(),
    }));
    expect(customs.inbox).toHaveLength(msgs.length);
    expect(new Set(customs.inbox)).toEqual(copMsgIds);
    expect(customs.events).toHaveLength(2 * msgs.length);
    const perMessage = msgs.map(() => [] as string[]);
    for (const e of customs.events) {
      expect(e.status).toBe('done');
      const doc = readReceipt(Buffer.from(e.payload, 'utf8'));
      for (const item of doc.items) {
        if (item.lookup.kind !== 'keys') throw new Error(`unexpected ${doc.messageType} receipt`);
        const n = item.lookup.keys.map((k) => byRecordKey.get(k)).find((x) => x !== undefined);
        expect(n, `sandbox receipt for an unknown record ${item.lookup.keys.join(',')}`).toBeDefined();
        expect(doc.messageType).toBe(RECEIPT_OF[msgs[n!].type]);
        perMessage[n!].push(item.returnStatus);
      }
    }
    for (const m of msgs) expect(perMessage[m.n].sort(), `sandbox receipts of message ${m.n}`).toEqual(['120', '2']);

    // 6. The platform's side: all sent, each receipt stored once.
    await withDb(openMain, async (db) => {
      const outbox = await db.kysely.selectFrom('outbox').select(['status']).execute();
      expect(outbox).toHaveLength(msgs.length);
      expect(outbox.every((o) => o.status === 'sent')).toBe(true);
      expect(Number((await db.kysely.selectFrom('receipts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(2 * msgs.length);
    });
    console.log(`[crash ${kind}] forwarding:\n  ${rounds.join('\n  ')}`);
  }, 60_000);

  it('kill during receipt relay: every stored receipt reaches the webhook, a redelivery keeps its delivery id', async () => {
    const { p } = await environment(kind, { SILKGATE_SANDBOX_DELAY_MS: '40' });
    const msgs = messagesOf(30, kind === 'sqlite' ? 301 : 302);
    const expected = 2 * msgs.length;
    const roles: Role[] = ['ebp', 'payment', 'logistics'];

    // The receiver: records every delivery when it arrives and answers 150 ms later, so that
    // some deliveries are always in flight; the SIGKILL comes while one of them is held.
    interface Got {
      role: Role;
      deliveryId: string;
      bodyId: string;
      receiptId: number;
      messageId: number;
      signed: boolean;
    }
    const got: Got[] = [];
    const holding = new Map<number, string>();
    const secrets = new Map<string, string>();
    let seq = 0;
    let armed = false;
    let killed = false;
    let heldAtKill: string[] = [];
    const killAfter = Math.round(expected * 0.35);
    const hook = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const role = (req.url ?? '').slice(1) as Role;
        const parsed = JSON.parse(body) as { id: string; receipt: { id: number; messageId: number } };
        const deliveryId = String(req.headers[DELIVERY_HEADER] ?? '');
        got.push({
          role,
          deliveryId,
          bodyId: parsed.id,
          receiptId: parsed.receipt.id,
          messageId: parsed.receipt.messageId,
          signed: verifySignature(secrets.get(role) ?? '', body, String(req.headers[SIGNATURE_HEADER] ?? '')),
        });
        const n = ++seq;
        holding.set(n, deliveryId);
        if (armed && !killed && got.length >= killAfter) {
          killed = true;
          heldAtKill = [...holding.values()];
          p.killNow();
        }
        setTimeout(() => {
          holding.delete(n);
          if (!res.destroyed) res.writeHead(204).end();
        }, 150);
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    onTestFinished(async () => {
      hook.closeAllConnections();
      await new Promise((r) => hook.close(r));
    });
    const hookPort = (hook.address() as { port: number }).port;

    await p.start();
    for (const role of roles) {
      const res = await p.request('POST', '/api/v1/webhooks', { key: p.key(role), body: JSON.stringify({ url: `http://127.0.0.1:${hookPort}/${role}` }), type: 'application/json' });
      expect(res.status, res.text).toBe(201);
      secrets.set(role, res.json<{ secret: string }>().secret);
    }

    // 1. Ingest; SIGKILL once about a third of the receipts have reached the webhook.
    const sent = await drive(p, msgs, 16);
    for (const m of msgs) expect(sent[m.n]?.status, sent[m.n]?.error).toBe(202);
    armed = true;
    await until('the kill while deliveries are in flight', 20_000, async () => killed, p);
    await p.kill();
    const beforeRestart = got.length;
    expect(heldAtKill.length, 'deliveries in flight at the kill').toBeGreaterThan(0);

    // 2. Restart; wait until every receipt is stored and every stored receipt was delivered.
    await p.start();
    const feeds = await until('all receipts stored and delivered', 40_000, async () => {
      const out = new Map<Role, Array<{ id: number; messageId: number; messageType: string; returnStatus: string }>>();
      for (const role of roles) {
        const r = await p.request('GET', '/api/v1/receipts?limit=1000', { key: p.key(role) });
        out.set(role, r.json<{ items: Array<{ id: number; messageId: number; messageType: string; returnStatus: string }> }>().items);
      }
      const all = [...out.values()].flat();
      const delivered = new Set(got.map((g) => g.receiptId));
      return all.length >= expected && all.every((r) => delivered.has(r.id)) && out;
    }, p);
    await p.stop();

    // 3. Receipts stored once: per message exactly one 2 and one 120, of the right type.
    const idOf = new Map(msgs.map((m) => [sent[m.n]!.id!, m]));
    const stored = new Map<number, Role>();
    for (const [role, items] of feeds) {
      const perMessage = new Map<number, string[]>();
      for (const r of items) {
        stored.set(r.id, role);
        const m = idOf.get(r.messageId);
        expect(m, `receipt ${r.id} for an unknown message ${r.messageId}`).toBeDefined();
        expect(m!.role).toBe(role);
        expect(r.messageType).toBe(RECEIPT_OF[m!.type]);
        perMessage.set(r.messageId, [...(perMessage.get(r.messageId) ?? []), r.returnStatus]);
      }
      for (const m of msgs.filter((x) => x.role === role)) {
        expect(perMessage.get(sent[m.n]!.id!)?.sort(), `receipts of message ${sent[m.n]!.id}`).toEqual(['120', '2']);
      }
    }
    expect(stored.size).toBe(expected);

    // 4. Deliveries: each carries its id (header = body), is signed, is for a stored receipt of its
    //    enterprise; a receipt delivered more than once always came with the same delivery id.
    const idsOfReceipt = new Map<number, Set<string>>();
    const receiptsOfId = new Map<string, Set<number>>();
    for (const g of got) {
      expect(g.deliveryId).toMatch(/^[0-9a-f-]{36}$/);
      expect(g.bodyId).toBe(g.deliveryId);
      expect(g.signed, `signature of delivery ${g.deliveryId}`).toBe(true);
      expect(stored.get(g.receiptId), `delivery ${g.deliveryId} of receipt ${g.receiptId}`).toBe(g.role);
      expect(idOf.has(g.messageId)).toBe(true);
      idsOfReceipt.set(g.receiptId, (idsOfReceipt.get(g.receiptId) ?? new Set()).add(g.deliveryId));
      receiptsOfId.set(g.deliveryId, (receiptsOfId.get(g.deliveryId) ?? new Set()).add(g.receiptId));
    }
    for (const id of stored.keys()) expect(idsOfReceipt.has(id), `receipt ${id} never delivered`).toBe(true);
    for (const [receipt, ids] of idsOfReceipt) expect([...ids], `delivery ids of receipt ${receipt}`).toHaveLength(1);
    for (const [id, receipts] of receiptsOfId) expect([...receipts], `receipts of delivery ${id}`).toHaveLength(1);
    // What was in flight at the kill was delivered again after the restart, under the same id.
    for (const id of heldAtKill) expect(got.filter((g) => g.deliveryId === id).length, `redeliveries of ${id}`).toBeGreaterThanOrEqual(2);
    const repeats = got.length - new Set(got.map((g) => g.deliveryId)).size;
    console.log(`[crash ${kind}] webhooks: killed after ${beforeRestart} deliveries (${heldAtKill.length} in flight), ${got.length} deliveries in all for ${stored.size} receipts, ${repeats} repeats`);
  }, 60_000);
});
