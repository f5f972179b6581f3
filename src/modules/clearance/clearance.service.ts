/**
 * Clearance before customs. An inventory (CEB621) is held until its order, payment and waybill
 * have been taken in by customs (120); then it is matched (三单比对), its lines checked against
 * the positive list, its tax computed, and the buyer's quota and (1210) the bonded stock
 * reserved — all or nothing. A message that passes goes to the outbox; one that fails, or whose
 * documents never come before the deadline, is refused with a receipt naming every reason.
 * A signed message travels whole, so one failing inventory holds back the whole message.
 */
import type { Kysely, Transaction } from 'kysely';
import type { CebNode } from '../../ceb/index.ts';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService, DocumentRow, NewMessage, StatusChange, StoredForRouting } from '../declarations/index.ts';
import type { ReadReceipt } from '../receipts/index.ts';
import type { TaxRate } from '../tax/index.ts';
import { fenToYuan } from '../tax/index.ts';
import type { AppError } from '../../platform/errors.ts';
import type { ClearanceRepository, Wait } from './clearance.repository.ts';
import { DEFAULT_CONFLICT_SETTINGS, findConflicts, type ConflictSettings } from './conflicts.ts';
import { findExportConflicts } from './export-conflicts.ts';
import { TAKEN_IN, assess, type Assessment, type Found } from './assess.ts';
import type { RuleId } from './rules.ts';
import { assessExport, collectionKey } from './assess-export.ts';
import { headOf, refuse, reserve } from './settle.ts';

export interface ClearancePorts {
  rateOf(gcode: string): TaxRate;
  onPositiveList(gcode: string): boolean;
  quotas: {
    reserve(trx: Kysely<Database>, input: { declarationId: number; idNumber: string; year: number; amountFen: number; singleItemOverLimit?: boolean }): Promise<{ ok: true } | { ok: false; code: string; message: string }>;
    consume(trx: Kysely<Database>, declarationId: number): Promise<unknown>;
    release(trx: Kysely<Database>, declarationId: number): Promise<unknown>;
  };
  stock: {
    reserve(trx: Kysely<Database>, declarationId: number, lines: Array<{ emsNo: string; itemRecordNo: string; qty: string }>): Promise<{ ok: true } | { ok: false; shortages: Array<{ emsNo: string; itemRecordNo: string; requested: string; available: string }> }>;
    consume(trx: Kysely<Database>, declarationId: number): Promise<unknown>;
    release(trx: Kysely<Database>, declarationId: number): Promise<unknown>;
  };
  enqueue(trx: Transaction<Database>, messageIds: number[], now: number): Promise<void>;
  storeReceipts(trx: Kysely<Database>, receipts: ReadReceipt[], now: number): Promise<unknown>;
  readReceipt(bytes: Uint8Array): ReadReceipt;
  /** After a message was released to the outbox. */
  forwarded(): void;
  /** After an evaluation committed (a refusal stored a receipt: its webhooks can go). */
  committed(): void;
}

export interface ClearanceSettings extends ConflictSettings {
  /** How long an inventory waits for its documents before it is refused, ms. */
  deadlineMs: number;
  rulesOff: ReadonlySet<RuleId>;
  sweepMs: number;
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

export const DEFAULT_SETTINGS: Omit<ClearanceSettings, 'log'> = { ...DEFAULT_CONFLICT_SETTINGS, deadlineMs: 24 * 3600 * 1000, rulesOff: new Set(), sweepMs: 5000 };

const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
type Refusal = Extract<Assessment, { kind: 'refused' }>;
const TYPE = { order: 'CEB311Message', payment: 'CEB411Message', waybill: 'CEB511Message' } as const;
const EXPORT_TYPE = { order: 'CEB303Message', payment: 'CEB403Message', waybill: 'CEB505Message' } as const;
/** Export documents' keys all start so (export-order|…, export-logistics|…): one wait table serves both directions. */
const isExportKey = (k: string) => k.startsWith('export-');
const HELD: ReadonlySet<string> = new Set(['CEB621Message', 'CEB603Message']);

export class ClearanceService {
  private queue = new Set<number>();
  /** Held in the ingest transaction now running; evaluated once it committed. */
  private readonly stored = new Set<number>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: ClearanceRepository,
    private readonly declarations: DeclarationsService,
    private readonly ports: ClearancePorts,
    private readonly settings: ClearanceSettings,
  ) {}

  // --- ingest hooks ---------------------------------------------------------------------------

