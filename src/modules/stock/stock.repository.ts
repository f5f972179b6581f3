/**
 * The stock tables (stock_items, stock_moves, stock_holds). Every method takes the executor it
 * runs on, so the service can work inside its own transaction or inside the caller's.
 * Quantities are micro-units. Writes that guard an invariant are conditional UPDATEs whose
 * affected-row count is checked: safe under concurrency on SQLite and PostgreSQL alike.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { StockItemsTable, StockMovesTable } from './tables.ts';

type Db = Kysely<Database>;

export interface ItemKey {
  emsNo: string;
  itemRecordNo: string;
}

/** A row of stock_items. */
export type ItemRow = Selectable<StockItemsTable>;

export interface MoveRow {
  id: number;
  ems_no: string;
  item_record_no: string;
  kind: StockMovesTable['kind'];
  qty: number;
  declaration_id: number | null;
  ref: string | null;
  created_at: number;
}

export interface HoldRow {
  declaration_id: number;
  ems_no: string;
  item_record_no: string;
  qty: number;
  state: 'reserved' | 'consumed' | 'released';
}

export interface NewMove {
  emsNo: string;
  itemRecordNo: string;
  kind: StockMovesTable['kind'];
  qty: number;
  declarationId: number | null;
  ref: string | null;
}

export interface ItemFilter {
  warehouseId?: number;
  ownerCode?: string;
  emsNo?: string;
  itemRecordNo?: string;
}

const ITEM_COLUMNS = ['id', 'ems_no', 'item_record_no', 'warehouse_id', 'owner_code', 'gcode', 'name', 'on_hand', 'reserved', 'updated_at'] as const;

/** Rows per multi-row INSERT: well below SQLite's bound-parameter limit. */
const CHUNK = 100;

const num = (v: number | bigint | string) => Number(v);
const toItem = (r: ItemRow): ItemRow => ({ ...r, id: num(r.id), warehouse_id: num(r.warehouse_id), on_hand: num(r.on_hand), reserved: num(r.reserved), updated_at: num(r.updated_at) });

export class StockRepository {
  constructor(readonly db: Db) {}

  // --- stock in ---------------------------------------------------------------------------------

