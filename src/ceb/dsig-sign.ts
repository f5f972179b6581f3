/** Signing a CEB message: the enveloped ds:Signature, prepared in one streaming pass or, failing that, on the DOM. */
import { createHash } from 'node:crypto';
import { readCertificate, type ParsedCertificate } from './certificate.ts';
import { canonicalUnsigned, escAttr } from './c14n.ts';
import { signerFor, type Signer } from './dsig-crypto.ts';
import { CEB_NS, DS_NS, URI, XSI_NS, type Algorithm, type SigningKey } from './dsig-model.ts';
import { MESSAGES } from './schema/index.ts';
import { ROOT_START, TRAILER, canonicalDocument, namespacesDeclaredOn, parseXml, refuseDoctype, type NamespacePrefix } from './dsig-xml.ts';

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

  // Where the Signature goes: right before the root's end tag, after whatever precedes it — except
  // in an export message, whose XSD puts it before the (optional, last) ExtendMessage.
  const endTag = `</${rootName}`;
  const end = text.lastIndexOf(endTag);
  if (end < 0 || !TRAILER.test(text.slice(end + endTag.length))) throw new Error('signCeb: cannot locate the root end tag');
  const close = beforeExtendMessage(text, rootName, end) ?? end;

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

/**
 * In an export message (root CEBnnnMessage of the export family), the offset of a root-level
 * ExtendMessage start tag: the last child, so the last such tag before the root end (Message
 * content is text, where a "<" is escaped).
 */
function beforeExtendMessage(text: string, rootName: string, end: number): number | null {
  const colon = rootName.indexOf(':');
  const local = rootName.slice(colon + 1);
  if (!Object.hasOwn(MESSAGES, local) || MESSAGES[local].family !== 'export') return null;
  const tag = `<${colon >= 0 ? rootName.slice(0, colon + 1) : ''}ExtendMessage`;
  const at = text.lastIndexOf(tag, end);
  return at >= 0 && /[\s>/]/.test(text[at + tag.length] ?? '') ? at : null;
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
