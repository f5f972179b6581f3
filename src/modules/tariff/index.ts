/**
 * Tariff: the operator-maintained rate table (VAT, consumption tax, duty by HS prefix) and the
 * cross-border retail import positive list. Tables `tax_rates` and `positive_list`, created and
 * seeded by migration 0002_tariff from data/*.json. See README.md for formats and the seed's scope.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { TariffRepository } from './tariff.repository.ts';
import { TariffService } from './tariff.service.ts';

export type { TariffTables } from './tables.ts';
export { TariffService, FALLBACK_RATE } from './tariff.service.ts';
export type { RateMatch, PositiveEntry, PositiveMatch, RateView, PositiveView, ImportResult } from './tariff.service.ts';
export type { ImportMode, WriteCounts } from './tariff.repository.ts';
export { parseRates, parsePositiveList, RATE_COLUMNS, POSITIVE_COLUMNS } from './parse.ts';
export type { RateRow, PositiveRow, ImportFormat, ImportWarning, Parsed } from './parse.ts';
export { tariffRoutes } from './tariff.routes.ts';
export type { TariffRoutesOptions } from './tariff.routes.ts';
export { tariffSeed } from './seed.ts';
export type { TariffSeed } from './seed.ts';

/** Creates the service and loads its in-memory indexes (async: resolve it before serving). */
export async function createTariff(db: Kysely<Database>, audit?: AuditLog): Promise<TariffService> {
  const service = new TariffService(new TariffRepository(db), Date.now, audit);
  await service.load();
  return service;
}
