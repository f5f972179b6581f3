/** The gateway module's tables (Kysely row types): the outbox, the sandbox customs' state and the operator's scenario rules. */
import type { Generated } from 'kysely';

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

/** The sandbox customs' scenario rules set by the operator (one row, id 1); they replace the rules file. */
export interface SandboxScenariosTable {
  id: number;
  /** JSON: the rules, as the rules file takes them. */
  rules: string;
  updated_at: number;
  updated_by: string;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface GatewayTables {
  outbox: OutboxTable;
  sandbox_events: SandboxEventsTable;
  sandbox_inbox: SandboxInboxTable;
  sandbox_counters: SandboxCountersTable;
  sandbox_inventories: SandboxInventoriesTable;
  sandbox_arrivals: SandboxArrivalsTable;
  sandbox_export_inventories: SandboxExportInventoriesTable;
  sandbox_export_parcels: SandboxExportParcelsTable;
  sandbox_scenarios: SandboxScenariosTable;
}
