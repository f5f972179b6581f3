/** The enterprises module's tables (Kysely row types): filing, history, documents, API keys, delegations, bank consents. */
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

/** This module's part of the Database (src/db/schema.ts). */
export interface EnterprisesTables {
  enterprises: EnterprisesTable;
  api_keys: ApiKeysTable;
  enterprise_events: EnterpriseEventsTable;
  enterprise_documents: EnterpriseDocumentsTable;
  delegations: DelegationsTable;
  consents: ConsentsTable;
}
