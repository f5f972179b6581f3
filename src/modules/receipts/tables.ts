/** The receipts module's tables (Kysely row types): customs' receipts, their readers, webhooks and deliveries. */
import type { Generated } from 'kysely';

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

/** The parties of a receipt's message, copied to the receipt: their feed is a range scan by (enterprise_id, receipt_id). */
export interface ReceiptPartiesTable {
  enterprise_id: number;
  receipt_id: number;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface ReceiptsTables {
  receipts: ReceiptsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  receipt_parties: ReceiptPartiesTable;
}
