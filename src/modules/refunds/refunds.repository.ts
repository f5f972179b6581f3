/**
 * SQL of the refund ledger (refund_* tables). Methods take the executor they run on, so the
 * service works in its own transaction or, for declarations, in the summaries module's. Rows a
 * change depends on are read FOR UPDATE on PostgreSQL (SQLite transactions are serial already).
 */
import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { RefundEntriesTable, RefundSalesTable } from './tables.ts';
import type { RateRowLike } from './rules.ts';

type Db = Kysely<Database>;

export type EntryRow = Selectable<RefundEntriesTable>;
export type SaleRow = Selectable<RefundSalesTable>;
export type NewEntry = Omit<EntryRow, 'id' | 'invoiced_qty' | 'invoice_amount_fen' | 'invoice_tax_fen' | 'refundable_fen' | 'sold_qty' | 'claimable_fen' | 'claimed_fen'>;
export type EntryPatch = Updateable<RefundEntriesTable>;

export interface LedgerFilter {
  /** null: every enterprise. */
  enterpriseIds: number[] | null;
  month?: string;
  entryId?: string;
  status?: string;
  regime?: 'exempt' | 'refund';
}

export interface MonthTotals {
  month: string;
  regime: string;
  entries: number;
  fobRmbFen: number;
  fobRmbMissing: number;
  refundableFen: number;
  claimableFen: number;
  claimedFen: number;
}

const NUMERIC: Array<keyof EntryRow> = ['id', 'enterprise_id', 'gnum', 'gseqno', 'qty', 'fob_fen', 'fob_rmb_fen', 'rate_bp', 'invoiced_qty', 'invoice_amount_fen', 'invoice_tax_fen', 'refundable_fen', 'sold_qty', 'claimable_fen', 'claimed_fen', 'created_at', 'updated_at'];

/** bigint columns come back as numbers (pg type parser) or, from SQLite, already are; aggregates may be strings. */
function entry(r: EntryRow): EntryRow {
  const out = { ...r } as Record<string, unknown>;
  for (const k of NUMERIC) if (out[k] !== null) out[k] = Number(out[k]);
  return out as unknown as EntryRow;
}

const n = (v: unknown) => Number(v ?? 0);

export class RefundsRepository {
  constructor(
    readonly db: Db,
    private readonly postgres: boolean,
  ) {}

  // --- rates --------------------------------------------------------------------------------------

  async rates(ex: Db = this.db): Promise<Array<RateRowLike & { updatedAt: number }>> {
    const rows = await ex.selectFrom('refund_rates').selectAll().orderBy('hs_prefix').orderBy('valid_from').execute();
    return rows.map((r) => ({ hsPrefix: r.hs_prefix, validFrom: r.valid_from, rateBp: Number(r.rate_bp), updatedAt: Number(r.updated_at) }));
  }

  async rateCount(ex: Db = this.db): Promise<number> {
    const r = await ex.selectFrom('refund_rates').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return n(r.n);
  }

  /** The rows of these prefixes, for pickRate. */
  async ratesOf(ex: Db, prefixes: string[]): Promise<RateRowLike[]> {
    if (!prefixes.length) return [];
    const rows = await ex.selectFrom('refund_rates').selectAll().where('hs_prefix', 'in', [...new Set(prefixes)]).execute();
    return rows.map((r) => ({ hsPrefix: r.hs_prefix, validFrom: r.valid_from, rateBp: Number(r.rate_bp) }));
  }

  /** Writes `rows` (call inside a transaction); `replace`: the table becomes exactly them. A row already there is kept (a concurrent seed). */
  async writeRates(ex: Db, rows: RateRowLike[], now: number, replace: boolean): Promise<void> {
    if (replace) await ex.deleteFrom('refund_rates').execute();
    for (let i = 0; i < rows.length; i += 500) {
      await ex
        .insertInto('refund_rates')
        .values(rows.slice(i, i + 500).map((r) => ({ hs_prefix: r.hsPrefix, valid_from: r.validFrom, rate_bp: r.rateBp, updated_at: now })))
        .onConflict((oc) => oc.columns(['hs_prefix', 'valid_from']).doNothing())
        .execute();
    }
  }

  // --- entries ------------------------------------------------------------------------------------

  /** Inserts new lines; a line already there only gains its entryId, when it had none. */
  async upsertEntries(ex: Db, rows: NewEntry[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 50) {
      await ex
        .insertInto('refund_entries')
        .values(rows.slice(i, i + 50))
        .onConflict((oc) =>
          oc.columns(['decl_seq_no', 'invt_no', 'gnum']).doUpdateSet({ entry_id: sql<string | null>`coalesce(refund_entries.entry_id, excluded.entry_id)` }),
        )
        .execute();
    }
  }

  /** An enterprise's entries of a declaration (by entryId or declSeqNo) and item (gseqno, or invtNo + gnum), locked. */
  async entriesOfItem(ex: Db, enterpriseId: number, ref: { declaration: string; gseqno?: number; invtNo?: string; gnum?: number }): Promise<EntryRow[]> {
    let q = ex
      .selectFrom('refund_entries')
      .selectAll()
      .where('enterprise_id', '=', enterpriseId)
      .where((eb) => eb.or([eb('entry_id', '=', ref.declaration), eb('decl_seq_no', '=', ref.declaration)]));
    q = ref.gseqno !== undefined ? q.where('gseqno', '=', ref.gseqno) : q.where('invt_no', '=', ref.invtNo!).where('gnum', '=', ref.gnum!);
    if (this.postgres) q = q.forUpdate();
    return (await q.orderBy('invt_no').orderBy('gnum').orderBy('id').execute()).map(entry);
  }

