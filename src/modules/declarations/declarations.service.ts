import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { GroupCommit } from '../../platform/group-commit.ts';
import { retryConflicts } from '../../platform/retry.ts';
import { AppError } from '../../platform/errors.ts';
import type { BatchOutcome, DeclarationRef, DeclarationsRepository, IngestHooks, ListCursor, ListRow, MessageBytes, NewMessage, StoredMessage } from './declarations.repository.ts';
import { CURSOR_EXPECTED, type ListParams } from './list.ts';
import { buildDxpMsg, CUSTOMS_EXPORT_DXP_ID, CUSTOMS_IMPORT_DXP_ID, MESSAGES } from '../../ceb/index.ts';
import type { Sender } from './ingest.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { advance, statusFromReturn, type RecordStatus } from './status.ts';
import { SEND_POLICY, authorizeDeclaration, type Delegated } from './authorize.ts';
import { mayRead, readFilter, type Caller } from '../../platform/access.ts';

export interface ReceiptUpdate {
  declaration: DeclarationRef;
  returnStatus: string;
  returnInfo: string;
  preNo?: string;
  invtNo?: string;
}

/** A record whose lifecycle moved, for the modules that act on it (quotas at release…). */
export interface StatusChange {
  declaration: DeclarationRef;
  from: RecordStatus;
  to: RecordStatus;
  returnStatus: string;
  returnInfo: string;
}

export interface IngestResult {
  created: boolean;
  message: StoredMessage;
}

/** Who may declare for whom: what ingest asks of the enterprises module. */
export interface IngestAccess {
  /** Has the enterprise `principalCode` delegated `messageType` to the agent `agentId` (now)? */
  delegated: Delegated;
  /** The id of the enterprise filed under `code`, or null: principals are recorded as parties of the messages declared for them. */
  enterpriseId?: (code: string) => Promise<number | null>;
}

/**
 * Message types whose principal (the e-commerce enterprise, ebcCode) reads what is declared in
 * its name: inventories, cancels, returns, collections and summary requests, with their receipts. Other messages are
 * read by their sender only.
 */
const PRINCIPAL_READS: ReadonlySet<string> = new Set([
  'CEB621Message',
  'CEB623Message',
  'CEB625Message',
  'CEB403Message',
  'CEB603Message',
  'CEB605Message',
  'CEB701Message',
  'CEB213Message',
]);


export class DeclarationsService {
  private readonly commit: GroupCommit<NewMessage, BatchOutcome>;
  private readonly listeners: Array<() => void> = [];
  /** Enterprise code → id of principals seen (a code is fixed once its filing is approved), so ingest asks the database once per principal. */
  private readonly principalIds = new Map<string, number>();

  constructor(
    private readonly repo: DeclarationsRepository,
    private readonly hooks: IngestHooks,
    private readonly cpu: Cpu,
    lingerMs = 0,
    private readonly access: IngestAccess = { delegated: async () => false },
  ) {
    this.commit = new GroupCommit(
      async (items) => {
        const out = await retryConflicts(() => this.repo.storeBatch(items, Date.now(), hooks));
        hooks.committed?.();
        if (out.some((o) => 'created' in o && o.created)) for (const l of this.listeners) l();
        return out;
      },
      256,
      lingerMs,
    );
  }

  /** Called after each batch that stored something (the gateway wakes up to forward it). */
  onStored(listener: () => void) {
    this.listeners.push(listener);
  }

  /** Validates a message without storing it (pre-check). */
  async read(sender: Sender, body: Buffer, format: 'xml' | 'json'): Promise<NewMessage> {
    const read = await this.cpu.run<Omit<NewMessage, 'body'>>('readMessage', { id: sender.id, code: sender.code, dxpId: sender.dxpId }, body, format);
    return { ...read, body, ceb: read.ceb ? Buffer.from(read.ceb.buffer, read.ceb.byteOffset, read.ceb.byteLength) : null };
  }

  /**
   * May `caller` send this message? Its roles must send the type, each record must name it as
   * declarant, and as principal or under that principal's delegation. Throws AppError (403).
   */
  authorize(caller: Caller, msg: NewMessage): Promise<void> {
    return authorizeDeclaration(caller, msg, this.access.delegated);
  }

  /** Validates a message and checks the caller may send it, without storing it (pre-check). */
  async readAuthorized(caller: Caller, body: Buffer, format: 'xml' | 'json'): Promise<NewMessage> {
    const msg = await this.read(caller, body, format);
    await this.authorize(caller, msg);
    return msg;
  }

