/** The audit module's tables (Kysely row types): the append-only hash-chained log. */

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

/** This module's part of the Database (src/db/schema.ts). */
export interface AuditTables {
  audit_log: AuditLogTable;
}
