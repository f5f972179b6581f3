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
}

export interface ApiKeysTable {
  id: Generated<number>;
  enterprise_id: number;
  key_hash: string;
  prefix: string;
  label: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
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
  status: 'pending' | 'done';
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
}
