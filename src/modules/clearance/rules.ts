/**
 * 三单比对 — the rules that tie an inventory (CEB621) to its order (CEB311), payment (CEB411)
 * and waybill (CEB511), as pure functions: documents in, findings out. Each finding names
 * both documents, the field and both values, in words an operator can act on.
 *
 * Confirmed by the spec (§5.1) and always on: acturalPaid arithmetic and = amountPaid; buyer =
 * payer; order consignee = waybill consignee; lines map one-to-one by gnum with consistent
 * names; ID type 1. Commonly applied but unconfirmed, and settings (on by default): inventory
 * buyer = order buyer, inventory enterprises = order's, line quantities and prices equal.
 */
import type { CebNode } from '../../ceb/index.ts';
import type { ExportRuleId } from './export-rules.ts';

/** Every rule that can be named in settings: these (import) and the export rules of export-rules.ts. */
export type RuleId =
  | ExportRuleId
  | 'order-arithmetic'
  | 'paid-equals-payment'
  | 'buyer-is-payer'
  | 'consignee'
  | 'lines'
  | 'id-type'
  | 'inventory-buyer'
  | 'inventory-enterprises'
  | 'line-amounts';

/** Rules the spec does not confirm, import and export: they can be switched off (SILKGATE_RULES_OFF). */
export const UNCONFIRMED: ReadonlySet<RuleId> = new Set(['inventory-buyer', 'inventory-enterprises', 'line-amounts', 'collection-amount', 'waybill-enterprise', 'waybill-weight']);

export interface Finding {
  rule: RuleId;
  /** Documents and fields compared, e.g. 'CEB311 acturalPaid' vs 'CEB411 amountPaid'. */
  left: string;
  right: string;
  leftValue: string;
  rightValue: string;
  message: string;
}

export interface Documents {
  inventory: CebNode;
  order: CebNode;
  payment: CebNode;
  waybill: CebNode;
}

export const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
/** A record's head node by name, or the record itself when it is flat. */
export const head = (n: CebNode, name: string) => (n[name] as CebNode | undefined) ?? n;
export const list = (n: CebNode, name: string) => {
  const v = n[name];
  return (Array.isArray(v) ? v : v ? [v] : []) as CebNode[];
};

/** Decimal text to integer units of 10^-5 (N19,5): exact comparison of amounts. */
export function units(v: string): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(v.trim());
  if (!m) return 0n;
  const frac = (m[3] ?? '').padEnd(5, '0').slice(0, 5);
  const n = BigInt((m[2] || '0') + frac);
  return m[1] === '-' ? -n : n;
}

export function differs(rule: RuleId, left: string, leftValue: string, right: string, rightValue: string, what: string): Finding {
  return { rule, left, right, leftValue, rightValue, message: `${what}: ${left} is "${leftValue}" but ${right} is "${rightValue}"` };
}

