/**
 * Conflicts found at ingest, against what is stored and within the batch: a duplicate order or
 * waybill, a second inventory for an order, a payment for an unknown order, a cancel or return
 * of an inventory that cannot be cancelled or returned. Each refusal carries the customs code
 * and a sentence (HTTP 409), and the message stores nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService, DocumentRow, NewMessage } from '../declarations/index.ts';
import { AppError } from '../../platform/errors.ts';
import { CODES } from './codes.ts';
import { units } from './rules.ts';

export interface ConflictSettings {
  /** A payment must follow its order (on by default; the spec does not confirm customs enforces it). */
  paymentNeedsOrder: boolean;
  /** How long a logisticsNo stays taken, ms (six months). */
  waybillReuseMs: number;
  /** Returns are accepted within this long after release, ms (30 days). */
  returnWindowMs: number;
  now: () => number;
}

const SIX_MONTHS = 183 * 24 * 3600 * 1000;
export const DEFAULT_CONFLICT_SETTINGS: ConflictSettings = { paymentNeedsOrder: true, waybillReuseMs: SIX_MONTHS, returnWindowMs: 30 * 24 * 3600 * 1000, now: Date.now };

export interface Rec {
  seq: number;
  head: Record<string, unknown>;
  node: Record<string, unknown>;
}

const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
export const live = (d: { status: string }) => d.status !== 'rejected';
const RECORD = {
  CEB311Message: 'Order', CEB411Message: 'Payment', CEB511Message: 'Logistics', CEB621Message: 'Inventory', CEB623Message: 'InvtCancel', CEB625Message: 'InvtRefund',
  CEB303Message: 'Order', CEB403Message: 'Receipts', CEB505Message: 'Logistics', CEB603Message: 'Inventory', CEB605Message: 'InvtCancel', CEB213Message: 'InvtRefund',
} as const;
const HEAD = {
  CEB311Message: 'OrderHead', CEB411Message: 'PaymentHead', CEB511Message: 'LogisticsHead', CEB621Message: 'InventoryHead', CEB623Message: null, CEB625Message: 'InvtRefundHead',
  CEB303Message: 'OrderHead', CEB403Message: null, CEB505Message: null, CEB603Message: 'InventoryHead', CEB605Message: null, CEB213Message: 'InvtRefundHead',
} as const;

/** Records with their parsed head (parsed once per message, only for the types checked here). */
const parsed = new WeakMap<NewMessage, Rec[]>();
export function recordsOf(m: NewMessage): Rec[] {
  const cached = parsed.get(m);
  if (cached) return cached;
  const head = HEAD[m.messageType as keyof typeof HEAD];
  const recs = m.records.map((r) => {
    const node = JSON.parse(r.fields) as Record<string, unknown>;
    return { seq: r.seq, node, head: (head ? node[head] : node) as Record<string, unknown> };
  });
  parsed.set(m, recs);
  return recs;
}

export function refuse(m: NewMessage, rec: Rec, field: string, code: string, info: string, expected: string, actual: string): AppError {
  const recName = RECORD[m.messageType as keyof typeof RECORD];
  const headName = HEAD[m.messageType as keyof typeof HEAD];
  const path = `${m.messageType}.${recName}[${rec.seq}]${headName ? `.${headName}` : ''}.${field}`;
  return new AppError('CONFLICT', `[${code}] ${info}`, [{ path, rule: code, expected, actual }], { returnStatus: code, returnInfo: info });
}

/**
 * One key per record, unique against those stored and those earlier in the batch: the first
 * record that repeats one refuses its message (`conflict`); a refused message takes no key.
 * `skip` exempts a record (a change, appType 2, reuses its own key).
 */
export function claimUnique(
  list: Array<{ m: NewMessage; recs: Rec[] }>,
  taken: Set<string>,
  keyOf: (m: NewMessage, rec: Rec) => string,
  conflict: (m: NewMessage, rec: Rec) => AppError,
  refused: Map<NewMessage, AppError>,
  skip: (rec: Rec) => boolean = () => false,
): void {
  for (const { m, recs } of list) {
    const mine: string[] = [];
    for (const rec of recs) {
      const key = keyOf(m, rec);
      if (!skip(rec) && (taken.has(key) || mine.includes(key))) {
        refused.set(m, conflict(m, rec));
        break;
      }
      mine.push(key);
    }
    if (!refused.has(m)) for (const k of mine) taken.add(k);
  }
}

/** When customs released each inventory (by declaration id). */
export type ReleaseTimes = (trx: Kysely<Database>, declarationIds: number[]) => Promise<Map<number, number>>;

