/**
 * Ingest: read a CEB message (bare XML, inside a DxpMsg, or as JSON), check it against the
 * standard and the sender's identity, and hand it to the group commit. Nothing is stored for
 * a message that fails any check.
 */
import crypto from 'node:crypto';
import {
  MESSAGES,
  baseTransfer,
  buildDocument,
  declarationKey,
  exportOrderKey,
  isEnvelope,
  nodeFromJson,
  openEnvelope,
  parseDocument,
  records,
  str,
  type CebNode,
  type Issue,
  type MessageDef,
  type ParsedDocument,
} from '../../ceb/index.ts';
import { checkSignature } from '../../ceb/dsig.ts';
import { AppError } from '../../platform/errors.ts';
import { readJson } from '../../platform/json.ts';
import type { NewMessage } from './declarations.repository.ts';
import { partiesOf } from './authorize.ts';

/** Declarations an enterprise may send on the import side (receipts come only from customs). */
export const IMPORT_DECLARATIONS = new Set([
  'CEB311Message',
  'CEB411Message',
  'CEB511Message',
  'CEB513Message',
  'CEB621Message',
  'CEB623Message',
  'CEB625Message',
  'CEB711Message',
]);

/** Declarations an enterprise may send on the export side (出口统一版). */
export const EXPORT_DECLARATIONS = new Set([
  'CEB303Message',
  'CEB403Message',
  'CEB505Message',
  'CEB507Message',
  'CEB509Message',
  'CEB603Message',
  'CEB605Message',
  'CEB607Message',
  'CEB701Message',
  'CEB213Message',
  'CEB215Message',
]);

const declarable = (root: string) => IMPORT_DECLARATIONS.has(root) || EXPORT_DECLARATIONS.has(root);
const DECLARABLE_LIST = `a declaration (import ${[...IMPORT_DECLARATIONS].map((t) => t.slice(3, 6)).join('/')}, export ${[...EXPORT_DECLARATIONS].map((t) => t.slice(3, 6)).join('/')}: CEBnnnMessage)`;

export interface Sender {
  id: number;
  code: string;
  dxpId: string;
}

const acceptOuter = (def: MessageDef): string | null => (def.root === 'DxpMsg' || declarable(def.root) ? null : `${DECLARABLE_LIST} or a DxpMsg envelope`);

const acceptInner = (def: MessageDef): string | null => (declarable(def.root) ? null : DECLARABLE_LIST);

function invalid(issues: Issue[], message?: string): AppError {
  return new AppError('INVALID_MESSAGE', message, issues);
}

export function readMessage(sender: Sender, body: Buffer, format: 'xml' | 'json'): NewMessage {
  let doc: ParsedDocument;
  let bodyFormat: NewMessage['bodyFormat'] = 'xml';
  let ceb: Buffer | null = null;

  if (format === 'json') {
    const built = fromJson(body);
    ceb = built.bytes;
    doc = built.doc;
    bodyFormat = 'json';
  } else {
    const outer = parseDocument(body, acceptOuter);
    if (!outer.ok) throw invalid(outer.issues);
    doc = outer.doc;
    if (isEnvelope(doc.root)) {
      const env = openEnvelope(doc);
      if (env.senderId !== sender.dxpId) {
        throw new AppError('SENDER_MISMATCH', `DxpMsg SenderId ${env.senderId} is not your DXP id ${sender.dxpId}.`, [
          { path: 'DxpMsg.TransInfo.SenderId', rule: 'sender', expected: sender.dxpId, actual: env.senderId },
        ]);
      }
      const inner = parseDocument(env.data, acceptInner);
      if (!inner.ok) throw invalid(inner.issues.map((i) => ({ ...i, path: `DxpMsg.Data:${i.path}` })), 'The CEB message inside DxpMsg Data is not valid.');
      if (env.msgType && env.msgType !== inner.doc.root) {
        throw invalid([{ path: 'DxpMsg.TransInfo.MsgType', rule: 'message-type', expected: inner.doc.root, actual: env.msgType }]);
      }
      doc = inner.doc;
      ceb = env.data;
      bodyFormat = 'dxp';
    }
  }

  const bt = baseTransfer(doc.body);
  if (!bt) throw invalid([{ path: `${doc.root}.BaseTransfer`, rule: 'required', expected: 'BaseTransfer', actual: 'missing' }]);
  if (bt.copCode !== sender.code) {
    throw new AppError('SENDER_MISMATCH', `BaseTransfer copCode ${bt.copCode} is not the enterprise of this API key (${sender.code}).`, [
      { path: `${doc.root}.BaseTransfer.copCode`, rule: 'sender', expected: sender.code, actual: bt.copCode },
    ]);
  }
  if (bt.dxpId !== sender.dxpId) {
    throw new AppError('SENDER_MISMATCH', `BaseTransfer dxpId ${bt.dxpId} is not the DXP id of ${sender.code} (${sender.dxpId}).`, [
      { path: `${doc.root}.BaseTransfer.dxpId`, rule: 'sender', expected: sender.dxpId, actual: bt.dxpId },
    ]);
  }

  const recs = records(doc.def, doc.body);
  const guid = String(doc.body.guid ?? '');
  return {
    enterpriseId: sender.id,
    messageType: doc.root,
    guid,
    // The official samples reuse one guid across message types: the key is sender + type + guid.
    idemKey: `${sender.id}|${doc.root}|${guid}`,
    body,
    bodyFormat,
    ceb,
    encoding: doc.encoding,
    copMsgId: crypto.randomUUID(),
    senderDxpId: sender.dxpId,
    records: recs.map((r) => ({ seq: r.seq, guid: r.guid, corrKey: declarationKey(doc.root, r.head), refKey: orderRef(doc.root, r.head), fields: JSON.stringify(r.node), parties: partiesOf(doc.root, r.head), numbers: numbersOf(r.head) })),
    sha256: crypto.createHash('sha256').update(body).digest('hex'),
    // Verified here, on the CPU pool; whether the certificate is the sender's is judged before the commit.
    signature: doc.body.Signature === undefined ? null : checkSignature(ceb ?? body),
  };
}

