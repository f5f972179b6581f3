/** The clearance_waits table: inventories waiting for their documents, and the outcome. */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { ClearanceWaitsTable } from './tables.ts';

/** A waiting (or settled) inventory: a row of clearance_waits. */
export type Wait = Omit<Selectable<ClearanceWaitsTable>, 'updated_at'>;

const COLUMNS = ['declaration_id', 'message_id', 'order_key', 'payment_key', 'waybill_key', 'deadline_at', 'state', 'result', 'released_at'] as const;

export class ClearanceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(trx: Kysely<Database>, waits: Array<Omit<Wait, 'state' | 'result' | 'released_at'>>, now: number): Promise<void> {
    for (let i = 0; i < waits.length; i += 200) {
      await trx.insertInto('clearance_waits').values(waits.slice(i, i + 200).map((w) => ({ ...w, state: 'waiting' as const, result: null, released_at: null, updated_at: now }))).execute();
    }
  }

  /** The waiting inventories of these messages. */
  waitingOf(trx: Kysely<Database>, messageIds: number[]): Promise<Wait[]> {
    return trx.selectFrom('clearance_waits').select(COLUMNS).where('message_id', 'in', messageIds).where('state', '=', 'waiting').orderBy('declaration_id').execute();
  }

  byDeclarations(trx: Kysely<Database>, ids: number[]): Promise<Wait[]> {
    return ids.length ? trx.selectFrom('clearance_waits').select(COLUMNS).where('declaration_id', 'in', ids).execute() : Promise.resolve([]);
  }

  forMessage(messageId: number): Promise<Wait[]> {
    return this.db.selectFrom('clearance_waits').select(COLUMNS).where('message_id', '=', messageId).orderBy('declaration_id').execute();
  }

  /** Messages with an inventory waiting on one of these document keys. */
  async waitingOn(keys: { order: string[]; payment: string[]; waybill: string[] }): Promise<number[]> {
    const ids = new Set<number>();
    for (const [column, list] of [['order_key', keys.order], ['payment_key', keys.payment], ['waybill_key', keys.waybill]] as const) {
      for (let i = 0; i < list.length; i += 400) {
        const part = list.slice(i, i + 400);
        const rows = await this.db.selectFrom('clearance_waits').select('message_id').where('state', '=', 'waiting').where(column, 'in', part).execute();
        for (const r of rows) ids.add(r.message_id);
      }
    }
    return [...ids];
  }

  /** Messages still waiting: all of them (start-up), or only those past their deadline. */
  async waitingMessages(overdueAt?: number, limit = 500): Promise<number[]> {
    let q = this.db.selectFrom('clearance_waits').select('message_id').distinct().where('state', '=', 'waiting');
    if (overdueAt !== undefined) q = q.where('deadline_at', '<=', overdueAt);
    return (await q.limit(limit).execute()).map((r) => r.message_id);
  }

  async settle(trx: Kysely<Database>, declarationIds: number[], state: 'matched' | 'refused', results: Map<number, string>, now: number): Promise<void> {
    for (const id of declarationIds) {
      await trx.updateTable('clearance_waits').set({ state, result: results.get(id) ?? null, updated_at: now }).where('declaration_id', '=', id).execute();
    }
  }

  async released(trx: Kysely<Database>, declarationIds: number[], at: number): Promise<void> {
    if (declarationIds.length) await trx.updateTable('clearance_waits').set({ released_at: at, updated_at: at }).where('declaration_id', 'in', declarationIds).where('released_at', 'is', null).execute();
  }

  async releaseTimes(trx: Kysely<Database>, declarationIds: number[]): Promise<Map<number, number>> {
    const rows = await this.byDeclarations(trx, declarationIds);
    return new Map(rows.filter((r) => r.released_at !== null).map((r) => [r.declaration_id, r.released_at!]));
  }
}
