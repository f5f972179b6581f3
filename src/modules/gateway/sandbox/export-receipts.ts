/**
 * The export unified system's receipts (CEB304 … CEB702, CEB214/216), from the field tables of
 * the export XSD. Customs echoes the keys of the declaration and adds the numbers it assigned;
 * a field the receipt requires but the declaration left out (billNo of a CEB507, the invtNo of a
 * CEB604 before customs numbered the inventory) is sent empty, which the XSD allows.
 */
import { MESSAGES, checkValue, recordElementName, str } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import { childDef, fit, returnInfo as importReturnInfo } from './receipts.ts';
import type { RecordIds } from './receipts.ts';
import { NEGATIVE, RECEIPT_OF } from './scenarios.ts';

/** Fields each receipt echoes from the declaration head (the rest come from RecordIds). */
const ECHO: Readonly<Record<string, readonly string[]>> = {
  CEB304Message: ['ebpCode', 'ebcCode', 'orderNo'],
  CEB404Message: ['ebcCode', 'orderNo', 'payNo'],
  CEB506Message: ['logisticsCode', 'logisticsNo'],
  CEB508Message: ['operatorCode', 'logisticsCode', 'copNo', 'billNo', 'msgSeqNo'],
  CEB510Message: ['logisticsCode', 'copNo', 'msgSeqNo'],
  CEB604Message: ['agentCode', 'copNo', 'ebcCode', 'ebpCode', 'orderNo', 'statisticsFlag'],
  CEB606Message: ['agentCode', 'copNo', 'invtNo'],
  CEB608Message: ['agentCode', 'logisticsCode', 'copNo', 'billNo', 'msgSeqNo'],
  CEB702Message: ['agentCode', 'ebcCode', 'copNo', 'msgSeqNo'],
  CEB214Message: ['ebpCode', 'ebcCode', 'agentCode', 'coElNo', 'invtNo'],
  CEB216Message: ['operatorCode', 'logisticsCode', 'logisticsNo', 'coElNo'],
};

const NOUN: Readonly<Record<string, string>> = {
  CEB303Message: '订单',
  CEB403Message: '收款单',
  CEB505Message: '运单',
  CEB507Message: '运抵单',
  CEB509Message: '离境单',
  CEB603Message: '清单',
  CEB605Message: '撤销申请单',
  CEB607Message: '清单总分单',
  CEB701Message: '汇总申请单',
  CEB213Message: '退货申请单',
  CEB215Message: '退货理货明细单',
};

/** Reasons given with status 100 (海关退单) under the REJECT scenario. */
const REJECT_INFO: Readonly<Record<string, string>> = {
  CEB303Message: '[Code:1300;Desc:电商企业未在海关备案]',
  CEB403Message: '[Code:1300;Desc:收款企业未在海关备案]',
  CEB505Message: '[Code:1300;Desc:物流企业未在海关备案]',
  CEB507Message: '[Code:1300;Desc:审核不通过],运抵单运单信息不符',
  CEB509Message: '[Code:1300;Desc:审核不通过],离境单运单信息不符',
  CEB603Message: '[Code:1300;Desc:商品编码与申报品名不符]',
  CEB605Message: '[Code:1300;Desc:审核不通过],撤单申请审核不通过',
  CEB607Message: '[Code:1300;Desc:审核不通过],清单总分单提运单信息不符',
  CEB701Message: '[Code:1300;Desc:审核不通过],汇总申请审核不通过',
  CEB213Message: '[Code:1300;Desc:审核不通过],退货申请审核不通过',
  CEB215Message: '[Code:1300;Desc:审核不通过],退货理货明细单运单信息不符',
};

/** What customs writes in returnInfo of an export receipt, by declaration type and status (spec §4 patterns). */
export function exportReturnInfo(declType: string, status: string, recordGuid: string, head: CebNode, ids: RecordIds): string {
  switch (status) {
    case '2':
      return declType === 'CEB603Message'
        ? `清单新增申报成功[${recordGuid}][电商企业编码：${str(head.ebcCode)}订单编号：${str(head.orderNo)}]`
        : `${NOUN[declType]}新增申报成功[${recordGuid}]`;
    case '100':
      return REJECT_INFO[declType];
    case '399':
      if (declType === 'CEB605Message') return `[Code:2300;Desc:审核通过],撤单申请审核通过,清单[${str(head.invtNo)}]已成功撤单`;
      return `[Code:2300;Desc:审核通过],${NOUN[declType]}审核通过`;
    case '120':
    case '300':
    case '500':
    case '800':
    case '899':
      return importReturnInfo(declType, status, recordGuid, head, ids);
    default:
      return NEGATIVE[declType]?.info ?? `回执状态${status}`;
  }
}

/** One …Return node of an export declaration record (same contract as the import returnNode). */
export function exportReturnNode(declType: string, head: CebNode, status: string, at: { guid: string; recordGuid: string; returnTime: string; ids: RecordIds; info?: string }): CebNode {
  const receiptType = RECEIPT_OF[declType];
  const el = childDef(MESSAGES[receiptType].element, recordElementName(MESSAGES[receiptType]));
  const node: CebNode = { guid: at.guid };
  for (const f of ECHO[receiptType]) if (str(head[f])) node[f] = str(head[f]);
  for (const [k, v] of Object.entries(at.ids)) if (v) node[k] = v;
  node.returnStatus = status;
  node.returnTime = at.returnTime;
  node.returnInfo = [...(at.info ?? exportReturnInfo(declType, status, at.recordGuid, head, at.ids))].slice(0, 1000).join('');
  for (const c of el.children ?? []) {
    if (c.min > 0 && node[c.name] === undefined && c.type && checkValue('', c.type) === null) node[c.name] = '';
  }
  return fit(el, node, receiptType);
}