export async function findConflicts(trx: Kysely<Database>, declarations: DeclarationsService, releaseTimes: ReleaseTimes, items: NewMessage[], settings: ConflictSettings): Promise<Map<NewMessage, AppError>> {
  const refused = new Map<NewMessage, AppError>();
  const byType = (t: string) => items.filter((m) => m.messageType === t).map((m) => ({ m, get recs() { return recordsOf(m); } }));
  const now = settings.now();

  // Orders: one live order per platform and order number; a change only before the inventory.
  const orders = byType('CEB311Message');
  if (orders.length) {
    const keys = orders.flatMap(({ m }) => m.records.map((r) => r.corrKey));
    const stored = (await declarations.refs(trx, 'CEB311Message', 'corr_key', keys)).filter(live);
    const invs = (await declarations.refs(trx, 'CEB621Message', 'ref_key', keys)).filter(live);
    const taken = new Set(stored.map((d) => d.corr_key));
    const declared = new Set(invs.map((d) => d.ref_key));
    for (const { m, recs } of orders) {
      const mine: string[] = [];
      for (const rec of recs) {
        const key = m.records[rec.seq].corrKey;
        const orderNo = s(rec.head.orderNo);
        if (s(rec.head.appType) === '2') {
          if (declared.has(key)) refused.set(m, refuse(m, rec, 'orderNo', CODES.orderAlreadyDeclared, `订单[${orderNo}]已申报清单，不能变更 (the order is already declared by an inventory and cannot change)`, 'an order whose inventory is not yet declared', orderNo));
        } else if (taken.has(key) || mine.includes(key)) {
          refused.set(m, refuse(m, rec, 'orderNo', CODES.orderExists, `订单号已存在[${orderNo}] (order number already declared by platform ${s(rec.head.ebpCode)})`, `an order number not yet declared by ${s(rec.head.ebpCode)}`, orderNo));
        }
        if (refused.has(m)) break;
        mine.push(key);
      }
      // A refused message takes no key: nothing of it is stored.
      if (!refused.has(m)) for (const k of mine) taken.add(k);
    }
  }

  // Waybills: a logisticsNo is unique per logistics company for six months.
  const waybills = byType('CEB511Message');
  if (waybills.length) {
    const stored = (await declarations.refs(trx, 'CEB511Message', 'corr_key', waybills.flatMap(({ m }) => m.records.map((r) => r.corrKey)))).filter((d) => live(d) && now - d.updated_at < settings.waybillReuseMs);
    claimUnique(waybills, new Set(stored.map((d) => d.corr_key)), (m, rec) => m.records[rec.seq].corrKey, (m, rec) => waybillExists(m, rec, CODES.waybillExists), refused, (rec) => s(rec.head.appType) === '2');
  }

  // Payments: for a known order.
  const payments = byType('CEB411Message');
  if (payments.length && settings.paymentNeedsOrder) {
    const refs = payments.flatMap(({ m }) => m.records.map((r) => r.refKey!));
    const known = new Set((await declarations.refs(trx, 'CEB311Message', 'corr_key', refs)).filter(live).map((d) => d.corr_key));
    for (const { m } of orders) if (!refused.has(m)) for (const r of m.records) known.add(r.corrKey);
    for (const { m, recs } of payments) {
      const rec = recs.find((r) => !known.has(m.records[r.seq].refKey!));
      if (rec) refused.set(m, refuse(m, rec, 'orderNo', CODES.paymentUnknownOrder, `支付单对应的订单不存在[${s(rec.head.orderNo)}] (no order ${s(rec.head.orderNo)} of platform ${s(rec.head.ebpCode)} has been declared)`, 'the orderNo of a declared order', s(rec.head.orderNo)));
    }
  }

  // Inventories: one live inventory per order.
  const invs = byType('CEB621Message');
  if (invs.length) {
    const stored = (await declarations.refs(trx, 'CEB621Message', 'ref_key', invs.flatMap(({ m }) => m.records.map((r) => r.refKey!)))).filter(live);
    claimUnique(invs, new Set(stored.map((d) => d.ref_key!)), (m, rec) => m.records[rec.seq].refKey!, (m, rec) => inventoryExists(m, rec, CODES.inventoryExists), refused);
  }

  // Cancels and returns: of an inventory customs has numbered; returns only when released, in time, within quantities.
  for (const type of ['CEB623Message', 'CEB625Message'] as const) {
    const list = byType(type);
    if (!list.length) continue;
    const stored = await declarations.documents(trx, 'CEB621Message', 'invt_no', list.flatMap(({ recs }) => recs.map((r) => s(r.head.invtNo))));
    const byInvt = new Map<string, DocumentRow>();
    for (const d of stored) if (!byInvt.has(d.invt_no!)) byInvt.set(d.invt_no!, d);
    // Only the enterprise that declared an inventory may cancel or return it; to anyone else it does not exist.
    const ownBy = (m: NewMessage, d: DocumentRow | undefined) => (d && d.enterprise_id === m.enterpriseId ? d : undefined);
    const released = type === 'CEB625Message' ? await releaseTimes(trx, [...byInvt.values()].map((d) => d.id)) : new Map<number, number>();
    for (const { m, recs } of list) {
      for (const rec of recs) {
        const inv = ownBy(m, byInvt.get(s(rec.head.invtNo)));
        const err = type === 'CEB623Message' ? checkCancel(m, rec, inv) : checkRefund(m, rec, inv, inv ? released.get(inv.id) ?? null : null, settings, now);
        if (err) {
          refused.set(m, err);
          break;
        }
      }
    }
  }
  return refused;
}

