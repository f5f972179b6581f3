/**
 * Builds the documents customs sends back: business receipts (CEB312 … CEB712), the CEB816
 * tax bill and the CEB900 format-fault receipt. Fields come from the generated field tables,
 * and every document is re-read by the CEB parser before it leaves, so an echoed value that
 * does not fit the XSD (a 17-char invtNo in a sample) is dropped when optional and is a bug
 * when required — never a receipt customs could not have sent.
 */
import { randomUUID } from 'node:crypto';
import { MESSAGES, buildDocument, checkValue, parseText, recordElementName, str } from '../../../ceb/index.ts';
import type { CebNode, ElementDef } from '../../../ceb/index.ts';
import { computeRetailImportTax, defaultRate, fenToYuan, yuanToFen, SINGLE_LIMIT_FEN } from '../../tax/index.ts';
import { NEGATIVE, RECEIPT_OF } from './scenarios.ts';

/** Numbers the sandbox assigned (or echoes) for one record. */
export interface RecordIds {
  copNo?: string;
  preNo?: string;
  invtNo?: string;
  rkdNo?: string;
  /** 汇总申请编号 of a summary request (CEB702). */
  sumNo?: string;
}

/** Fields each receipt echoes from the declaration head (the rest come from RecordIds). */
const ECHO: Readonly<Record<string, readonly string[]>> = {
  CEB312Message: ['ebpCode', 'ebcCode', 'orderNo'],
  CEB412Message: ['payCode', 'payTransactionId'],
  CEB512Message: ['logisticsCode', 'logisticsNo'],
  CEB514Message: ['logisticsCode', 'logisticsNo', 'logisticsStatus'],
  CEB622Message: ['customsCode', 'ebpCode', 'ebcCode', 'agentCode', 'copNo'],
  CEB624Message: ['customsCode', 'agentCode', 'ebpCode', 'ebcCode', 'copNo', 'preNo', 'invtNo'],
  CEB626Message: ['customsCode', 'agentCode', 'ebpCode', 'ebcCode', 'copNo', 'preNo', 'invtNo'],
  CEB712Message: ['customsCode', 'operatorCode', 'copNo', 'preNo', 'rkdNo'],
};

const NOUN: Readonly<Record<string, string>> = {
  CEB311Message: '订单',
  CEB411Message: '支付单',
  CEB511Message: '运单',
  CEB513Message: '运单状态',
  CEB621Message: '清单',
  CEB623Message: '撤销申请单',
  CEB625Message: '退货申请单',
  CEB711Message: '入库明细单',
};

/** Reasons given with status 100 (海关退单). */
const REJECT_INFO: Readonly<Record<string, string>> = {
  CEB311Message: '[Code:1300;Desc:电商平台企业未在海关备案]',
  CEB411Message: '[Code:1300;Desc:支付企业未在海关备案]',
  CEB511Message: '收件地址不详',
  CEB513Message: '[Code:1300;Desc:运单未放行，不能签收]',
  CEB621Message: '[Code:1300;Desc:订购人身份信息校验不通过]',
  CEB623Message: '[Code:1300;Desc:审核不通过],撤单申请审核不通过',
  CEB625Message: '[Code:1300;Desc:审核不通过],退货申请审核不通过，已超过退货期限',
  CEB711Message: '[Code:1300;Desc:审核不通过],入库明细单运单信息不符',
};

/** What customs writes in returnInfo, by declaration type and status (spec §4 patterns). */
export function returnInfo(declType: string, status: string, recordGuid: string, head: CebNode, ids: RecordIds): string {
  switch (status) {
    case '2':
      return declType === 'CEB621Message'
        ? `清单新增申报成功[${recordGuid}][电商企业编码：${str(head.ebcCode)}订单编号：${str(head.orderNo)}]`
        : `${NOUN[declType]}新增申报成功[${recordGuid}]`;
    case '120':
      return '[Code:1800;Desc:逻辑校验通过]';
    case '100':
      return REJECT_INFO[declType];
    case '300':
      return '[Code:2200;Desc:人工审核]';
    case '500':
      return '[Code:2400;Desc:查验]';
    case '800':
      return '[Code:2600;Desc:放行]';
    case '899':
      return '[Code:2700;Desc:结关]';
    case '399':
      if (declType === 'CEB623Message') return `[Code:2300;Desc:审核通过],撤单申请审核通过,清单[${ids.invtNo ?? str(head.invtNo)}]已成功撤单`;
      if (declType === 'CEB625Message') return '[Code:2300;Desc:审核通过],退货申请审核通过';
      return `[Code:2300;Desc:审核通过],${NOUN[declType]}审核通过`;
    default:
      return NEGATIVE[declType]?.info ?? `回执状态${status}`;
  }
}

/**
 * One …Return node for a declaration record. `guid` is the e-port's id of the record, stable
 * across its receipts; `info` replaces the usual returnInfo (a refusal's reason).
 */
