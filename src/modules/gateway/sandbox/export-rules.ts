/**
 * The export rules that span messages (spec §6):
 * - an export inventory (CEB603) is released (800) once an arrival (CEB507) has listed its
 *   parcel, and closed (899) once a departure (CEB509) has; either may come first;
 * - a cancel (CEB605) needs an inventory that has not departed and is in no summary;
 * - a summary (CEB701) takes released B inventories of its ebc, each once;
 * - a 9710/9810 consignment over 5,000 RMB is refused: it needs a 报关单 (§6.2).
 * The state lives in sandbox_export_inventories and sandbox_export_parcels and changes in the
 * transaction that accepts the message, together with the receipts it causes.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../../db/index.ts';
import { str } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import { fenToYuan, toRmbFen } from '../../tax/index.ts';
import type { PendingRelease, Refusal } from './rules.ts';
import type { InventoryFacts } from './summary.ts';

type Trx = Transaction<Database>;
type State = 'arriving' | 'departing' | 'closed' | 'cancelled';

/** B2B direct export and export to overseas warehouses (9710/9810) may use an inventory up to this value (spec §6.2). */
export const B2B_INVENTORY_LIMIT_FEN = 500_000;
const REFUSED = '[Code:1300;Desc:审核不通过],';
const CHUNK = 500;

export interface ExportInventory {
  invtNo: string;
  copNo: string;
  customsCode: string;
  ebcCode: string;
  logisticsNo: string;
  tradeMode: string;
  statisticsFlag: string;
  facts: InventoryFacts;
}

/** An inventory whose parcel just arrived or departed, with what it still owes. */
export interface Due {
  invtNo: string;
  pending: PendingRelease;
  /** The parcel has departed as well (an arrival after the departure). */
  departed: boolean;
}

/**
 * A 9710/9810 inventory over 5,000 RMB (lines' totalPrice at customs' monthly rates) goes by
 * 报关单; null when the inventory may stay. Other trade modes have no such limit here.
 */
export function consignmentRefusal(head: CebNode, lines: CebNode[]): string | null {
  const mode = str(head.tradeMode);
  if (mode !== '9710' && mode !== '9810') return null;
  let fen = 0;
  for (const l of lines) {
    const currency = str(l.currency);
    const rmb = toRmbFen(str(l.totalPrice), currency);
    if (rmb === null) return `[Code:1300;Desc:币制[${currency}]无海关月度汇率，无法折算货值],第${str(l.gnum)}项`;
    fen += rmb;
  }
  if (fen <= B2B_INVENTORY_LIMIT_FEN) return null;
  return `[Code:1300;Desc:单票货值超过5000元人民币，应以报关单方式申报],监管方式${mode}，货值人民币${fenToYuan(fen)}元`;
}

/**
 * Whether the parcel has arrived and departed. The inventory registers the parcel too: this row
 * is where an inventory, its arrival and its departure meet. The upsert locks it, so on
 * PostgreSQL whichever transaction comes second waits and then sees the other.
 */
export async function touchParcel(trx: Trx, logisticsNo: string): Promise<{ arrived: boolean; departed: boolean }> {
  const row = await trx
    .insertInto('sandbox_export_parcels')
    .values({ logistics_no: logisticsNo, arrived_at: null, departed_at: null })
    .onConflict((oc) => oc.column('logistics_no').doUpdateSet((eb) => ({ arrived_at: eb.ref('sandbox_export_parcels.arrived_at') })))
    .returning(['arrived_at', 'departed_at'])
    .executeTakeFirstOrThrow();
  return { arrived: row.arrived_at !== null, departed: row.departed_at !== null };
}

/** Customs took the inventory in (120); `state` says which of its gates it still waits at. */
export async function holdExportInventory(
  trx: Trx,
  inv: ExportInventory & { state: State; releasedAt: number | null; closedAt: number | null; pending: PendingRelease | null },
  now: number,
): Promise<void> {
  await trx
    .insertInto('sandbox_export_inventories')
    .values({
      invt_no: inv.invtNo,
      cop_no: inv.copNo,
      customs_code: inv.customsCode,
      ebc_code: inv.ebcCode,
      logistics_no: inv.logisticsNo,
      trade_mode: inv.tradeMode,
      statistics_flag: inv.statisticsFlag,
      facts: JSON.stringify(inv.facts),
      state: inv.state,
      released_at: inv.releasedAt,
      closed_at: inv.closedAt,
      sum_no: null,
      pending: inv.pending ? JSON.stringify(inv.pending) : null,
      created_at: now,
    })
    .execute();
}

/**
 * Records that these parcels arrived (CEB507) or departed (CEB509); returns the inventories
 * that were waiting for it (arriving, or departing), oldest first.
 */
export async function recordParcels(trx: Trx, logisticsNos: string[], event: 'arrived' | 'departed', now: number): Promise<Due[]> {
  // Sorted, so that two transactions lock shared parcels in the same order.
  const parcels = [...new Set(logisticsNos.filter(Boolean))].sort();
  const column = event === 'arrived' ? 'arrived_at' : 'departed_at';
  const waiting: Array<{ invt_no: string; pending: string | null; created_at: number; departed_at: number | null }> = [];
  for (let i = 0; i < parcels.length; i += CHUNK) {
    const chunk = parcels.slice(i, i + CHUNK);
    await trx
      .insertInto('sandbox_export_parcels')
      .values(chunk.map((p) => ({ logistics_no: p, arrived_at: event === 'arrived' ? now : null, departed_at: event === 'departed' ? now : null })))
      .onConflict((oc) => oc.column('logistics_no').doUpdateSet((eb) => ({ [column]: eb.fn.coalesce(`sandbox_export_parcels.${column}`, `excluded.${column}`) })))
      .execute();
    waiting.push(
      ...(await trx
        .selectFrom('sandbox_export_inventories as i')
        .innerJoin('sandbox_export_parcels as p', 'p.logistics_no', 'i.logistics_no')
        .select(['i.invt_no', 'i.pending', 'i.created_at', 'p.departed_at'])
        .where('i.logistics_no', 'in', chunk)
        .where('i.state', '=', event === 'arrived' ? 'arriving' : 'departing')
        .execute()),
    );
  }
  waiting.sort((a, b) => a.created_at - b.created_at || (a.invt_no < b.invt_no ? -1 : 1));
  return waiting.filter((w) => w.pending).map((w) => ({ invtNo: w.invt_no, pending: JSON.parse(w.pending!) as PendingRelease, departed: w.departed_at !== null }));
}

