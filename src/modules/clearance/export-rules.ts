/**
 * Export matching — an export inventory (CEB603) against its order (CEB303: `E` retail, `B` B2B,
 * `W` overseas-warehouse booking), its collection (CEB403) and its waybill (CEB505), as pure
 * functions: documents in, findings out, each naming both documents, the field and both values.
 *
 * The keys (orderNo with ebpCode/ebcCode, logisticsCode with logisticsNo) already tie the
 * documents together. Always on: the order type fits the trade mode, the order's own arithmetic
 * (line total = qty × price, goodsValue = Σ line totals, spec §2.11/§5.5), one currency, lines one
 * to one by gnum with the same itemNo, quantities and prices (spec: "gnum corresponds to the
 * order's gnum"), the collection in the order's currency. Settings (on by default, listed in
 * rules.ts UNCONFIRMED): the collection covers the goods value, the waybill's enterprise, weight
 * and package count equal the inventory's.
 */
import type { CebNode } from '../../ceb/index.ts';
import { differs, fromUnits, head, list, s, units, type Finding } from './rules.ts';

export type ExportRuleId =
  | 'order-type'
  | 'order-arithmetic'
  | 'currency'
  | 'export-lines'
  | 'collection-currency'
  | 'collection-amount'
  | 'waybill-enterprise'
  | 'waybill-weight'
  | 'special-zone';

export type ExportMode = '9610' | '1210' | '9710' | '9810';

/** What each trade mode needs: the order type of its CEB303 and whether a collection (CEB403) must come. */
export const EXPORT_MODES: Readonly<Record<ExportMode, { orderType: string; orderTypeName: string; collection: boolean }>> = {
  '9610': { orderType: 'E', orderTypeName: '出口订单', collection: true },
  '1210': { orderType: 'E', orderTypeName: '出口订单', collection: true },
  '9710': { orderType: 'B', orderTypeName: 'B2B出口订单', collection: true },
  // Goods go to the warehouse unsold: the booking (订仓单) stands for the order, no proceeds yet.
  '9810': { orderType: 'W', orderTypeName: '海外仓订仓单', collection: false },
};

export function exportMode(tradeMode: string): ExportMode | null {
  return Object.hasOwn(EXPORT_MODES, tradeMode) ? (tradeMode as ExportMode) : null;
}

export interface ExportDocuments {
  inventory: CebNode;
  order: CebNode;
  /** null when the trade mode needs none (9810). */
  collection: CebNode | null;
  waybill: CebNode;
}

/** A finding of an export rule (RuleId includes ExportRuleId). */
export type ExportFinding = Finding;

/** Totals are given to 2 decimals (N19,2 / 5 in the XSD): a product may differ from them by half a fen. */
const HALF_FEN = 500n;
const product = (qty: string, price: string) => (units(qty) * units(price)) / 100000n;

