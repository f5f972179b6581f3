/**
 * The sandbox customs: accepts DxpMsg envelopes like the import unified system
 * (DXPEDCCEB0000002) and answers with the receipt sequences customs would send, on a clock.
 *
 * Everything it promises is in the database, so receipts survive a restart: a send commits the
 * CopMsgId (idempotency) and all its future receipts in one transaction; a poll loop delivers
 * receipts once due. Receipts that wait for another message (a 9610 release waits for the
 * arrival list naming its parcel) are planned in the transaction that accepts that message.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../db/index.ts';
import { CUSTOMS_IMPORT_DXP_ID, buildDxpMsg, isEnvelope, openEnvelope, parseDocument, records, str } from '../../../ceb/index.ts';
import type { CebNode, CebRecord, Envelope, Issue, ParsedDocument } from '../../../ceb/index.ts';
import { cstDate, cstTime17 } from '../../../platform/time.ts';
import { GroupCommit } from '../../../platform/group-commit.ts';
import { AppError } from '../../../platform/errors.ts';
import type { CustomsTransport, InboundHandler, OutboundMessage } from '../transport.ts';
import { RECEIPT_OF, loadScenarios, pickScenario, statusSequence, stepFactor, stepsBefore } from './scenarios.ts';
import type { Scenario, ScenarioRule } from './scenarios.ts';
import { formatReturnNode, receiptDocument, returnNode, taxNode } from './receipts.ts';
import type { RecordIds } from './receipts.ts';
import { inventorySignatureRefusal } from './signature.ts';
import { AFTER_ARRIVAL, cancelInventory, holdInventory, listOf, parcelArrived, recordArrivals, releaseWaiting, returnInventory } from './rules.ts';
import type { RecordPath, Refusal, WaitingInventory } from './rules.ts';

export interface SandboxOptions {
  db: Kysely<Database>;
  /** Base delay between two receipts of one record, ms (default 200). */
  delayMs: number;
  /** JSON scenario rules (SILKGATE_SANDBOX_SCENARIOS); they take precedence over the built-in prefixes. */
  scenariosFile?: string;
  log?: { warn(o: object, m: string): void; error(o: object, m: string): void };
  now?: () => number;
  /** How often the delivery loop looks for due receipts, ms (default 50). */
  pollMs?: number;
}

/** Sends refused with scenario DOWN before the sandbox accepts the message. */
export const DOWN_ATTEMPTS = 3;
const BATCH = 200;
/** preNo letters as seen in official samples: B inventory/cancel, T return (退货), R arrival (入库). */
const PRE_NO_LETTER: Readonly<Record<string, string>> = { CEB621Message: 'B', CEB623Message: 'B', CEB625Message: 'T', CEB711Message: 'R' };
const MAX_RETURNS_PER_DOC = 100;

interface Step {
  due: number;
  type: string;
  /** Within one instant: the receipt first, then the tax bill it caused. */
  rank: number;
  /** DXP id the receipt goes to. */
  receiver: string;
  node: CebNode;
}

type EventRow = { due_at: number; status: 'pending'; payload: string; created_at: number };
type Plan = (trx: Transaction<Database>, now: number) => Promise<EventRow[]>;

const consoleLog = { warn: (o: object, m: string) => console.warn(m, o), error: (o: object, m: string) => console.error(m, o) };

