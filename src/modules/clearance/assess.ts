/**
 * One inventory against its documents and the zone's rules, without side effects: still
 * waiting, refused (with every reason), or matched (with its tax and what to reserve).
 */
import type { CebNode, Issue } from '../../ceb/index.ts';
import type { DocumentRow } from '../declarations/index.ts';
import { computeRetailImportTax, fenToYuan, yuanToFen, type TaxRate } from '../tax/index.ts';
import { CODES } from './codes.ts';
import type { Wait } from './clearance.repository.ts';
import { match, units, type Finding, type RuleId } from './rules.ts';

export type TaxResult = ReturnType<typeof computeRetailImportTax>;

export type Assessment =
  | { kind: 'waiting' }
  /** `issues`: the findings field by field, where the rule names them (三单比对, positive list). */
  | { kind: 'refused'; declarationId: number; code: string; reasons: string[]; issues?: Issue[] }
  /** An export inventory that matched its documents: no tax or quota; a 1210 one takes goods off the zone's account book. */
  | { kind: 'cleared'; declarationId: number; stockLines: Array<{ emsNo: string; itemRecordNo: string; qty: string }> }
  | {
      kind: 'matched';
      declarationId: number;
      tax: TaxResult;
      warnings: string[];
      buyerIdNumber: string;
      singleItemOverLimit: boolean;
      stockLines: Array<{ emsNo: string; itemRecordNo: string; qty: string }>;
    };

export interface Found {
  orders: Map<string, DocumentRow>;
  payments: Map<string, DocumentRow>;
  waybills: Map<string, DocumentRow>;
}

const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const listOf = (n: CebNode, name: string) => {
  const v = n[name];
  return (Array.isArray(v) ? v : v ? [v] : []) as CebNode[];
};
const NAMES = { CEB311: '订单 (order)', CEB411: '支付单 (payment)', CEB511: '运单 (waybill)' } as const;
const SINGLE_ITEM_LIMIT_FEN = 500_000;
/** A document customs has taken in: 120, or concluded (399) after it. */
export const TAKEN_IN: ReadonlySet<string> = new Set(['customs-accepted', 'concluded']);

