/** Declarations: ingest of enterprise messages and the lifecycle of every record. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { DeclarationsRepository } from './declarations.repository.ts';
import { DeclarationsService } from './declarations.service.ts';
import type { IngestHooks } from './declarations.repository.ts';

export { DeclarationsService } from './declarations.service.ts';
export type { IngestResult, ReceiptUpdate, StatusChange } from './declarations.service.ts';
export type { DeclarationRef, DocumentRow, IngestHooks, NewMessage, StoredForRouting, StoredMessage } from './declarations.repository.ts';
export { IMPORT_DECLARATIONS, readMessageTask } from './ingest.ts';
export type { Sender } from './ingest.ts';
export type { RecordStatus } from './status.ts';
export { statusFromReturn, advance } from './status.ts';
export { declarationsRoutes } from './declarations.routes.ts';

export function createDeclarations(db: Kysely<Database>, hooks: IngestHooks, cpu: Cpu, lingerMs = 0): DeclarationsService {
  return new DeclarationsService(new DeclarationsRepository(db), hooks, cpu, lingerMs);
}