export function match(docs: Documents, off: ReadonlySet<RuleId> = new Set()): Finding[] {
  const out: Finding[] = [];
  const on = (r: RuleId) => !off.has(r);
  const o = head(docs.order, 'OrderHead');
  const p = head(docs.payment, 'PaymentHead');
  const w = head(docs.waybill, 'LogisticsHead');
  const i = head(docs.inventory, 'InventoryHead');

  if (on('order-arithmetic')) {
    const expected = units(s(o.goodsValue)) + units(s(o.freight)) + units(s(o.taxTotal)) - units(s(o.discount));
    if (expected !== units(s(o.acturalPaid))) {
      out.push({
        rule: 'order-arithmetic',
        left: 'CEB311 acturalPaid',
        right: 'CEB311 goodsValue + freight + taxTotal − discount',
        leftValue: s(o.acturalPaid),
        rightValue: fromUnits(expected),
        message: `订单实际支付金额不等于商品价格+运杂费+代扣税款-非现金抵扣金额: CEB311 acturalPaid is "${s(o.acturalPaid)}" but goodsValue + freight + taxTotal − discount is "${fromUnits(expected)}"`,
      });
    }
  }
  if (on('paid-equals-payment') && units(s(o.acturalPaid)) !== units(s(p.amountPaid))) {
    out.push(differs('paid-equals-payment', 'CEB311 acturalPaid', s(o.acturalPaid), 'CEB411 amountPaid', s(p.amountPaid), '订单实际支付金额与支付单支付金额不一致'));
  }
  if (on('buyer-is-payer')) {
    if (s(o.buyerName) !== s(p.payerName)) out.push(differs('buyer-is-payer', 'CEB311 buyerName', s(o.buyerName), 'CEB411 payerName', s(p.payerName), '订购人与支付人姓名不一致'));
    if (s(o.buyerIdNumber).toUpperCase() !== s(p.payerIdNumber).toUpperCase()) {
      out.push(differs('buyer-is-payer', 'CEB311 buyerIdNumber', s(o.buyerIdNumber), 'CEB411 payerIdNumber', s(p.payerIdNumber), '订购人与支付人证件号码不一致'));
    }
  }
  if (on('consignee')) {
    for (const [a, b, what] of [
      ['consignee', 'consignee', '收货人姓名'],
      ['consigneeTelephone', 'consigneeTelephone', '收货人电话'],
      ['consigneeAddress', 'consigneeAddress', '收货地址'],
    ] as const) {
      if (s(o[a]) !== s(w[b])) out.push(differs('consignee', `CEB311 ${a}`, s(o[a]), `CEB511 ${b}`, s(w[b]), `订单与运单${what}不一致`));
    }
  }
  if (on('id-type')) {
    for (const [doc, field, node] of [['CEB311', 'buyerIdType', o], ['CEB411', 'payerIdType', p], ['CEB621', 'buyerIdType', i]] as const) {
      if (s(node[field]) !== '1') {
        out.push({ rule: 'id-type', left: `${doc} ${field}`, right: 'the rule', leftValue: s(node[field]), rightValue: '1', message: `证件类型限定为身份证(1): ${doc} ${field} is "${s(node[field])}" but must be "1"` });
      }
    }
  }
  if (on('inventory-buyer')) {
    for (const f of ['buyerName', 'buyerIdNumber', 'buyerTelephone'] as const) {
      if (s(i[f]) !== s(o[f])) out.push(differs('inventory-buyer', `CEB621 ${f}`, s(i[f]), `CEB311 ${f}`, s(o[f]), '清单与订单订购人信息不一致'));
    }
  }
  if (on('inventory-enterprises')) {
    for (const f of ['ebpCode', 'ebcCode'] as const) {
      if (s(i[f]) !== s(o[f])) out.push(differs('inventory-enterprises', `CEB621 ${f}`, s(i[f]), `CEB311 ${f}`, s(o[f]), '清单与订单企业编码不一致'));
    }
  }
  if (on('lines')) out.push(...lines(list(docs.inventory, 'InventoryList'), list(docs.order, 'OrderList'), on('line-amounts')));
  return out;
}

function lines(inv: CebNode[], ord: CebNode[], amounts: boolean): Finding[] {
  const out: Finding[] = [];
  const byGnum = new Map(ord.map((l) => [s(l.gnum), l]));
  const seen = new Set<string>();
  for (const l of inv) {
    const g = s(l.gnum);
    seen.add(g);
    const o = byGnum.get(g);
    if (!o) {
      out.push({ rule: 'lines', left: `CEB621 line ${g}`, right: 'CEB311 lines', leftValue: s(l.gname), rightValue: `gnum ${[...byGnum.keys()].join(', ')}`, message: `清单商品项号${g}在订单中不存在: CEB621 line ${g} has no CEB311 line with gnum ${g}` });
      continue;
    }
    // The enterprise's item name when the inventory gives one, else the customs name (gname).
    const name = s(l.itemName) || s(l.gname);
    if (name !== s(o.itemName)) {
      out.push(differs('lines', `CEB621 line ${g} ${s(l.itemName) ? 'itemName' : 'gname'}`, name, `CEB311 line ${g} itemName`, s(o.itemName), `清单与订单第${g}项商品名称不一致`));
    }
    if (amounts) {
      for (const f of ['qty', 'price', 'totalPrice'] as const) {
        if (units(s(l[f])) !== units(s(o[f]))) out.push(differs('line-amounts', `CEB621 line ${g} ${f}`, s(l[f]), `CEB311 line ${g} ${f}`, s(o[f]), `清单与订单第${g}项${f === 'qty' ? '数量' : f === 'price' ? '单价' : '总价'}不一致`));
      }
    }
  }
  for (const g of byGnum.keys()) {
    if (!seen.has(g)) out.push({ rule: 'lines', left: 'CEB621 lines', right: `CEB311 line ${g}`, leftValue: `gnum ${[...seen].join(', ')}`, rightValue: s(byGnum.get(g)!.itemName), message: `订单商品项号${g}未在清单中申报: CEB311 line ${g} has no CEB621 line` });
  }
  return out;
}

export function fromUnits(u: bigint): string {
  const neg = u < 0n;
  const a = neg ? -u : u;
  const int = a / 100000n;
  const frac = (a % 100000n).toString().padStart(5, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}
