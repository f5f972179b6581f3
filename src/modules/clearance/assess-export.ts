/**
 * One export inventory (CEB603) against its order, collection and waybill, without side
 * effects: still waiting, refused with every reason, or cleared to go to customs. Exports carry
 * no retail tax, quota or positive list; customs judges the rest (licences, value limits).
 */
import type { CebNode } from '../../ceb/index.ts';
import type { DocumentRow } from '../declarations/index.ts';
import type { Wait } from './clearance.repository.ts';
import type { Assessment, Found } from './assess.ts';
import { documentsState, findingIssues } from './assess.ts';
import { CODES } from './codes.ts';
import { EXPORT_MODES, exportMode, matchExport } from './export-rules.ts';
import type { RuleId } from './rules.ts';

const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const listOf = (n: CebNode, name: string) => {
  const v = n[name];
  return (Array.isArray(v) ? v : v ? [v] : []) as CebNode[];
};
const NAMES = { CEB303: '订单 (order)', CEB403: '收款单 (collection)', CEB505: '运单 (waybill)' } as const;

/** The collection key of a waiting export inventory: empty when its trade mode needs none. */
export function collectionKey(head: CebNode, orderKey: string): string {
  const mode = exportMode(s(head.tradeMode));
  return mode && !EXPORT_MODES[mode].collection ? '' : orderKey;
}

export function assessExport(rec: DocumentRow, w: Wait, found: Found, now: number, settings: { rulesOff: ReadonlySet<RuleId> }): Assessment {
  const inventory = JSON.parse(rec.fields) as CebNode;
  const head = inventory.InventoryHead as CebNode;
  const docs = [
    ['CEB303', found.orders.get(w.order_key), `订单号 ${s(head.orderNo)}`],
    ...(w.payment_key ? ([['CEB403', found.payments.get(w.payment_key), `订单号 ${s(head.orderNo)}`]] as const) : []),
    ['CEB505', found.waybills.get(w.waybill_key), `运单号 ${s(head.logisticsNo)}`],
  ] as const;

  const state = documentsState(rec.id, w, docs, NAMES, now, { rejected: CODES.exportDocumentRejected, missing: CODES.exportDocumentsMissing });
  if (state) return state;
  const parse = (d: DocumentRow | undefined) => (d ? (JSON.parse(d.fields) as CebNode) : null);
  const findings = matchExport(
    { inventory, order: parse(found.orders.get(w.order_key))!, collection: w.payment_key ? parse(found.payments.get(w.payment_key)) : null, waybill: parse(found.waybills.get(w.waybill_key))! },
    settings.rulesOff,
  );
  if (findings.length) return { kind: 'refused', declarationId: rec.id, code: CODES.exportMismatch, reasons: findings.map((f) => `出口单证比对不一致 ${f.message}`), issues: findingIssues(findings) };
  // 1210 特殊区域出口: the goods leave the special zone's account book, line by line.
  const stockLines: Array<{ emsNo: string; itemRecordNo: string; qty: string }> = [];
  if (s(head.tradeMode) === '1210') {
    const lines = listOf(inventory, 'InventoryList');
    const missing = lines.filter((l) => !s(l.itemRecordNo));
    if (missing.length) {
      return { kind: 'refused', declarationId: rec.id, code: CODES.exportStockShort, reasons: missing.map((l) => `1210出口清单第${s(l.gnum)}项缺少账册备案料号itemRecordNo (line ${s(l.gnum)} of a 1210 export needs itemRecordNo)`) };
    }
    for (const l of lines) stockLines.push({ emsNo: s(head.emsNo), itemRecordNo: s(l.itemRecordNo), qty: s(l.qty) });
  }
  return { kind: 'cleared', declarationId: rec.id, stockLines };
}
