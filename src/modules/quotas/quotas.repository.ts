/**
 * SQL of the quotas module (tables `buyer_quotas`, `quota_holds`). Every method takes the executor
 * to run on: the caller's transaction for changes, the pool for reads. Counters only change through
 * conditional UPDATEs whose WHERE states the precondition, so the database decides the race.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';

export type HoldState = 'reserved' | 'consumed' | 'released';

export interface QuotaHold {
  declarationId: number;
  buyerKey: string;
  year: number;
  amountFen: number;
  state: HoldState;
}

export interface Counter {
  reservedFen: number;
  consumedFen: number;
}

const changed = (r: { numUpdatedRows?: bigint; numInsertedOrUpdatedRows?: bigint; numDeletedRows?: bigint }) =>
  Number(r.numUpdatedRows ?? r.numInsertedOrUpdatedRows ?? r.numDeletedRows ?? 0n) > 0;

export class QuotasRepository {
  async hold(ex: Kysely<Database>, declarationId: number): Promise<QuotaHold | undefined> {
    const r = await ex
      .selectFrom('quota_holds')
      .select(['declaration_id', 'buyer_key', 'year', 'amount_fen', 'state'])
      .where('declaration_id', '=', declarationId)
      .executeTakeFirst();
    return r && { declarationId: Number(r.declaration_id), buyerKey: r.buyer_key, year: Number(r.year), amountFen: Number(r.amount_fen), state: r.state };
  }

  /**
   * Takes the declaration: inserts a new hold, or revives a released one. False when a live hold
   * exists (on PostgreSQL the statement first waits for a concurrent claimer to commit or roll back).
   */
  async claim(ex: Kysely<Database>, h: Omit<QuotaHold, 'state'>, now: number): Promise<'inserted' | 'revived' | false> {
    const ins = await ex
      .insertInto('quota_holds')
      .values({ declaration_id: h.declarationId, buyer_key: h.buyerKey, year: h.year, amount_fen: h.amountFen, state: 'reserved', created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('declaration_id').doNothing())
      .executeTakeFirst();
    if (changed(ins)) return 'inserted';
    const upd = await ex
      .updateTable('quota_holds')
      .set({ buyer_key: h.buyerKey, year: h.year, amount_fen: h.amountFen, state: 'reserved', updated_at: now })
      .where('declaration_id', '=', h.declarationId)
      .where('state', '=', 'released')
      .executeTakeFirst();
    return changed(upd) ? 'revived' : false;
  }

  /** Undoes claim() when the reservation is refused: the caller's transaction may still commit. */
  async unclaim(ex: Kysely<Database>, declarationId: number, previous: QuotaHold | undefined, now: number): Promise<void> {
    if (!previous) {
      await ex.deleteFrom('quota_holds').where('declaration_id', '=', declarationId).where('state', '=', 'reserved').execute();
      return;
    }
    await ex
      .updateTable('quota_holds')
      .set({ buyer_key: previous.buyerKey, year: previous.year, amount_fen: previous.amountFen, state: previous.state, updated_at: now })
      .where('declaration_id', '=', declarationId)
      .execute();
  }

  /** Moves a hold from one state to another, only if it is still exactly what the caller read. */
  async moveHold(ex: Kysely<Database>, h: QuotaHold, to: HoldState, now: number): Promise<boolean> {
    const r = await ex
      .updateTable('quota_holds')
      .set({ state: to, updated_at: now })
      .where('declaration_id', '=', h.declarationId)
      .where('state', '=', h.state)
      .where('buyer_key', '=', h.buyerKey)
      .where('year', '=', h.year)
      .where('amount_fen', '=', h.amountFen)
      .executeTakeFirst();
    return changed(r);
  }

  async counter(ex: Kysely<Database>, buyerKey: string, year: number): Promise<Counter | undefined> {
    const r = await ex
      .selectFrom('buyer_quotas')
      .select(['reserved_fen', 'consumed_fen'])
      .where('buyer_key', '=', buyerKey)
      .where('year', '=', year)
      .executeTakeFirst();
    return r && { reservedFen: Number(r.reserved_fen), consumedFen: Number(r.consumed_fen) };
  }

  async ensureCounter(ex: Kysely<Database>, buyerKey: string, year: number, now: number): Promise<void> {
    await ex
      .insertInto('buyer_quotas')
      .values({ buyer_key: buyerKey, year, reserved_fen: 0, consumed_fen: 0, updated_at: now })
      .onConflict((oc) => oc.columns(['buyer_key', 'year']).doNothing())
      .execute();
  }

  /**
   * reserved += amount, only if reserved + consumed + amount stays within the limit. One statement:
   * on PostgreSQL (READ COMMITTED) a concurrent UPDATE of the row makes this one wait and then
   * re-evaluate its WHERE on the committed row, so two transactions can never both pass.
   */
  async addReserved(ex: Kysely<Database>, buyerKey: string, year: number, amountFen: number, limitFen: number, now: number): Promise<boolean> {
    const r = await ex
      .updateTable('buyer_quotas')
      .set((eb) => ({ reserved_fen: eb('reserved_fen', '+', amountFen), updated_at: now }))
      .where('buyer_key', '=', buyerKey)
      .where('year', '=', year)
      .where((eb) => eb(eb(eb('reserved_fen', '+', eb.ref('consumed_fen')), '+', amountFen), '<=', limitFen))
      .executeTakeFirst();
    return changed(r);
  }

  /** Applies a hold's move to its counter row: the amount leaves `from` and (unless released) enters `to`. */
  async shift(ex: Kysely<Database>, h: QuotaHold, to: HoldState, now: number): Promise<void> {
    const col = (s: HoldState) => (s === 'reserved' ? 'reserved_fen' : s === 'consumed' ? 'consumed_fen' : null);
    const from = col(h.state);
    const into = col(to);
    if (from === into || h.amountFen === 0) return;
    await ex
      .updateTable('buyer_quotas')
      .set((eb) => ({
        ...(from ? { [from]: eb(from, '-', h.amountFen) } : {}),
        ...(into ? { [into]: eb(into, '+', h.amountFen) } : {}),
        updated_at: now,
      }))
      .where('buyer_key', '=', h.buyerKey)
      .where('year', '=', h.year)
      .execute();
  }
}