/** Moves an inventory on from `from`; false if it is no longer there (cancelled meanwhile). */
export async function advance(
  trx: Trx,
  invtNo: string,
  from: State,
  to: { state: State; releasedAt?: number | null; closedAt?: number | null; pending: PendingRelease | null },
): Promise<boolean> {
  const res = await trx
    .updateTable('sandbox_export_inventories')
    .set({
      state: to.state,
      pending: to.pending ? JSON.stringify(to.pending) : null,
      ...(to.releasedAt !== undefined ? { released_at: to.releasedAt } : {}),
      ...(to.closedAt !== undefined ? { closed_at: to.closedAt } : {}),
    })
    .where('invt_no', '=', invtNo)
    .where('state', '=', from)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** CEB605: approves (null) and cancels the inventory, or says why not. */
export async function cancelExportInventory(trx: Trx, invtNo: string): Promise<Refusal | null> {
  const res = await trx
    .updateTable('sandbox_export_inventories')
    .set({ state: 'cancelled', pending: null })
    .where('invt_no', '=', invtNo)
    .where('state', 'in', ['arriving', 'departing'])
    .where('sum_no', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return null;
  const row = await trx.selectFrom('sandbox_export_inventories').select(['state', 'sum_no']).where('invt_no', '=', invtNo).executeTakeFirst();
  if (!row) return { status: '100', info: `${REFUSED}清单[${invtNo}]不存在` };
  if (row.state === 'cancelled') return { status: '-605004', info: `撤销申请单报文处理失败，清单[${invtNo}]已撤单，不能重复撤单` };
  if (row.state === 'closed') return { status: '100', info: `${REFUSED}清单[${invtNo}]已离境，不能撤单` };
  return { status: '100', info: `${REFUSED}清单[${invtNo}]已汇总申报（汇总申请编号${row.sum_no}），不能撤单` };
}

export interface HeldInventory extends ExportInventory {
  state: State;
  releasedAt: number | null;
  sumNo: string | null;
}

/** The inventories customs holds under these invtNos. */
export async function findExportInventories(trx: Trx, invtNos: string[]): Promise<Map<string, HeldInventory>> {
  const out = new Map<string, HeldInventory>();
  const all = [...new Set(invtNos)];
  for (let i = 0; i < all.length; i += CHUNK) {
    const rows = await trx.selectFrom('sandbox_export_inventories').selectAll().where('invt_no', 'in', all.slice(i, i + CHUNK)).execute();
    for (const r of rows) out.set(r.invt_no, held(r));
  }
  return out;
}

/** The released B inventories of an ebc not yet summarized, released within [from, to] (CEB701 by time). */
export async function releasedInWindow(trx: Trx, q: { ebcCode: string; customsCode: string; from: number; to: number }): Promise<HeldInventory[]> {
  const rows = await trx
    .selectFrom('sandbox_export_inventories')
    .selectAll()
    .where('ebc_code', '=', q.ebcCode)
    .where('customs_code', '=', q.customsCode)
    .where('statistics_flag', '=', 'B')
    .where('state', 'in', ['departing', 'closed'])
    .where('sum_no', 'is', null)
    .where('released_at', '>=', q.from)
    .where('released_at', '<=', q.to)
    .orderBy('released_at')
    .orderBy('invt_no')
    .execute();
  return rows.map(held);
}

/** Marks the inventories as taken by the summary `sumNo`; false (and nothing marked) if one was taken meanwhile. */
export async function markSummarized(trx: Trx, invtNos: string[], sumNo: string): Promise<boolean> {
  let marked = 0;
  for (let i = 0; i < invtNos.length; i += CHUNK) {
    const res = await trx
      .updateTable('sandbox_export_inventories')
      .set({ sum_no: sumNo })
      .where('invt_no', 'in', invtNos.slice(i, i + CHUNK))
      .where('sum_no', 'is', null)
      .where('state', 'in', ['departing', 'closed'])
      .executeTakeFirst();
    marked += Number(res.numUpdatedRows);
  }
  if (marked === invtNos.length) return true;
  await trx.updateTable('sandbox_export_inventories').set({ sum_no: null }).where('sum_no', '=', sumNo).execute();
  return false;
}

function held(r: Database['sandbox_export_inventories']): HeldInventory {
  return {
    invtNo: r.invt_no,
    copNo: r.cop_no,
    customsCode: r.customs_code,
    ebcCode: r.ebc_code,
    logisticsNo: r.logistics_no,
    tradeMode: r.trade_mode,
    statisticsFlag: r.statistics_flag,
    facts: JSON.parse(r.facts) as InventoryFacts,
    state: r.state,
    releasedAt: r.released_at === null ? null : Number(r.released_at),
    sumNo: r.sum_no,
  };
}