export class SandboxCustoms implements CustomsTransport {
  readonly name = 'sandbox';
  private readonly db: Kysely<Database>;
  private readonly rules: ScenarioRule[];
  private readonly log: NonNullable<SandboxOptions['log']>;
  private readonly now: () => number;
  private readonly delayMs: number;
  private readonly pollMs: number;
  private deliver: InboundHandler | null = null;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopped = true;
  /** Concurrent sends are accepted together, in one transaction. */
  private readonly accepts = new GroupCommit<{ copMsgId: string; plan: Plan }, void>(async (jobs) => {
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      for (const job of jobs) await this.acceptIn(trx, job.copMsgId, job.plan, now);
    });
    return jobs.map(() => undefined);
  });

  constructor(opts: SandboxOptions) {
    this.db = opts.db;
    this.rules = opts.scenariosFile ? loadScenarios(opts.scenariosFile) : [];
    this.log = opts.log ?? consoleLog;
    this.now = opts.now ?? Date.now;
    this.delayMs = opts.delayMs ?? 200;
    this.pollMs = opts.pollMs ?? 50;
  }

  async send(message: OutboundMessage): Promise<void> {
    const env = readEnvelope(message.envelope);
    const parsed = parseDocument(env.data, (def) => (RECEIPT_OF[def.root] ? null : `an import declaration (${Object.keys(RECEIPT_OF).join(', ')})`));
    if (!parsed.ok) {
      // Like the e-port: the envelope arrived, its content is refused with a CEB900.
      await this.accept(env.copMsgId, async (_trx, now) => this.formatFault(env, parsed.issues, now));
      return;
    }
    const recs = records(parsed.doc.def, parsed.doc.body);
    const scenarios = recs.map((r) => pickScenario(this.rules, parsed.doc.root, r.head));
    // Customs knows a message by the CopMsgId in its envelope, as real customs sees nothing else.
    if (scenarios.includes('down')) await this.downGate(env.copMsgId);
    // One signature covers the whole message: a bad one refuses each of its inventories (checked outside the transaction).
    const badSignature = parsed.doc.root === 'CEB621Message' ? inventorySignatureRefusal(env.data, this.now()) : null;
    await this.accept(env.copMsgId, (trx, now) => this.plan(trx, env, parsed.doc, recs, scenarios, now, badSignature));
  }

  async start(deliver: InboundHandler): Promise<void> {
    this.deliver = deliver;
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** Records the CopMsgId and the planned receipts atomically; a CopMsgId seen before changes nothing. */
  private accept(copMsgId: string, plan: Plan): Promise<void> {
    return this.accepts.submit({ copMsgId, plan });
  }

  private async acceptIn(trx: Transaction<Database>, copMsgId: string, plan: Plan, now: number): Promise<void> {
    const ins = await trx
      .insertInto('sandbox_inbox')
      .values({ cop_msg_id: copMsgId, received_at: now })
      .onConflict((oc) => oc.column('cop_msg_id').doNothing())
      .executeTakeFirst();
    if (!Number(ins.numInsertedOrUpdatedRows ?? 0n)) return;
    const rows = await plan(trx, now);
    if (rows.length) await trx.insertInto('sandbox_events').values(rows).execute();
  }

  /** Scenario DOWN: the first attempts for a CopMsgId fail as if customs were unreachable. */
  private async downGate(copMsgId: string): Promise<void> {
    const seen = await this.db.selectFrom('sandbox_inbox').select('cop_msg_id').where('cop_msg_id', '=', copMsgId).executeTakeFirst();
    if (seen) return;
    const attempt = await this.db.transaction().execute((trx) => bump(trx, `down:${copMsgId}`, 1));
    if (attempt <= DOWN_ATTEMPTS) throw new Error('sandbox customs unreachable (scenario DOWN)');
  }

  private async formatFault(env: Envelope, issues: Issue[], now: number): Promise<EventRow[]> {
    const unreadable = issues.some((i) => ['encoding', 'well-formed', 'no-doctype'].includes(i.rule));
    const due = now + this.delayMs;
    const node = formatReturnNode({
      copMsgId: env.copMsgId,
      msgType: env.msgType,
      original: env.data.toString('utf8'),
      status: unreadable ? '-1' : '-2',
      info: `${unreadable ? '报文格式错误' : '报文校验不通过'}：${issues.map((i) => `${i.path || '(document)'} [${i.rule}] expected ${i.expected}, got ${i.actual}`).join('；')}`,
      returnTime: cstTime17(new Date(due)),
    });
    return [this.event(env.senderId, 'CEB900Message', [node], due, now)];
  }

  /** The receipts of every record, grouped into one document per instant, type and receiver. */
  private async plan(
    trx: Transaction<Database>,
    env: Envelope,
    doc: ParsedDocument,
    recs: CebRecord[],
    scenarios: Scenario[],
    now: number,
    badSignature: { code: string; info: string } | null,
  ): Promise<EventRow[]> {
    const type = doc.root;
    const ids = await this.assignIds(trx, type, recs, scenarios, now);
    const steps: Step[] = [];
    const arrived: string[] = [];
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i];
      const seq = statusSequence(type, scenarios[i]);
      const path: RecordPath = { receiver: env.senderId, head: r.head, ids: ids[i], eportGuid: randomUUID(), recordGuid: r.guid, scenario: scenarios[i] };
      // Scripted outcomes (REJECT, NEG, SILENT) skip the rules; the normal paths go through them.
      const checked = seq.includes('399');
      if (type === 'CEB621Message' && badSignature && seq.length) {
        this.walk(type, path, [badSignature.code], now, steps, { invtFrom: Infinity, info: { [badSignature.code]: badSignature.info } });
      } else if (type === 'CEB621Message') {
        await this.inventory(trx, { ...path, list: listOf(r.node, 'InventoryList') }, seq, now, steps);
      } else if (checked && (type === 'CEB623Message' || type === 'CEB625Message')) {
        const invtNo = str(r.head.invtNo);
        const refusal = type === 'CEB623Message' ? await cancelInventory(trx, invtNo) : await returnInventory(trx, invtNo, listOf(r.node, 'InvtRefundList'), now);
        this.refusable(type, path, seq, refusal, now, steps);
      } else {
        this.walk(type, path, seq, now, steps);
        if (checked && type === 'CEB711Message') arrived.push(...listOf(r.node, 'DeliveryList').map((l) => str(l.logisticsNo)));
      }
    }
    if (arrived.length) for (const w of await recordArrivals(trx, arrived, now)) await this.release(trx, w, now, steps);

    steps.sort((a, b) => a.due - b.due || a.rank - b.rank || (a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0));
    const rows: EventRow[] = [];
    for (let s = 0; s < steps.length; ) {
      const first = steps[s];
      let e = s;
      while (e < steps.length && e - s < MAX_RETURNS_PER_DOC && steps[e].due === first.due && steps[e].type === first.type && steps[e].receiver === first.receiver) e++;
      rows.push(this.event(first.receiver, first.type, steps.slice(s, e).map((x) => x.node), first.due, now));
      s = e;
    }
    return rows;
  }

  /**
   * An inventory customs takes in (120) is held for cancels and returns. A 9610 inventory whose
   * parcel has not arrived stops before its inspection or release; the rest is kept with it.
   */
  private async inventory(trx: Transaction<Database>, path: RecordPath, seq: string[], now: number, steps: Step[]): Promise<void> {
    const entered = seq.indexOf('120');
    const invtNo = path.ids.invtNo;
    if (entered < 0 || !invtNo) {
      this.walk('CEB621Message', path, seq, now, steps, { invtFrom: Infinity });
      return;
    }
    const head = path.head;
    const logisticsNo = str(head.logisticsNo);
    const tradeMode = str(head.tradeMode);
    const gated = tradeMode === '9610' && !(await parcelArrived(trx, logisticsNo));
    const split = gated ? seq.findIndex((s, k) => k > entered && AFTER_ARRIVAL.has(s)) : -1;
    const dues = this.walk('CEB621Message', path, split < 0 ? seq : seq.slice(0, split), now, steps, { invtFrom: entered });
    const pending = split < 0 ? null : { ...path, rest: seq.slice(split), after: Math.max(...dues.values()) };
    await holdInventory(trx, { invtNo, copNo: path.ids.copNo ?? '', logisticsNo, tradeMode, list: path.list ?? [], releasedAt: dues.get('800') ?? null, pending }, now);
  }

  /** The parcel of a waiting inventory arrived: the rest of its path, from now (or after its last receipt). */
  private async release(trx: Transaction<Database>, w: WaitingInventory, now: number, steps: Step[]): Promise<void> {
    const mine: Step[] = [];
    const dues = this.walk('CEB621Message', w.pending, w.pending.rest, Math.max(now, w.pending.after), mine);
    if (await releaseWaiting(trx, w.invtNo, dues.get('800') ?? null)) steps.push(...mine);
  }

  /** A cancel or return: its normal path when approved, else 2 → 100 with the reason, or a single negative receipt. */
  private refusable(type: string, path: RecordPath, seq: string[], refusal: Refusal | null, now: number, steps: Step[]): void {
    if (!refusal) {
      this.walk(type, path, seq, now, steps);
      return;
    }
    const refused = refusal.status === '100' ? ['2', '100'] : [refusal.status];
    this.walk(type, path, refused, now, steps, { info: { [refusal.status]: refusal.info } });
  }

  /**
   * Plans one record's receipts for `seq`, one step apart after `start` (plus the tax bill at
   * 800); returns the due time of each status. Statuses before index `invtFrom` carry no invtNo.
   */
  private walk(type: string, p: RecordPath, seq: string[], start: number, steps: Step[], opts: { invtFrom?: number; info?: Readonly<Record<string, string>> } = {}): Map<string, number> {
    const factor = stepFactor(p.scenario);
    const dues = new Map<string, number>();
    let due = start;
    seq.forEach((status, k) => {
      due += stepsBefore(status) * this.delayMs * factor;
      dues.set(status, due);
      const returnTime = cstTime17(new Date(due));
      const ids = k < (opts.invtFrom ?? 0) ? { ...p.ids, invtNo: undefined } : p.ids;
      const node = returnNode(type, p.head, status, { guid: p.eportGuid, recordGuid: p.recordGuid, returnTime, ids, info: opts.info?.[status] });
      steps.push({ due, type: RECEIPT_OF[type], rank: 0, receiver: p.receiver, node });
      if (type === 'CEB621Message' && status === '800') {
        const bill = this.taxBill(p, returnTime);
        if (bill) steps.push({ due, type: 'CEB816Message', rank: 1, receiver: p.receiver, node: bill });
      }
    });
    return dues;
  }

  private taxBill(p: RecordPath, returnTime: string): CebNode | null {
    try {
      return taxNode(p.head, p.list ?? [], p.ids.invtNo!, returnTime);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, guid: p.recordGuid }, 'sandbox customs: no tax bill for this inventory');
      return null;
    }
  }

  /**
   * preNo (B/T/R + YYYYMMDD + 9-digit serial) for inventories, and for cancels/returns/arrivals
   * that did not quote a usable one; invtNo (customs code + year + I + 9-digit serial) for
   * inventories customs takes in; rkdNo for arrival lists without one.
   */
  private async assignIds(trx: Transaction<Database>, type: string, recs: CebRecord[], scenarios: Scenario[], now: number): Promise<RecordIds[]> {
    const day = cstDate(new Date(now));
    const out: RecordIds[] = recs.map(() => ({}));
    const live = recs.map((_, i) => scenarios[i] !== 'silent');
    const preLetter = PRE_NO_LETTER[type];
    if (!preLetter) return out;

    const needPre = recs.map((r, i) => live[i] && (type === 'CEB621Message' || str(r.head.preNo).length !== 18));
    const pre = await serials(trx, 'preNo', needPre.filter(Boolean).length);
    recs.forEach((r, i) => {
      const h = r.head;
      out[i].preNo = needPre[i] ? `${preLetter}${day}${pad9(pre())}` : str(h.preNo);
      if (type === 'CEB621Message') out[i].copNo = str(h.copNo) || (str(h.orderNo).length <= 20 ? str(h.orderNo) : out[i].preNo);
      if (type === 'CEB623Message' || type === 'CEB625Message') out[i].copNo = str(h.copNo) || str(h.invtNo);
    });

    if (type === 'CEB621Message') {
      const year = day.slice(0, 4);
      const byCustoms = new Map<string, number[]>();
      recs.forEach((r, i) => {
        if (live[i] && statusSequence(type, scenarios[i]).includes('120')) {
          const cc = str(r.head.customsCode);
          byCustoms.set(cc, [...(byCustoms.get(cc) ?? []), i]);
        }
      });
      for (const [cc, idx] of byCustoms) {
        const next = await serials(trx, `invtNo:${cc}:${year}`, idx.length);
        for (const i of idx) out[i].invtNo = `${cc}${year}I${pad9(next())}`;
      }
    }
    if (type === 'CEB711Message') {
      const need = recs.map((r, i) => live[i] && !str(r.head.rkdNo) && str(r.head.customsCode).length === 4);
      const next = await serials(trx, 'rkdNo', need.filter(Boolean).length);
      recs.forEach((r, i) => {
        if (need[i]) out[i].rkdNo = `${str(r.head.customsCode)}${day}${String(next() % 1_000_000).padStart(6, '0')}`;
      });
    }
    return out;
  }

  private event(receiver: string, type: string, nodes: CebNode[], due: number, now: number): EventRow {
    const xml = receiptDocument(type, nodes);
    const payload = buildDxpMsg({
      copMsgId: randomUUID(),
      senderId: CUSTOMS_IMPORT_DXP_ID,
      receiverId: receiver,
      msgType: type,
      data: Buffer.from(xml, 'utf8'),
      createdAt: new Date(due),
    });
    return { due_at: due, status: 'pending', payload, created_at: now };
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.pass().finally(() => {
        this.current = null;
      });
    }, ms);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    let more = false;
    try {
      more = await this.deliverDue();
    } catch (err) {
      this.log.error({ err }, 'sandbox customs: delivery pass failed');
    }
    this.schedule(more ? 0 : this.pollMs);
  }

  /**
   * Delivers due receipts oldest first, all of a pass at once (the receiver commits them
   * together, in order). A failed delivery is retried next pass; the platform's lifecycle is
   * monotonic, so a receipt arriving late never moves a declaration back.
   */
  private async deliverDue(): Promise<boolean> {
    const rows = await this.db
      .selectFrom('sandbox_events')
      .select(['id', 'payload'])
      .where('status', '=', 'pending')
      .where('due_at', '<=', this.now())
      .orderBy('id')
      .limit(BATCH)
      .execute();
    const deliver = this.deliver;
    if (!rows.length || this.stopped || !deliver) return false;
    const results = await Promise.allSettled(rows.map((row) => deliver(Buffer.from(row.payload, 'utf8'), 'sandbox')));
    const done: number[] = [];
    const refused: number[] = [];
    let failed = false;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') done.push(rows[i].id);
      else if ((r.reason as { refused?: boolean })?.refused || (r.reason instanceof AppError && r.reason.status < 500)) {
        // The platform will never take it: resending every pass would only block the others.
        refused.push(rows[i].id);
        this.log.warn({ eventId: rows[i].id, err: (r.reason as Error)?.message }, 'sandbox customs: the platform refused a receipt; not sending it again');
      } else {
        failed = true;
        this.log.warn({ eventId: rows[i].id, err: (r.reason as Error)?.message ?? String(r.reason) }, 'sandbox customs: receipt delivery failed; will retry');
      }
    });
    if (done.length) await this.db.updateTable('sandbox_events').set({ status: 'done' }).where('id', 'in', done).execute();
    if (refused.length) await this.db.updateTable('sandbox_events').set({ status: 'refused' }).where('id', 'in', refused).execute();
    return !failed && !this.stopped && rows.length === BATCH;
  }
}