export function matchExport(docs: ExportDocuments, off: ReadonlySet<string> = new Set()): ExportFinding[] {
  const out: ExportFinding[] = [];
  const on = (r: ExportRuleId) => !off.has(r);
  const i = head(docs.inventory, 'InventoryHead');
  const o = head(docs.order, 'OrderHead');
  const w = head(docs.waybill, 'LogisticsHead');
  const invLines = list(docs.inventory, 'InventoryList');
  const ordLines = list(docs.order, 'OrderList');
  const mode = exportMode(s(i.tradeMode));

  if (on('order-type') && mode && s(o.orderType) !== EXPORT_MODES[mode].orderType) {
    const need = EXPORT_MODES[mode];
    out.push(differs('order-type', 'CEB303 orderType', s(o.orderType), `CEB603 tradeMode ${mode}`, need.orderType, `贸易方式${mode}的清单应对应${need.orderTypeName}(orderType ${need.orderType})`));
  }
  if (on('special-zone') && mode === '1210' && !s(i.emsNo)) {
    out.push({ rule: 'special-zone', left: 'CEB603 emsNo', right: 'the rule', leftValue: '', rightValue: 'an account book number', message: '特殊区域出口(1210)清单须填写账册编号: CEB603 emsNo is empty but a 1210 inventory needs the account book' });
  }

  if (on('order-arithmetic')) {
    let sum = 0n;
    for (const l of ordLines) {
      sum += units(s(l.totalPrice));
      const expected = product(s(l.qty), s(l.price));
      const diff = expected - units(s(l.totalPrice));
      if (diff > HALF_FEN || diff < -HALF_FEN) {
        out.push(differs('order-arithmetic', `CEB303 line ${s(l.gnum)} totalPrice`, s(l.totalPrice), `CEB303 line ${s(l.gnum)} qty × price`, fromUnits(expected), `订单第${s(l.gnum)}项总价不等于数量×单价`));
      }
    }
    if (sum !== units(s(o.goodsValue))) out.push(differs('order-arithmetic', 'CEB303 goodsValue', s(o.goodsValue), 'CEB303 Σ line totalPrice', fromUnits(sum), '订单商品价格不等于表体总价之和'));
  }

  if (on('currency')) {
    const cur = s(o.currency);
    for (const l of ordLines) if (s(l.currency) !== cur) out.push(differs('currency', `CEB303 line ${s(l.gnum)} currency`, s(l.currency), 'CEB303 currency', cur, `订单第${s(l.gnum)}项币制与表头不一致`));
    for (const l of invLines) if (s(l.currency) !== cur) out.push(differs('currency', `CEB603 line ${s(l.gnum)} currency`, s(l.currency), 'CEB303 currency', cur, `清单第${s(l.gnum)}项币制与订单不一致`));
  }

  out.push(...lines(invLines, ordLines));

  if (docs.collection) {
    const c = docs.collection;
    if (on('collection-currency') && s(c.currency) !== s(o.currency)) out.push(differs('collection-currency', 'CEB403 currency', s(c.currency), 'CEB303 currency', s(o.currency), '收款单币制与订单不一致'));
    else if (on('collection-amount') && units(s(c.charge)) < units(s(o.goodsValue))) {
      out.push(differs('collection-amount', 'CEB403 charge', s(c.charge), 'CEB303 goodsValue', s(o.goodsValue), '收款金额小于订单商品价格'));
    }
  }

  if (on('waybill-enterprise') && s(w.ebcCode) && s(w.ebcCode) !== s(i.ebcCode)) {
    out.push(differs('waybill-enterprise', 'CEB505 ebcCode', s(w.ebcCode), 'CEB603 ebcCode', s(i.ebcCode), '运单电商企业与清单不一致'));
  }
  if (on('waybill-weight')) {
    if (units(s(w.grossWeight)) !== units(s(i.grossWeight))) out.push(differs('waybill-weight', 'CEB505 grossWeight', s(w.grossWeight), 'CEB603 grossWeight', s(i.grossWeight), '运单毛重与清单不一致'));
    if (s(w.packNo) !== s(i.packNo)) out.push(differs('waybill-weight', 'CEB505 packNo', s(w.packNo), 'CEB603 packNo', s(i.packNo), '运单件数与清单不一致'));
  }
  return out;
}

function lines(inv: CebNode[], ord: CebNode[]): ExportFinding[] {
  const out: ExportFinding[] = [];
  const byGnum = new Map(ord.map((l) => [s(l.gnum), l]));
  const seen = new Set<string>();
  for (const l of inv) {
    const g = s(l.gnum);
    seen.add(g);
    const o = byGnum.get(g);
    if (!o) {
      out.push({ rule: 'export-lines', left: `CEB603 line ${g}`, right: 'CEB303 lines', leftValue: s(l.gname), rightValue: `gnum ${[...byGnum.keys()].join(', ')}`, message: `清单商品项号${g}在订单中不存在: CEB603 line ${g} has no CEB303 line with gnum ${g}` });
      continue;
    }
    if (s(l.itemNo) !== s(o.itemNo)) out.push(differs('export-lines', `CEB603 line ${g} itemNo`, s(l.itemNo), `CEB303 line ${g} itemNo`, s(o.itemNo), `清单与订单第${g}项企业商品货号不一致`));
    if (s(l.itemName) && s(l.itemName) !== s(o.itemName)) out.push(differs('export-lines', `CEB603 line ${g} itemName`, s(l.itemName), `CEB303 line ${g} itemName`, s(o.itemName), `清单与订单第${g}项商品名称不一致`));
    for (const f of ['qty', 'price', 'totalPrice'] as const) {
      if (units(s(l[f])) !== units(s(o[f]))) out.push(differs('export-lines', `CEB603 line ${g} ${f}`, s(l[f]), `CEB303 line ${g} ${f}`, s(o[f]), `清单与订单第${g}项${f === 'qty' ? '数量' : f === 'price' ? '单价' : '总价'}不一致`));
    }
  }
  for (const g of byGnum.keys()) {
    if (!seen.has(g)) out.push({ rule: 'export-lines', left: 'CEB603 lines', right: `CEB303 line ${g}`, leftValue: `gnum ${[...seen].join(', ')}`, rightValue: s(byGnum.get(g)!.itemName), message: `订单商品项号${g}未在清单中申报: CEB303 line ${g} has no CEB603 line` });
  }
  return out;
}
