/**
 * Signing and verifying CEB messages: enveloped W3C XML-DSig as the last child of the CEB root,
 * inclusive C14N 1.0, SM2 with SM3 and the default user ID 1234567812345678 (raw r‖s), or legacy
 * RSA-SHA1. Exactly the procedure of shared/spec/signatures.md.
 *
 * Pure functions. The DOM used here (@xmldom/xmldom, via xml-crypto's canonicalizer) is slower than
 * the project's saxes parser; signing and verifying are not the hot path of ingest. Documents with
 * a DOCTYPE are refused before any parsing.
 */
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { C14nCanonicalization } from 'xml-crypto';
import { sm2 } from 'sm-crypto-v2';
import { decodeXml } from './decode.ts';
import { children, readCertificate, readTlv, sm2PrivateScalar, type ParsedCertificate, type Tlv } from './certificate.ts';

export type Algorithm = 'sm2-sm3' | 'rsa-sha1';

/**
 * A software signing key. `privateKeyPem`: an SM2 key (PKCS#8 as made by
 * `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2`, or SEC1) or an RSA key;
 * `certificateDer`: the matching X.509 certificate in DER.
 */
export interface SigningKey {
  algorithm: Algorithm;
  privateKeyPem: string;
  certificateDer: Buffer;
}

export interface CertificateInfo {
  der: Buffer;
  /** Serial number in lower-case hex with leading zeros (the KeyName form). */
  serialHex: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, lower-case hex without separators. */
  fingerprintSha256: string;
}

export interface Verification {
  ok: boolean;
  algorithm?: Algorithm | 'sm2-sha1-variant';
  certificate?: CertificateInfo;
  reason?: string;
}

// ---------------------------------------------------------------------------------------------
// Constants

export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
const CEB_NS = 'http://www.chinaport.gov.cn/ceb';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

