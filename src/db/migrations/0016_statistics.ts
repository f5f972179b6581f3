import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Statistics kept as data arrives: counters per time bucket (minute, hour, China-time day), each
 * row a metric and one of its values (a message type, a country, a latency bucket…).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('stats_counts')
    .addColumn('span', 'text', (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('dim', 'text', (c) => c.notNull())
    .addColumn('count', big as 'integer', (c) => c.notNull())
    .addColumn('value_fen', big as 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('stats_counts_pk', ['span', 'bucket', 'metric', 'dim'])
    .execute();
}
