/** Console accounts (argon2id passwords, lock-out) and their cookie sessions with CSRF tokens. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { AccountsRepository } from './accounts.repository.ts';
import { AccountsService, type AccountsSettings, type EnterpriseDirectory } from './accounts.service.ts';

export type { AccountsTables } from './tables.ts';
export { AccountsService, LockedError, type AccountsSettings, type AccountView, type EnterpriseDirectory, type LiveSession, type SessionView } from './accounts.service.ts';
export { accountsRoutes, sessionAuthenticator } from './accounts.routes.ts';
export { SESSION_COOKIE } from './cookie.ts';
export { HASH_PARAMS, passwordIssues } from './password.ts';

export function createAccounts(db: Kysely<Database>, audit: AuditLog, enterprises: EnterpriseDirectory, settings: AccountsSettings, postgres: boolean): AccountsService {
  return new AccountsService(db, new AccountsRepository(db), audit, enterprises, settings, postgres);
}

/** Console accounts for the demo zone just created: one per enterprise, added to its demo-credentials.json. */
export function ensureDemoAccounts(accounts: AccountsService, credentialsFile: string): Promise<number> {
  return accounts.ensureDemoAccounts(credentialsFile);
}
