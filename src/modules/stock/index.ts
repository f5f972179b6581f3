/** 1210 bonded stock per account book (emsNo) and item (itemRecordNo) — tables stock_items, stock_moves, stock_holds. */
import type { AuditLog } from '../audit/index.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { StockRepository } from './stock.repository.ts';
import { StockService, type OwnerDirectory } from './stock.service.ts';

export type { StockTables } from './tables.ts';
export { StockService, itemView } from './stock.service.ts';
export type { OwnerDirectory, ReserveResult, Shortage, StockInOptions, StockInResult, StockInRow, StockItemView, StockLine, StockMoveView, StockQuery } from './stock.service.ts';
export { toMicro, fromMicro, QuantityError, MICRO } from './quantity.ts';
export { parseStockCsv, CSV_COLUMNS } from './stock.csv.ts';
export { stockRoutes, type StockRoutesOptions } from './stock.routes.ts';

/**
 * The stock service. With `enterprises`, stock in refuses an owner that is not a registered
 * e-commerce enterprise (role ebc).
 */
export function createStock(db: Kysely<Database>, enterprises?: OwnerDirectory, audit?: AuditLog): StockService {
  return new StockService(new StockRepository(db), enterprises, audit);
}
