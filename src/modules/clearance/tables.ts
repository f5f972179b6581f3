/** The clearance module's tables (Kysely row types): inventories waiting for their documents, and the match result. */

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

/** This module's part of the Database (src/db/schema.ts). */
export interface ClearanceTables {
  clearance_waits: ClearanceWaitsTable;
}