  /**
   * Adds qty to an item kept by this warehouse for this owner, creating it when new. Returns
   * false (and changes nothing) when the item exists with another owner or another warehouse.
   */
  async addOnHand(
    ex: Db,
    warehouseId: number,
    row: { emsNo: string; itemRecordNo: string; ownerCode: string; qty: number; gcode: string | null; name: string | null },
    now: number,
  ): Promise<boolean> {
    const r = await ex
      .insertInto('stock_items')
      .values({
        ems_no: row.emsNo,
        item_record_no: row.itemRecordNo,
        warehouse_id: warehouseId,
        owner_code: row.ownerCode,
        gcode: row.gcode,
        name: row.name,
        on_hand: row.qty,
        reserved: 0,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['ems_no', 'item_record_no'])
          .doUpdateSet((eb) => ({
            on_hand: eb('stock_items.on_hand', '+', eb.ref('excluded.on_hand')),
            gcode: eb.fn.coalesce('excluded.gcode', 'stock_items.gcode'),
            name: eb.fn.coalesce('excluded.name', 'stock_items.name'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where((eb) => eb.and([eb('stock_items.owner_code', '=', eb.ref('excluded.owner_code')), eb('stock_items.warehouse_id', '=', eb.ref('excluded.warehouse_id'))])),
      )
      .returning('id')
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Whether some item of this account book is kept by another warehouse. */
  async bookKeptElsewhere(ex: Db, emsNo: string, warehouseId: number): Promise<boolean> {
    const r = await ex.selectFrom('stock_items').select('id').where('ems_no', '=', emsNo).where('warehouse_id', '<>', warehouseId).limit(1).executeTakeFirst();
    return r !== undefined;
  }

  // --- reservations -----------------------------------------------------------------------------

  async hasHolds(ex: Db, declarationId: number): Promise<boolean> {
    const r = await ex.selectFrom('stock_holds').select('declaration_id').where('declaration_id', '=', declarationId).limit(1).executeTakeFirst();
    return r !== undefined;
  }

  /** Inserts the holds that do not exist yet; returns the keys it inserted. */
  async claimHolds(ex: Db, declarationId: number, lines: Array<ItemKey & { qty: number }>, now: number): Promise<ItemKey[]> {
    const rows = await ex
      .insertInto('stock_holds')
      .values(lines.map((l) => ({ declaration_id: declarationId, ems_no: l.emsNo, item_record_no: l.itemRecordNo, qty: l.qty, state: 'reserved' as const, updated_at: now })))
      .onConflict((oc) => oc.columns(['declaration_id', 'ems_no', 'item_record_no']).doNothing())
      .returning(['ems_no', 'item_record_no'])
      .execute();
    return rows.map((r) => ({ emsNo: r.ems_no, itemRecordNo: r.item_record_no }));
  }

  async deleteHolds(ex: Db, declarationId: number, keys: ItemKey[]): Promise<void> {
    for (const k of keys) {
      await ex.deleteFrom('stock_holds').where('declaration_id', '=', declarationId).where('ems_no', '=', k.emsNo).where('item_record_no', '=', k.itemRecordNo).execute();
    }
  }

  /** reserved += qty if at least qty is available; false when short (or the item is unknown). */
  async tryReserve(ex: Db, key: ItemKey, qty: number, now: number): Promise<boolean> {
    const r = await ex
      .updateTable('stock_items')
      .set((eb) => ({ reserved: eb('reserved', '+', qty), updated_at: now }))
      .where('ems_no', '=', key.emsNo)
      .where('item_record_no', '=', key.itemRecordNo)
      .where((eb) => eb(eb('on_hand', '-', eb.ref('reserved')), '>=', qty))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** on_hand − reserved of an item, 0 when unknown. */
  async available(ex: Db, key: ItemKey): Promise<number> {
    const r = await ex.selectFrom('stock_items').select(['on_hand', 'reserved']).where('ems_no', '=', key.emsNo).where('item_record_no', '=', key.itemRecordNo).executeTakeFirst();
    return r ? num(r.on_hand) - num(r.reserved) : 0;
  }

  async holds(ex: Db, declarationId: number): Promise<HoldRow[]> {
    const rows = await ex
      .selectFrom('stock_holds')
      .select(['declaration_id', 'ems_no', 'item_record_no', 'qty', 'state'])
      .where('declaration_id', '=', declarationId)
      .orderBy('ems_no')
      .orderBy('item_record_no')
      .execute();
    return rows.map((r) => ({ ...r, declaration_id: num(r.declaration_id), qty: num(r.qty) }));
  }

  /** Moves a hold from one state to another; false when it was not in `from` (someone else moved it). */
  async moveHold(ex: Db, h: HoldRow, from: HoldRow['state'], to: HoldRow['state'], now: number): Promise<boolean> {
    const r = await ex
      .updateTable('stock_holds')
      .set({ state: to, updated_at: now })
      .where('declaration_id', '=', h.declaration_id)
      .where('ems_no', '=', h.ems_no)
      .where('item_record_no', '=', h.item_record_no)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Adds the deltas to an item (the check constraint refuses a negative availability). */
  async adjust(ex: Db, key: ItemKey, delta: { onHand: number; reserved: number }, now: number): Promise<void> {
    const r = await ex
      .updateTable('stock_items')
      .set((eb) => ({ on_hand: eb('on_hand', '+', delta.onHand), reserved: eb('reserved', '+', delta.reserved), updated_at: now }))
      .where('ems_no', '=', key.emsNo)
      .where('item_record_no', '=', key.itemRecordNo)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error(`stock item ${key.emsNo}/${key.itemRecordNo} is missing`);
  }

  // --- ledger -----------------------------------------------------------------------------------

  async addMoves(ex: Db, moves: NewMove[], now: number): Promise<void> {
    for (let i = 0; i < moves.length; i += CHUNK) {
      await ex
        .insertInto('stock_moves')
        .values(moves.slice(i, i + CHUNK).map((m) => ({ ems_no: m.emsNo, item_record_no: m.itemRecordNo, kind: m.kind, qty: m.qty, declaration_id: m.declarationId, ref: m.ref, created_at: now })))
        .execute();
    }
  }

  async moves(ex: Db, key: ItemKey, limit: number): Promise<MoveRow[]> {
    const rows = await ex
      .selectFrom('stock_moves')
      .select(['id', 'ems_no', 'item_record_no', 'kind', 'qty', 'declaration_id', 'ref', 'created_at'])
      .where('ems_no', '=', key.emsNo)
      .where('item_record_no', '=', key.itemRecordNo)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, id: num(r.id), qty: num(r.qty), declaration_id: r.declaration_id === null ? null : num(r.declaration_id), created_at: num(r.created_at) }));
  }

  // --- reading ----------------------------------------------------------------------------------

  async items(ex: Db, f: ItemFilter): Promise<ItemRow[]> {
    let q = ex.selectFrom('stock_items').select(ITEM_COLUMNS);
    if (f.warehouseId !== undefined) q = q.where('warehouse_id', '=', f.warehouseId);
    if (f.ownerCode !== undefined) q = q.where('owner_code', '=', f.ownerCode);
    if (f.emsNo !== undefined) q = q.where('ems_no', '=', f.emsNo);
    if (f.itemRecordNo !== undefined) q = q.where('item_record_no', '=', f.itemRecordNo);
    const rows = await q.orderBy('ems_no').orderBy('item_record_no').execute();
    return rows.map(toItem);
  }

  async item(ex: Db, key: ItemKey): Promise<ItemRow | null> {
    const r = await ex.selectFrom('stock_items').select(ITEM_COLUMNS).where('ems_no', '=', key.emsNo).where('item_record_no', '=', key.itemRecordNo).executeTakeFirst();
    return r ? toItem(r) : null;
  }
}
