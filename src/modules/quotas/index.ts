/** Personal limits (spec §5.2): per-transaction and annual quotas per buyer — tables `buyer_quotas`, `quota_holds`. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { QuotasRepository } from './quotas.repository.ts';
import { QuotasService } from './quotas.service.ts';

export type { QuotasTables } from './tables.ts';
export { QuotasService, buyerKey, QUOTA_SINGLE_LIMIT_FEN, QUOTA_ANNUAL_LIMIT_FEN } from './quotas.service.ts';
export type { ReserveInput, ReserveResult, QuotaRefusalCode, QuotaUsage, HoldChange } from './quotas.service.ts';
export type { QuotaHold, HoldState } from './quotas.repository.ts';

export function createQuotas(db: Kysely<Database>): QuotasService {
  return new QuotasService(db, new QuotasRepository());
}