  /** Validates, authorizes and durably stores one message; resolves only after the commit. */
  async ingest(caller: Caller, body: Buffer, format: 'xml' | 'json'): Promise<IngestResult> {
    const msg = await this.read(caller, body, format);
    await this.authorize(caller, msg);
    await this.hooks.signature?.(msg);
    msg.declaredBy = { code: caller.code, via: caller.via, keyId: caller.keyId, accountId: caller.accountId };
    msg.principals = await this.principalsOf(caller, msg);
    const out = await this.commit.submit(msg);
    if ('error' in out) throw out.error;
    return out;
  }

  drain() {
    return this.commit.drain();
  }

  /** The filed enterprises, other than the sender, that the message's records name as principal (authorized already). */
  private async principalsOf(caller: Caller, msg: NewMessage): Promise<number[]> {
    const policy = PRINCIPAL_READS.has(msg.messageType) ? SEND_POLICY[msg.messageType] : undefined;
    const field = policy?.principal ?? policy?.reader;
    if (!field || !this.access.enterpriseId) return [];
    const ids = new Set<number>();
    for (const r of msg.records) {
      const code = r.parties?.[field];
      if (!code || code === caller.code) continue;
      let id = this.principalIds.get(code);
      if (id === undefined) {
        const found = await this.access.enterpriseId(code);
        if (found === null) continue;
        id = found;
        if (this.principalIds.size >= 10_000) this.principalIds.clear();
        this.principalIds.set(code, id);
      }
      if (id !== msg.enterpriseId) ids.add(id);
    }
    return [...ids];
  }

  /** The sender, a party the message was declared for, or whoever may read either's messages (a bank by consent, regulators). */
  private async mayReadMessage(caller: Caller, id: number, senderId: number): Promise<boolean> {
    if (mayRead(caller, senderId, 'messages')) return true;
    return (await this.repo.parties(id)).some((p) => mayRead(caller, p, 'messages'));
  }

  /** A message the caller may read; another tenant's answers like a missing one (its existence is not disclosed). */
  async show(id: number, caller: Caller) {
    const message = await this.repo.message(id);
    if (!message || !(await this.mayReadMessage(caller, id, message.enterpriseId))) throw new AppError('NOT_FOUND', `No message ${id} that you may read.`);
    const records = await this.repo.records(id);
    return { message, records };
  }

  /**
   * Declarations the caller may read, newest first: the same rule as a message's (its sender's,
   * a party's it was declared for, a bank's by consent, regulators' all), as a filter. One row
   * more than the page is read to know whether another page follows.
   */
  async list(caller: Caller, params: ListParams): Promise<{ rows: ListRow[]; next: ListCursor | null }> {
    let before = params.before;
    if (typeof before === 'number') {
      const at = await this.repo.position(before);
      if (!at) throw new AppError('INVALID_REQUEST', 'Bad query: before.', [{ path: 'before', rule: 'cursor', expected: CURSOR_EXPECTED, actual: String(before) }]);
      before = at;
    }
    const rows = await this.repo.list({ ...params, before, limit: params.limit + 1, readers: readFilter(caller, 'messages') });
    if (rows.length <= params.limit) return { rows, next: null };
    const page = rows.slice(0, params.limit);
    const last = page[page.length - 1];
    return { rows: page, next: { messageId: last.message_id, seq: last.seq } };
  }

  async bytes(id: number, caller: Caller) {
    const m = await this.repo.messageBytes(id);
    if (!m || !(await this.mayReadMessage(caller, id, m.enterpriseId))) throw new AppError('NOT_FOUND', `No message ${id} that you may read.`);
    return m;
  }

  /** For receipts: the parties of these messages (message id → enterprise ids), who get their receipts too. */
  partiesOf(trx: Kysely<Database>, messageIds: number[]) {
    return this.repo.partiesOf(trx, messageIds);
  }

  /**
   * The DxpMsg that carries a message to customs. Built from stored facts only (CopMsgId fixed
   * at ingest, CreatTime = receipt time), so every retry sends the very same envelope.
   */
  envelope(m: MessageBytes): string {
    return buildDxpMsg({
      copMsgId: m.copMsgId,
      senderId: m.senderDxpId,
      // Import and export declarations go to two systems of customs.
      receiverId: Object.hasOwn(MESSAGES, m.messageType) && MESSAGES[m.messageType].family === 'export' ? CUSTOMS_EXPORT_DXP_ID : CUSTOMS_IMPORT_DXP_ID,
      msgType: m.messageType,
      data: m.ceb ?? m.body,
      createdAt: new Date(m.receivedAt),
    });
  }