export function assess(
  rec: DocumentRow,
  w: Wait,
  found: Found,
  now: number,
  settings: { rulesOff: ReadonlySet<RuleId> },
  ports: { rateOf(gcode: string): TaxRate; onPositiveList(gcode: string): boolean },
): Assessment {
  const inventory = JSON.parse(rec.fields) as CebNode;
  const head = inventory.InventoryHead as CebNode;
  const docs = [
    ['CEB311', found.orders.get(w.order_key), `订单号 ${s(head.orderNo)}`],
    ['CEB411', found.payments.get(w.payment_key), `订单号 ${s(head.orderNo)}`],
    ['CEB511', found.waybills.get(w.waybill_key), `运单号 ${s(head.logisticsNo)}`],
  ] as const;

  const state = documentsState(rec.id, w, docs, NAMES, now, { rejected: CODES.documentRejected, missing: CODES.documentsMissing });
  if (state) return state;

  const [order, payment, waybill] = docs.map(([, d]) => JSON.parse(d!.fields) as CebNode);
  const findings = match({ inventory, order, payment, waybill }, settings.rulesOff);
  if (findings.length) return { kind: 'refused', declarationId: rec.id, code: CODES.mismatch, reasons: findings.map((f) => `三单比对不一致 ${f.message}`), issues: findingIssues(findings) };

  const lines = listOf(inventory, 'InventoryList');
  const offList = lines.filter((l) => !ports.onPositiveList(s(l.gcode)));
  if (offList.length) {
    return {
      kind: 'refused',
      declarationId: rec.id,
      code: CODES.notOnPositiveList,
      reasons: offList.map((l) => `第${s(l.gnum)}项商品编码[${s(l.gcode)}]不在跨境电子商务零售进口商品清单内 (HS ${s(l.gcode)} of line ${s(l.gnum)} is not on the positive list)`),
      issues: offList.map((l) => ({ path: `CEB621 line ${s(l.gnum)} gcode`, rule: 'positive-list', expected: 'an HS code on the positive list', actual: s(l.gcode) })),
    };
  }

  const stockLines: Array<{ emsNo: string; itemRecordNo: string; qty: string }> = [];
  if (s(head.tradeMode) === '1210') {
    const missing = lines.filter((l) => !s(l.itemRecordNo));
    if (missing.length || !s(head.emsNo)) {
      return {
        kind: 'refused',
        declarationId: rec.id,
        code: CODES.stockShort,
        reasons: [!s(head.emsNo) ? '1210清单缺少账册编号emsNo (a 1210 inventory needs its account book emsNo)' : '', ...missing.map((l) => `1210清单第${s(l.gnum)}项缺少账册备案料号itemRecordNo (line ${s(l.gnum)} needs itemRecordNo)`)].filter(Boolean),
      };
    }
    for (const l of lines) stockLines.push({ emsNo: s(head.emsNo), itemRecordNo: s(l.itemRecordNo), qty: s(l.qty) });
  }

  const singleItemOverLimit = lines.length === 1 && units(s(lines[0].qty)) === 100000n && yuanToFen(s(lines[0].totalPrice)) > SINGLE_ITEM_LIMIT_FEN;
  const tax = computeRetailImportTax({
    lines: lines.map((l) => ({ gnum: Number(s(l.gnum)), gcode: s(l.gcode), totalPrice: s(l.totalPrice), qty: s(l.qty) })),
    freight: s(head.freight) || '0',
    insuredFee: s(head.insuredFee) || '0',
    rateOf: ports.rateOf,
    singleItemOverLimit,
  });
  const warnings: string[] = [];
  const withheld = yuanToFen(s((order.OrderHead as CebNode).taxTotal) || '0');
  if (withheld < tax.totals.totalFen) {
    warnings.push(`订单代扣税款 ${fenToYuan(withheld)} 元低于计算税款 ${fenToYuan(tax.totals.totalFen)} 元 (the order's taxTotal is below the computed tax)`);
  }
  return { kind: 'matched', declarationId: rec.id, tax, warnings, buyerIdNumber: s(head.buyerIdNumber), singleItemOverLimit, stockLines };
}

/** Findings of a comparison as issues: both documents and fields, the other document's value expected. */
export function findingIssues(findings: Finding[]): Issue[] {
  return findings.map((f) => ({ path: `${f.left} ↔ ${f.right}`, rule: f.rule, expected: f.rightValue, actual: f.leftValue }));
}

type Named = readonly [type: string, doc: DocumentRow | undefined, key: string];

/**
 * The documents an inventory waits for: one rejected by customs refuses it; one missing or not
 * yet taken in keeps it waiting until the deadline, then refuses it naming each. Null when all are in.
 */
export function documentsState(declarationId: number, w: Wait, docs: readonly Named[], names: Readonly<Record<string, string>>, now: number, codes: { rejected: string; missing: string }): Assessment | null {
  const rejected = docs.filter(([, d]) => d?.status === 'rejected');
  if (rejected.length) {
    return {
      kind: 'refused',
      declarationId,
      code: codes.rejected,
      reasons: rejected.map(([t, d, key]) => `${names[t]}[${key}]已被海关退单: ${d!.return_info ?? ''} (the ${t} was rejected by customs)`),
    };
  }
  const pending = docs.filter(([, d]) => !d || !TAKEN_IN.has(d.status));
  if (!pending.length) return null;
  if (now < w.deadline_at) return { kind: 'waiting' };
  return {
    kind: 'refused',
    declarationId,
    code: codes.missing,
    reasons: pending.map(([t, d, key]) =>
      d ? `${names[t]}[${key}]未通过海关入库，状态 ${d.status} (the ${t} never reached customs-accepted before the deadline)` : `${names[t]}[${key}]未收到 (no ${t} was received before the deadline)`,
    ),
  };
}
