/** The counters table: one upsert-increment per batch, range reads per window, old fine buckets pruned. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { Tally } from './facts.ts';
import { bucketAt, type CountRow, type Span } from './snapshot.ts';

const SPANS: Span[] = ['m', 'h', 'd'];
/**
 * Rows per statement: 6 parameters each (12 000, below SQLite's 32 766 and PostgreSQL's 65 535).
 * A full batch of varied inventories (three spans × types, modes, ~250 countries, ~99 HS
 * chapters) stays one statement.
 */
const CHUNK = 2000;
/** How long fine buckets are kept, in buckets: minutes for 3 h, hours for 3 days (days are kept). */
const KEEP: Partial<Record<Span, number>> = { m: 180, h: 72 };

export class StatisticsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Adds a batch's tally to the minute, hour and day buckets of `now`, in the caller's
   * transaction. Rows go in key order, so two transactions lock shared rows in the same order.
   */
  async add(trx: Kysely<Database>, tally: Tally, now: number): Promise<void> {
    if (!tally.size) return;
    const rows = SPANS.flatMap((span) => {
      const bucket = bucketAt(span, now);
      return [...tally.entries.values()].map((e) => ({ span, bucket, metric: e.metric, dim: e.dim, count: e.count, value_fen: e.valueFen }));
    });
    rows.sort((a, b) => (a.span < b.span ? -1 : a.span > b.span ? 1 : 0) || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0) || (a.dim < b.dim ? -1 : a.dim > b.dim ? 1 : 0));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await trx
        .insertInto('stats_counts')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.columns(['span', 'bucket', 'metric', 'dim']).doUpdateSet((eb) => ({
            count: eb('stats_counts.count', '+', eb.ref('excluded.count')),
            value_fen: eb('stats_counts.value_fen', '+', eb.ref('excluded.value_fen')),
          })),
        )
        .execute();
    }
  }

  /** The rows of buckets [first, last] of one span (the primary key's range). */
  async range(span: Span, first: number, last: number, metrics?: string[]): Promise<CountRow[]> {
    let q = this.db.selectFrom('stats_counts').select(['bucket', 'metric', 'dim', 'count', 'value_fen']).where('span', '=', span).where('bucket', '>=', first).where('bucket', '<=', last);
    if (metrics) q = q.where('metric', 'in', metrics);
    return q.execute();
  }

  /** Removes minute and hour buckets no window reads any more. */
  async prune(now: number): Promise<void> {
    for (const [span, keep] of Object.entries(KEEP) as Array<[Span, number]>) {
      await this.db.deleteFrom('stats_counts').where('span', '=', span).where('bucket', '<', bucketAt(span, now) - keep).execute();
    }
  }
}