export function returnNode(declType: string, head: CebNode, status: string, at: { guid: string; recordGuid: string; returnTime: string; ids: RecordIds; info?: string }): CebNode {
  const receiptType = RECEIPT_OF[declType];
  const node: CebNode = { guid: at.guid };
  for (const f of ECHO[receiptType]) if (str(head[f])) node[f] = str(head[f]);
  for (const [k, v] of Object.entries(at.ids)) if (v) node[k] = v;
  node.returnStatus = status;
  node.returnTime = at.returnTime;
  node.returnInfo = at.info ?? returnInfo(declType, status, at.recordGuid, head, at.ids);
  return fit(childDef(MESSAGES[receiptType].element, recordElementName(MESSAGES[receiptType])), node, receiptType);
}

/** The tax engine's result for one inventory (default rates; full taxation for a single item over the limit). */
export function inventoryTax(head: CebNode, lines: CebNode[]) {
  const input = {
    lines: lines.map((l) => ({ gnum: Number(str(l.gnum)), gcode: str(l.gcode), totalPrice: str(l.totalPrice), qty: str(l.qty) })),
    freight: str(head.freight) || '0',
    insuredFee: str(head.insuredFee) || '0',
    rateOf: defaultRate,
  };
  const within = computeRetailImportTax(input);
  const single = input.lines.length === 1 && input.lines[0].qty !== '' && yuanToFen(input.lines[0].qty) === 100;
  return single && within.totals.dutiableFen > SINGLE_LIMIT_FEN ? computeRetailImportTax({ ...input, singleItemOverLimit: true }) : within;
}

/** One `Tax` node of a CEB816 for an inventory just released. */
export function taxNode(head: CebNode, lines: CebNode[], invtNo: string, returnTime: string): CebNode {
  const tax = inventoryTax(head, lines);
  const taxDef = childDef(MESSAGES.CEB816Message.element, 'Tax');
  const rd: CebNode = {
    guid: randomUUID(),
    returnTime,
    invtNo,
    taxNo: `${invtNo}_0`,
    customsTax: fenToYuan(tax.totals.customsTaxFen),
    valueAddedTax: fenToYuan(tax.totals.vatFen),
    consumptionTax: fenToYuan(tax.totals.consumptionFen),
    status: '1',
  };
  for (const f of ['assureCode', 'ebcCode', 'logisticsCode', 'agentCode', 'customsCode']) if (str(head[f])) rd[f] = str(head[f]);
  const list = tax.lines.map((l) => ({
    gnum: String(l.gnum),
    gcode: l.gcode,
    taxPrice: fenToYuan(l.dutiableFen),
    customsTax: fenToYuan(l.customsTaxFen),
    valueAddedTax: fenToYuan(l.vatFen),
    consumptionTax: fenToYuan(l.consumptionFen),
  }));
  return {
    TaxHeadRd: fit(childDef(taxDef, 'TaxHeadRd'), rd, 'CEB816Message'),
    TaxListRd: list.map((l) => fit(childDef(taxDef, 'TaxListRd'), l, 'CEB816Message')),
  };
}

/** CEB900 (MessageReturn): the e-port could not read the business message in a DxpMsg. */
export function formatReturnNode(e: { copMsgId: string; msgType: string; original: string; status: string; info: string; returnTime: string }): CebNode {
  const node: CebNode = {
    guid: randomUUID(),
    returnStatus: e.status,
    returnInfo: [...e.info].slice(0, 5000).join(''),
    returnTime: e.returnTime,
    oriCopMsgId: e.copMsgId,
    oriMessageType: /^CEB\d{3}Message$/.test(e.msgType) ? e.msgType : 'Unknown',
    // Characters XML 1.0 cannot carry would make the receipt itself unreadable.
    oriBizMessage: e.original.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD'),
  };
  return fit(childDef(MESSAGES.CEB900Message.element, 'MessageReturn'), node, 'CEB900Message');
}

/** A whole receipt document (default namespace, as customs writes it), checked against the field table. */
export function receiptDocument(type: string, nodes: CebNode[]): string {
  const def = MESSAGES[type];
  const xml = buildDocument(def, { guid: randomUUID(), version: '1.0', [recordElementName(def)]: nodes }, { prefix: null });
  const check = parseText(xml, 'UTF-8');
  if (!check.ok) {
    const first = check.issues.slice(0, 3).map((i) => `${i.path}: ${i.expected} (got ${i.actual})`).join('; ');
    throw new Error(`sandbox built an invalid ${type}: ${first}`);
  }
  return xml;
}

export function childDef(el: ElementDef, name: string): ElementDef {
  const c = el.children?.find((x) => x.name === name);
  if (!c) throw new Error(`${el.name} has no child ${name}`);
  return c;
}

/** Keeps the fields the table knows, drops optional values that would break the XSD. */
export function fit(el: ElementDef, node: CebNode, type: string): CebNode {
  const out: CebNode = {};
  for (const c of el.children ?? []) {
    const v = node[c.name];
    const fits = typeof v === 'string' ? (v !== '' || c.min > 0) && (!c.type || checkValue(v, c.type) === null) : v !== undefined;
    if (fits) out[c.name] = v;
    else if (c.min > 0) throw new Error(`sandbox cannot fill required ${type} ${el.name}.${c.name} (value ${JSON.stringify(v ?? null)})`);
  }
  return out;
}
