/**
 * 1210 bonded stock per account book (emsNo) and item (itemRecordNo).
 *
 * Stock enters through this platform (API or CSV from the in-zone warehouse: movements into the
 * zone are the special-zone system's business, not CEB's). A 1210 inventory (CEB621) reserves
 * its lines inside the transaction that stores it; release (800) consumes them; a rejection or
 * cancel releases the reservation, and a release after consumption (approved return) puts the
 * goods back. Every change writes a ledger row in stock_moves:
 *
 *   in       on_hand  += qty                 (ref: the warehouse's reference)
 *   reserve  reserved += qty                 (declaration_id)
 *   consume  on_hand  -= qty, reserved -= qty
 *   release  reserved -= qty                 (ref 'unreserve': before consumption)
 *   release  on_hand  += qty                 (ref 'return': after consumption)
 */
import type { AuditLog } from '../audit/index.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { Issue } from '../../ceb/index.ts';
import { AppError } from '../../platform/errors.ts';
import type { EnterprisesService } from '../enterprises/index.ts';
import { fromMicro, QuantityError, toMicro } from './quantity.ts';
import type { HoldRow, ItemKey, ItemRow, MoveRow, NewMove, StockRepository } from './stock.repository.ts';

export interface StockInRow {
  emsNo: string;
  itemRecordNo: string;
  /** The e-commerce enterprise (ebcCode) owning the goods. */
  ownerCode: string;
  /** Decimal string, at most 5 decimals, > 0. */
  qty: string;
  /** 10-digit HS code. */
  gcode?: string | null;
  name?: string | null;
  /** The warehouse's own reference (e.g. the 核注清单 number), kept on the ledger row. */
  ref?: string | null;
}

export interface StockLine {
  emsNo: string;
  itemRecordNo: string;
  qty: string;
}

export interface Shortage {
  emsNo: string;
  itemRecordNo: string;
  requested: string;
  available: string;
}

export type ReserveResult = { ok: true } | { ok: false; shortages: Shortage[] };

export interface StockQuery {
  warehouseId?: number;
  ownerCode?: string;
  emsNo?: string;
  itemRecordNo?: string;
}

export interface StockItemView {
  emsNo: string;
  itemRecordNo: string;
  ownerCode: string;
  warehouseId: number;
  gcode: string | null;
  name: string | null;
  onHand: string;
  reserved: string;
  available: string;
  updatedAt: string;
}

export interface StockMoveView {
  id: number;
  kind: MoveRow['kind'];
  qty: string;
  declarationId: number | null;
  ref: string | null;
  at: string;
}

export interface StockInResult {
  /** Ledger rows written (one per input row). */
  moves: number;
  /** The items touched, after the change. */
  items: StockItemView[];
}

export interface StockInOptions {
  /** Names a field of row i in issues; default `items[i].field`. The CSV route names file lines. */
  where?: (index: number, field: string) => string;
  /** Who books it in, for the audit log (`enterprise:<code>`). */
  actor?: string;
}

/** The owner check needs only this of the enterprises module. */
export type OwnerDirectory = Pick<EnterprisesService, 'byCode'>;

const MAX_ISSUES = 200;
const TEXT: Record<'emsNo' | 'itemRecordNo' | 'ownerCode', number> = { emsNo: 30, itemRecordNo: 30, ownerCode: 18 };

