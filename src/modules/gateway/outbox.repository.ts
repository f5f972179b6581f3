import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/index.ts';

/**
 * How long a claimed row is kept from other forwarders (other processes on PostgreSQL) while it
 * is being sent. A send that outlasts it may be repeated by another process: customs deduplicates
 * on CopMsgId. SQLite has one process, so no lease: a restart resends at once.
 */
const LEASE_MS = 10_000;

export class OutboxRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly postgres = false,
  ) {}

  async enqueue(trx: Transaction<Database>, messageIds: number[], now: number): Promise<void> {
    for (let i = 0; i < messageIds.length; i += 400) {
      const part = messageIds.slice(i, i + 400);
      if (part.length) await trx.insertInto('outbox').values(part.map((id) => ({ message_id: id, status: 'pending' as const, attempts: 0, next_at: now, created_at: now }))).execute();
    }
  }

  /**
   * Claims due rows. On PostgreSQL they are locked with SKIP LOCKED and their next_at moves a
   * lease ahead, so another process does not send them meanwhile; a forwarder that dies mid-send
   * leaves them to be claimed again when the lease ends.
   */
  async claimDue(now: number, limit: number) {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('outbox').select(['id', 'message_id', 'attempts']).where('status', '=', 'pending').where('next_at', '<=', now).orderBy('next_at').orderBy('id').limit(limit);
      if (this.postgres) q = q.forUpdate().skipLocked();
      const rows = await q.execute();
      if (rows.length && this.postgres) await trx.updateTable('outbox').set({ next_at: now + LEASE_MS }).where('id', 'in', rows.map((r) => r.id)).execute();
      return rows;
    });
  }

  async markSent(trx: Kysely<Database>, ids: number[], now: number): Promise<void> {
    if (ids.length) await trx.updateTable('outbox').set({ status: 'sent', sent_at: now, last_error: null }).where('id', 'in', ids).where('status', '=', 'pending').execute();
  }

  async retryLater(id: number, attempts: number, nextAt: number, error: string, dead: boolean): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ attempts, next_at: nextAt, last_error: error.slice(0, 2000), status: dead ? 'dead' : 'pending' })
      .where('id', '=', id)
      .where('status', '=', 'pending')
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
