/** Declarations: ingest of enterprise messages and the lifecycle of every record. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { DeclarationsRepository } from './declarations.repository.ts';
import { DeclarationsService } from './declarations.service.ts';
import type { DeclarationAudit, IngestHooks } from './declarations.repository.ts';
import type { IngestAccess } from './declarations.service.ts';

export type { DeclarationsTables } from './tables.ts';
export type { ListItem, ListPage } from './views.ts';
export { DeclarationsService } from './declarations.service.ts';
export type { IngestAccess, IngestResult, ReceiptUpdate, StatusChange } from './declarations.service.ts';
export { SEND_POLICY, authorizeDeclaration, requireDeclarer, requireSendingRole, sendingRoles, type SendPolicy, type Delegated } from './authorize.ts';
export type { DeclarationRef, DocumentRow, IngestHooks, NewMessage, StoredForRouting, StoredMessage } from './declarations.repository.ts';
export { IMPORT_DECLARATIONS, EXPORT_DECLARATIONS, readMessageTask } from './ingest.ts';
export type { Sender } from './ingest.ts';
export type { RecordStatus } from './status.ts';
export { statusFromReturn, advance } from './status.ts';
export { declarationsRoutes } from './declarations.routes.ts';

/** `access` answers delegations at ingest; `audit` records each accepted message in its batch's transaction. */
export function createDeclarations(db: Kysely<Database>, hooks: IngestHooks, cpu: Cpu, lingerMs = 0, access?: IngestAccess, audit?: DeclarationAudit): DeclarationsService {
  return new DeclarationsService(new DeclarationsRepository(db, audit), hooks, cpu, lingerMs, access);
}
