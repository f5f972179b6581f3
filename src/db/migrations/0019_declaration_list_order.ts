import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * The declarations list is ordered by (message_id, seq), newest first, so that each source of
 * an enterprise's rows is read in that order and stops after a page:
 * - its own records by `declarations_enterprise_message` (enterprise_id, message_id, seq), which
 *   replaces the (enterprise_id, id) index;
 * - those an agent declared for it by its party rows, newest message first, then each message's
 *   records by `declarations_message` (message_id, seq). The party index says it is unique (the
 *   pairs are: they are the primary key reversed), so SQLite knows each message comes once and
 *   the join is in order without sorting.
 * Repeatable: the list's tests run it again over a database that has it.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('declarations_enterprise_message').ifNotExists().on('declarations').columns(['enterprise_id', 'message_id', 'seq']).execute();
  await db.schema.dropIndex('declarations_enterprise').ifExists().execute();
  await db.schema.createIndex('message_parties_enterprise_message').ifNotExists().unique().on('message_parties').columns(['enterprise_id', 'message_id']).execute();
  await db.schema.dropIndex('message_parties_enterprise').ifExists().execute();
}
