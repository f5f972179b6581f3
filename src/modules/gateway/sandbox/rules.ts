/**
 * The sandbox customs' rules that span messages (spec §5.0, §5.2):
 * - a 9610 inventory is released only once an arrival list (CEB711) has named its parcel;
 * - a cancel (CEB623) needs an inventory customs holds, not already cancelled or returned;
 * - a return (CEB625) needs a released inventory, within 30 days of its release, with no line
 *   over its declared quantity, not already returned or cancelled.
 * The state lives in sandbox_inventories and sandbox_arrivals and changes in the transaction
 * that accepts the message, together with the receipts it causes.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../../db/index.ts';
import { str } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import type { RecordIds } from './receipts.ts';
import type { Scenario } from './scenarios.ts';

type Trx = Transaction<Database>;

/** Return window after release (海关总署公告2020年第45号). */
export const RETURN_DAYS = 30;
const DAY_MS = 86_400_000;
const REFUSED = '[Code:1300;Desc:审核不通过],';
/** Statuses of a 9610 inventory that wait for its parcel: inspection needs the goods, release needs them there. */
export const AFTER_ARRIVAL: ReadonlySet<string> = new Set(['500', '800']);
const CHUNK = 500;

/** What a cancel or return gets instead of its normal path: status 100 or a negative code, and why. */
export interface Refusal {
  status: string;
  info: string;
}

/** One record on its way through customs: enough to plan any of its receipts, now or later. */
export interface RecordPath {
  /** DXP id the receipts go to (the declaration's sender). */
  receiver: string;
  head: CebNode;
  /** Inventory lines (CEB621), for the tax bill. */
  list?: CebNode[];
  ids: RecordIds;
  /** The e-port's guid of the record, the same on all its receipts. */
  eportGuid: string;
  recordGuid: string;
  scenario: Scenario;
}

/** The rest of a waiting 9610 inventory's path, kept until its parcel arrives. */
export interface PendingRelease extends RecordPath {
  /** Statuses still owed, e.g. 800, 899 (or 500, 800, 899 under INSPECT). */
  rest: string[];
  /** Due time of the last receipt already planned: the rest comes after it. */
  after: number;
}

export interface WaitingInventory {
  invtNo: string;
  pending: PendingRelease;
}

