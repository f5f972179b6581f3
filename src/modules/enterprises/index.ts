/** Enterprises: filing (备案) and review, API keys, delegations, consents, the Caller of a request; the demo zone. */
import { PostgresAdapter, type Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { createAudit, type AuditLog } from '../audit/index.ts';
import { EnterprisesRepository } from './enterprises.repository.ts';
import { EnterprisesService } from './enterprises.service.ts';

export type { EnterprisesTables } from './tables.ts';
export { EnterprisesService, hashKey, newApiKey, type NewEnterprise } from './enterprises.service.ts';
export type { Role } from '../../platform/access.ts';
export type { Enterprise } from './enterprises.repository.ts';
export type { Contact } from './rules.ts';
export { DELEGABLE, usccCheckChar, usccIssues } from './rules.ts';
export { enterprisesRoutes, type EnterprisesRoutesOptions } from './enterprises.routes.ts';
export { ensureDemoZone, DEMO_ENTERPRISES, type DemoCredential } from './demo.ts';

/** `audit` is the platform's audit log; without one (unit tests) a log on the same database is made. */
export function createEnterprises(db: Kysely<Database>, audit?: AuditLog): EnterprisesService {
  const log = audit ?? createAudit(db, db.getExecutor().adapter instanceof PostgresAdapter);
  return new EnterprisesService(new EnterprisesRepository(db), log);
}