export function itemView(r: ItemRow): StockItemView {
  return {
    emsNo: r.ems_no,
    itemRecordNo: r.item_record_no,
    ownerCode: r.owner_code,
    warehouseId: r.warehouse_id,
    gcode: r.gcode,
    name: r.name,
    onHand: fromMicro(r.on_hand),
    reserved: fromMicro(r.reserved),
    available: fromMicro(r.on_hand - r.reserved),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

const moveView = (m: MoveRow): StockMoveView => ({ id: m.id, kind: m.kind, qty: fromMicro(m.qty), declarationId: m.declaration_id, ref: m.ref, at: new Date(m.created_at).toISOString() });

const keyOf = (k: ItemKey) => `${k.emsNo}\u0000${k.itemRecordNo}`;
const byKey = (a: ItemKey, b: ItemKey) => (a.emsNo < b.emsNo ? -1 : a.emsNo > b.emsNo ? 1 : a.itemRecordNo < b.itemRecordNo ? -1 : a.itemRecordNo > b.itemRecordNo ? 1 : 0);
const show = (v: unknown) => (v === undefined ? '(missing)' : typeof v === 'string' ? v : JSON.stringify(v));

/** A positive quantity in micro-units, or an issue. */
function positiveQty(raw: unknown, path: string): number | Issue {
  const expected = 'a decimal quantity > 0 with at most 5 decimals (N19,5)';
  try {
    const n = toMicro(raw as string);
    return n > 0 ? n : { path, rule: 'positive', expected, actual: show(raw) };
  } catch (err) {
    if (err instanceof QuantityError) return { path, rule: 'decimal', expected, actual: show(raw) };
    throw err;
  }
}

/** A code (exact, no surrounding spaces) or, with `free`, a free text (trimmed). */
function text(raw: unknown, path: string, max: number, required: boolean, issues: Issue[], free = false): string | null {
  const value = free && typeof raw === 'string' ? raw.trim() : raw;
  if (value === undefined || value === null || value === '') {
    if (required) issues.push({ path, rule: 'required', expected: `a text of 1 to ${max} characters`, actual: show(raw) });
    return null;
  }
  if (typeof value !== 'string' || value.length > max || value.trim() !== value) {
    issues.push({ path, rule: 'text', expected: `a text of 1 to ${max} characters${free ? '' : ' without spaces around it'}`, actual: show(raw) });
    return null;
  }
  return value;
}

function refuse(what: string, issues: Issue[]): never {
  const shown = issues.slice(0, MAX_ISSUES);
  const more = issues.length > shown.length ? ` (the first ${MAX_ISSUES} are listed)` : '';
  throw new AppError('INVALID_REQUEST', `${what}: ${issues.length} fault${issues.length === 1 ? '' : 's'}${more}; nothing was changed.`, shown);
}

export class StockService {
  constructor(
    private readonly repo: StockRepository,
    private readonly owners?: OwnerDirectory,
    private readonly audit?: AuditLog,
  ) {}

  /**
   * Books goods into the warehouse `warehouseId`: one transaction, one ledger row per input row,
   * items created as needed. All rows or none: any fault refuses the whole batch with an issue
   * per bad field (an unknown owner, an item owned by another owner or kept by another warehouse).
   */
  async stockIn(warehouseId: number, rows: StockInRow[], opts: StockInOptions = {}): Promise<StockInResult> {
    const where = opts.where ?? ((i: number, field: string) => `items[${i}].${field}`);
    const issues: Issue[] = [];
    if (!Array.isArray(rows) || rows.length === 0) refuse('No stock rows', [{ path: 'items', rule: 'required', expected: 'at least one row', actual: '0 rows' }]);

    const clean = rows.map((r, i) => {
      const row = (r ?? {}) as Partial<Record<keyof StockInRow, unknown>>;
      const emsNo = text(row.emsNo, where(i, 'emsNo'), TEXT.emsNo, true, issues);
      const itemRecordNo = text(row.itemRecordNo, where(i, 'itemRecordNo'), TEXT.itemRecordNo, true, issues);
      const ownerCode = text(row.ownerCode, where(i, 'ownerCode'), TEXT.ownerCode, true, issues);
      const q = positiveQty(row.qty, where(i, 'qty'));
      if (typeof q !== 'number') issues.push(q);
      let gcode = text(row.gcode, where(i, 'gcode'), 10, false, issues);
      if (gcode !== null && !/^\d{10}$/.test(gcode)) {
        issues.push({ path: where(i, 'gcode'), rule: 'pattern', expected: 'a 10-digit HS code', actual: gcode });
        gcode = null;
      }
      const name = text(row.name, where(i, 'name'), 250, false, issues, true);
      const ref = text(row.ref, where(i, 'ref'), 64, false, issues, true);
      return { index: i, emsNo: emsNo ?? '', itemRecordNo: itemRecordNo ?? '', ownerCode: ownerCode ?? '', qty: typeof q === 'number' ? q : 0, gcode, name, ref };
    });

    if (this.owners && issues.length === 0) {
      const known = new Map<string, boolean>();
      for (const r of clean) {
        if (!known.has(r.ownerCode)) {
          const e = await this.owners.byCode(r.ownerCode);
          known.set(r.ownerCode, !!e && e.roles.includes('ebc'));
        }
        if (!known.get(r.ownerCode)) {
          issues.push({ path: where(r.index, 'ownerCode'), rule: 'enterprise', expected: 'the code of a registered e-commerce enterprise (ebc)', actual: r.ownerCode });
        }
      }
    }
    if (issues.length) refuse('The stock rows are not valid', issues);

    return this.repo.db.transaction().execute(async (trx) => {
      const now = Date.now();
      // A stable lock order (item key, then input order) so concurrent batches cannot deadlock.
      const ordered = [...clean].sort((a, b) => byKey(a, b) || a.index - b.index);
      const books = new Map<string, boolean>();
      for (const r of ordered) {
        if (!books.has(r.emsNo)) books.set(r.emsNo, await this.repo.bookKeptElsewhere(trx, r.emsNo, warehouseId));
        if (books.get(r.emsNo)) {
          issues.push({ path: where(r.index, 'emsNo'), rule: 'warehouse', expected: 'an account book kept by this warehouse', actual: `${r.emsNo} is kept by another warehouse` });
          continue;
        }
        if (await this.repo.addOnHand(trx, warehouseId, r, now)) continue;
        const existing = await this.repo.item(trx, r);
        if (existing && existing.warehouse_id !== warehouseId) {
          issues.push({ path: where(r.index, 'itemRecordNo'), rule: 'warehouse', expected: 'an item kept by this warehouse', actual: `${r.emsNo}/${r.itemRecordNo} is kept by another warehouse` });
        } else {
          issues.push({ path: where(r.index, 'ownerCode'), rule: 'owner', expected: existing ? existing.owner_code : 'the owner of the item', actual: r.ownerCode });
        }
      }
      // Throwing rolls the whole batch back.
      if (issues.length) refuse('The stock rows conflict with the stock on record', issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true })));

      await this.repo.addMoves(trx, clean.map((r) => ({ emsNo: r.emsNo, itemRecordNo: r.itemRecordNo, kind: 'in', qty: r.qty, declarationId: null, ref: r.ref })), now);
      const touched = new Map<string, ItemKey>();
      for (const r of ordered) touched.set(keyOf(r), r);
      const items: StockItemView[] = [];
      for (const k of touched.values()) {
        const row = await this.repo.item(trx, k);
        if (row) items.push(itemView(row));
      }
      // Bonded stock backs warehouse-receipt finance: every stock-in is on the audit record.
      await this.audit?.append(trx, [{
        actor: opts.actor ?? 'system',
        action: 'stock.in',
        subject: `warehouse:${warehouseId}`,
        enterpriseId: warehouseId,
        detail: { moves: clean.length, lines: clean.map((r) => ({ emsNo: r.emsNo, itemRecordNo: r.itemRecordNo, ownerCode: r.ownerCode, qty: r.qty, ref: r.ref })) },
      }]);
      return { moves: clean.length, items };
    });
  }

  /**
   * Reserves every line for the declaration inside the caller's transaction `trx`, or none:
   * when a line is short, the lines already reserved by this call are undone and the shortages
   * are returned (an unknown item is short with available 0). Lines of the same item add up.
   * Idempotent: a declaration that already holds stock gets { ok: true } and nothing changes.
   * Each line is a conditional UPDATE (reserved + qty only while on_hand − reserved ≥ qty) whose
   * row count is checked, so concurrent reservations can never oversell.
   */
  async reserve(trx: Kysely<Database>, declarationId: number, lines: StockLine[]): Promise<ReserveResult> {
    const wanted = this.aggregate(lines);
    if (wanted.length === 0) return { ok: true };
    if (await this.repo.hasHolds(trx, declarationId)) return { ok: true };

    const now = Date.now();
    // Claiming the holds first serialises two reservations of one declaration (on PostgreSQL the
    // second insert waits for the first transaction, then finds the rows).
    const claimed = await this.repo.claimHolds(trx, declarationId, wanted, now);
    if (claimed.length < wanted.length) {
      await this.repo.deleteHolds(trx, declarationId, claimed);
      return { ok: true };
    }

    const applied: typeof wanted = [];
    const shortages: Shortage[] = [];
    for (const w of wanted) {
      if (shortages.length === 0 && (await this.repo.tryReserve(trx, w, w.qty, now))) {
        applied.push(w);
        continue;
      }
      // Once one line is short nothing more is reserved; the rest are only checked, to report all.
      const available = await this.repo.available(trx, w);
      if (shortages.length === 0 || available < w.qty) {
        shortages.push({ emsNo: w.emsNo, itemRecordNo: w.itemRecordNo, requested: fromMicro(w.qty), available: fromMicro(Math.max(0, available)) });
      }
    }
    if (shortages.length) {
      for (const a of applied) await this.repo.adjust(trx, a, { onHand: 0, reserved: -a.qty }, now);
      await this.repo.deleteHolds(trx, declarationId, claimed);
      return { ok: false, shortages };
    }
    await this.repo.addMoves(trx, wanted.map((w) => ({ emsNo: w.emsNo, itemRecordNo: w.itemRecordNo, kind: 'reserve', qty: w.qty, declarationId, ref: null })), now);
    return { ok: true };
  }

  /** Release (800): the reserved goods leave the zone — on_hand −= qty, reserved −= qty. Idempotent; returns the lines moved. */
  async consume(trx: Kysely<Database>, declarationId: number): Promise<number> {
    const now = Date.now();
    const moves: NewMove[] = [];
    for (const h of await this.repo.holds(trx, declarationId)) {
      if (h.state !== 'reserved' || !(await this.repo.moveHold(trx, h, 'reserved', 'consumed', now))) continue;
      await this.repo.adjust(trx, key(h), { onHand: -h.qty, reserved: -h.qty }, now);
      moves.push(move(h, 'consume', null));
    }
    await this.repo.addMoves(trx, moves, now);
    return moves.length;
  }

  /**
   * Rejection or cancel before release: the reservation is dropped (reserved −= qty). After
   * consumption (an approved return): the goods come back (on_hand += qty). Idempotent;
   * returns the lines moved.
   */
  async release(trx: Kysely<Database>, declarationId: number): Promise<number> {
    const now = Date.now();
    const moves: NewMove[] = [];
    for (const h of await this.repo.holds(trx, declarationId)) {
      if (h.state === 'released') continue;
      // Try both transitions in order: a concurrent consume may have moved the hold meanwhile.
      if (await this.repo.moveHold(trx, h, 'reserved', 'released', now)) {
        await this.repo.adjust(trx, key(h), { onHand: 0, reserved: -h.qty }, now);
        moves.push(move(h, 'release', 'unreserve'));
      } else if (await this.repo.moveHold(trx, h, 'consumed', 'released', now)) {
        await this.repo.adjust(trx, key(h), { onHand: h.qty, reserved: 0 }, now);
        moves.push(move(h, 'release', 'return'));
      }
    }
    await this.repo.addMoves(trx, moves, now);
    return moves.length;
  }

  /** Items matching every given filter, ordered by account book and item. */
  async query(q: StockQuery = {}): Promise<StockItemView[]> {
    return (await this.repo.items(this.repo.db, q)).map(itemView);
  }

  async item(emsNo: string, itemRecordNo: string): Promise<StockItemView | null> {
    const r = await this.repo.item(this.repo.db, { emsNo, itemRecordNo });
    return r ? itemView(r) : null;
  }

  /** The ledger of an item, newest first. */
  async moves(emsNo: string, itemRecordNo: string, limit = 100): Promise<StockMoveView[]> {
    return (await this.repo.moves(this.repo.db, { emsNo, itemRecordNo }, limit)).map(moveView);
  }

  /** The reservation lines of a declaration (for views and reconciliation). */
  async holds(declarationId: number): Promise<Array<{ emsNo: string; itemRecordNo: string; qty: string; state: HoldRow['state'] }>> {
    return (await this.repo.holds(this.repo.db, declarationId)).map((h) => ({ emsNo: h.ems_no, itemRecordNo: h.item_record_no, qty: fromMicro(h.qty), state: h.state }));
  }

  /** Validates the lines, adds up lines of the same item, sorts by item (a stable lock order). */
  private aggregate(lines: StockLine[]): Array<ItemKey & { qty: number }> {
    const issues: Issue[] = [];
    const sums = new Map<string, ItemKey & { qty: number }>();
    (Array.isArray(lines) ? lines : []).forEach((l, i) => {
      const emsNo = text(l?.emsNo, `lines[${i}].emsNo`, TEXT.emsNo, true, issues);
      const itemRecordNo = text(l?.itemRecordNo, `lines[${i}].itemRecordNo`, TEXT.itemRecordNo, true, issues);
      const q = positiveQty(l?.qty, `lines[${i}].qty`);
      if (typeof q !== 'number') issues.push(q);
      if (emsNo === null || itemRecordNo === null || typeof q !== 'number') return;
      const k = keyOf({ emsNo, itemRecordNo });
      const prev = sums.get(k);
      if (prev) prev.qty += q;
      else sums.set(k, { emsNo, itemRecordNo, qty: q });
    });
    if (issues.length) refuse('The stock lines are not valid', issues);
    const out = [...sums.values()];
    if (out.some((l) => !Number.isSafeInteger(l.qty))) refuse('The stock lines are not valid', [{ path: 'lines', rule: 'range', expected: 'a total quantity per item below 2^53 micro-units', actual: 'too large' }]);
    return out.sort(byKey);
  }
}

const key = (h: HoldRow): ItemKey => ({ emsNo: h.ems_no, itemRecordNo: h.item_record_no });
const move = (h: HoldRow, kind: NewMove['kind'], ref: string | null): NewMove => ({ emsNo: h.ems_no, itemRecordNo: h.item_record_no, kind, qty: h.qty, declarationId: h.declaration_id, ref });
