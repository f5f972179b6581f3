/** The summaries module's tables (Kysely row types): export summary declarations (CEB701 sent, CEB792 results). */
import type { Generated } from 'kysely';

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

/** This module's part of the Database (src/db/schema.ts). */
export interface SummariesTables {
  summaries: SummariesTable;
  summary_items: SummaryItemsTable;
  summary_candidates: SummaryCandidatesTable;
  summary_results: SummaryResultsTable;
}
