/** Verifying a CEB message's signature: the entry (streaming first, DOM last word), the DOM path, and ingest's summary. */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { decodeXml } from './decode.ts';
import { readCertificate, type ParsedCertificate } from './certificate.ts';
import { sm2RawSignature, sm2Verify } from './dsig-crypto.ts';
import { DIGESTS, DS_NS, SIGNATURE_METHODS, URI, type Verification } from './dsig-model.ts';
import { verifyStreaming } from './dsig-stream.ts';
import { DTD, canonicalDocument, canonicalize, childElements, descendantsDs, firstChildElement, inScopeNamespaces, isDs, parseXml, refuseDoctype, stripSpace } from './dsig-xml.ts';

/**
 * Verifies the enveloped signature of a CEB message. Does not judge the certificate (issuer,
 * validity, registration to the sender): the caller does, from `certificate`.
 */
export function verifyCeb(xml: string | Buffer): Verification {
  const text = decoded(xml);
  if (typeof text !== 'string') return text;
  // A good signature of the usual shape is accepted by the streaming pass; the DOM path has the
  // last word on everything else (so refusals and their reasons come from one place).
  return verifyStreaming(text) ?? verifyDom(text);
}

/** The DOM path alone (tests compare both paths). */
export function verifyCebDom(xml: string | Buffer): Verification {
  const text = decoded(xml);
  return typeof text === 'string' ? verifyDom(text) : text;
}

function decoded(xml: string | Buffer): string | Verification {
  let text: string;
  if (typeof xml === 'string') {
    text = xml;
  } else {
    const decoded = decodeXml(xml);
    if (!decoded.ok) return { ok: false, reason: `undecodable: expected ${decoded.expected}, got ${decoded.actual}` };
    text = decoded.text;
  }
  if (DTD.test(text)) return { ok: false, reason: 'DOCTYPE not allowed' };
  return text;
}