  async admit(trx: Kysely<Database>, items: NewMessage[]): Promise<Map<NewMessage, AppError>> {
    const refused = await findConflicts(trx, this.declarations, (t, ids) => this.repo.releaseTimes(t, ids), items, this.settings);
    await findExportConflicts(trx, this.declarations, items, this.settings, refused);
    return refused;
  }

  holds(item: NewMessage): boolean {
    return HELD.has(item.messageType);
  }

  /** Held inventories wait for matching; everything else goes to the outbox. */
  async route(trx: Transaction<Database>, stored: StoredForRouting[], now: number): Promise<void> {
    const direct = stored.filter((x) => !x.held).map((x) => x.message.id);
    if (direct.length) await this.ports.enqueue(trx, direct, now);
    const waits = stored.filter((x) => x.held).flatMap((x) =>
      x.item.records.map((r) => {
        const head = headOf(JSON.parse(r.fields) as CebNode);
        const exported = x.item.messageType === 'CEB603Message';
        return {
          declaration_id: x.declarationIds[r.seq],
          message_id: x.message.id,
          order_key: r.refKey!,
          payment_key: exported ? collectionKey(head, r.refKey!) : r.refKey!,
          waybill_key: `${exported ? 'export-logistics' : 'logistics'}|${s(head.logisticsCode)}|${s(head.logisticsNo)}`,
          deadline_at: now + this.settings.deadlineMs,
        };
      }),
    );
    if (waits.length) {
      await this.repo.add(trx, waits, now);
      for (const w of waits) this.stored.add(w.message_id);
    }
  }

  /** After the ingest commit: held messages are looked at at once (their documents may all be there). */
  committed(): void {
    if (!this.stored.size) return;
    const ids = [...this.stored];
    this.stored.clear();
    this.schedule(ids);
  }

  /** What clearance found for a message's inventories: the state, and the tax and warnings or the refusal. */
  async view(messageId: number) {
    const waits = await this.repo.forMessage(messageId);
    return waits.map((w) => {
      const result = w.result ? (JSON.parse(w.result) as { tax?: { totals: Record<string, number> }; warnings?: string[]; code?: string; reasons?: string[]; issues?: unknown[] }) : {};
      const t = result.tax?.totals;
      return {
        declarationId: w.declaration_id,
        state: w.state,
        deadline: new Date(w.deadline_at).toISOString(),
        ...(t ? { tax: { dutiable: fenToYuan(t.dutiableFen), customsTax: fenToYuan(t.customsTaxFen), valueAddedTax: fenToYuan(t.vatFen), consumptionTax: fenToYuan(t.consumptionFen), total: fenToYuan(t.totalFen) } } : {}),
        ...(result.warnings?.length ? { warnings: result.warnings } : {}),
        ...(result.code ? { refusal: { code: result.code, reasons: result.reasons ?? [], ...(result.issues ? { issues: result.issues } : {}) } } : {}),
        releasedAt: w.released_at ? new Date(w.released_at).toISOString() : null,
      };
    });
  }

  // --- receipts hooks -------------------------------------------------------------------------

  /** Inside the receipts' transaction: quotas and stock follow the inventory's lifecycle. */
  async applied(trx: Kysely<Database>, changes: StatusChange[]): Promise<void> {
    const now = this.settings.now();
    for (const c of changes) {
      const d = c.declaration;
      if (d.message_type === 'CEB603Message') {
        // A 1210 export's goods leave the account book at release; a refusal gives them back.
        if ((c.to === 'released' || c.to === 'closed') && c.from !== 'released' && c.from !== 'closed') {
          await this.ports.stock.consume(trx, d.id);
          await this.repo.released(trx, [d.id], now);
        } else if (c.to === 'rejected' || c.to === 'returned') {
          await this.ports.stock.release(trx, d.id);
        }
      } else if (d.message_type === 'CEB621Message') {
        // 800 and 899 may arrive in one batch: the record moves straight to closed.
        const releasedNow = (c.to === 'released' || c.to === 'closed') && c.from !== 'released' && c.from !== 'closed';
        if (releasedNow) {
          await this.ports.quotas.consume(trx, d.id);
          await this.ports.stock.consume(trx, d.id);
          await this.repo.released(trx, [d.id], now);
        } else if (c.to === 'rejected' || c.to === 'returned') {
          await this.ports.quotas.release(trx, d.id);
          await this.ports.stock.release(trx, d.id);
        }
      } else if (d.message_type === 'CEB605Message' && c.to === 'concluded') {
        // An approved export cancel puts a 1210 export's goods back on the account book.
        const [req] = await this.declarations.documents(trx, d.message_type, 'corr_key', [d.corr_key]);
        const invtNo = req ? s((JSON.parse(req.fields) as CebNode).invtNo) : '';
        for (const inv of invtNo ? await this.declarations.documents(trx, 'CEB603Message', 'invt_no', [invtNo]) : []) await this.ports.stock.release(trx, inv.id);
      } else if ((d.message_type === 'CEB623Message' || d.message_type === 'CEB625Message') && c.to === 'concluded') {
        // An approved cancel or return gives the buyer's quota (and bonded stock) back.
        const [req] = await this.declarations.documents(trx, d.message_type, 'corr_key', [d.corr_key]);
        const invtNo = req ? s(headOf(JSON.parse(req.fields) as CebNode).invtNo) : '';
        for (const inv of invtNo ? await this.declarations.documents(trx, 'CEB621Message', 'invt_no', [invtNo]) : []) {
          await this.ports.quotas.release(trx, inv.id);
          await this.ports.stock.release(trx, inv.id);
        }
      }
    }
  }

