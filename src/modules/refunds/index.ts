/**
 * Refunds: the export tax-refund ledger (出口退税台账). Rates by HS prefix and date (operator),
 * one entry per declared inventory line of a summary declaration (exempt 9610/1210, refund
 * 9710/9810), purchase VAT invoices, 9810 sales, claims; the ledger as JSON, CSV and monthly
 * totals. Tables refund_* (migration 0013_refunds). See docs/refunds.md.
 */
import { PostgresAdapter, type Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { RefundsRepository } from './refunds.repository.ts';
import { RefundsService } from './refunds.service.ts';

export type { RefundsTables } from './tables.ts';
export { RefundsService } from './refunds.service.ts';
export type { DeclaredItem, DeclarationResult, RateView, MonthTotalsView } from './refunds.service.ts';
export type { EntryView } from './views.ts';
export type { EntryStatus, Regime } from './rules.ts';
export { refundsRoutes, type RefundsRoutesOptions } from './refunds.routes.ts';

/** Creates the service; on a first start (empty rate table) it loads the shipped refund rates. */
export async function createRefunds(db: Kysely<Database>, audit: AuditLog, now: () => number = Date.now): Promise<RefundsService> {
  const service = new RefundsService(new RefundsRepository(db, db.getExecutor().adapter instanceof PostgresAdapter), audit, now);
  await service.ensureDefaultRates();
  return service;
}
