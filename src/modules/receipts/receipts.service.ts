/**
 * Receipts relay: every receipt from customs is parsed, tied to its declaration, stored once
 * (identical repeats are dropped), applied to the declaration's lifecycle and queued for the
 * enterprise's webhooks, all in one transaction. The pull feed reads the same rows.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { GroupCommit } from '../../platform/group-commit.ts';
import type { DeclarationsService } from '../declarations/index.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { ReceiptInputError, type ReadItem, type ReadReceipt } from './read.ts';
import type { ReceiptRow, ReceiptsRepository } from './receipts.repository.ts';
import type { WebhooksService } from './webhooks.service.ts';

export interface ReceiptIngestResult {
  messageType: string;
  stored: number;
  duplicates: number;
  uncorrelated: number;
}


type Job = ReadReceipt;

export class ReceiptsService {
  private readonly listeners: Array<() => void> = [];
  /** Receipts arriving together are stored together, in arrival order, in one transaction. */
  private readonly commit = new GroupCommit<Job, ReceiptIngestResult>((jobs) => this.store(jobs));

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: ReceiptsRepository,
    private readonly declarations: DeclarationsService,
    private readonly webhooks: WebhooksService,
    private readonly cpu: Cpu,
  ) {}

  onStored(listener: () => void) {
    this.listeners.push(listener);
  }

  /** Accepts a receipt as customs sends it: a DxpMsg/DxpMsgSv envelope or a bare CEB receipt. */
  async ingest(bytes: Buffer): Promise<ReceiptIngestResult> {
    let read: ReadReceipt;
    try {
      read = await this.cpu.run<ReadReceipt>('readReceipt', bytes);
    } catch (err) {
      throw err instanceof ReceiptInputError ? err : new ReceiptInputError((err as Error).message);
    }
    return this.commit.submit(read);
  }

  private async store(jobs: Job[]): Promise<ReceiptIngestResult[]> {
    const now = Date.now();
    const results = await this.db.transaction().execute(async (trx) => {
      const out: ReceiptIngestResult[] = [];
      for (const job of jobs) out.push(await this.storeOne(trx, job, now));
      return out;
    });
    if (results.some((r) => r.stored)) for (const l of this.listeners) l();
    return results;
  }

  private async storeOne(trx: Kysely<Database>, { messageType, items }: Job, now: number): Promise<ReceiptIngestResult> {
    const result: ReceiptIngestResult = { messageType, stored: 0, duplicates: 0, uncorrelated: 0 };
    for (const item of items) {
      const targets = await this.targets(trx, item);
      if (!targets.length) result.uncorrelated++;
      for (const t of targets.length ? targets : [null]) {
        const id = await this.repo.insert(trx, {
          enterpriseId: t?.enterprise_id ?? null,
          messageId: t?.message_id ?? null,
          declarationId: t?.id ?? null,
          messageType: item.messageType,
          returnStatus: item.returnStatus,
          returnInfo: item.returnInfo,
          returnTime: item.returnTime,
          xml: item.xml,
          digest: targets.length > 1 ? `${item.digest}:${t!.id}` : item.digest,
        }, now);
        if (id === null) {
          result.duplicates++;
          continue;
        }
        result.stored++;
        if (t && item.drivesStatus) {
          await this.declarations.applyReceipt(trx, t, { returnStatus: item.returnStatus, returnInfo: item.returnInfo, preNo: item.preNo, invtNo: item.invtNo });
        }
        if (t) await this.webhooks.enqueue(trx, t.enterprise_id, id, now);
      }
    }
    return result;
  }

  private async targets(trx: Kysely<Database>, item: ReadItem) {
    switch (item.lookup.kind) {
      case 'keys': {
        const d = await this.declarations.findByKeys(trx, item.lookup.keys, item.lookup.types);
        return d ? [d] : [];
      }
      case 'invtNo': {
        const d = item.lookup.invtNo ? await this.declarations.findInventory(trx, item.lookup.invtNo) : undefined;
        return d ? [d] : [];
      }
      case 'copMsgId':
        return this.declarations.findByCopMsgId(trx, item.lookup.copMsgId);
    }
  }

  feed(enterpriseId: number, after: number, limit: number) {
    return this.repo.feed(enterpriseId, after, limit);
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
