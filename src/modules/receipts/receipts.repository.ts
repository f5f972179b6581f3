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

  /** Inserts receipts, skipping any whose digest is already stored; returns digest → new id. */
  async insertMany(trx: Kysely<Database>, rows: NewReceipt[], now: number): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    for (let i = 0; i < rows.length; i += 200) {
      const part = rows.slice(i, i + 200);
      const inserted = await trx
        .insertInto('receipts')
        .values(part.map((r) => ({
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
        })))
        .onConflict((oc) => oc.column('digest').doNothing())
        .returning(['id', 'digest'])
        .execute();
      for (const r of inserted) ids.set(r.digest, r.id);
    }
    return ids;
  }

  /** Receipts after the cursor, of the given enterprises only (null: of every enterprise, and those tied to none). */
  feed(enterpriseIds: number[] | null, after: number, limit: number): Promise<ReceiptRow[]> {
    let q = this.db.selectFrom('receipts').select(COLUMNS).where('id', '>', after);
    if (enterpriseIds) q = enterpriseIds.length === 1 ? q.where('enterprise_id', '=', enterpriseIds[0]) : q.where('enterprise_id', 'in', enterpriseIds.length ? enterpriseIds : [-1]);
    return q.orderBy('id').limit(limit).execute();
  }

  forMessage(messageId: number): Promise<ReceiptRow[]> {
    return this.db.selectFrom('receipts').select(COLUMNS).where('message_id', '=', messageId).orderBy('id').execute();
  }

  byId(id: number): Promise<ReceiptRow | undefined> {
    return this.db.selectFrom('receipts').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }
}
