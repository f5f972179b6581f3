/** Row types of every table, for Kysely. Each module reads and writes only its own tables. */
import type { Generated } from 'kysely';

export interface EnterprisesTable {
  id: Generated<number>;
  code: string;
  name: string;
  dxp_id: string;
  /** Comma-separated role names. */
  roles: string;
  created_at: number;
  /** Unified social credit code (统一社会信用代码, 18 characters). */
  uscc: string | null;
  status: Generated<'pending' | 'approved' | 'rejected' | 'suspended' | 'revoked'>;
  /** JSON array of { name, phone, email, role }. */
  contacts: Generated<string>;
  updated_at: number | null;
}

export interface ApiKeysTable {
  id: Generated<number>;
  enterprise_id: number;
  key_hash: string;
  prefix: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
  /** When the key stops working; in the future while a rotated key is in its grace period. */
  revoked_at: number | null;
  /** Comma-separated scopes: declare, read, manage. */
  scopes: Generated<string>;
  expires_at: number | null;
}

export interface MessagesTable {
  id: Generated<number>;
  enterprise_id: number;
  message_type: string;
  guid: string;
  idem_key: string;
  body: Buffer;
  body_format: 'xml' | 'dxp' | 'json';
  ceb: Buffer | null;
  encoding: string;
  record_count: number;
  status: string;
  cop_msg_id: string;
  sender_dxp_id: string;
  received_at: number;
  forwarded_at: number | null;
}

export interface DeclarationsTable {
  id: Generated<number>;
  message_id: number;
  seq: number;
  enterprise_id: number;
  message_type: string;
  guid: string;
  corr_key: string;
  /** The order a payment or waybill belongs to (order|ebpCode|orderNo), for matching. */
  ref_key: Generated<string | null>;
  status: string;
  return_status: string | null;
  return_info: string | null;
  pre_no: string | null;
  invt_no: string | null;
  fields: string;
  updated_at: number;
}

