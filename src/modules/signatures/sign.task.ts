/**
 * Signing as a service, the CPU part (runs on the CPU pool): validate an unsigned CEB message
 * like ingest does, sign it, and check that the signed document is one the sender may transmit.
 */
import crypto from 'node:crypto';
import { baseTransfer, parseDocument, type Issue, type MessageDef } from '../../ceb/index.ts';
import { signCeb, type SigningKey } from '../../ceb/dsig.ts';
import { EXPORT_DECLARATIONS, IMPORT_DECLARATIONS } from '../declarations/index.ts';
import { AppError } from '../../platform/errors.ts';

export interface SignRequest {
  sender: { code: string; dxpId: string };
  body: Uint8Array;
  key: { algorithm: SigningKey['algorithm']; privateKeyPem: string; certificateDer: Uint8Array };
}

export interface Signed {
  xml: string;
  messageType: string;
  guid: string;
  /** SHA-256 (hex) of the signed bytes (UTF-8). */
  sha256: string;
}

const accept = (def: MessageDef): string | null =>
  IMPORT_DECLARATIONS.has(def.root) || EXPORT_DECLARATIONS.has(def.root)
    ? null
    : `an unsigned declaration (${[...IMPORT_DECLARATIONS, ...EXPORT_DECLARATIONS].join(', ')}); sign the CEB message, not a DxpMsg`;

const invalid = (issues: Issue[], message?: string) => new AppError('INVALID_MESSAGE', message, issues);

export function signMessageTask(req: SignRequest): Signed {
  const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  const first = parseDocument(body, accept);
  if (first.ok) {
    if (first.doc.encoding !== 'UTF-8') {
      throw invalid([{ path: '', rule: 'encoding', expected: 'UTF-8 (the signing service answers UTF-8 documents)', actual: first.doc.encoding }]);
    }
    if (first.doc.body.Signature !== undefined) {
      throw invalid([{ path: `${first.doc.root}.Signature`, rule: 'unsigned', expected: 'no ds:Signature (the platform adds it)', actual: 'a ds:Signature' }], 'The message is already signed.');
    }
  } else if (!first.issues.every((i) => i.rule === 'required' && /^CEB\d+Message\.Signature$/.test(i.path))) {
    // Only the missing signature may be wrong with a message brought here to be signed.
    throw invalid(first.issues);
  }

  let xml: string;
  try {
    xml = signCeb(body.toString('utf8'), { algorithm: req.key.algorithm, privateKeyPem: req.key.privateKeyPem, certificateDer: Buffer.from(req.key.certificateDer) });
  } catch (e) {
    throw invalid([{ path: '', rule: 'signable', expected: 'a CEB message the platform can sign', actual: (e as Error).message }], 'The message cannot be signed.');
  }
  const bytes = Buffer.from(xml, 'utf8');
  const signed = parseDocument(bytes, accept);
  if (!signed.ok) throw invalid(signed.issues);
  const { doc } = signed;
  if (doc.encoding !== 'UTF-8') throw invalid([{ path: '', rule: 'encoding', expected: 'UTF-8 (the signing service answers UTF-8 documents)', actual: doc.encoding }]);
  const bt = baseTransfer(doc.body);
  if (!bt) throw invalid([{ path: `${doc.root}.BaseTransfer`, rule: 'required', expected: 'BaseTransfer', actual: 'missing' }]);
  if (bt.copCode !== req.sender.code) {
    throw new AppError('SENDER_MISMATCH', `BaseTransfer copCode ${bt.copCode} is not your enterprise (${req.sender.code}): the platform signs only your own messages.`, [
      { path: `${doc.root}.BaseTransfer.copCode`, rule: 'sender', expected: req.sender.code, actual: bt.copCode },
    ]);
  }
  if (bt.dxpId !== req.sender.dxpId) {
    throw new AppError('SENDER_MISMATCH', `BaseTransfer dxpId ${bt.dxpId} is not the DXP id of ${req.sender.code} (${req.sender.dxpId}).`, [
      { path: `${doc.root}.BaseTransfer.dxpId`, rule: 'sender', expected: req.sender.dxpId, actual: bt.dxpId },
    ]);
  }
  return { xml, messageType: doc.root, guid: String(doc.body.guid ?? ''), sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}