  /** After receipts are committed: inventories waiting on a document that moved are looked at again. */
  documentsChanged(changes: StatusChange[]): void {
    const keys = { order: [] as string[], payment: [] as string[], waybill: [] as string[] };
    for (const c of changes) {
      const d = c.declaration;
      if (d.message_type === 'CEB311Message' || d.message_type === 'CEB303Message') keys.order.push(d.corr_key);
      else if ((d.message_type === 'CEB411Message' || d.message_type === 'CEB403Message') && d.ref_key) keys.payment.push(d.ref_key);
      else if (d.message_type === 'CEB511Message' || d.message_type === 'CEB505Message') keys.waybill.push(d.corr_key);
    }
    if (keys.order.length + keys.payment.length + keys.waybill.length === 0) return;
    void this.repo.waitingOn(keys).then(
      (ids) => this.schedule(ids),
      (err) => this.settings.log.error({ err }, 'clearance: could not find waiting inventories'),
    );
  }

  // --- evaluation -----------------------------------------------------------------------------

  start(): void {
    this.stopped = false;
    const sweep = async () => {
      try {
        const ids = await this.repo.waitingMessages(this.settings.now());
        if (this.stopped) return;
        this.schedule(ids);
      } catch (err) {
        if (!this.stopped) this.settings.log.error({ err }, 'clearance sweep failed');
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => void sweep(), this.settings.sweepMs);
      this.timer.unref();
    };
    // At start-up every waiting inventory is looked at once: a trigger may have been lost in a crash.
    void this.repo.waitingMessages().then((ids) => !this.stopped && this.schedule(ids), () => undefined);
    this.timer = setTimeout(() => void sweep(), this.settings.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.clear();
    await this.running;
  }

  /**
   * Evaluations run one batch at a time (never two at once, so two triggers cannot settle one
   * message twice), up to 100 messages per transaction.
   */
  schedule(messageIds: number[]): void {
    if (this.stopped) return;
    for (const id of messageIds) this.queue.add(id);
    if (this.running || !this.queue.size) return;
    this.running = (async () => {
      while (this.queue.size) {
        const batch = [...this.queue].slice(0, 100);
        for (const id of batch) this.queue.delete(id);
        try {
          await this.evaluate(batch);
        } catch (err) {
          // A deadlock or serialization failure (PostgreSQL) rolled the batch back: try again shortly.
          const code = (err as { code?: string }).code;
          if (code === '40P01' || code === '40001') setTimeout(() => this.schedule(batch), 50).unref();
          else this.settings.log.error({ err, messageIds: batch }, 'clearance evaluation failed');
        }
      }
      this.running = null;
    })();
  }

  /** Waits until nothing is queued (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Looks at waiting messages: those whose documents are not all in (and whose deadline has not
   * passed) stay waiting after a keys-only look; the others are matched or refused.
   */
  async evaluate(messageIds: number[]): Promise<Map<number, 'waiting' | 'matched' | 'refused'>> {
    const outcomes = new Map<number, 'waiting' | 'matched' | 'refused'>();
    let forwarded = false;
    await this.db.transaction().execute(async (trx) => {
      const waits = await this.repo.waitingOf(trx, messageIds);
      if (!waits.length) return;
      const now = this.settings.now();
      const light = await this.documents(trx, waits, (t, type, k) => this.declarations.refs(t, type, k.column, k.keys));
      const ready = new Set<number>();
      const none = { status: 'customs-accepted' };
      for (const w of waits) {
        // An export whose trade mode needs no collection waits on none (payment_key empty).
        const d = [light.orders.get(w.order_key), w.payment_key ? light.payments.get(w.payment_key) : none, light.waybills.get(w.waybill_key)];
        const settled = d.every((x) => x !== undefined && TAKEN_IN.has(x.status)) || d.some((x) => x?.status === 'rejected') || now >= w.deadline_at;
        if (!settled) outcomes.set(w.message_id, 'waiting');
      }
      for (const w of waits) if (!outcomes.has(w.message_id)) ready.add(w.message_id);
      if (!ready.size) return;
      const readyWaits = waits.filter((w) => ready.has(w.message_id));
      const records = await this.declarations.recordsOf(trx, [...ready]);
      const docs = await this.documents(trx, readyWaits, (t, type, k) => this.declarations.documents(t, type, k.column, k.keys));
      for (const id of ready) {
        const mine = readyWaits.filter((w) => w.message_id === id);
        const outcome = await this.decide(trx, id, mine, records.filter((r) => r.message_id === id), docs as Found, now);
        outcomes.set(id, outcome);
        if (outcome === 'matched') forwarded = true;
      }
    });
    this.ports.committed();
    if (forwarded) this.ports.forwarded();
    return outcomes;
  }

  private async decide(trx: Kysely<Database>, messageId: number, waits: Wait[], records: DocumentRow[], docs: Found, now: number): Promise<'waiting' | 'matched' | 'refused'> {
    const results: Assessment[] = waits.map((w) => {
      const rec = records.find((r) => r.id === w.declaration_id)!;
      return rec.message_type === 'CEB603Message' ? assessExport(rec, w, docs, now, this.settings) : assess(rec, w, docs, now, this.settings, this.ports);
    });
    if (results.some((r) => r.kind === 'waiting')) return 'waiting';
    const failed: Refusal[] = results.filter((r): r is Refusal => r.kind === 'refused');
    if (!failed.length) {
      const reserved = await reserve(trx, waits, results, this.ports, this.settings.now());
      if (reserved === true) {
        await this.repo.settle(trx, waits.map((w) => w.declaration_id), 'matched', new Map(results.map((r, i) => [waits[i].declaration_id, JSON.stringify(r.kind === 'matched' ? { tax: r.tax, warnings: r.warnings } : {})])), now);
        await this.declarations.setMessageStatus(trx, messageId, 'matched', now);
        await this.ports.enqueue(trx as Transaction<Database>, [messageId], now);
        return 'matched';
      }
      failed.push(...reserved);
    }
    await refuse(trx, messageId, waits, records, failed, now, { declarations: this.declarations, repo: this.repo, ports: this.ports });
    return 'refused';
  }

  /** The order, payment and waybill of each waiting inventory: a live document before a rejected one, then the newest. */
  private async documents<T extends { status: string; corr_key: string; ref_key: string | null }>(
    trx: Kysely<Database>,
    waits: Wait[],
    load: (trx: Kysely<Database>, type: string, k: { column: 'corr_key' | 'ref_key'; keys: string[] }) => Promise<T[]>,
  ) {
    // Import and export documents are different message types: each key is looked up under its own.
    const loadBoth = async (kind: keyof typeof TYPE, column: 'corr_key' | 'ref_key', keys: string[]) => {
      const exp = keys.filter((k) => k && isExportKey(k));
      const imp = keys.filter((k) => k && !isExportKey(k));
      return [...(imp.length ? await load(trx, TYPE[kind], { column, keys: imp }) : []), ...(exp.length ? await load(trx, EXPORT_TYPE[kind], { column, keys: exp }) : [])];
    };
    const pick = (rows: T[], key: (d: T) => string | null) => {
      const m = new Map<string, T>();
      for (const d of rows) {
        const k = key(d);
        const cur = k ? m.get(k) : undefined;
        if (k && (!cur || (cur.status === 'rejected' && d.status !== 'rejected'))) m.set(k, d);
      }
      return m;
    };
    return {
      orders: pick(await loadBoth('order', 'corr_key', waits.map((w) => w.order_key)), (d) => d.corr_key),
      payments: pick(await loadBoth('payment', 'ref_key', waits.map((w) => w.payment_key)), (d) => d.ref_key),
      waybills: pick(await loadBoth('waybill', 'corr_key', waits.map((w) => w.waybill_key)), (d) => d.corr_key),
    };
  }
}
