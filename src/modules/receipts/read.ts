/**
 * Reading a receipt as customs sends it (DxpMsg/DxpMsgSv envelope or bare CEB receipt) into
 * plain data: pure and CPU-bound, so it runs on the CPU pool.
 */
import { MESSAGES, buildDocument, isEnvelope, openEnvelope, parseDocument, recordElementName, type ParsedDocument } from '../../ceb/index.ts';
import { receiptItems, type ReceiptItem } from './correlate.ts';
import { AppError } from '../../platform/errors.ts';

export type ReadItem = Omit<ReceiptItem, 'node'> & { xml: string };

export interface ReadReceipt {
  messageType: string;
  items: ReadItem[];
}

/** A receipt that can never be accepted (not valid, not a receipt): a final refusal, not a retry. */
export class ReceiptInputError extends AppError {
  constructor(message: string) {
    super('INVALID_MESSAGE', message);
  }
}

export function readReceipt(bytes: Uint8Array): ReadReceipt {
  const faults = (r: { issues: Array<{ path: string; rule: string; expected: string; actual: string }> }) =>
    r.issues.map((i) => `${i.path} ${i.rule}: expected ${i.expected}, got ${i.actual}`).join('; ');
  let outer = parseDocument(bytes);
  if (!outer.ok) throw new ReceiptInputError(`receipt is not valid: ${faults(outer)}`);
  let doc: ParsedDocument = outer.doc;
  if (isEnvelope(doc.root)) {
    const env = openEnvelope(doc);
    outer = parseDocument(env.data);
    if (!outer.ok) throw new ReceiptInputError(`receipt in envelope ${env.copMsgId} is not valid: ${faults(outer)}`);
    doc = outer.doc;
  }
  const items = receiptItems(doc);
  if (!items.length) throw new ReceiptInputError(`${doc.root} is not a receipt`);
  return {
    messageType: doc.root,
    items: items.map(({ node: _node, ...rest }, _i, all) => ({
      ...rest,
      // A single-answer UTF-8 receipt is kept as received; a document answering several
      // declarations is split into one valid document per answer.
      xml: all.length === 1 && doc.encoding === 'UTF-8' ? doc.text : singleReceiptXml(doc, _node),
    })),
  };
}

function singleReceiptXml(doc: ParsedDocument, node: ReceiptItem['node']): string {
  const def = MESSAGES[doc.root];
  const name = recordElementName(def);
  const many = def.element.children!.find((c) => c.name === name)!.max > 1;
  return buildDocument(def, { guid: String(doc.body.guid), version: String(doc.body.version), [name]: many ? [node] : node }, { prefix: null });
}
