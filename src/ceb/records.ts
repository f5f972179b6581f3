/**
 * Views on a parsed business message: its records (each Order, Payment, Inventory… is a
 * declaration of its own) and the keys that tie a customs receipt back to the record it answers.
 */
import type { CebNode, CebValue } from './parse.ts';
import type { MessageDef } from './schema/index.ts';

export interface CebRecord {
  /** Position of the record in the message, from 0. */
  seq: number;
  /** The record's own guid (head guid). */
  guid: string;
  /** The record's head: the node holding guid/appType and the business keys. */
  head: CebNode;
  /** The whole record in JSON form (head and lists). */
  node: CebNode;
}

const ENVELOPE_PARTS = new Set(['BaseTransfer', 'BaseSubscribe', 'ExtendMessage', 'Signature']);

/** The root child that carries the business records (Order, Payment, Inventory, OrderReturn…). */
export function recordElementName(def: MessageDef): string {
  const el = def.element.children?.find((c) => !ENVELOPE_PARTS.has(c.name));
  if (!el) throw new Error(`${def.root} has no record element`);
  return el.name;
}

export function records(def: MessageDef, body: CebNode): CebRecord[] {
  const name = recordElementName(def);
  const raw = body[name];
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as CebNode[];
  return list.map((node, seq) => {
    const head = headOf(node);
    return { seq, guid: str(head.guid), head, node };
  });
}

/** Records either are flat (InvtCancel, OrderReturn) or hold a `…Head` node. */
export function headOf(node: CebNode): CebNode {
  for (const [k, v] of Object.entries(node)) {
    if (k.includes('Head') && v && typeof v === 'object' && !Array.isArray(v)) return v as CebNode;
  }
  return node;
}

export function str(v: CebValue | undefined): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** BaseTransfer of a business message (who transmits it). */
export function baseTransfer(body: CebNode): { copCode: string; copName: string; dxpId: string } | null {
  const bt = body.BaseTransfer;
  if (!bt || typeof bt !== 'object' || Array.isArray(bt)) return null;
  return { copCode: str(bt.copCode), copName: str(bt.copName), dxpId: str(bt.dxpId) };
}

/**
 * Correlation keys (spec §2.8): a declaration record and every receipt that answers it
 * compute the same key. 312 → (ebpCode, orderNo); 412 → (payCode, payTransactionId);
 * 512/514 → (logisticsCode, logisticsNo); 622 → (ebcCode, copNo); 624/626 → invtNo; 712 → (operatorCode, copNo).
 * Export: 304 → (ebpCode, ebcCode, orderNo); 404 → (ebcCode, orderNo, payNo); 506 → (logisticsCode, logisticsNo);
 * 508 → (operatorCode, copNo); 510 → (logisticsCode, copNo); 604 → (ebcCode, agentCode, copNo); 606 → invtNo;
 * 608 → (agentCode, copNo); 702 → (ebcCode, copNo); 214 → (agentCode, coElNo); 216 → (operatorCode, logisticsNo).
 * CEB792 answers a 701 by the sumNo its 702 assigned (see receipts/correlate.ts).
 */