export const URI = {
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  sm2sm3: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3',
  sm3: 'http://www.chinaport.gov.cn/2022/04/xmldsig#sm3',
  /** The de-facto variant emitted by the only public SM2 tool (with a SHA-1 digest). */
  sm2sm3Variant: 'http://www.w3.org/2000/09/xmldsig#sm2-sm3',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/** GM/T 0009 default user ID used for the SM2 Z value. */
const SM2_USER_ID = '1234567812345678';

const DIGESTS: Record<string, 'sm3' | 'sha1' | 'sha256'> = { [URI.sm3]: 'sm3', [URI.sha1]: 'sha1', [URI.sha256]: 'sha256' };
const SIGNATURE_METHODS: Record<string, Algorithm | 'sm2-sha1-variant'> = {
  [URI.sm2sm3]: 'sm2-sm3',
  [URI.sm2sm3Variant]: 'sm2-sha1-variant',
  [URI.rsaSha1]: 'rsa-sha1',
};

// ---------------------------------------------------------------------------------------------
// Signing

/**
 * Returns `xml` with a ds:Signature appended as the last child of its root (no whitespace
 * inserted before it). Adds `xmlns:xsi` to the root start tag when missing, before signing.
 * Throws on a DOCTYPE, a document that already holds a ds:Signature, a root that does not declare
 * `xmlns:ceb`, or a key that does not match its certificate.
 */
export function signCeb(xml: string, key: SigningKey): string {
  refuseDoctype(xml);
  const cert = readCertificate(key.certificateDer);
  const signer = signerFor(key, cert);

  let text = xml;
  let doc = parseXml(text);
  let root = doc.documentElement;
  if (!root) throw new Error('signCeb: no root element');
  if (doc.getElementsByTagNameNS(DS_NS, 'Signature').length > 0) throw new Error('signCeb: the document already contains a ds:Signature');
  if (root.getAttribute('xmlns:ceb') !== CEB_NS) {
    throw new Error(`signCeb: the root must declare xmlns:ceb="${CEB_NS}"`);
  }
  if (!root.hasAttribute('xmlns:xsi')) {
    const m = ROOT_START.exec(text);
    if (!m) throw new Error('signCeb: cannot locate the root start tag');
    const at = m[0].length;
    text = `${text.slice(0, at)} xmlns:xsi="${XSI_NS}"${text.slice(at)}`;
    doc = parseXml(text);
    root = doc.documentElement;
  } else if (root.getAttribute('xmlns:xsi') !== XSI_NS) {
    throw new Error(`signCeb: the root binds xsi to a namespace other than ${XSI_NS}`);
  }

  // Where the Signature goes: right before the root's end tag, after whatever precedes it.
  const endTag = `</${root.tagName}`;
  const close = text.lastIndexOf(endTag);
  if (close < 0 || !TRAILER.test(text.slice(close + endTag.length))) throw new Error('signCeb: cannot locate the root end tag');

  const digestAlg = key.algorithm === 'sm2-sm3' ? 'sm3' : 'sha1';
  const digest = createHash(digestAlg).update(canonicalDocument(doc), 'utf8').digest('base64');
  const signedInfo =
    '<ds:SignedInfo>' +
    `<ds:CanonicalizationMethod Algorithm="${URI.c14n}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${key.algorithm === 'sm2-sm3' ? URI.sm2sm3 : URI.rsaSha1}"></ds:SignatureMethod>` +
    '<ds:Reference URI="">' +
    `<ds:Transforms><ds:Transform Algorithm="${URI.enveloped}"></ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${key.algorithm === 'sm2-sm3' ? URI.sm3 : URI.sha1}"></ds:DigestMethod>` +
    `<ds:DigestValue>${digest}</ds:DigestValue>` +
    '</ds:Reference>' +
    '</ds:SignedInfo>';

  // SignedInfo canonicalized in its final place: the Signature is a child of the root, so the
  // in-scope namespaces are the root's declarations plus ds (inclusive C14N renders them all).
  const fragment = parseXml(`<ds:Signature xmlns:ds="${DS_NS}">${signedInfo}</ds:Signature>`);
  const si = firstChildElement(fragment.documentElement!, 'SignedInfo')!;
  const canonicalSignedInfo = canonicalize(si, inScopeNamespaces(si, namespacesDeclaredOn(root)));
  const signatureValue = signer(Buffer.from(canonicalSignedInfo, 'utf8')).toString('base64');

  const signature =
    `<ds:Signature xmlns:ds="${DS_NS}">` +
    signedInfo +
    `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:KeyName>${cert.info.serialHex}</ds:KeyName>` +
    `<ds:X509Data><ds:X509Certificate>${cert.info.der.toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    '</ds:Signature>';
  return text.slice(0, close) + signature + text.slice(close);
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

type Signer = (data: Buffer) => Buffer;

function signerFor(key: SigningKey, cert: ParsedCertificate): Signer {
  const pk = createPrivateKey(key.privateKeyPem);
  if (key.algorithm === 'sm2-sm3') {
    const d = sm2PrivateScalar(pk.export({ type: 'pkcs8', format: 'der' }));
    const publicKey = sm2.getPublicKeyFromPrivateKey(d);
    if (!cert.sm2PublicKey) throw new Error('signCeb: the certificate does not hold an SM2 public key');
    if (publicKey.toLowerCase() !== cert.sm2PublicKey) throw new Error('signCeb: the private key does not match the certificate');
    return (data) => Buffer.from(sm2.doSignature(data, d, { hash: true, der: false, userId: SM2_USER_ID, publicKey }), 'hex');
  }
  if (key.algorithm === 'rsa-sha1') {
    if (pk.asymmetricKeyType !== 'rsa') throw new Error('signCeb: rsa-sha1 needs an RSA private key');
    const mine = createPublicKey(pk).export({ type: 'spki', format: 'der' });
    if (!cert.x509 || !mine.equals(cert.x509.publicKey.export({ type: 'spki', format: 'der' }))) {
      throw new Error('signCeb: the private key does not match the certificate');
    }
    return (data) => cryptoSign('sha1', data, pk);
  }
  throw new Error(`signCeb: unknown algorithm ${String(key.algorithm)}`);
}

// ---------------------------------------------------------------------------------------------
// Verification

/**
 * Verifies the enveloped signature of a CEB message. Does not judge the certificate (issuer,
 * validity, registration to the sender): the caller does, from `certificate`.
 */
export function verifyCeb(xml: string | Buffer): Verification {
  let text: string;
  if (typeof xml === 'string') {
    text = xml;
  } else {
    const decoded = decodeXml(xml);
    if (!decoded.ok) return { ok: false, reason: `undecodable: expected ${decoded.expected}, got ${decoded.actual}` };
    text = decoded.text;
  }
  if (text.includes('<!DOCTYPE')) return { ok: false, reason: 'DOCTYPE not allowed' };

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

const precomputed = new Map<string, ReturnType<typeof sm2.precomputePublicKey>>();

function sm2Verify(data: Buffer, rsHex: string, publicKeyHex: string): boolean {
  let point = precomputed.get(publicKeyHex);
  if (!point) {
    point = sm2.precomputePublicKey(publicKeyHex);
    if (precomputed.size >= 256) precomputed.delete(precomputed.keys().next().value!);
    precomputed.set(publicKeyHex, point);
  }
  try {
    return sm2.doVerifySignature(data, rsHex, point, { hash: true, der: false, userId: SM2_USER_ID });
  } catch {
    return false;
  }
}

/** A signature value as 128 hex digits r‖s: raw 64 bytes, or DER SEQUENCE { r INTEGER, s INTEGER }. */
function sm2RawSignature(value: Buffer): string | null {
  if (value.length === 64) return value.toString('hex');
  try {
    const seq = readTlv(value, 0);
    if (seq.tag !== 0x30 || seq.next !== value.length) return null;
    const [r, s] = children(value, seq);
    if (!r || !s || r.tag !== 0x02 || s.tag !== 0x02) return null;
    const int = (t: Tlv) => {
      let b = value.subarray(t.start, t.end);
      while (b.length > 32 && b[0] === 0) b = b.subarray(1);
      return b.length > 32 ? null : b.toString('hex').padStart(64, '0');
    };
    const rh = int(r);
    const sh = int(s);
    return rh && sh ? rh + sh : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// XML helpers

/** The prolog up to and including the root element's name. */
const ROOT_START = /^\uFEFF?(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<[^\s/>]+/;
/** What may follow the root's end tag name: `>` then misc. */
const TRAILER = /^\s*>(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*$/;

function refuseDoctype(xml: string): void {
  if (xml.includes('<!DOCTYPE')) throw new Error('DOCTYPE not allowed');
}

function parseXml(text: string): Document {
  const fail = (msg: unknown) => {
    throw new Error(String(msg).replace(/^\[xmldom [a-z]+\]\s*/, '').split('\n')[0]);
  };
  // Warnings too: xmldom only warns on e.g. mismatched end tags.
  return new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(text, 'text/xml') as unknown as Document;
}

function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

function isDs(el: Element | undefined, local: string): el is Element {
  return el !== undefined && el.namespaceURI === DS_NS && el.localName === local;
}

function firstChildElement(el: Element, local: string): Element | undefined {
  return childElements(el).find((c) => isDs(c, local));
}

function descendantsDs(el: Element, local: string): Element[] {
  return Array.from(el.getElementsByTagNameNS(DS_NS, local));
}

function stripSpace(s: string): string {
  return s.replace(/\s+/g, '');
}

interface NamespacePrefix {
  prefix: string;
  namespaceURI: string;
}

function namespacesDeclaredOn(el: Element): NamespacePrefix[] {
  const out: NamespacePrefix[] = [];
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes[i];
    if (a.name === 'xmlns') out.push({ prefix: '', namespaceURI: a.value });
    else if (a.name.startsWith('xmlns:')) out.push({ prefix: a.name.slice(6), namespaceURI: a.value });
  }
  return out;
}

/**
 * The namespaces declared on the ancestors of `el` (nearest binding wins, undeclarations
 * dropped), plus `outer` for ancestors beyond the parsed tree: what inclusive C14N renders on the
 * apex of a document subset.
 */
function inScopeNamespaces(el: Element, outer: NamespacePrefix[] = []): NamespacePrefix[] {
  const seen = new Map<string, string>();
  for (let p = el.parentNode; p && p.nodeType === 1; p = p.parentNode) {
    for (const ns of namespacesDeclaredOn(p as Element)) if (!seen.has(ns.prefix)) seen.set(ns.prefix, ns.namespaceURI);
  }
  for (const ns of outer) if (!seen.has(ns.prefix)) seen.set(ns.prefix, ns.namespaceURI);
  return [...seen].filter(([, uri]) => uri !== '').map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

const c14n = new C14nCanonicalization();

function canonicalize(el: Element, ancestorNamespaces: NamespacePrefix[]): string {
  return c14n.process(el, { ancestorNamespaces });
}

/** C14N 1.0 (no comments) of a whole document: the root, with processing instructions outside it. */
function canonicalDocument(doc: Document): string {
  const parts: string[] = [];
  let afterRoot = false;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      parts.push(canonicalize(n as Element, []));
      afterRoot = true;
    } else if (n.nodeType === 7) {
      const pi = n as ProcessingInstruction;
      if (pi.target.toLowerCase() === 'xml') continue;
      const s = `<?${pi.target}${pi.data ? ` ${pi.data}` : ''}?>`;
      parts.push(afterRoot ? `\n${s}` : `${s}\n`);
    }
  }
  return parts.join('');
}