/** The envelope must be a readable DxpMsg; anything else is a platform fault, not a customs answer. */
function readEnvelope(text: string): Envelope {
  const r = parseDocument(Buffer.from(text, 'utf8'), (def) => (isEnvelope(def.root) ? null : 'a DxpMsg envelope'));
  if (!r.ok) {
    const i = r.issues[0];
    throw new Error(`sandbox customs refused the envelope: ${i.path || '(document)'}: expected ${i.expected}, got ${i.actual}`);
  }
  return openEnvelope(r.doc);
}

/** Atomically adds n to a counter (creating it), returning the new value; safe under concurrency on PostgreSQL. */
async function bump(trx: Transaction<Database>, name: string, n: number): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await trx
      .updateTable('sandbox_counters')
      .set((eb) => ({ value: eb('value', '+', n) }))
      .where('name', '=', name)
      .returning('value')
      .executeTakeFirst();
    if (row) return Number(row.value);
    const ins = await trx.insertInto('sandbox_counters').values({ name, value: n }).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0n)) return n;
  }
  throw new Error(`sandbox counter ${name} could not be updated`);
}

/** Reserves n consecutive serials of a counter; the returned function hands them out in order. */
async function serials(trx: Transaction<Database>, name: string, n: number): Promise<() => number> {
  if (n === 0) return () => {
    throw new Error(`no ${name} serial reserved`);
  };
  let next = (await bump(trx, name, n)) - n + 1;
  return () => next++;
}

function pad9(n: number): string {
  return String(n % 1_000_000_000).padStart(9, '0');
}