export function declarationKey(messageType: string, head: CebNode): string {
  const f = (k: string) => str(head[k]);
  switch (messageType) {
    case 'CEB311Message':
      return `order|${f('ebpCode')}|${f('orderNo')}`;
    case 'CEB411Message':
      return `payment|${f('payCode')}|${f('payTransactionId')}`;
    case 'CEB511Message':
      return `logistics|${f('logisticsCode')}|${f('logisticsNo')}`;
    case 'CEB513Message':
      return `logistics-status|${f('logisticsCode')}|${f('logisticsNo')}|${f('logisticsStatus')}`;
    case 'CEB621Message':
      // copNo is the enterprise's own number: scoped by the e-commerce enterprise.
      return f('copNo') ? `inventory|${f('ebcCode')}|${f('copNo')}` : `inventory-order|${f('ebcCode')}|${f('orderNo')}`;
    case 'CEB623Message':
      return `cancel|${f('invtNo')}`;
    case 'CEB625Message':
      return `refund|${f('invtNo')}`;
    case 'CEB711Message':
      return `delivery|${f('operatorCode')}|${f('copNo')}`;
    // Export: a 9810 booking may name no platform (ebpCode 无), so orders are scoped by the e-commerce enterprise too.
    case 'CEB303Message':
      return exportOrderKey(head);
    case 'CEB403Message':
      return `collection|${f('ebcCode')}|${f('orderNo')}|${f('payNo')}`;
    case 'CEB505Message':
      return `export-logistics|${f('logisticsCode')}|${f('logisticsNo')}`;
    case 'CEB507Message':
      return `arrival|${f('operatorCode')}|${f('copNo')}`;
    case 'CEB509Message':
      return `departure|${f('logisticsCode')}|${f('copNo')}`;
    case 'CEB603Message':
      // copNo is the declarant's own number: scoped by the declarant and the e-commerce enterprise.
      return `export-inventory|${f('ebcCode')}|${f('agentCode')}|${f('copNo')}`;
    case 'CEB605Message':
      return `export-cancel|${f('invtNo')}`;
    case 'CEB607Message':
      return `waybill-list|${f('agentCode')}|${f('copNo')}`;
    case 'CEB701Message':
      return `summary|${f('ebcCode')}|${f('copNo')}`;
    case 'CEB213Message':
      return `export-refund|${f('agentCode')}|${f('coElNo')}`;
    case 'CEB215Message':
      return `refund-detail|${f('operatorCode')}|${f('logisticsNo')}`;
    default:
      return `${messageType}|${f('guid')}`;
  }
}

/** An export order (CEB303) and its receipt and the documents that belong to it (collection, inventory). */
export function exportOrderKey(node: CebNode): string {
  return `export-order|${str(node.ebpCode)}|${str(node.ebcCode)}|${str(node.orderNo)}`;
}

/** Keys to try, best first, for a receipt record (…Return node). */
export function receiptKeys(messageType: string, ret: CebNode): string[] {
  const f = (k: string) => str(ret[k]);
  switch (messageType) {
    case 'CEB312Message':
      return [`order|${f('ebpCode')}|${f('orderNo')}`];
    case 'CEB412Message':
      return [`payment|${f('payCode')}|${f('payTransactionId')}`];
    case 'CEB512Message':
      return [`logistics|${f('logisticsCode')}|${f('logisticsNo')}`];
    case 'CEB514Message':
      return [`logistics-status|${f('logisticsCode')}|${f('logisticsNo')}|${f('logisticsStatus')}`];
    case 'CEB622Message':
      return [`inventory|${f('ebcCode')}|${f('copNo')}`];
    case 'CEB624Message':
      return [`cancel|${f('invtNo')}`];
    case 'CEB626Message':
      return [`refund|${f('invtNo')}`];
    case 'CEB712Message':
      return [`delivery|${f('operatorCode')}|${f('copNo')}`];
    case 'CEB304Message':
      return [exportOrderKey(ret)];
    case 'CEB404Message':
      return [`collection|${f('ebcCode')}|${f('orderNo')}|${f('payNo')}`];
    case 'CEB506Message':
      return [`export-logistics|${f('logisticsCode')}|${f('logisticsNo')}`];
    case 'CEB508Message':
      return [`arrival|${f('operatorCode')}|${f('copNo')}`];
    case 'CEB510Message':
      return [`departure|${f('logisticsCode')}|${f('copNo')}`];
    case 'CEB604Message':
      return [`export-inventory|${f('ebcCode')}|${f('agentCode')}|${f('copNo')}`];
    case 'CEB606Message':
      return [`export-cancel|${f('invtNo')}`];
    case 'CEB608Message':
      return [`waybill-list|${f('agentCode')}|${f('copNo')}`];
    case 'CEB702Message':
      return [`summary|${f('ebcCode')}|${f('copNo')}`];
    case 'CEB214Message':
      return [`export-refund|${f('agentCode')}|${f('coElNo')}`];
    case 'CEB216Message':
      return [`refund-detail|${f('operatorCode')}|${f('logisticsNo')}`];
    default:
      return [];
  }
}

/** Which declaration a receipt type answers: CEB312 → CEB311 … */
export function declarationTypeOf(receiptType: string): string | null {
  const m = /^CEB(\d{3})Message$/.exec(receiptType);
  if (!m) return null;
  const n = Number(m[1]);
  if (n === 816 || n === 818 || n === 900 || n === 792) return null;
  return n % 2 === 0 ? `CEB${n - 1}Message` : null;
}