  /** An enterprise's 9810-or-other entries of an inventory line (by gnum or itemNo), locked. */
  async entriesOfInventory(ex: Db, enterpriseId: number, invtNo: string, line: { gnum?: number; itemNo?: string }): Promise<EntryRow[]> {
    let q = ex.selectFrom('refund_entries').selectAll().where('enterprise_id', '=', enterpriseId).where('invt_no', '=', invtNo);
    q = line.gnum !== undefined ? q.where('gnum', '=', line.gnum) : q.where('item_no', '=', line.itemNo!);
    if (this.postgres) q = q.forUpdate();
    return (await q.orderBy('id').execute()).map(entry);
  }

  async entriesById(ex: Db, ids: number[], lock: boolean): Promise<EntryRow[]> {
    if (!ids.length) return [];
    let q = ex.selectFrom('refund_entries').selectAll().where('id', 'in', ids);
    if (lock && this.postgres) q = q.forUpdate();
    return (await q.orderBy('id').execute()).map(entry);
  }

  async updateEntry(ex: Db, id: number, patch: EntryPatch): Promise<void> {
    await ex.updateTable('refund_entries').set(patch).where('id', '=', id).execute();
  }

  // --- invoices, sales, claims ---------------------------------------------------------------------

  async invoiceExists(ex: Db, enterpriseId: number, code: string, no: string): Promise<boolean> {
    const r = await ex.selectFrom('refund_invoices').select('id').where('enterprise_id', '=', enterpriseId).where('invoice_code', '=', code).where('invoice_no', '=', no).executeTakeFirst();
    return r !== undefined;
  }

  async insertInvoice(
    ex: Db,
    inv: { enterprise_id: number; invoice_code: string; invoice_no: string; invoice_date: string; seller_tax_id: string; seller_name: string; amount_fen: number; tax_fen: number; created_at: number },
    items: Array<{ line: number; ledger_id: number; qty: number; amount_fen: number; tax_fen: number }>,
  ): Promise<number> {
    const { id } = await ex.insertInto('refund_invoices').values(inv).returning('id').executeTakeFirstOrThrow();
    await ex.insertInto('refund_invoice_items').values(items.map((i) => ({ ...i, invoice_id: Number(id) }))).execute();
    return Number(id);
  }

  async sale(ex: Db, enterpriseId: number, orderNo: string, invtNo: string, gnum: number): Promise<SaleRow | undefined> {
    const r = await ex
      .selectFrom('refund_sales')
      .selectAll()
      .where('enterprise_id', '=', enterpriseId)
      .where('order_no', '=', orderNo)
      .where('invt_no', '=', invtNo)
      .where('gnum', '=', gnum)
      .executeTakeFirst();
    return r && { ...r, id: Number(r.id), ledger_id: Number(r.ledger_id), qty: Number(r.qty), claimable_fen: Number(r.claimable_fen), created_at: Number(r.created_at) };
  }

  async insertSale(ex: Db, row: Omit<SaleRow, 'id'>): Promise<number> {
    const { id } = await ex.insertInto('refund_sales').values(row).returning('id').executeTakeFirstOrThrow();
    return Number(id);
  }

  async insertClaim(ex: Db, claim: { enterprise_id: number; period: string; amount_fen: number; created_at: number }, items: Array<{ ledger_id: number; amount_fen: number }>): Promise<number> {
    const { id } = await ex.insertInto('refund_claims').values(claim).returning('id').executeTakeFirstOrThrow();
    await ex.insertInto('refund_claim_items').values(items.map((i) => ({ ...i, claim_id: Number(id) }))).execute();
    return Number(id);
  }

  // --- reading ------------------------------------------------------------------------------------

  async ledger(f: LedgerFilter, after: number, limit: number): Promise<EntryRow[]> {
    let q = this.db.selectFrom('refund_entries').selectAll().where('id', '>', after);
    if (f.enterpriseIds) q = q.where('enterprise_id', 'in', f.enterpriseIds);
    if (f.month) q = q.where('month', '=', f.month);
    if (f.entryId) q = q.where('entry_id', '=', f.entryId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.regime) q = q.where('regime', '=', f.regime);
    return (await q.orderBy('id').limit(limit).execute()).map(entry);
  }

  async totals(enterpriseIds: number[] | null, from: string, to: string): Promise<MonthTotals[]> {
    let q = this.db
      .selectFrom('refund_entries')
      .select((eb) => [
        'month',
        'regime',
        eb.fn.countAll().as('entries'),
        eb.fn.sum<string | number | null>('fob_rmb_fen').as('fob'),
        eb.fn.count<string | number>('id').filterWhere('fob_rmb_fen', 'is', null).as('missing'),
        eb.fn.sum<string | number | null>('refundable_fen').as('refundable'),
        eb.fn.sum<string | number | null>('claimable_fen').as('claimable'),
        eb.fn.sum<string | number | null>('claimed_fen').as('claimed'),
      ])
      .where('month', '>=', from)
      .where('month', '<=', to);
    if (enterpriseIds) q = q.where('enterprise_id', 'in', enterpriseIds);
    const rows = await q.groupBy(['month', 'regime']).execute();
    return rows.map((r) => ({
      month: r.month,
      regime: r.regime,
      entries: n(r.entries),
      fobRmbFen: n(r.fob),
      fobRmbMissing: n(r.missing),
      refundableFen: n(r.refundable),
      claimableFen: n(r.claimable),
      claimedFen: n(r.claimed),
    }));
  }
}
