/** Declarations: ingest of enterprise messages and the lifecycle of every record. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { DeclarationsRepository } from './declarations.repository.ts';
import { DeclarationsService, type Enqueue } from './declarations.service.ts';

export { DeclarationsService } from './declarations.service.ts';
export type { IngestResult, Enqueue, ReceiptUpdate } from './declarations.service.ts';
export type { DeclarationRef } from './declarations.repository.ts';
export { IMPORT_DECLARATIONS, readMessageTask } from './ingest.ts';
export type { Sender } from './ingest.ts';
export type { RecordStatus } from './status.ts';
export { statusFromReturn, advance } from './status.ts';
export { declarationsRoutes } from './declarations.routes.ts';

export function createDeclarations(db: Kysely<Database>, enqueue: Enqueue, cpu: Cpu): DeclarationsService {
  return new DeclarationsService(new DeclarationsRepository(db), enqueue, cpu);
}
