import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * The sandbox customs' scenario rules the operator set through the API: one row, the rules as the
 * JSON the rules file takes. Kept so a restart keeps them; while the row exists it replaces the file.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('sandbox_scenarios')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
