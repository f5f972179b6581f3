/**
 * Reads a receipt document from customs and works out which declaration each return node
 * answers (spec §2.8 keys), without touching the database.
 */
import crypto from 'node:crypto';
import { headOf, receiptKeys, records, str, declarationTypeOf, type CebNode, type ParsedDocument } from '../../ceb/index.ts';

export interface ReceiptItem {
  messageType: string;
  /**
   * How to find the declaration: correlation keys of a declaration type; or the number customs
   * assigned to it (invtNo of a CEB621 for CEB816/818, sumNo of a CEB701 for CEB792); or the
   * CopMsgId of the envelope (CEB900).
   */
  lookup: { kind: 'keys'; keys: string[]; types: string[] } | { kind: 'number'; type: string; number: string } | { kind: 'copMsgId'; copMsgId: string };
  returnStatus: string;
  returnInfo: string;
  returnTime: string;
  preNo?: string;
  /** The number customs assigned to the declaration (invtNo; the sumNo of a summary request), kept on its record. */
  invtNo?: string;
  /** Whether the receipt moves the declaration's lifecycle (tax bills do not). */
  drivesStatus: boolean;
  node: CebNode;
  digest: string;
}

export function receiptItems(doc: ParsedDocument): ReceiptItem[] {
  const type = doc.root;
  const digest = (node: CebNode) => crypto.createHash('sha256').update(type).update(JSON.stringify(node)).digest('hex');
  if (type === 'CEB900Message') {
    const n = doc.body.MessageReturn as CebNode;
    return [{
      messageType: type,
      lookup: { kind: 'copMsgId', copMsgId: str(n.oriCopMsgId) },
      returnStatus: str(n.returnStatus),
      returnInfo: str(n.returnInfo),
      returnTime: str(n.returnTime),
      drivesStatus: true,
      node: n,
      digest: digest(n),
    }];
  }
  if (type === 'CEB816Message' || type === 'CEB818Message') {
    return records(doc.def, doc.body).map((r) => {
      const h = headOf(r.node);
      const info = type === 'CEB816Message'
        ? `电子税单 ${str(h.taxNo)}: 关税 ${str(h.customsTax)}, 增值税 ${str(h.valueAddedTax)}, 消费税 ${str(h.consumptionTax)}`
        : `电子税单 ${str(h.taxNo)} 状态 ${str(h.status)}`;
      return {
        messageType: type,
        lookup: { kind: 'number' as const, type: 'CEB621Message', number: str(h.invtNo) },
        returnStatus: str(h.status),
        returnInfo: info,
        returnTime: str(h.returnTime),
        drivesStatus: false,
        node: r.node,
        digest: digest(r.node),
      };
    });
  }
  if (type === 'CEB792Message') {
    // A summary result names the request by the sumNo its CEB702 assigned; it moves no lifecycle.
    return records(doc.def, doc.body).map((r) => ({
      messageType: type,
      lookup: { kind: 'number' as const, type: 'CEB701Message', number: str(r.head.sumNo) },
      returnStatus: str(r.head.decState),
      returnInfo: `汇总结果: 汇总统一编号 ${str(r.head.declSeqNo)}${str(r.head.entryId) ? `, 报关单号 ${str(r.head.entryId)}` : ''}`,
      returnTime: str(r.head.opDate),
      drivesStatus: false,
      node: r.node,
      digest: digest(r.node),
    }));
  }
  const declType = declarationTypeOf(type);
  if (!declType) return [];
  return records(doc.def, doc.body).map((r) => ({
    messageType: type,
    lookup: { kind: 'keys' as const, keys: receiptKeys(type, r.node), types: [declType] },
    returnStatus: str(r.node.returnStatus),
    returnInfo: str(r.node.returnInfo),
    returnTime: str(r.node.returnTime),
    preNo: str(r.node.preNo) || undefined,
    // A CEB702 names the sumNo customs gave the summary request; the CEB792 finds the request by it.
    invtNo: (type === 'CEB702Message' ? str(r.node.sumNo) : str(r.node.invtNo)) || undefined,
    drivesStatus: true,
    node: r.node,
    digest: digest(r.node),
  }));
}