/** A repeated child element as a list (the parser gives one node for a single occurrence). */
export function listOf(node: CebNode, name: string): CebNode[] {
  const v = node[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as CebNode[];
}

/**
 * Whether the parcel has arrived. The inventory also registers the parcel (arrived_at null):
 * this row is where an inventory and an arrival list for the same parcel meet. The upsert
 * locks it, so on PostgreSQL whichever transaction comes second waits and then sees the other.
 */
export async function parcelArrived(trx: Trx, logisticsNo: string): Promise<boolean> {
  const row = await trx
    .insertInto('sandbox_arrivals')
    .values({ logistics_no: logisticsNo, arrived_at: null })
    .onConflict((oc) => oc.column('logistics_no').doUpdateSet((eb) => ({ arrived_at: eb.ref('sandbox_arrivals.arrived_at') })))
    .returning('arrived_at')
    .executeTakeFirstOrThrow();
  return row.arrived_at !== null;
}

/** Customs takes an inventory in (status 120): waiting for its parcel (`pending`) or with its release at `releasedAt`. */
export async function holdInventory(
  trx: Trx,
  inv: { invtNo: string; copNo: string; logisticsNo: string; tradeMode: string; list: CebNode[]; releasedAt: number | null; pending: PendingRelease | null },
  now: number,
): Promise<void> {
  await trx
    .insertInto('sandbox_inventories')
    .values({
      invt_no: inv.invtNo,
      cop_no: inv.copNo,
      logistics_no: inv.logisticsNo,
      trade_mode: inv.tradeMode,
      lines: JSON.stringify(declaredLines(inv.list)),
      state: inv.pending ? 'waiting' : 'cleared',
      released_at: inv.pending ? null : inv.releasedAt,
      pending: inv.pending ? JSON.stringify(inv.pending) : null,
      created_at: now,
    })
    .execute();
}

/** Records that these parcels arrived; returns the inventories that were waiting for them, oldest first. */
export async function recordArrivals(trx: Trx, logisticsNos: string[], now: number): Promise<WaitingInventory[]> {
  // Sorted, so that two transactions lock shared parcels in the same order.
  const parcels = [...new Set(logisticsNos.filter(Boolean))].sort();
  const waiting: Array<{ invt_no: string; pending: string | null; created_at: number }> = [];
  for (let i = 0; i < parcels.length; i += CHUNK) {
    const chunk = parcels.slice(i, i + CHUNK);
    await trx
      .insertInto('sandbox_arrivals')
      .values(chunk.map((p) => ({ logistics_no: p, arrived_at: now })))
      .onConflict((oc) => oc.column('logistics_no').doUpdateSet((eb) => ({ arrived_at: eb.fn.coalesce('sandbox_arrivals.arrived_at', 'excluded.arrived_at') })))
      .execute();
    waiting.push(
      ...(await trx
        .selectFrom('sandbox_inventories')
        .select(['invt_no', 'pending', 'created_at'])
        .where('logistics_no', 'in', chunk)
        .where('state', '=', 'waiting')
        .execute()),
    );
  }
  waiting.sort((a, b) => a.created_at - b.created_at || (a.invt_no < b.invt_no ? -1 : 1));
  return waiting.filter((w) => w.pending).map((w) => ({ invtNo: w.invt_no, pending: JSON.parse(w.pending!) as PendingRelease }));
}

/** A waiting inventory's release is now scheduled at `releasedAt`; false if it no longer waits (cancelled meanwhile). */
export async function releaseWaiting(trx: Trx, invtNo: string, releasedAt: number | null): Promise<boolean> {
  const res = await trx
    .updateTable('sandbox_inventories')
    .set({ state: 'cleared', released_at: releasedAt, pending: null })
    .where('invt_no', '=', invtNo)
    .where('state', '=', 'waiting')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** CEB623: approves (null) and cancels the inventory, or says why not. */
export async function cancelInventory(trx: Trx, invtNo: string): Promise<Refusal | null> {
  const res = await trx
    .updateTable('sandbox_inventories')
    .set({ state: 'cancelled', pending: null })
    .where('invt_no', '=', invtNo)
    .where('state', 'in', ['waiting', 'cleared'])
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return null;
  const row = await trx.selectFrom('sandbox_inventories').select('state').where('invt_no', '=', invtNo).executeTakeFirst();
  if (!row) return { status: '100', info: `${REFUSED}清单[${invtNo}]不存在` };
  if (row.state === 'cancelled') return { status: '-623004', info: `撤销申请单报文处理失败，清单[${invtNo}]已撤单，不能重复撤单` };
  return { status: '-623010', info: `撤销申请单报文处理失败，清单[${invtNo}]已退货，清单状态不允许撤单` };
}

/** CEB625: approves (null) and marks the inventory returned, or says why not (status 100). */
export async function returnInventory(trx: Trx, invtNo: string, list: CebNode[], now: number): Promise<Refusal | null> {
  const refuse = (why: string): Refusal => ({ status: '100', info: `${REFUSED}${why}` });
  const row = await trx.selectFrom('sandbox_inventories').select(['state', 'released_at', 'lines']).where('invt_no', '=', invtNo).executeTakeFirst();
  if (!row) return refuse(`清单[${invtNo}]不存在`);
  if (row.state === 'cancelled') return refuse(`清单[${invtNo}]已撤单，不能退货`);
  if (row.state === 'returned') return refuse(`清单[${invtNo}]已退货，不能重复退货`);
  if (row.released_at === null || row.released_at > now) return refuse(`清单[${invtNo}]未放行，不能退货`);
  if (now - row.released_at > RETURN_DAYS * DAY_MS) return refuse(`清单[${invtNo}]超过退货期限（放行后${RETURN_DAYS}日）`);

  const declared = JSON.parse(row.lines) as Record<string, string>;
  const asked = new Map<string, bigint>();
  for (const l of list) {
    const gnum = str(l.gnum);
    const qty = scaled(str(l.qty));
    if (qty === null || qty <= 0n) return refuse(`第${gnum}项退货数量${str(l.qty)}无效`);
    asked.set(gnum, (asked.get(gnum) ?? 0n) + qty);
  }
  for (const [gnum, qty] of asked) {
    if (declared[gnum] === undefined) return refuse(`清单[${invtNo}]没有第${gnum}项商品`);
    if (qty > (scaled(declared[gnum]) ?? 0n)) return refuse(`第${gnum}项退货数量${plain(qty)}大于申报数量${declared[gnum]}`);
  }

  const res = await trx
    .updateTable('sandbox_inventories')
    .set({ state: 'returned' })
    .where('invt_no', '=', invtNo)
    .where('state', '=', 'cleared')
    .executeTakeFirst();
  // Cancelled by a concurrent transaction between the read and the update.
  return Number(res.numUpdatedRows) > 0 ? null : refuse(`清单[${invtNo}]已撤单，不能退货`);
}

/** gnum → declared qty, as sent (lines repeating a gnum are added up). */
function declaredLines(list: CebNode[]): Record<string, string> {
  const sum = new Map<string, bigint>();
  const out: Record<string, string> = {};
  for (const l of list) {
    const gnum = str(l.gnum);
    const qty = scaled(str(l.qty)) ?? 0n;
    out[gnum] = sum.has(gnum) ? plain(sum.get(gnum)! + qty) : str(l.qty);
    sum.set(gnum, (sum.get(gnum) ?? 0n) + qty);
  }
  return out;
}

const SCALE = 5; // N19,5

/** A decimal quantity in 1e-5 units, exactly; null if it is not a plain decimal. */
function scaled(q: string): bigint | null {
  const m = /^(\d+)(?:\.(\d{1,5}))?$/.exec(q.trim());
  if (!m) return null;
  return BigInt(m[1]) * 10n ** BigInt(SCALE) + BigInt((m[2] ?? '').padEnd(SCALE, '0'));
}

function plain(n: bigint): string {
  const unit = 10n ** BigInt(SCALE);
  const frac = (n % unit).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${n / unit}${frac ? `.${frac}` : ''}`;
}
