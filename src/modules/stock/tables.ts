/** The stock module's tables (Kysely row types): 1210 bonded stock per account book and item. */
import type { Generated } from 'kysely';

export interface StockItemsTable {
  id: Generated<number>;
  ems_no: string;
  item_record_no: string;
  /** The warehouse (area) enterprise keeping the goods, and the e-commerce enterprise owning them. */
  warehouse_id: number;
  owner_code: string;
  gcode: string | null;
  name: string | null;
  /** Quantities in micro-units (qty × 100000, as N19,5 allows five decimals). */
  on_hand: number;
  reserved: number;
  updated_at: number;
}

export interface StockMovesTable {
  id: Generated<number>;
  ems_no: string;
  item_record_no: string;
  kind: 'in' | 'reserve' | 'consume' | 'release' | 'adjust';
  qty: number;
  declaration_id: number | null;
  ref: string | null;
  created_at: number;
}

export interface StockHoldsTable {
  declaration_id: number;
  ems_no: string;
  item_record_no: string;
  qty: number;
  state: 'reserved' | 'consumed' | 'released';
  updated_at: number;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface StockTables {
  stock_items: StockItemsTable;
  stock_moves: StockMovesTable;
  stock_holds: StockHoldsTable;
}
