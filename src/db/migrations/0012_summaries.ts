import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * Summary declaration (清单核放、汇总申报): groups of released, departed export inventories an
 * enterprise confirmed and the platform sent as a CEB701, and the CEB792 results that tie each
 * inventory line to an item of a customs declaration (报关单). An inventory is in at most one
 * summary that customs has not refused (partial unique index on `active`).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  const id = pg ? 'bigserial' : 'integer';

  await db.schema
    .createTable('summaries')
    .addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('declarant_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('ebc_code', 'text', (c) => c.notNull())
    .addColumn('agent_code', 'text', (c) => c.notNull())
    .addColumn('customs_code', 'text', (c) => c.notNull())
    .addColumn('port_code', 'text', (c) => c.notNull())
    .addColumn('trade_mode', 'text', (c) => c.notNull())
    .addColumn('traf_mode', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('owner_code', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('summary_flag', 'text', (c) => c.notNull())
    .addColumn('item_name_flag', 'text', (c) => c.notNull())
    .addColumn('cop_no', 'text', (c) => c.notNull().unique())
    .addColumn('message_id', big as 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sum_no', 'text')
    .addColumn('return_info', 'text')
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('summaries_enterprise').on('summaries').columns(['enterprise_id', 'id']).execute();
  await db.schema.createIndex('summaries_declarant').on('summaries').columns(['declarant_id', 'id']).execute();
  await db.schema.createIndex('summaries_message').on('summaries').column('message_id').execute();

  await db.schema
    .createTable('summary_items')
    .addColumn('summary_id', big as 'integer', (c) => c.notNull().references('summaries.id'))
    .addColumn('declaration_id', big as 'integer', (c) => c.notNull().references('declarations.id'))
    .addColumn('invt_no', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('summary_items_pk', ['summary_id', 'declaration_id'])
    .execute();
  await sql`create unique index summary_items_active on summary_items (declaration_id) where active = 1`.execute(db);

  // Closed (899) B-flag export inventories, kept as customs closes them: proposals read this table
  // only, never the whole history of inventories. `taken` while a standing summary holds one.
  await db.schema
    .createTable('summary_candidates')
    .addColumn('declaration_id', big as 'integer', (c) => c.primaryKey())
    .addColumn('sender_id', big as 'integer', (c) => c.notNull())
    .addColumn('ebc_code', 'text', (c) => c.notNull())
    .addColumn('agent_code', 'text', (c) => c.notNull())
    .addColumn('invt_no', 'text', (c) => c.notNull())
    .addColumn('candidate', 'text', (c) => c.notNull())
    .addColumn('taken', 'integer', (c) => c.notNull())
    .addColumn('closed_at', big as 'integer', (c) => c.notNull())
    .execute();
  for (const col of ['sender_id', 'ebc_code', 'agent_code'] as const) {
    await db.schema.createIndex(`summary_candidates_${col}`).on('summary_candidates').columns([col, 'taken', 'declaration_id']).execute();
  }
  await db.schema.createIndex('summary_candidates_open').on('summary_candidates').columns(['taken', 'declaration_id']).execute();

  // One row per inventory line a CEB792 placed in a declaration item.
  await db.schema
    .createTable('summary_results')
    .addColumn('summary_id', big as 'integer', (c) => c.notNull().references('summaries.id'))
    .addColumn('decl_seq_no', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text')
    .addColumn('dec_state', 'text', (c) => c.notNull())
    .addColumn('op_date', 'text', (c) => c.notNull())
    .addColumn('invt_no', 'text', (c) => c.notNull())
    .addColumn('logistics_no', 'text', (c) => c.notNull())
    .addColumn('gnum', 'integer', (c) => c.notNull())
    .addColumn('gseqno', 'integer', (c) => c.notNull())
    .addColumn('gcode', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('summary_results_pk', ['decl_seq_no', 'invt_no', 'gnum'])
    .execute();
  await db.schema.createIndex('summary_results_summary').on('summary_results').column('summary_id').execute();
}
