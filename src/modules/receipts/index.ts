/** Receipts relay: correlation, storage, pull feed and webhooks. */
import type { AuditLog } from '../audit/index.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService } from '../declarations/index.ts';
import type { Cpu } from '../../platform/cpu-pool.ts';
import { ReceiptsRepository } from './receipts.repository.ts';
import { ReceiptsService } from './receipts.service.ts';
import { WebhooksService } from './webhooks.service.ts';

export type { ReceiptsTables } from './tables.ts';
export { ReceiptsService, receiptView } from './receipts.service.ts';
export type { ReceivedReceipt } from './receipts.service.ts';
export { readReceipt, ReceiptInputError } from './read.ts';
export type { ReadReceipt } from './read.ts';
export { WebhooksService, signPayload, verifySignature, SIGNATURE_HEADER, DELIVERY_HEADER } from './webhooks.service.ts';
export { receiptsRoutes } from './receipts.routes.ts';

export function createReceipts(db: Kysely<Database>, declarations: DeclarationsService, cpu: Cpu, audit?: AuditLog) {
  const webhooks = new WebhooksService(db, audit);
  const receipts = new ReceiptsService(db, new ReceiptsRepository(db), declarations, webhooks, cpu);
  return { receipts, webhooks };
}
