/** Clearance rules for retail import: 三单比对, positive list, tax, quotas, bonded stock, conflicts, pre-check. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService } from '../declarations/index.ts';
import type { Caller } from '../../platform/access.ts';
import { ClearanceRepository } from './clearance.repository.ts';
import { ClearanceService, type ClearancePorts, type ClearanceSettings } from './clearance.service.ts';
import { precheck, type PrecheckPorts } from './precheck.ts';

export type { ClearanceTables } from './tables.ts';
export { ClearanceService, DEFAULT_SETTINGS } from './clearance.service.ts';
export type { ClearancePorts, ClearanceSettings } from './clearance.service.ts';
export type { PrecheckResult, PrecheckPorts } from './precheck.ts';
export { clearanceRoutes } from './clearance.routes.ts';
export { CODES } from './codes.ts';
export { match, UNCONFIRMED, type RuleId, type Finding } from './rules.ts';

export function createClearance(db: Kysely<Database>, declarations: DeclarationsService, ports: ClearancePorts & PrecheckPorts, settings: ClearanceSettings) {
  const repo = new ClearanceRepository(db);
  const service = new ClearanceService(db, repo, declarations, ports, settings);
  return {
    service,
    precheck: (sender: Caller, body: Buffer, format: 'xml' | 'json') => precheck(db, declarations, (t, ids) => repo.releaseTimes(t, ids), ports, settings, sender, body, format),
  };
}