export interface OutboxTable {
  id: Generated<number>;
  message_id: number;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  next_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface ReceiptsTable {
  id: Generated<number>;
  enterprise_id: number | null;
  message_id: number | null;
  declaration_id: number | null;
  message_type: string;
  return_status: string;
  return_info: string;
  return_time: string;
  xml: string;
  digest: string;
  received_at: number;
}

export interface WebhooksTable {
  id: Generated<number>;
  enterprise_id: number;
  url: string;
  secret: string;
  active: number;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  receipt_id: number;
  delivery_id: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  next_at: number;
  last_error: string | null;
  response_status: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface SandboxEventsTable {
  id: Generated<number>;
  due_at: number;
  /** refused: the platform will never take it (kept for inspection, not sent again). */
  status: 'pending' | 'done' | 'refused';
  payload: string;
  created_at: number;
}

export interface SandboxInboxTable {
  cop_msg_id: string;
  received_at: number;
}

export interface SandboxCountersTable {
  name: string;
  value: number;
}

// --- tariff: rate table and positive list (operator-maintained) ---------------------------------

export interface TaxRatesTable {
  /** HS code prefix (2–10 digits); the longest matching prefix wins. */
  hs_prefix: string;
  /** Rates in parts per million: 13 % = 130000 (exact, no float drift). */
  vat_ppm: number;
  consumption_ppm: number;
  duty_ppm: number;
  note: string | null;
  updated_at: number;
}

export interface PositiveListTable {
  /** Tariff line or prefix on the cross-border retail import positive list. */
  hs_prefix: string;
  name: string;
  note: string | null;
  updated_at: number;
}

// --- quotas: per-transaction and annual personal limits --------------------------------------------

export interface BuyerQuotasTable {
  /** SHA-256 of the buyer's ID number: the platform counts without keeping the number twice. */
  buyer_key: string;
  year: number;
  reserved_fen: number;
  consumed_fen: number;
  updated_at: number;
}

export interface QuotaHoldsTable {
  declaration_id: number;
  buyer_key: string;
  year: number;
  amount_fen: number;
  state: 'reserved' | 'consumed' | 'released';
  created_at: number;
  updated_at: number;
}

// --- stock: 1210 bonded stock per account book and item ---------------------------------------------

export interface StockItemsTable {
  id: Generated<number>;
  ems_no: string;
  item_record_no: string;
  /** The warehouse (area) enterprise keeping the goods, and the e-commerce enterprise owning them. */
  warehouse_id: number;
  owner_code: string;
  gcode: string | null;
  name: string | null;
  /** Quantities in micro-units (qty × 100000, as N19,5 allows five decimals). */
  on_hand: number;
  reserved: number;
  updated_at: number;
}

export interface StockMovesTable {
  id: Generated<number>;
  ems_no: string;
  item_record_no: string;
  kind: 'in' | 'reserve' | 'consume' | 'release' | 'adjust';
  qty: number;
  declaration_id: number | null;
  ref: string | null;
  created_at: number;
}

export interface StockHoldsTable {
  declaration_id: number;
  ems_no: string;
  item_record_no: string;
  qty: number;
  state: 'reserved' | 'consumed' | 'released';
  updated_at: number;
}

// --- clearance: inventories waiting for their documents, and the match result ---------------------

export interface ClearanceWaitsTable {
  declaration_id: number;
  message_id: number;
  order_key: string;
  payment_key: string;
  waybill_key: string;
  deadline_at: number;
  state: 'waiting' | 'matched' | 'refused';
  /** JSON: the reasons of a refusal, or the computed tax of a match. */
  result: string | null;
  /** When customs released the inventory (800): the 30-day return window starts here. */
  released_at: number | null;
  updated_at: number;
}

export interface Database {
  enterprises: EnterprisesTable;
  api_keys: ApiKeysTable;
  messages: MessagesTable;
  declarations: DeclarationsTable;
  outbox: OutboxTable;
  receipts: ReceiptsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  sandbox_events: SandboxEventsTable;
  sandbox_inbox: SandboxInboxTable;
  sandbox_counters: SandboxCountersTable;
  tax_rates: TaxRatesTable;
  positive_list: PositiveListTable;
  buyer_quotas: BuyerQuotasTable;
  quota_holds: QuotaHoldsTable;
  stock_items: StockItemsTable;
  stock_moves: StockMovesTable;
  stock_holds: StockHoldsTable;
  clearance_waits: ClearanceWaitsTable;
  sandbox_inventories: SandboxInventoriesTable;
  sandbox_arrivals: SandboxArrivalsTable;
  sandbox_export_inventories: SandboxExportInventoriesTable;
  sandbox_export_parcels: SandboxExportParcelsTable;
  enterprise_events: EnterpriseEventsTable;
  enterprise_documents: EnterpriseDocumentsTable;
  delegations: DelegationsTable;
  consents: ConsentsTable;
  accounts: AccountsTable;
  sessions: SessionsTable;
  certificates: CertificatesTable;
  signing_keys: SigningKeysTable;
  audit_log: AuditLogTable;
  message_parties: MessagePartiesTable;
  declaration_numbers: DeclarationNumbersTable;
  receipt_parties: ReceiptPartiesTable;
  summaries: SummariesTable;
  summary_items: SummaryItemsTable;
  summary_candidates: SummaryCandidatesTable;
  summary_results: SummaryResultsTable;
  overseas_warehouses: OverseasWarehousesTable;
  refund_rates: RefundRatesTable;
  refund_entries: RefundEntriesTable;
  refund_invoices: RefundInvoicesTable;
  refund_invoice_items: RefundInvoiceItemsTable;
  refund_sales: RefundSalesTable;
  refund_claims: RefundClaimsTable;
  refund_claim_items: RefundClaimItemsTable;
  sandbox_scenarios: SandboxScenariosTable;
  stats_counts: StatsCountsTable;
}

// --- sandbox customs: inventories it holds and parcels it knows of (arrival, cancel, return) -----

export interface SandboxInventoriesTable {
  invt_no: string;
  cop_no: string;
  logistics_no: string;
  trade_mode: string;
  /** JSON: gnum → declared qty (as sent), for returns. */
  lines: string;
  /** waiting: a 9610 inventory whose parcel has not arrived; cleared: release scheduled at released_at. */
  state: 'waiting' | 'cleared' | 'cancelled' | 'returned';
  released_at: number | null;
  /** JSON: the receipts still owed once the parcel arrives (waiting inventories only). */
  pending: string | null;
  created_at: number;
}

export interface SandboxArrivalsTable {
  logistics_no: string;
  /** null: an inventory names the parcel, no arrival list (CEB711) has listed it yet. */
  arrived_at: number | null;
}

/** An export inventory (CEB603) the sandbox customs took in (120). */
export interface SandboxExportInventoriesTable {
  invt_no: string;
  cop_no: string;
  customs_code: string;
  ebc_code: string;
  logistics_no: string;
  trade_mode: string;
  /** A 简化申报 (no summary) / B 汇总申报. */
  statistics_flag: string;
  /** JSON: what a summary (CEB701/792) needs: the head's owner, destination, port, weights and the lines. */
  facts: string;
  /** arriving: waits for its CEB507; departing: released, waits for its CEB509; closed: departed (899). */
  state: 'arriving' | 'departing' | 'closed' | 'cancelled';
  released_at: number | null;
  closed_at: number | null;
  /** The summary application (汇总申请编号) that took it in, once summarized. */
  sum_no: string | null;
  /** JSON: the receipts still owed once the parcel arrives or departs. */
  pending: string | null;
  created_at: number;
}

export interface SandboxExportParcelsTable {
  logistics_no: string;
  /** Set by the first CEB507 arrival listing the parcel. */
  arrived_at: number | null;
  /** Set by the first CEB509 departure listing the parcel. */
  departed_at: number | null;
}

// --- filing: history, documents, delegations, consents ----------------------------------------

export interface EnterpriseEventsTable {
  id: Generated<number>;
  enterprise_id: number;
  /** applied, updated, approved, rejected, suspended, reinstated, revoked, document-added… */
  action: string;
  status_from: string | null;
  status_to: string | null;
  reason: string | null;
  actor_id: number | null;
  detail: Generated<string>;
  at: number;
}

export interface EnterpriseDocumentsTable {
  id: Generated<number>;
  enterprise_id: number;
  kind: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  body: Buffer;
  uploaded_at: number;
}

export interface DelegationsTable {
  id: Generated<number>;
  /** The enterprise that delegates (e.g. the e-commerce enterprise). */
  principal_id: number;
  /** The declaration agent. */
  agent_id: number;
  /** Comma-separated message types, e.g. CEB621Message,CEB623Message. */
  scope: string;
  valid_from: number;
  valid_to: number;
  revoked_at: number | null;
  created_at: number;
}

export interface ConsentsTable {
  id: Generated<number>;
  enterprise_id: number;
  bank_id: number;
  /** Comma-separated: messages, receipts, stock. */
  scope: string;
  valid_to: number;
  revoked_at: number | null;
  created_at: number;
}

// --- console accounts ---------------------------------------------------------------------------

export interface AccountsTable {
  id: Generated<number>;
  enterprise_id: number;
  username: string;
  display_name: string;
  password_hash: string;
  failed_logins: Generated<number>;
  locked_until: number | null;
  last_login_at: number | null;
  disabled_at: number | null;
  created_at: number;
  password_changed_at: number;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  account_id: number;
  csrf_token: string;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
}

// --- signatures ---------------------------------------------------------------------------------

export interface CertificatesTable {
  id: Generated<number>;
  enterprise_id: number;
  /** signing (XML-DSig of declarations) or client (mTLS). */
  purpose: 'signing' | 'client';
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
  serial_hex: string;
  subject: string;
  issuer: string;
  algorithm: string;
  not_before: number;
  not_after: number;
  der: Buffer;
  registered_at: number;
  revoked_at: number | null;
}

export interface SigningKeysTable {
  id: Generated<number>;
  enterprise_id: number;
  certificate_id: number;
  algorithm: string;
  key_ciphertext: Buffer;
  key_iv: Buffer;
  key_tag: Buffer;
  uses: Generated<number>;
  last_used_at: number | null;
  created_at: number;
  disabled_at: number | null;
}

// --- audit --------------------------------------------------------------------------------------

export interface AuditLogTable {
  seq: number;
  at: number;
  /** Who: enterprise:<code>, account:<username>, operator:<code>, system. */
  actor: string;
  /** What: filing.approved, key.issued, declaration.accepted, signature.used, config.changed… */
  action: string;
  subject: string;
  enterprise_id: number | null;
  /** Canonical JSON. */
  detail: string;
  prev_hash: string;
  hash: string;
}

/** A number a declaration's head carries (orderNo, logisticsNo, invtNo, copNo, preNo): the declarations list finds it by any. */
export interface DeclarationNumbersTable {
  number: string;
  declaration_id: number;
}

/** An enterprise a message is declared for besides its sender (the ebcCode of an agent's inventory): it reads the message. */
export interface MessagePartiesTable {
  message_id: number;
  enterprise_id: number;
}

/** The parties of a receipt's message, copied to the receipt: their feed is a range scan by (enterprise_id, receipt_id). */
export interface ReceiptPartiesTable {
  enterprise_id: number;
  receipt_id: number;
}

// --- summaries: export summary declarations (CEB701 sent, CEB792 results) -----------------------

export interface SummariesTable {
  id: Generated<number>;
  /** The consignor (ebcCode) whose inventories are summarised. */
  enterprise_id: number;
  /** Who confirmed and sent the CEB701: the consignor or its declaration agent. */
  declarant_id: number;
  group_key: string;
  ebc_code: string;
  agent_code: string;
  customs_code: string;
  port_code: string;
  trade_mode: string;
  traf_mode: string;
  country: string;
  /** Producer (ownerCode) for summaryFlag 2, '' otherwise. */
  owner_code: string;
  /** YYYY-MM of the inventories' export date. */
  period: string;
  summary_flag: string;
  item_name_flag: string;
  cop_no: string;
  message_id: number | null;
  /** preparing → sent → accepted (702 120) | refused (702 100 / negative) → declared (792). */
  status: string;
  sum_no: string | null;
  return_info: string | null;
  created_at: number;
  updated_at: number;
}

export interface SummaryItemsTable {
  summary_id: number;
  declaration_id: number;
  invt_no: string;
  /** 1 while the summary stands; 0 once customs refused it (the inventory may be summarised again). */
  active: number;
}

export interface SummaryCandidatesTable {
  /** The CEB603 record. */
  declaration_id: number;
  /** The enterprise that declared it (the agent, or the consignor itself). */
  sender_id: number;
  ebc_code: string;
  agent_code: string;
  invt_no: string;
  /** The grouping's view of the inventory (JSON of grouping.ts Candidate). */
  candidate: string;
  /** 1 while a standing summary holds it. */
  taken: number;
  closed_at: number;
}

export interface SummaryResultsTable {
  summary_id: number;
  decl_seq_no: string;
  entry_id: string | null;
  dec_state: string;
  op_date: string;
  invt_no: string;
  logistics_no: string;
  gnum: number;
  gseqno: number;
  gcode: string;
}

// --- refunds: the export tax-refund ledger (money in fen, quantities in micro-units) ------------

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

// --- warehouses: the overseas-warehouse directory -------------------------------------------------

export interface OverseasWarehousesTable {
  id: Generated<number>;
  /** The operator of the warehouse (an enterprise filed as overseas). */
  enterprise_id: number;
  name: string;
  /** Customs' numeric country code (502 USA, 304 Germany…). */
  country: string;
  city: string;
  address: string;
  /** Degrees × 10⁶. */
  lat_e6: number;
  lon_e6: number;
  area_m2: number;
  /** JSON arrays of strings. */
  services: string;
  platforms: string;
  eligible_9810: number;
  contact_name: string;
  contact_phone: string;
  contact_email: string;
  updated_at: number;
}

/** The sandbox customs' scenario rules set by the operator (one row, id 1); they replace the rules file. */
export interface SandboxScenariosTable {
  id: number;
  /** JSON: the rules, as the rules file takes them. */
  rules: string;
  updated_at: number;
  updated_by: string;
}

// --- statistics: counters kept as data arrives ------------------------------------------------------

export interface StatsCountsTable {
  /** m: minute (ms / 60 000), h: hour, d: day in China time (UTC+8). */
  span: 'm' | 'h' | 'd';
  bucket: number;
  /** type, direction, mode, origin, destination, hs, status, outcome, rejection, latency. */
  metric: string;
  dim: string;
  count: number;
  value_fen: number;
}
