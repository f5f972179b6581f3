/** The audit log: append-only, hash-chained record of filing decisions, credentials, declarations, signatures and configuration. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { AuditLog } from './audit.ts';

export type { AuditTables } from './tables.ts';
export { AuditLog, canonicalJson, chainHash, GENESIS, type AuditEntry, type AuditRecord, type Verification as AuditVerification } from './audit.ts';
export { auditRoutes } from './audit.routes.ts';

export function createAudit(db: Kysely<Database>, postgres: boolean): AuditLog {
  return new AuditLog(db, postgres);
}
