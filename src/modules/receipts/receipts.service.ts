/**
 * Receipts relay: every receipt from customs is parsed, tied to its declaration, stored once
 * (identical repeats are dropped), applied to the declaration's lifecycle and queued for the
 * enterprise's webhooks, all in one transaction. The pull feed reads the same rows.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { GroupCommit } from '../../platform/group-commit.ts';
import { retryConflicts } from '../../platform/retry.ts';
import type { DeclarationRef, DeclarationsService, ReceiptUpdate, StatusChange } from '../declarations/index.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { AppError } from '../../platform/errors.ts';
import { ReceiptInputError, type ReadItem, type ReadReceipt } from './read.ts';
import type { NewReceipt, ReceiptRow, ReceiptsRepository } from './receipts.repository.ts';
import type { WebhooksService } from './webhooks.service.ts';

export interface ReceiptIngestResult {
  messageType: string;
  stored: number;
  duplicates: number;
  uncorrelated: number;
}


type Job = ReadReceipt;

/** A receipt just stored for a declaration, as given to the modules that read its content (summary results). */
export interface ReceivedReceipt {
  receiptId: number;
  declaration: DeclarationRef;
  messageType: string;
  xml: string;
}

export class ReceiptsService {
  private readonly listeners: Array<(changes: StatusChange[]) => void> = [];
  private readonly appliers: Array<(trx: Kysely<Database>, changes: StatusChange[]) => Promise<void>> = [];
  private readonly readers: Array<{ types: ReadonlySet<string>; read: (trx: Kysely<Database>, receipts: ReceivedReceipt[], now: number) => Promise<void> }> = [];
  /** Receipts arriving together are stored together, in arrival order, in one transaction. */
  private readonly commit = new GroupCommit<Job, ReceiptIngestResult>((jobs) => this.store(jobs));
  /** Settles when the previous receipt has been handed to the group commit. */
  private order: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: ReceiptsRepository,
    private readonly declarations: DeclarationsService,
    private readonly webhooks: WebhooksService,
    private readonly cpu: Cpu,
  ) {}

  /** After a batch of receipts is committed, with the records whose lifecycle moved. */
  onStored(listener: (changes: StatusChange[]) => void) {
    this.listeners.push(listener);
  }

  /** Inside the receipts' transaction: act on lifecycle changes atomically with them (quotas, stock). */
  onApplied(applier: (trx: Kysely<Database>, changes: StatusChange[]) => Promise<void>) {
    this.appliers.push(applier);
  }

  /** Inside the receipts' transaction: receipts of these types, once stored (each once), with their declaration. */
  onReceived(types: string[], read: (trx: Kysely<Database>, receipts: ReceivedReceipt[], now: number) => Promise<void>) {
    this.readers.push({ types: new Set(types), read });
  }

  /**
   * Accepts a receipt as customs sends it: a DxpMsg/DxpMsgSv envelope or a bare CEB receipt.
   * Receipts are stored in the order they arrive (an invtNo assigned by a 120 correlates the tax
   * bill after it), though they are parsed in parallel. Only a receipt that can never be
   * accepted throws ReceiptInputError; anything else is a failure to retry.
   */
  async ingest(bytes: Buffer): Promise<ReceiptIngestResult> {
    const parsing = this.cpu.run<ReadReceipt>('readReceipt', bytes);
    const turn = this.order;
    let next!: () => void;
    this.order = new Promise<void>((r) => (next = r));
    await turn;
    let read: ReadReceipt;
    try {
      read = await parsing;
    } catch (err) {
      next();
      throw err instanceof AppError ? new ReceiptInputError(err.message) : err;
    }
    // submit() queues synchronously: the next receipt may go once this one has its place.
    const stored = this.commit.submit(read);
    next();
    return stored;
  }

  /**
   * Stores a batch of receipt documents in one transaction with a handful of queries: keyed
   * lookups of every declaration they answer, one multi-row insert, one update per declaration.
   * Items are handled in arrival order, so an invtNo assigned by a 120 earlier in the batch
   * already correlates the tax bill that follows it.
   */
  private async store(jobs: Job[]): Promise<ReceiptIngestResult[]> {
    const { results, changes } = await retryConflicts(() => this.db.transaction().execute((trx) => this.storeIn(trx, jobs, Date.now())));
    this.webhooks.committed();
    if (results.some((r) => r.stored)) for (const l of this.listeners) l(changes);
    return results;
  }

  /**
   * Stores receipts in the caller's transaction (the platform's own refusals are stored with
   * the state change that caused them). Callers other than ingest run the listeners themselves.
   */
  async storeIn(trx: Kysely<Database>, jobs: Job[], now: number): Promise<{ results: ReceiptIngestResult[]; changes: StatusChange[] }> {
    const items = jobs.flatMap((job, j) => job.items.map((item) => ({ job: j, item })));
    const keyed = new Map<string, DeclarationRef>();
    for (const d of await this.declarations.findByKeys(trx, items.flatMap(({ item }) => (item.lookup.kind === 'keys' ? item.lookup.keys : [])))) {
      const k = `${d.message_type}|${d.corr_key}`;
      if ((keyed.get(k)?.id ?? 0) < d.id) keyed.set(k, d);
    }
    // Declarations by the number customs assigned them, keyed `type|number`.
    const byInvt = new Map<string, DeclarationRef>();
    const numbers = items.flatMap(({ item }) => (item.lookup.kind === 'number' && item.lookup.number ? [item.lookup] : []));
    for (const d of await this.declarations.findByNumbers(trx, numbers.map((n) => ({ type: n.type, number: n.number })))) {
      const k = `${d.message_type}|${d.invt_no}`;
      if ((byInvt.get(k)?.id ?? 0) < d.id) byInvt.set(k, d);
    }

    const out = jobs.map((job) => ({ messageType: job.messageType, stored: 0, duplicates: 0, uncorrelated: 0 }));
    const rows: Array<NewReceipt & { job: number; target: DeclarationRef | null; item: ReadItem }> = [];
    const seen = new Set<string>();
    for (const { job, item } of items) {
      const targets = await this.targets(trx, item, keyed, byInvt);
      if (!targets.length) out[job].uncorrelated++;
      for (const t of targets.length ? targets : [null]) {
        const digest = targets.length > 1 ? `${item.digest}:${t!.id}` : item.digest;
        if (seen.has(digest)) continue;
        seen.add(digest);
        rows.push({ job, target: t, item, digest, enterpriseId: t?.enterprise_id ?? null, messageId: t?.message_id ?? null, declarationId: t?.id ?? null, messageType: item.messageType, returnStatus: item.returnStatus, returnInfo: item.returnInfo, returnTime: item.returnTime, xml: item.xml });
        // The invtNo customs just assigned identifies the inventory for the rest of the batch.
        if (t && item.invtNo) byInvt.set(`${t.message_type}|${item.invtNo}`, t);
      }
    }

    const ids = await this.repo.insertMany(trx, rows, now);
    // The enterprises a message was declared for (an agent's principal) get its receipts as its sender does.
    const parties = await this.declarations.partiesOf(trx, rows.flatMap((r) => (r.target && ids.has(r.digest) ? [r.target.message_id] : [])));
    const updates: ReceiptUpdate[] = [];
    const hooks: Array<{ enterpriseId: number; receiptId: number }> = [];
    const shared: Array<{ enterpriseId: number; receiptId: number }> = [];
    for (const r of rows) {
      const id = ids.get(r.digest);
      if (id === undefined) {
        out[r.job].duplicates++;
        continue;
      }
      out[r.job].stored++;
      if (!r.target) continue;
      if (r.item.drivesStatus) updates.push({ declaration: r.target, returnStatus: r.returnStatus, returnInfo: r.returnInfo, preNo: r.item.preNo, invtNo: r.item.invtNo });
      hooks.push({ enterpriseId: r.target.enterprise_id, receiptId: id });
      for (const enterpriseId of parties.get(r.target.message_id) ?? []) shared.push({ enterpriseId, receiptId: id });
    }
    await this.repo.insertParties(trx, shared);
    hooks.push(...shared);
    const changes = await this.declarations.applyReceipts(trx, updates);
    for (const a of this.appliers) await a(trx, changes);
    for (const reader of this.readers) {
      const mine = rows.flatMap((r) => {
        const receiptId = ids.get(r.digest);
        return r.target && receiptId !== undefined && reader.types.has(r.messageType) ? [{ receiptId, declaration: r.target, messageType: r.messageType, xml: r.xml }] : [];
      });
      if (mine.length) await reader.read(trx, mine, now);
    }
    await this.webhooks.enqueue(trx, hooks, now);
    return { results: out, changes };
  }

  private async targets(trx: Kysely<Database>, item: ReadItem, keyed: Map<string, DeclarationRef>, byInvt: Map<string, DeclarationRef>): Promise<DeclarationRef[]> {
    switch (item.lookup.kind) {
      case 'keys': {
        const lookup = item.lookup;
        const found = lookup.keys.flatMap((k) => lookup.types.map((t) => keyed.get(`${t}|${k}`))).filter((d): d is DeclarationRef => !!d);
        return found.length ? [found.reduce((a, b) => (b.id > a.id ? b : a))] : [];
      }
      case 'number': {
        const d = byInvt.get(`${item.lookup.type}|${item.lookup.number}`);
        return d ? [d] : [];
      }
      case 'copMsgId':
        return this.declarations.findByCopMsgId(trx, item.lookup.copMsgId);
    }
  }

  /** The pull feed of these enterprises' receipts (null: everyone's), oldest first: of their messages and of those declared for them. */
  feed(enterpriseIds: number[] | null, after: number, limit: number) {
    return this.repo.feed(enterpriseIds, after, limit);
  }

  forMessage(messageId: number) {
    return this.repo.forMessage(messageId);
  }
}

export function receiptView(r: ReceiptRow) {
  return {
    id: r.id,
    messageId: r.message_id,
    declarationId: r.declaration_id,
    messageType: r.message_type,
    returnStatus: r.return_status,
    returnInfo: r.return_info,
    returnTime: r.return_time,
    receivedAt: new Date(r.received_at).toISOString(),
  };
}
