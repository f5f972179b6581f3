import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/index.ts';
import { GroupCommit } from '../../platform/group-commit.ts';
import { AppError } from '../../platform/errors.ts';
import type { DeclarationsRepository, MessageBytes, NewMessage, StoredMessage } from './declarations.repository.ts';
import { buildDxpMsg, CUSTOMS_IMPORT_DXP_ID } from '../../ceb/index.ts';
import type { Sender } from './ingest.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { advance, statusFromReturn, type RecordStatus } from './status.ts';

export interface IngestResult {
  created: boolean;
  message: StoredMessage;
}

/** How accepted messages get queued for forwarding: the gateway's outbox, in the same transaction. */
export type Enqueue = (trx: Transaction<Database>, messageIds: number[], now: number) => Promise<void>;

export class DeclarationsService {
  private readonly commit: GroupCommit<NewMessage, IngestResult>;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly repo: DeclarationsRepository,
    enqueue: Enqueue,
    private readonly cpu: Cpu,
  ) {
    this.commit = new GroupCommit(async (items) => {
      const out = await this.repo.storeBatch(items, Date.now(), enqueue);
      if (out.some((o) => o.created)) for (const l of this.listeners) l();
      return out;
    });
  }

  /** Called after each batch that stored something (the gateway wakes up to forward it). */
  onStored(listener: () => void) {
    this.listeners.push(listener);
  }

  /** Validates and durably stores one message; resolves only after the commit. */
  async ingest(sender: Sender, body: Buffer, format: 'xml' | 'json'): Promise<IngestResult> {
    const read = await this.cpu.run<Omit<NewMessage, 'body'>>('readMessage', { id: sender.id, code: sender.code, dxpId: sender.dxpId }, body, format);
    return this.commit.submit({ ...read, body, ceb: read.ceb ? Buffer.from(read.ceb.buffer, read.ceb.byteOffset, read.ceb.byteLength) : null });
  }

  drain() {
    return this.commit.drain();
  }

  async show(id: number, enterpriseId: number) {
    const message = await this.repo.message(id);
    if (!message || message.enterpriseId !== enterpriseId) throw new AppError('NOT_FOUND', `No message ${id} of yours.`);
    const records = await this.repo.records(id);
    return { message, records };
  }

  async bytes(id: number, enterpriseId: number) {
    const m = await this.repo.messageBytes(id);
    if (!m || m.enterpriseId !== enterpriseId) throw new AppError('NOT_FOUND', `No message ${id} of yours.`);
    return m;
  }

  /**
   * The DxpMsg that carries a message to customs. Built from stored facts only (CopMsgId fixed
   * at ingest, CreatTime = receipt time), so every retry sends the very same envelope.
   */
  envelope(m: MessageBytes): string {
    return buildDxpMsg({
      copMsgId: m.copMsgId,
      senderId: m.senderDxpId,
      receiverId: CUSTOMS_IMPORT_DXP_ID,
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

  markFailed(messageId: number) {
    return this.repo.markFailed(messageId, 'failed');
  }

  findByKeys(trx: Kysely<Database>, keys: string[], types: string[]) {
    return this.repo.byCorrKey(trx, keys, types);
  }

  findByCopMsgId(trx: Kysely<Database>, copMsgId: string) {
    return this.repo.byCopMsgId(trx, copMsgId);
  }

  findInventory(trx: Kysely<Database>, invtNo: string) {
    return this.repo.byInvtNo(trx, invtNo);
  }

  /** Applies a customs receipt to a record: monotonic status, and the numbers customs assigned. */
  async applyReceipt(
    trx: Kysely<Database>,
    decl: { id: number; status: string },
    r: { returnStatus: string; returnInfo: string; preNo?: string; invtNo?: string },
  ): Promise<RecordStatus | null> {
    const next = statusFromReturn(r.returnStatus);
    const moved = next ? advance(decl.status as RecordStatus, next) : null;
    await this.repo.updateFromReceipt(trx, decl.id, { status: moved ?? undefined, returnStatus: r.returnStatus, returnInfo: r.returnInfo, preNo: r.preNo, invtNo: r.invtNo }, Date.now());
    return moved;
  }
}