  /** For the gateway: what to forward, in one read. */
  forwardable(ids: number[]) {
    return this.repo.manyBytes(ids);
  }

  markForwarded(trx: Kysely<Database>, messageIds: number[], now: number) {
    return this.repo.markForwarded(trx, messageIds, now);
  }

  setMessageStatus(trx: Kysely<Database>, messageId: number, status: string, now: number) {
    return this.repo.setMessageStatus(trx, messageId, status, now);
  }

  markFailed(messageId: number) {
    return this.repo.markFailed(messageId, 'failed');
  }

  findByKeys(trx: Kysely<Database>, keys: string[]) {
    return this.repo.byCorrKeys(trx, keys);
  }

  /** Declarations by the number customs assigned them (invtNo of an inventory, sumNo of a summary request). */
  findByNumbers(trx: Kysely<Database>, numbers: Array<{ type: string; number: string }>) {
    return this.repo.byNumbers(trx, numbers);
  }

  /** Records of one message type by key, newest first (matching and conflict checks). */
  documents(trx: Kysely<Database>, messageType: string, column: 'corr_key' | 'ref_key' | 'invt_no', keys: string[]) {
    return this.repo.documents(trx, messageType, column, keys);
  }

  refs(trx: Kysely<Database>, messageType: string, column: 'corr_key' | 'ref_key' | 'invt_no', keys: string[]) {
    return this.repo.refs(trx, messageType, column, keys);
  }

  recordsOf(trx: Kysely<Database>, messageIds: number[]) {
    return this.repo.recordsOf(trx, messageIds);
  }

  messageIn(trx: Kysely<Database>, id: number) {
    return this.repo.messageIn(trx, id);
  }

  /** When the platform received these messages (ms): message id → time. */
  receivedAt(trx: Kysely<Database>, messageIds: number[]) {
    return this.repo.receivedAt(trx, messageIds);
  }

  findByCopMsgId(trx: Kysely<Database>, copMsgId: string) {
    return this.repo.byCopMsgId(trx, copMsgId);
  }

  /**
   * Applies customs receipts, in arrival order, to their records: the status moves only forward
   * (monotonic lifecycle), the latest returnStatus/returnInfo and the numbers customs assigned
   * are kept. One UPDATE per record, however many receipts it got in the batch.
   */
  async applyReceipts(trx: Kysely<Database>, updates: ReceiptUpdate[]): Promise<StatusChange[]> {
    const byRecord = new Map<number, { ref: DeclarationRef; status: RecordStatus; moved: boolean; returnStatus: string; returnInfo: string; preNo?: string; invtNo?: string }>();
    for (const u of updates) {
      const cur = byRecord.get(u.declaration.id) ?? { ref: u.declaration, status: u.declaration.status as RecordStatus, moved: false, returnStatus: '', returnInfo: '' };
      const next = statusFromReturn(u.returnStatus);
      const moved = next ? advance(cur.status, next) : null;
      if (moved) {
        cur.status = moved;
        cur.moved = true;
      }
      cur.returnStatus = u.returnStatus;
      cur.returnInfo = u.returnInfo;
      if (u.preNo) cur.preNo = u.preNo;
      if (u.invtNo) cur.invtNo = u.invtNo;
      byRecord.set(u.declaration.id, cur);
    }
    const now = Date.now();
    const changes: StatusChange[] = [];
    // Rows in ascending id order, as the forwarder's update takes them: fewer deadlocks on PostgreSQL.
    for (const [id, r] of [...byRecord].sort((a, b) => a[0] - b[0])) {
      await this.repo.updateFromReceipt(trx, id, { status: r.moved ? r.status : undefined, returnStatus: r.returnStatus, returnInfo: r.returnInfo, preNo: r.preNo, invtNo: r.invtNo }, now);
      if (r.moved) changes.push({ declaration: { ...r.ref, invt_no: r.invtNo ?? r.ref.invt_no }, from: r.ref.status as RecordStatus, to: r.status, returnStatus: r.returnStatus, returnInfo: r.returnInfo });
    }
    return changes;
  }

}
