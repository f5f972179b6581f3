/**
 * The sandbox customs: accepts DxpMsg envelopes like the import (DXPEDCCEB0000002) and export
 * (DXPEDCCEB0000003) unified systems and answers with the receipt sequences customs would send,
 * on a clock. import.ts and export.ts plan the receipts of each side.
 *
 * Everything it promises is in the database, so receipts survive a restart: a send commits the
 * CopMsgId (idempotency) and all its future receipts in one transaction; a poll loop delivers
 * receipts once due. Receipts that wait for another message (a 9610 release waits for the
 * arrival list naming its parcel, an export release for its arrival and its close for its
 * departure) are planned in the transaction that accepts that message.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../db/index.ts';
import { CUSTOMS_EXPORT_DXP_ID, CUSTOMS_IMPORT_DXP_ID, MESSAGES, buildDxpMsg, isEnvelope, openEnvelope, parseDocument, records } from '../../../ceb/index.ts';
import type { CebNode, Envelope, Issue } from '../../../ceb/index.ts';
import { cstTime17 } from '../../../platform/time.ts';
import { GroupCommit } from '../../../platform/group-commit.ts';
import { AppError } from '../../../platform/errors.ts';
import type { CustomsTransport, InboundHandler, OutboundMessage } from '../transport.ts';
import { RECEIPT_OF, loadScenarios, pickScenario } from './scenarios.ts';
import type { ScenarioRule } from './scenarios.ts';
import { formatReturnNode, receiptDocument } from './receipts.ts';
import { inventorySignatureRefusal } from './signature.ts';
import { bump } from './counters.ts';
import { documents } from './plan.ts';
import type { Accepted } from './plan.ts';
import { planImport } from './import.ts';
import { planExport } from './export.ts';

export interface SandboxOptions {
  db: Kysely<Database>;
  /** Base delay between two receipts of one record, ms (default 200). */
  delayMs: number;
  /** JSON scenario rules (SILKGATE_SANDBOX_SCENARIOS); they take precedence over the built-in prefixes. */
  scenariosFile?: string;
  /** Rules already read (the operator's, or the file's read by the platform): used instead of the file. */
  rules?: ScenarioRule[];
  log?: { warn(o: object, m: string): void; error(o: object, m: string): void };
  now?: () => number;
  /** How often the delivery loop looks for due receipts, ms (default 50). */
  pollMs?: number;
}

/** Sends refused with scenario DOWN before the sandbox accepts the message. */
export const DOWN_ATTEMPTS = 3;
const BATCH = 200;
const IMPORT_TYPES = Object.keys(RECEIPT_OF).filter((t) => !isExport(t));
const EXPORT_TYPES = Object.keys(RECEIPT_OF).filter(isExport);

type EventRow = { due_at: number; status: 'pending'; payload: string; created_at: number };
type Plan = (trx: Transaction<Database>, now: number) => Promise<EventRow[]>;

const consoleLog = { warn: (o: object, m: string) => console.warn(m, o), error: (o: object, m: string) => console.error(m, o) };

export class SandboxCustoms implements CustomsTransport {
  readonly name = 'sandbox';
  private readonly db: Kysely<Database>;
  private rules: readonly ScenarioRule[];
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
    this.rules = opts.rules ?? (opts.scenariosFile ? loadScenarios(opts.scenariosFile) : []);
    this.log = opts.log ?? consoleLog;
    this.now = opts.now ?? Date.now;
    this.delayMs = opts.delayMs ?? 200;
    this.pollMs = opts.pollMs ?? 50;
  }

  /** The scenario rules in force. */
  scenarios(): readonly ScenarioRule[] {
    return this.rules;
  }

  /** Replaces the rules: messages sent from now on are matched against these. */
  setScenarios(rules: readonly ScenarioRule[]): void {
    this.rules = rules;
  }

  async send(message: OutboundMessage): Promise<void> {
    const env = readEnvelope(message.envelope);
    const parsed = parseDocument(env.data, (def) =>
      RECEIPT_OF[def.root] ? null : `an import declaration (${IMPORT_TYPES.join(', ')}) or an export declaration (${EXPORT_TYPES.join(', ')})`,
    );
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
    await this.accept(env.copMsgId, (trx, now) => this.plan(trx, { env, doc: parsed.doc, recs, scenarios, now }, badSignature));
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
    // The e-port answers for the system the message was addressed to.
    const exported = env.receiverIds.includes(CUSTOMS_EXPORT_DXP_ID) || isExport(env.msgType);
    return [this.event(exported ? CUSTOMS_EXPORT_DXP_ID : CUSTOMS_IMPORT_DXP_ID, env.senderId, 'CEB900Message', [node], due, now)];
  }

  /** The receipts of every record, grouped into one document per instant, type and receiver. */
  private async plan(trx: Transaction<Database>, m: Accepted, badSignature: { code: string; info: string } | null): Promise<EventRow[]> {
    const ctx = { delayMs: this.delayMs, log: this.log };
    const steps = isExport(m.doc.root) ? await planExport(ctx, trx, m) : await planImport(ctx, trx, m, badSignature);
    // Each receipt comes from the system that answers its declaration (a CEB816 from import, a CEB792 from export).
    return documents(steps).map((d) => this.event(isExport(d.type) ? CUSTOMS_EXPORT_DXP_ID : CUSTOMS_IMPORT_DXP_ID, d.receiver, d.type, d.nodes, d.due, m.now));
  }

  private event(sender: string, receiver: string, type: string, nodes: CebNode[], due: number, now: number): EventRow {
    const xml = receiptDocument(type, nodes);
    const payload = buildDxpMsg({
      copMsgId: randomUUID(),
      senderId: sender,
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

function isExport(type: string): boolean {
  return Object.hasOwn(MESSAGES, type) && MESSAGES[type].family === 'export';
}