/** Head fields the declarations list finds a record by (exact match, indexed: `declaration_numbers`). */
export const NUMBER_FIELDS = ['orderNo', 'logisticsNo', 'invtNo', 'copNo', 'preNo'] as const;

function numbersOf(head: CebNode): string[] {
  return [...new Set(NUMBER_FIELDS.map((f) => str(head[f])).filter(Boolean))];
}

/** The order a payment, collection or inventory belongs to: the key 三单比对 finds documents by. */
function orderRef(messageType: string, head: CebNode): string | null {
  if (messageType === 'CEB411Message' || messageType === 'CEB621Message') return `order|${str(head.ebpCode)}|${str(head.orderNo)}`;
  if (messageType === 'CEB403Message' || messageType === 'CEB603Message') return exportOrderKey(head);
  return null;
}

/** JSON form: `{ "CEB311Message": { "guid": …, "version": …, "Order": [ … ], "BaseTransfer": { … } } }`. */
function fromJson(body: Buffer): { bytes: Buffer; doc: ParsedDocument } {
  // Strict UTF-8, nesting capped, no __proto__/constructor/prototype key anywhere.
  const read = readJson(body);
  if (!read.ok) throw invalid(read.issues, 'The body is not an acceptable JSON document.');
  const json: unknown = read.value;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || Object.keys(json).length !== 1) {
    throw invalid([{ path: '', rule: 'json', expected: 'an object with one key, the message root (e.g. "CEB311Message")', actual: Array.isArray(json) ? 'an array' : typeof json }]);
  }
  const root = Object.keys(json)[0];
  const def = Object.hasOwn(MESSAGES, root) ? MESSAGES[root] : undefined;
  if (!def || !declarable(root)) {
    throw invalid([{ path: root, rule: 'message-type', expected: DECLARABLE_LIST, actual: root }]);
  }
  const node = nodeFromJson(def, (json as Record<string, unknown>)[root]);
  if (!node.ok) throw invalid(node.issues);
  const xml = buildDocument(def, node.body, { prefix: 'ceb' });
  const bytes = Buffer.from(xml, 'utf8');
  const parsed = parseDocument(bytes, acceptInner);
  if (!parsed.ok) throw invalid(parsed.issues);
  return { bytes, doc: parsed.doc };
}

/**
 * The CPU-pool form of readMessage: the body arrives as a copy, and the result goes back
 * without it (the caller still holds the bytes).
 */
export function readMessageTask(sender: Sender, body: Uint8Array, format: 'xml' | 'json'): Omit<NewMessage, 'body'> {
  const { body: _body, ...rest } = readMessage(sender, Buffer.from(body.buffer, body.byteOffset, body.byteLength), format);
  return rest;
}
