/** Enterprises and their API keys; the demo zone. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { EnterprisesRepository } from './enterprises.repository.ts';
import { EnterprisesService } from './enterprises.service.ts';

export { EnterprisesService, hashKey, newApiKey, type Role } from './enterprises.service.ts';
export type { Enterprise } from './enterprises.repository.ts';
export { ensureDemoZone, DEMO_ENTERPRISES, type DemoCredential } from './demo.ts';

export function createEnterprises(db: Kysely<Database>): EnterprisesService {
  return new EnterprisesService(new EnterprisesRepository(db));
}
