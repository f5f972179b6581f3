/** The quotas module's tables (Kysely row types): per-transaction and annual personal limits. */

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

/** This module's part of the Database (src/db/schema.ts). */
export interface QuotasTables {
  buyer_quotas: BuyerQuotasTable;
  quota_holds: QuotaHoldsTable;
}