function verifyDom(text: string): Verification {
  let doc: Document;
  try {
    doc = parseXml(text);
  } catch (e) {
    return { ok: false, reason: `not well-formed: ${(e as Error).message}` };
  }
  const root = doc.documentElement;
  if (!root) return { ok: false, reason: 'not well-formed: no root element' };

  const signatures = doc.getElementsByTagNameNS(DS_NS, 'Signature');
  if (signatures.length === 0) return { ok: false, reason: 'no signature' };
  if (signatures.length > 1) return { ok: false, reason: 'malformed signature: more than one ds:Signature' };
  const sig = signatures[0];
  if (sig.parentNode !== root) return { ok: false, reason: 'malformed signature: ds:Signature is not a child of the root' };

  const [si, sv, ki, ...extra] = childElements(sig);
  if (!isDs(si, 'SignedInfo') || !isDs(sv, 'SignatureValue') || (ki && !isDs(ki, 'KeyInfo')) || extra.some((e) => !isDs(e, 'Object'))) {
    return { ok: false, reason: 'malformed signature: expected SignedInfo, SignatureValue, KeyInfo' };
  }
  const [cm, sm, ...refs] = childElements(si);
  if (!isDs(cm, 'CanonicalizationMethod') || !isDs(sm, 'SignatureMethod') || refs.length !== 1 || !isDs(refs[0], 'Reference')) {
    return { ok: false, reason: 'malformed signature: SignedInfo needs CanonicalizationMethod, SignatureMethod and one Reference' };
  }
  const ref = refs[0];
  const c14nUri = cm.getAttribute('Algorithm') ?? '';
  if (c14nUri !== URI.c14n) return { ok: false, reason: `unsupported algorithm ${c14nUri}` };
  const smUri = sm.getAttribute('Algorithm') ?? '';
  const algorithm = SIGNATURE_METHODS[smUri];
  if (!algorithm) return { ok: false, reason: `unsupported algorithm ${smUri}` };
  if (!ref.hasAttribute('URI') || ref.getAttribute('URI') !== '') return { ok: false, algorithm, reason: 'malformed signature: Reference URI must be ""' };

  const refChildren = childElements(ref);
  let i = 0;
  if (isDs(refChildren[i], 'Transforms')) {
    const transforms = childElements(refChildren[i]).map((t) => (isDs(t, 'Transform') ? (t.getAttribute('Algorithm') ?? '') : '?'));
    // Exactly the enveloped transform (a trailing C14N 1.0 transform is implied anyway).
    const bad = transforms.find((t, n) => !(n === 0 ? t === URI.enveloped : n === 1 && t === URI.c14n));
    if (bad !== undefined) return { ok: false, algorithm, reason: `unsupported algorithm ${bad}` };
    if (transforms.length === 0) return { ok: false, algorithm, reason: 'malformed signature: no enveloped-signature transform' };
    i++;
  } else {
    return { ok: false, algorithm, reason: 'malformed signature: no enveloped-signature transform' };
  }
  const dm = refChildren[i];
  const dv = refChildren[i + 1];
  if (!isDs(dm, 'DigestMethod') || !isDs(dv, 'DigestValue') || refChildren.length !== i + 2) {
    return { ok: false, algorithm, reason: 'malformed signature: Reference needs DigestMethod and DigestValue' };
  }
  const dmUri = dm.getAttribute('Algorithm') ?? '';
  const digestAlg = DIGESTS[dmUri];
  if (!digestAlg) return { ok: false, algorithm, reason: `unsupported algorithm ${dmUri}` };

  // The certificate (KeyInfo/X509Data/X509Certificate).
  const certEl = ki ? descendantsDs(ki, 'X509Certificate')[0] : undefined;
  if (!certEl) return { ok: false, algorithm, reason: 'no certificate in KeyInfo' };
  let cert: ParsedCertificate;
  try {
    cert = readCertificate(Buffer.from(stripSpace(certEl.textContent ?? ''), 'base64'));
  } catch (e) {
    return { ok: false, algorithm, reason: `certificate unreadable: ${(e as Error).message}` };
  }
  const certificate = cert.info;

  // SignedInfo canonicalized in context, before the Signature is taken out for the digest.
  const signedBytes = Buffer.from(canonicalize(si, inScopeNamespaces(si)), 'utf8');

  // Enveloped transform: the document minus the Signature element (and nothing else).
  const next = sig.nextSibling;
  root.removeChild(sig);
  const canonicalDoc = canonicalDocument(doc);
  root.insertBefore(sig, next);
  const digest = createHash(digestAlg).update(canonicalDoc, 'utf8').digest();
  const expected = Buffer.from(stripSpace(dv.textContent ?? ''), 'base64');
  if (!digest.equals(expected)) return { ok: false, algorithm, certificate, reason: 'digest mismatch' };

  const value = Buffer.from(stripSpace(sv.textContent ?? ''), 'base64');
  let good = false;
  if (algorithm === 'rsa-sha1') {
    if (!cert.x509 || cert.x509.publicKey.asymmetricKeyType !== 'rsa') {
      return { ok: false, algorithm, certificate, reason: 'certificate key does not match the signature algorithm' };
    }
    good = cryptoVerify('sha1', signedBytes, cert.x509.publicKey, value);
  } else {
    if (!cert.sm2PublicKey) return { ok: false, algorithm, certificate, reason: 'certificate key does not match the signature algorithm' };
    const rs = sm2RawSignature(value);
    good = rs !== null && sm2Verify(signedBytes, rs, cert.sm2PublicKey);
  }
  if (!good) return { ok: false, algorithm, certificate, reason: 'signature value does not verify' };
  return { ok: true, algorithm, certificate };
}

/**
 * What ingest keeps of a verification: small and structured-clonable (it crosses from the CPU
 * pool), with the failure classified: `digest` (the signed data changed), `signature` (the
 * signature value does not verify with the certificate's key), `malformed` (not a usable signature).
 */
export interface SignatureCheck {
  present: boolean;
  ok: boolean;
  algorithm?: Verification['algorithm'];
  /** SHA-256 of the embedded certificate's DER, lower-case hex. */
  fingerprint?: string;
  serialHex?: string;
  failure?: 'digest' | 'signature' | 'malformed';
  reason?: string;
}

export function checkSignature(xml: string | Buffer): SignatureCheck {
  const v = verifyCeb(xml);
  if (v.reason === 'no signature') return { present: false, ok: false, reason: v.reason };
  const out: SignatureCheck = { present: true, ok: v.ok };
  if (v.algorithm) out.algorithm = v.algorithm;
  if (v.certificate) {
    out.fingerprint = v.certificate.fingerprintSha256;
    out.serialHex = v.certificate.serialHex;
  }
  if (!v.ok) {
    out.failure = v.reason === 'digest mismatch' ? 'digest' : v.reason === 'signature value does not verify' ? 'signature' : 'malformed';
    out.reason = v.reason;
  }
  return out;
}

/** The canonical SignedInfo of a signed document (as signed), for tests and diagnostics. */
export function canonicalSignedInfo(xml: string): string {
  refuseDoctype(xml);
  const doc = parseXml(xml);
  const sig = doc.getElementsByTagNameNS(DS_NS, 'Signature')[0];
  const si = sig && firstChildElement(sig, 'SignedInfo');
  if (!si) throw new Error('canonicalSignedInfo: no ds:Signature/ds:SignedInfo');
  return canonicalize(si, inScopeNamespaces(si));
}
