/**
 * Signing and verifying CEB messages: enveloped W3C XML-DSig as the last child of the CEB root,
 * inclusive C14N 1.0, SM2 with SM3 and the default user ID 1234567812345678 (raw r‖s), or legacy
 * RSA-SHA1. Exactly the procedure of shared/spec/signatures.md.
 *
 * Pure functions. Verification runs at ingest, per signed message: the usual shape is verified in
 * one streaming pass (c14n.ts); anything else, and every refusal, goes through the DOM path
 * (@xmldom/xmldom, xml-crypto's canonicalizer), which is several times slower. Documents with a
 * DOCTYPE are refused before any parsing.
 */
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { C14nCanonicalization } from 'xml-crypto';
import { sm2 } from 'sm-crypto-v2';
import { decodeXml } from './decode.ts';
import { children, readCertificate, readTlv, sm2PrivateScalar, type ParsedCertificate, type Tlv } from './certificate.ts';
import { canonicalUnsigned, envelopedParts, escAttr, type SigNode } from './c14n.ts';

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
  const { cert, signer } = keyMaterial(key);
  const { text, rootName, canonical, rootNamespaces } = prepareStreaming(xml) ?? prepareDom(xml);

  // Where the Signature goes: right before the root's end tag, after whatever precedes it.
  const endTag = `</${rootName}`;
  const close = text.lastIndexOf(endTag);
  if (close < 0 || !TRAILER.test(text.slice(close + endTag.length))) throw new Error('signCeb: cannot locate the root end tag');

  const digestAlg = key.algorithm === 'sm2-sm3' ? 'sm3' : 'sha1';
  const digest = createHash(digestAlg).update(canonical, 'utf8').digest('base64');
  const inner =
    `<ds:CanonicalizationMethod Algorithm="${URI.c14n}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${key.algorithm === 'sm2-sm3' ? URI.sm2sm3 : URI.rsaSha1}"></ds:SignatureMethod>` +
    '<ds:Reference URI="">' +
    `<ds:Transforms><ds:Transform Algorithm="${URI.enveloped}"></ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${key.algorithm === 'sm2-sm3' ? URI.sm3 : URI.sha1}"></ds:DigestMethod>` +
    `<ds:DigestValue>${digest}</ds:DigestValue>` +
    '</ds:Reference>';

  // SignedInfo canonicalized in its final place: the Signature is a child of the root, so the
  // in-scope namespaces are the root's declarations plus ds (inclusive C14N renders them all,
  // sorted); its content is canonical as written.
  const scope = new Map(rootNamespaces.map((n) => [n.prefix, n.namespaceURI]));
  scope.set('ds', DS_NS);
  const declarations = [...scope]
    .filter(([prefix, uri]) => prefix !== 'xml' && !(prefix === '' && uri === ''))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([prefix, uri]) => (prefix === '' ? ` xmlns="${escAttr(uri)}"` : ` xmlns:${prefix}="${escAttr(uri)}"`))
    .join('');
  const signatureValue = signer(Buffer.from(`<ds:SignedInfo${declarations}>${inner}</ds:SignedInfo>`, 'utf8')).toString('base64');

  const signature =
    `<ds:Signature xmlns:ds="${DS_NS}">` +
    `<ds:SignedInfo>${inner}</ds:SignedInfo>` +
    `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:KeyName>${cert.info.serialHex}</ds:KeyName>` +
    `<ds:X509Data><ds:X509Certificate>${cert.info.der.toString('base64')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    '</ds:Signature>';
  return text.slice(0, close) + signature + text.slice(close);
}

interface Prepared {
  /** The document as it will be signed (xmlns:xsi declared on the root). */
  text: string;
  rootName: string;
  /** Its canonical form. */
  canonical: string;
  rootNamespaces: NamespacePrefix[];
}

/** Checks the root's declarations and declares xsi on it when missing; throws on what cannot be signed. */
function checkRoot(declared: (prefix: string) => string | null, hasSignature: boolean): 'ok' | 'add-xsi' {
  if (hasSignature) throw new Error('signCeb: the document already contains a ds:Signature');
  if (declared('ceb') !== CEB_NS) throw new Error(`signCeb: the root must declare xmlns:ceb="${CEB_NS}"`);
  const xsi = declared('xsi');
  if (xsi === null) return 'add-xsi';
  if (xsi !== XSI_NS) throw new Error(`signCeb: the root binds xsi to a namespace other than ${XSI_NS}`);
  return 'ok';
}

function withXsi(text: string): string {
  const m = ROOT_START.exec(text);
  if (!m) throw new Error('signCeb: cannot locate the root start tag');
  const at = m[0].length;
  return `${text.slice(0, at)} xmlns:xsi="${XSI_NS}"${text.slice(at)}`;
}

/** The usual case, in one streaming pass; null: the DOM path decides. */
function prepareStreaming(xml: string): Prepared | null {
  // Canonicalized as if the root declared xsi; a root that declares it itself keeps its own binding.
  const u = canonicalUnsigned(xml, { xsi: XSI_NS });
  if (!u) return null;
  const own = u.rootOwn;
  const added = checkRoot((p) => (Object.hasOwn(own, p) ? own[p] : null), u.signatures > 0) === 'add-xsi';
  return {
    text: added ? withXsi(xml) : xml,
    rootName: u.rootName,
    canonical: u.document,
    rootNamespaces: Object.entries(u.rootDeclared).map(([prefix, namespaceURI]) => ({ prefix, namespaceURI })),
  };
}

function prepareDom(xml: string): Prepared {
  let text = xml;
  let doc = parseXml(text);
  let root = doc.documentElement;
  if (!root) throw new Error('signCeb: no root element');
  const hasSignature = doc.getElementsByTagNameNS(DS_NS, 'Signature').length > 0;
  const r = root;
  if (checkRoot((p) => (r.hasAttribute(`xmlns:${p}`) ? r.getAttribute(`xmlns:${p}`) : null), hasSignature) === 'add-xsi') {
    text = withXsi(text);
    doc = parseXml(text);
    root = doc.documentElement!;
  }
  return { text, rootName: root.tagName, canonical: canonicalDocument(doc), rootNamespaces: namespacesDeclaredOn(root) };
}

/** Key and certificate, checked to belong together, kept for the next signature with the same key. */
const keys = new Map<string, { algorithm: Algorithm; der: Buffer; cert: ParsedCertificate; signer: Signer }>();

function keyMaterial(key: SigningKey): { cert: ParsedCertificate; signer: Signer } {
  const hit = keys.get(key.privateKeyPem);
  if (hit && hit.algorithm === key.algorithm && hit.der.equals(key.certificateDer)) return hit;
  const cert = readCertificate(key.certificateDer);
  const signer = signerFor(key, cert);
  if (keys.size >= 64) keys.delete(keys.keys().next().value!);
  keys.set(key.privateKeyPem, { algorithm: key.algorithm, der: Buffer.from(key.certificateDer), cert, signer });
  return { cert, signer };
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

/**
 * The streaming path: only the exact shape signCeb makes and u-key tools emit (SignedInfo,
 * SignatureValue, KeyInfo; one Reference URI="" with the enveloped transform). Answers a good
 * verification or null — never a refusal, so a shape it does not know costs time, not a verdict.
 */
export function verifyStreaming(text: string): Verification | null {
  try {
    return streaming(text);
  } catch {
    return null;
  }
}

function streaming(text: string): Verification | null {
  const parts = envelopedParts(text);
  if (!parts) return null;
  const ds = (n: SigNode | undefined, local: string): n is SigNode => n !== undefined && n.ns === DS_NS && n.local === local;
  const leaf = (n: SigNode) => (n.children.length ? null : stripSpace(n.text));
  const [si, sv, ki, ...rest] = parts.signature.children;
  if (!ds(si, 'SignedInfo') || !ds(sv, 'SignatureValue') || !ds(ki, 'KeyInfo') || rest.length) return null;
  const [cm, sm, ref, ...more] = si.children;
  if (!ds(cm, 'CanonicalizationMethod') || !ds(sm, 'SignatureMethod') || !ds(ref, 'Reference') || more.length) return null;
  if (cm.attrs.Algorithm !== URI.c14n || ref.attrs.URI !== '') return null;
  const algorithm = Object.hasOwn(SIGNATURE_METHODS, sm.attrs.Algorithm ?? '') ? SIGNATURE_METHODS[sm.attrs.Algorithm] : undefined;
  if (!algorithm) return null;
  const [tr, dm, dv, ...extra] = ref.children;
  if (!ds(tr, 'Transforms') || !ds(dm, 'DigestMethod') || !ds(dv, 'DigestValue') || extra.length) return null;
  const t = tr.children;
  if (t.length < 1 || t.length > 2 || !t.every((x) => ds(x, 'Transform')) || t[0].attrs.Algorithm !== URI.enveloped || (t[1] && t[1].attrs.Algorithm !== URI.c14n)) return null;
  const digestAlg = Object.hasOwn(DIGESTS, dm.attrs.Algorithm ?? '') ? DIGESTS[dm.attrs.Algorithm] : undefined;
  if (!digestAlg) return null;
  const certEl = firstDs(ki, 'X509Certificate');
  const certB64 = certEl && leaf(certEl);
  const digestB64 = leaf(dv);
  const valueB64 = leaf(sv);
  if (!certB64 || digestB64 === null || valueB64 === null) return null;
  const cert = certificateOf(certB64);
  if (!cert) return null;
  if (!createHash(digestAlg).update(parts.document, 'utf8').digest().equals(Buffer.from(digestB64, 'base64'))) return null;
  const signed = Buffer.from(parts.signedInfo, 'utf8');
  const value = Buffer.from(valueB64, 'base64');
  let good = false;
  if (algorithm === 'rsa-sha1') {
    good = !!cert.x509 && cert.x509.publicKey.asymmetricKeyType === 'rsa' && cryptoVerify('sha1', signed, cert.x509.publicKey, value);
  } else if (cert.sm2PublicKey) {
    const rs = sm2RawSignature(value);
    good = rs !== null && sm2Verify(signed, rs, cert.sm2PublicKey);
  }
  return good ? { ok: true, algorithm, certificate: cert.info } : null;
}

/** Parsed certificates by their base64 text: an enterprise signs every message with the same one. */
const certificates = new Map<string, ParsedCertificate | null>();

function certificateOf(b64: string): ParsedCertificate | null {
  let cert = certificates.get(b64);
  if (cert === undefined) {
    try {
      cert = readCertificate(Buffer.from(b64, 'base64'));
    } catch {
      cert = null;
    }
    if (certificates.size >= 256) certificates.delete(certificates.keys().next().value!);
    certificates.set(b64, cert);
  }
  return cert;
}

function firstDs(n: SigNode, local: string): SigNode | undefined {
  for (const c of n.children) {
    if (c.ns === DS_NS && c.local === local) return c;
    const deeper = firstDs(c, local);
    if (deeper) return deeper;
  }
  return undefined;
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

const precomputed = new Map<string, ReturnType<typeof sm2.precomputePublicKey>>();

function sm2Verify(data: Buffer, rsHex: string, publicKeyHex: string): boolean {
  try {
    // A certificate is read before anything vouches for it: its "point" may lie off the curve.
    let point = precomputed.get(publicKeyHex);
    if (!point) {
      point = sm2.precomputePublicKey(publicKeyHex);
      if (precomputed.size >= 256) precomputed.delete(precomputed.keys().next().value!);
      precomputed.set(publicKeyHex, point);
    }
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

/**
 * Misc (whitespace, processing instructions, comments) in a form with one parse only: a run of
 * whitespace or of comments that could be split several ways makes a failing match exponential.
 */
const MISC = String.raw`(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->)*`;
/** The prolog up to and including the root element's name. */
const ROOT_START = new RegExp(String.raw`^\uFEFF?${MISC}<[^\s/>]+`);
/** What may follow the root's end tag name: `>` then misc. */
const TRAILER = new RegExp(String.raw`^\s*>${MISC}$`);

/** Any spelling xmldom would read as a DTD or an entity declaration never reaches it. */
const DTD = /<!(?:DOCTYPE|ENTITY)/i;

function refuseDoctype(xml: string): void {
  if (DTD.test(xml)) throw new Error('DOCTYPE not allowed');
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
