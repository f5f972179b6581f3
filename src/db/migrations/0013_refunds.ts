import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/**
 * The export tax-refund ledger (出口退税台账): refund rates by HS prefix and date, one ledger
 * entry per declared inventory line of a summary declaration (CEB792), the purchase VAT
 * invoices attributed to entries, 9810 sales from overseas stock, and refund claims. Money is
 * integer fen and quantities integer micro-units (qty × 100000), bigint on PostgreSQL. The check
 * constraints are the last line of defence: nothing is claimed that has not become claimable,
 * nothing is invoiced or sold beyond what was exported.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const id = pg ? 'bigserial' : 'integer';
  const big = pg ? 'bigint' : 'integer';

  await db.schema.createTable('refund_rates')
    .addColumn('hs_prefix', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'text', (c) => c.notNull())
    .addColumn('rate_bp', 'integer', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('refund_rates_pk', ['hs_prefix', 'valid_from'])
    .addCheckConstraint('refund_rates_rate', sql`rate_bp >= 0 and rate_bp <= 10000`)
    .execute();

  await db.schema.createTable('refund_entries')
    .addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('ebc_code', 'text', (c) => c.notNull())
    .addColumn('customs_code', 'text', (c) => c.notNull())
    .addColumn('sum_no', 'text', (c) => c.notNull())
    .addColumn('decl_seq_no', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text')
    .addColumn('op_date', 'text', (c) => c.notNull())
    .addColumn('export_date', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('invt_no', 'text', (c) => c.notNull())
    .addColumn('gnum', 'integer', (c) => c.notNull())
    .addColumn('gseqno', 'integer', (c) => c.notNull())
    .addColumn('gcode', 'text', (c) => c.notNull())
    .addColumn('gname', 'text', (c) => c.notNull())
    .addColumn('item_no', 'text', (c) => c.notNull())
    .addColumn('qty', big as 'integer', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('fob_fen', big as 'integer', (c) => c.notNull())
    .addColumn('fob_rmb_fen', big as 'integer')
    .addColumn('trade_mode', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('regime', 'text', (c) => c.notNull())
    .addColumn('rate_bp', 'integer')
    .addColumn('invoiced_qty', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invoice_amount_fen', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invoice_tax_fen', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refundable_fen', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sold_qty', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimable_fen', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_fen', big as 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('flags', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .addCheckConstraint('refund_entries_amounts', sql`invoiced_qty <= qty and sold_qty <= qty and refundable_fen <= invoice_tax_fen and claimable_fen <= refundable_fen and claimed_fen >= 0 and claimed_fen <= claimable_fen`)
    .execute();
  await db.schema.createIndex('refund_entries_line').on('refund_entries').columns(['decl_seq_no', 'invt_no', 'gnum']).unique().execute();
  await db.schema.createIndex('refund_entries_enterprise').on('refund_entries').columns(['enterprise_id', 'id']).execute();
  await db.schema.createIndex('refund_entries_month').on('refund_entries').columns(['month', 'id']).execute();
  await db.schema.createIndex('refund_entries_entry').on('refund_entries').columns(['entry_id', 'gseqno']).execute();
  await db.schema.createIndex('refund_entries_invt').on('refund_entries').columns(['invt_no', 'gnum']).execute();

  await db.schema.createTable('refund_invoices')
    .addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    // '' when the invoice has no code (全电发票: the 20-digit number alone identifies it).
    .addColumn('invoice_code', 'text', (c) => c.notNull())
    .addColumn('invoice_no', 'text', (c) => c.notNull())
    .addColumn('invoice_date', 'text', (c) => c.notNull())
    .addColumn('seller_tax_id', 'text', (c) => c.notNull())
    .addColumn('seller_name', 'text', (c) => c.notNull())
    .addColumn('amount_fen', big as 'integer', (c) => c.notNull())
    .addColumn('tax_fen', big as 'integer', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refund_invoices_number').on('refund_invoices').columns(['enterprise_id', 'invoice_code', 'invoice_no']).unique().execute();

  await db.schema.createTable('refund_invoice_items')
    .addColumn('invoice_id', big as 'integer', (c) => c.notNull().references('refund_invoices.id'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('ledger_id', big as 'integer', (c) => c.notNull().references('refund_entries.id'))
    .addColumn('qty', big as 'integer', (c) => c.notNull())
    .addColumn('amount_fen', big as 'integer', (c) => c.notNull())
    .addColumn('tax_fen', big as 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('refund_invoice_items_pk', ['invoice_id', 'line', 'ledger_id'])
    .execute();
  await db.schema.createIndex('refund_invoice_items_ledger').on('refund_invoice_items').column('ledger_id').execute();

  await db.schema.createTable('refund_sales')
    .addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('ledger_id', big as 'integer', (c) => c.notNull().references('refund_entries.id'))
    .addColumn('order_no', 'text', (c) => c.notNull())
    .addColumn('invt_no', 'text', (c) => c.notNull())
    .addColumn('gnum', 'integer', (c) => c.notNull())
    .addColumn('qty', big as 'integer', (c) => c.notNull())
    .addColumn('sale_date', 'text', (c) => c.notNull())
    .addColumn('amount', 'text')
    .addColumn('currency', 'text')
    .addColumn('claimable_fen', big as 'integer', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .addCheckConstraint('refund_sales_qty', sql`qty > 0`)
    .execute();
  await db.schema.createIndex('refund_sales_order').on('refund_sales').columns(['enterprise_id', 'order_no', 'invt_no', 'gnum']).unique().execute();
  await db.schema.createIndex('refund_sales_ledger').on('refund_sales').column('ledger_id').execute();

  await db.schema.createTable('refund_claims')
    .addColumn('id', id as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('amount_fen', big as 'integer', (c) => c.notNull())
    .addColumn('created_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refund_claims_enterprise').on('refund_claims').columns(['enterprise_id', 'period']).execute();

  await db.schema.createTable('refund_claim_items')
    .addColumn('claim_id', big as 'integer', (c) => c.notNull().references('refund_claims.id'))
    .addColumn('ledger_id', big as 'integer', (c) => c.notNull().references('refund_entries.id'))
    .addColumn('amount_fen', big as 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('refund_claim_items_pk', ['claim_id', 'ledger_id'])
    .addCheckConstraint('refund_claim_items_amount', sql`amount_fen > 0`)
    .execute();
  await db.schema.createIndex('refund_claim_items_ledger').on('refund_claim_items').column('ledger_id').execute();
}
