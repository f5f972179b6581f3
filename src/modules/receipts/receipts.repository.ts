import type { Kysely, Selectable } from 'kysely';
import type { ReceiptsTable } from './tables.ts';
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

/** A stored receipt as read back (its digest stays in the table). */
export type ReceiptRow = Omit<Selectable<ReceiptsTable>, 'digest'>;

const COLUMNS = ['id', 'enterprise_id', 'message_id', 'declaration_id', 'message_type', 'return_status', 'return_info', 'return_time', 'xml', 'received_at'] as const;

/** Enterprises read by per-enterprise arms in one feed query (two arms each; SQLite allows 500 in a compound SELECT). */
const FEED_ARMS = 50;

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

  /** Receipts of messages declared for other enterprises than their sender: one row per receipt and party. */
  async insertParties(trx: Kysely<Database>, rows: Array<{ receiptId: number; enterpriseId: number }>): Promise<void> {
    for (let i = 0; i < rows.length; i += 400) {
      await trx
        .insertInto('receipt_parties')
        .values(rows.slice(i, i + 400).map((r) => ({ enterprise_id: r.enterpriseId, receipt_id: r.receiptId })))
        .onConflict((oc) => oc.columns(['enterprise_id', 'receipt_id']).doNothing())
        .execute();
    }
  }

  /**
   * Receipts after the cursor, of the given enterprises only (null: of every enterprise, and
   * those tied to none): of messages they sent, or that were declared for them. Each enterprise
   * is two range scans that stop after `limit` rows (receipts by sender, receipt_parties), merged
   * in one statement, so a page costs the same however long the history.
   */
  feed(enterpriseIds: number[] | null, after: number, limit: number): Promise<ReceiptRow[]> {
    const q = this.db.selectFrom('receipts').select(COLUMNS).orderBy('id').limit(limit);
    if (!enterpriseIds) return q.where('id', '>', after).execute();
    const ids = [...new Set(enterpriseIds)];
    if (!ids.length) return Promise.resolve([]);
    // One pair of arms per enterprise keeps each scan ordered by id; past a few dozen (a bank with many consents), one IN list per table.
    const groups = ids.length <= FEED_ARMS ? ids.map((id) => [id]) : [ids];
    const arms = groups.flatMap((g) => {
      const own = this.db.selectFrom('receipts').select('id').where('id', '>', after);
      const party = this.db.selectFrom('receipt_parties').select('receipt_id as id').where('receipt_id', '>', after);
      return [
        (g.length === 1 ? own.where('enterprise_id', '=', g[0]) : own.where('enterprise_id', 'in', g)).orderBy('id').limit(limit),
        (g.length === 1 ? party.where('enterprise_id', '=', g[0]) : party.where('enterprise_id', 'in', g)).orderBy('receipt_id').limit(limit),
      ].map((sub) => this.db.selectFrom(sub.as('s')).select('s.id'));
    });
    const union = arms.slice(1).reduce((u, a) => u.union(a), arms[0]);
    return q.where('id', 'in', union).execute();
  }

  forMessage(messageId: number): Promise<ReceiptRow[]> {
    return this.db.selectFrom('receipts').select(COLUMNS).where('message_id', '=', messageId).orderBy('id').execute();
  }

  byId(id: number): Promise<ReceiptRow | undefined> {
    return this.db.selectFrom('receipts').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }
}
