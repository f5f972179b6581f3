import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/index.ts';

export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async enqueue(trx: Transaction<Database>, messageIds: number[], now: number): Promise<void> {
    for (let i = 0; i < messageIds.length; i += 400) {
      const part = messageIds.slice(i, i + 400);
      if (part.length) await trx.insertInto('outbox').values(part.map((id) => ({ message_id: id, status: 'pending' as const, attempts: 0, next_at: now, created_at: now }))).execute();
    }
  }

  due(now: number, limit: number) {
    return this.db
      .selectFrom('outbox')
      .select(['id', 'message_id', 'attempts'])
      .where('status', '=', 'pending')
      .where('next_at', '<=', now)
      .orderBy('next_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async markSent(trx: Kysely<Database>, ids: number[], now: number): Promise<void> {
    if (ids.length) await trx.updateTable('outbox').set({ status: 'sent', sent_at: now, last_error: null }).where('id', 'in', ids).execute();
  }

  async retryLater(id: number, attempts: number, nextAt: number, error: string, dead: boolean): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ attempts, next_at: nextAt, last_error: error.slice(0, 2000), status: dead ? 'dead' : 'pending' })
      .where('id', '=', id)
      .execute();
  }

  async depth(): Promise<number> {
    const r = await this.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  get kysely() {
    return this.db;
  }
}
