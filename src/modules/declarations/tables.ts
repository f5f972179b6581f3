/** The declarations module's tables (Kysely row types): messages as received, their records, and what the declarations list searches by. */
import type { Generated } from 'kysely';

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

/** An enterprise a message is declared for besides its sender (the ebcCode of an agent's inventory): it reads the message. */
export interface MessagePartiesTable {
  message_id: number;
  enterprise_id: number;
}

/** A number a declaration's head carries (orderNo, logisticsNo, invtNo, copNo, preNo): the declarations list finds it by any. */
export interface DeclarationNumbersTable {
  number: string;
  declaration_id: number;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface DeclarationsTables {
  messages: MessagesTable;
  declarations: DeclarationsTable;
  message_parties: MessagePartiesTable;
  declaration_numbers: DeclarationNumbersTable;
}
