import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';

export interface NewReceipt {
  enterpriseId: number | null;
  messageId: number | null;
  declarationId: number | null;
  messageType: string;
  returnStatus: string;
  returnInfo: string;
  returnTime: string;
  xml: string;
  digest: string;
}

export interface ReceiptRow {
  id: number;
  enterprise_id: number | null;
  message_id: number | null;
  declaration_id: number | null;
  message_type: string;
  return_status: string;
  return_info: string;
  return_time: string;
  xml: string;
  received_at: number;
}

const COLUMNS = ['id', 'enterprise_id', 'message_id', 'declaration_id', 'message_type', 'return_status', 'return_info', 'return_time', 'xml', 'received_at'] as const;

export class ReceiptsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a receipt unless an identical one (same digest) is already stored; returns its id or null. */
  async insert(trx: Kysely<Database>, r: NewReceipt, now: number): Promise<number | null> {
    const row = await trx
      .insertInto('receipts')
      .values({
        enterprise_id: r.enterpriseId,
        message_id: r.messageId,
        declaration_id: r.declarationId,
        message_type: r.messageType,
        return_status: r.returnStatus,
        return_info: r.returnInfo,
        return_time: r.returnTime,
        xml: r.xml,
        digest: r.digest,
        received_at: now,
      })
      .onConflict((oc) => oc.column('digest').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  feed(enterpriseId: number, after: number, limit: number): Promise<ReceiptRow[]> {
    return this.db.selectFrom('receipts').select(COLUMNS).where('enterprise_id', '=', enterpriseId).where('id', '>', after).orderBy('id').limit(limit).execute();
  }

  forMessage(messageId: number): Promise<ReceiptRow[]> {
    return this.db.selectFrom('receipts').select(COLUMNS).where('message_id', '=', messageId).orderBy('id').execute();
  }

  byId(id: number): Promise<ReceiptRow | undefined> {
    return this.db.selectFrom('receipts').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }
}