export const waybillExists = (m: NewMessage, rec: Rec, code: string) =>
  refuse(m, rec, 'logisticsNo', code, `运单号已存在[${s(rec.head.logisticsNo)}]，六个月内不能重复使用 (waybill number used by ${s(rec.head.logisticsCode)} within six months)`, 'a waybill number not used in the last six months', s(rec.head.logisticsNo));

export const inventoryExists = (m: NewMessage, rec: Rec, code: string) =>
  refuse(m, rec, 'orderNo', code, `该订单已申报清单[${s(rec.head.orderNo)}] (an inventory for this order is already declared)`, 'an order without a live inventory', s(rec.head.orderNo));

function checkCancel(m: NewMessage, rec: Rec, inv: DocumentRow | undefined): AppError | null {
  const invtNo = s(rec.head.invtNo);
  if (!inv) return refuse(m, rec, 'invtNo', CODES.cancelUnknown, `清单[${invtNo}]不存在 (no inventory with this invtNo was declared through this platform)`, 'the invtNo of a declared inventory', invtNo);
  if (['rejected', 'returned'].includes(inv.status)) return refuse(m, rec, 'invtNo', CODES.cancelNotAllowed, `清单[${invtNo}]状态为${inv.status}，不能撤单 (an inventory in state ${inv.status} cannot be cancelled)`, 'an inventory accepted by customs', inv.status);
  return null;
}

function checkRefund(m: NewMessage, rec: Rec, inv: DocumentRow | undefined, releasedAt: number | null, settings: ConflictSettings, now: number): AppError | null {
  const invtNo = s(rec.head.invtNo);
  if (!inv) return refuse(m, rec, 'invtNo', CODES.refundUnknown, `清单[${invtNo}]不存在 (no inventory with this invtNo was declared through this platform)`, 'the invtNo of a declared inventory', invtNo);
  if (inv.status !== 'released' && inv.status !== 'closed') {
    return refuse(m, rec, 'invtNo', CODES.refundNotReleased, `清单[${invtNo}]未放行，不能退货 (only a released inventory can be returned; it is ${inv.status})`, 'a released inventory', inv.status);
  }
  if (releasedAt !== null && now - releasedAt > settings.returnWindowMs) {
    const days = Math.round(settings.returnWindowMs / 86_400_000);
    return refuse(m, rec, 'invtNo', CODES.refundTooLate, `清单[${invtNo}]已超过退货期限（放行后${days}日）(returns are accepted within ${days} days of release)`, `a return within ${days} days of release`, new Date(releasedAt).toISOString());
  }
  const declared = new Map<string, string>();
  const lines = (JSON.parse(inv.fields) as { InventoryList?: unknown }).InventoryList;
  for (const l of (Array.isArray(lines) ? lines : [lines]) as Array<Record<string, string>>) if (l) declared.set(s(l.gnum), s(l.qty));
  const refundLines = rec.node.InvtRefundList;
  for (const l of (Array.isArray(refundLines) ? refundLines : [refundLines]) as Array<Record<string, string>>) {
    if (!l) continue;
    const g = s(l.gnum);
    const d = declared.get(g);
    if (d === undefined || units(s(l.qty)) > units(d)) {
      return refuse(m, rec, `InvtRefundList[gnum=${g}].qty`, CODES.refundQuantity, d === undefined ? `第${g}项在清单中不存在 (line ${g} is not in the inventory)` : `第${g}项退货数量${s(l.qty)}大于申报数量${d} (line ${g}: returning ${s(l.qty)}, declared ${d})`, d === undefined ? 'a line of the inventory' : `at most ${d}`, s(l.qty));
    }
  }
  return null;
}
