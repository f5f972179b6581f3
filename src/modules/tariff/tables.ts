/** The tariff module's tables (Kysely row types): rate table and positive list (operator-maintained). */

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

/** This module's part of the Database (src/db/schema.ts). */
export interface TariffTables {
  tax_rates: TaxRatesTable;
  positive_list: PositiveListTable;
}
