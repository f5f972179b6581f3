/**
 * Export conflicts found at ingest, like the import ones (conflicts.ts): a duplicate order or
 * waybill, a second inventory for an order, a collection for an unknown order, a cancel or
 * return of an inventory that cannot be cancelled or returned. HTTP 409 with a code and a
 * sentence; the message stores nothing. Customs publishes no codes for these export checks:
 * the platform's follow the import ones' pattern (docs/export.md).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService, DocumentRow, NewMessage } from '../declarations/index.ts';
import type { AppError } from '../../platform/errors.ts';
import { CODES } from './codes.ts';
import { claimUnique, inventoryExists, live, recordsOf, refuse, waybillExists, type ConflictSettings, type Rec } from './conflicts.ts';

const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

export async function findExportConflicts(trx: Kysely<Database>, declarations: DeclarationsService, items: NewMessage[], settings: ConflictSettings, refused: Map<NewMessage, AppError>): Promise<void> {
  const byType = (t: string) => items.filter((m) => m.messageType === t && !refused.has(m)).map((m) => ({ m, recs: recordsOf(m) }));
  const now = settings.now();

  // Orders (and bookings): one live order per platform, enterprise and order number; a change only before the inventory.
  const orders = byType('CEB303Message');
  if (orders.length) {
    const keys = orders.flatMap(({ m }) => m.records.map((r) => r.corrKey));
    const stored = (await declarations.refs(trx, 'CEB303Message', 'corr_key', keys)).filter(live);
    const declared = new Set((await declarations.refs(trx, 'CEB603Message', 'ref_key', keys)).filter(live).map((d) => d.ref_key));
    for (const { m, recs } of orders) {
      const change = recs.find((rec) => s(rec.head.appType) === '2' && declared.has(m.records[rec.seq].corrKey));
      if (change) refused.set(m, refuse(m, change, 'orderNo', CODES.exportOrderDeclared, `订单[${s(change.head.orderNo)}]已申报清单，不能变更 (the order is already declared by an export inventory and cannot change)`, 'an order whose inventory is not yet declared', s(change.head.orderNo)));
    }
    claimUnique(
      orders.filter(({ m }) => !refused.has(m)),
      new Set(stored.map((d) => d.corr_key)),
      (m, rec) => m.records[rec.seq].corrKey,
      (m, rec) => refuse(m, rec, 'orderNo', CODES.exportOrderExists, `订单号已存在[${s(rec.head.orderNo)}] (order number already declared for ${s(rec.head.ebcCode)} on ${s(rec.head.ebpCode)})`, 'an order number not yet declared', s(rec.head.orderNo)),
      refused,
      (rec) => s(rec.head.appType) === '2',
    );
  }

  // Waybills: unique per logistics company for six months.
  const waybills = byType('CEB505Message');
  if (waybills.length) {
    const stored = (await declarations.refs(trx, 'CEB505Message', 'corr_key', waybills.flatMap(({ m }) => m.records.map((r) => r.corrKey)))).filter((d) => live(d) && now - d.updated_at < settings.waybillReuseMs);
    claimUnique(waybills, new Set(stored.map((d) => d.corr_key)), (m, rec) => m.records[rec.seq].corrKey, (m, rec) => waybillExists(m, rec, CODES.exportWaybillExists), refused, (rec) => s(rec.head.appType) === '2');
  }

  // Collections: for a known order (the setting that makes payments follow orders).
  const collections = byType('CEB403Message');
  if (collections.length && settings.paymentNeedsOrder) {
    const known = new Set((await declarations.refs(trx, 'CEB303Message', 'corr_key', collections.flatMap(({ m }) => m.records.map((r) => r.refKey!)))).filter(live).map((d) => d.corr_key));
    for (const { m } of orders) if (!refused.has(m)) for (const r of m.records) known.add(r.corrKey);
    for (const { m, recs } of collections) {
      const rec = recs.find((r) => !known.has(m.records[r.seq].refKey!));
      if (rec) refused.set(m, refuse(m, rec, 'orderNo', CODES.collectionUnknownOrder, `收款单对应的订单不存在[${s(rec.head.orderNo)}] (no export order ${s(rec.head.orderNo)} of ${s(rec.head.ebcCode)} has been declared)`, 'the orderNo of a declared export order', s(rec.head.orderNo)));
    }
  }
  // One live collection per order and payment number (payNo): receipts and matching find it by them.
  const fresh = collections.filter(({ m }) => !refused.has(m));
  if (fresh.length) {
    const stored = (await declarations.refs(trx, 'CEB403Message', 'corr_key', fresh.flatMap(({ m }) => m.records.map((r) => r.corrKey)))).filter(live);
    claimUnique(
      fresh,
      new Set(stored.map((d) => d.corr_key)),
      (m, rec) => m.records[rec.seq].corrKey,
      (m, rec) => refuse(m, rec, 'orderNo', CODES.collectionExists, `订单[${s(rec.head.orderNo)}]的收款单已存在[${s(rec.head.payNo)}] (a collection with this payNo is already declared for the order)`, 'one collection per order and payNo', s(rec.head.orderNo)),
      refused,
      (rec) => s(rec.head.appType) === '2',
    );
  }

  // Inventories: one live inventory per order.
  const invs = byType('CEB603Message');
  if (invs.length) {
    const stored = (await declarations.refs(trx, 'CEB603Message', 'ref_key', invs.flatMap(({ m }) => m.records.map((r) => r.refKey!)))).filter(live);
    claimUnique(invs, new Set(stored.map((d) => d.ref_key!)), (m, rec) => m.records[rec.seq].refKey!, (m, rec) => inventoryExists(m, rec, CODES.exportInventoryExists), refused);
  }

  // Cancels (until the parcel departed) and returns (of a released parcel): of an inventory the sender declared.
  for (const type of ['CEB605Message', 'CEB213Message'] as const) {
    const list = byType(type);
    if (!list.length) continue;
    const stored = await declarations.documents(trx, 'CEB603Message', 'invt_no', list.flatMap(({ recs }) => recs.map((r) => s(r.head.invtNo))));
    const byInvt = new Map<string, DocumentRow>();
    for (const d of stored) if (!byInvt.has(d.invt_no!)) byInvt.set(d.invt_no!, d);
    for (const { m, recs } of list) {
      for (const rec of recs) {
        const d = byInvt.get(s(rec.head.invtNo));
        const err = (type === 'CEB605Message' ? checkCancel : checkReturn)(m, rec, d && d.enterprise_id === m.enterpriseId ? d : undefined);
        if (err) {
          refused.set(m, err);
          break;
        }
      }
    }
  }
}

const unknown = (m: NewMessage, rec: Rec, code: string) =>
  refuse(m, rec, 'invtNo', code, `清单[${s(rec.head.invtNo)}]不存在 (no export inventory with this invtNo was declared by you through this platform)`, 'the invtNo of an export inventory you declared', s(rec.head.invtNo));

function checkCancel(m: NewMessage, rec: Rec, inv: DocumentRow | undefined): AppError | null {
  if (!inv) return unknown(m, rec, CODES.exportCancelUnknown);
  if (inv.status === 'rejected' || inv.status === 'closed') {
    const why = inv.status === 'closed' ? '已离境结关' : '已被海关退单';
    return refuse(m, rec, 'invtNo', CODES.exportCancelNotAllowed, `清单[${s(rec.head.invtNo)}]${why}，不能撤单 (an export inventory ${inv.status} cannot be cancelled)`, 'an inventory customs accepted and the parcel not departed', inv.status);
  }
  return null;
}

function checkReturn(m: NewMessage, rec: Rec, inv: DocumentRow | undefined): AppError | null {
  if (!inv) return unknown(m, rec, CODES.exportReturnUnknown);
  if (inv.status !== 'released' && inv.status !== 'closed') {
    return refuse(m, rec, 'invtNo', CODES.exportReturnNotReleased, `清单[${s(rec.head.invtNo)}]未放行，不能退货 (only a released export inventory can come back; it is ${inv.status})`, 'a released export inventory', inv.status);
  }
  return null;
}
