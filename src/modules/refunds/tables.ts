/** The refunds module's tables (Kysely row types): the export tax-refund ledger (money in fen, quantities in micro-units). */
import type { Generated } from 'kysely';

export interface RefundRatesTable {
  /** HS code prefix (4–10 digits); the longest prefix with a row in force on the export date wins. */
  hs_prefix: string;
  /** YYYY-MM-DD: exports from this date on take this rate. */
  valid_from: string;
  /** Basis points: 13 % = 1300. */
  rate_bp: number;
  updated_at: number;
}

export interface RefundEntriesTable {
  id: Generated<number>;
  enterprise_id: number;
  ebc_code: string;
  customs_code: string;
  sum_no: string;
  decl_seq_no: string;
  /** 报关单号; null until customs assigns it. */
  entry_id: string | null;
  op_date: string;
  export_date: string;
  /** YYYY-MM of op_date (China time). */
  month: string;
  invt_no: string;
  gnum: number;
  gseqno: number;
  gcode: string;
  gname: string;
  item_no: string;
  qty: number;
  unit: string;
  currency: string;
  /** FOB in the declared currency, hundredths. */
  fob_fen: number;
  /** null when the currency has no exchange rate (flag no-exchange-rate). */
  fob_rmb_fen: number | null;
  trade_mode: string;
  country: string;
  regime: 'exempt' | 'refund';
  /** Kept as looked up when declared (or at the first invoice, if no rate was in force then). */
  rate_bp: number | null;
  invoiced_qty: Generated<number>;
  invoice_amount_fen: Generated<number>;
  invoice_tax_fen: Generated<number>;
  refundable_fen: Generated<number>;
  sold_qty: Generated<number>;
  claimable_fen: Generated<number>;
  claimed_fen: Generated<number>;
  status: string;
  /** Comma-separated: no-exchange-rate, no-refund-rate. */
  flags: Generated<string>;
  created_at: number;
  updated_at: number;
}

export interface RefundInvoicesTable {
  id: Generated<number>;
  enterprise_id: number;
  /** '' for an invoice without a code (全电发票). */
  invoice_code: string;
  invoice_no: string;
  invoice_date: string;
  seller_tax_id: string;
  seller_name: string;
  amount_fen: number;
  tax_fen: number;
  created_at: number;
}

export interface RefundInvoiceItemsTable {
  invoice_id: number;
  /** The invoice item (0-based) this part comes from: one item may cover several ledger entries. */
  line: number;
  ledger_id: number;
  qty: number;
  amount_fen: number;
  tax_fen: number;
}

export interface RefundSalesTable {
  id: Generated<number>;
  enterprise_id: number;
  ledger_id: number;
  order_no: string;
  invt_no: string;
  gnum: number;
  qty: number;
  sale_date: string;
  amount: string | null;
  currency: string | null;
  /** What this sale made claimable. */
  claimable_fen: number;
  created_at: number;
}

export interface RefundClaimsTable {
  id: Generated<number>;
  enterprise_id: number;
  /** YYYY-MM: the declaration period (所属期). */
  period: string;
  amount_fen: number;
  created_at: number;
}

export interface RefundClaimItemsTable {
  claim_id: number;
  ledger_id: number;
  amount_fen: number;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface RefundsTables {
  refund_rates: RefundRatesTable;
  refund_entries: RefundEntriesTable;
  refund_invoices: RefundInvoicesTable;
  refund_invoice_items: RefundInvoiceItemsTable;
  refund_sales: RefundSalesTable;
  refund_claims: RefundClaimsTable;
  refund_claim_items: RefundClaimItemsTable;
}
