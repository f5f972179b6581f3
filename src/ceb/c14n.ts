/**
 * Inclusive C14N 1.0 (without comments) in one streaming pass (saxes, no DOM): the canonical
 * form of a document minus its enveloped ds:Signature, and of that signature's SignedInfo as a
 * document subset — the two byte strings an enveloped XML-DSig covers.
 *
 * The fast path of signature verification (dsig.ts): it handles the usual shape only and answers
 * null for anything else (processing instructions, xml:* attributes above SignedInfo, a
 * signature that is not a child of the root, several signatures…), where the DOM path decides.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** An element of the ds:Signature subtree: just what the structural checks read. */
export interface SigNode {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: SigNode[];
  text: string;
}

export interface EnvelopedParts {
  /** C14N of the document without its ds:Signature element (the enveloped-signature transform). */
  document: string;
  /** C14N of ds:SignedInfo in its place (every in-scope namespace rendered on it). */
  signedInfo: string;
  signature: SigNode;
}

type Scope = Record<string, string>;
/** No namespace bound: the default namespace is empty. */
const EMPTY_SCOPE: Scope = { '': '' };

const escText = (s: string) => (/[&<>\r]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;') : s);
export const escAttr = (s: string) =>
  /[&<"\t\n\r]/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;')
    : s;

/** One canonical output: elements render the namespaces that differ from their output parent's. */
class Writer {
  readonly out: string[] = [];
  private readonly scopes: Scope[] = [];

  open(tag: SaxesTagNS, scope: Scope): void {
    const parent = this.scopes.length ? this.scopes[this.scopes.length - 1] : EMPTY_SCOPE;
    let s = `<${tag.name}`;
    // Most elements declare nothing and share their parent's scope object: nothing to render.
    if (scope !== parent) {
      for (const p of Object.keys(scope).sort()) {
        if (p === 'xml' || parent[p] === scope[p]) continue;
        s += p === '' ? ` xmlns="${escAttr(scope[p])}"` : ` xmlns:${p}="${escAttr(scope[p])}"`;
      }
    }
    const attrs = Object.values(tag.attributes);
    if (attrs.length) {
      const own = attrs.filter((a) => a.uri !== XMLNS_NS && a.name !== 'xmlns' && a.prefix !== 'xmlns');
      if (own.length > 1) own.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.local < b.local ? -1 : a.local > b.local ? 1 : 0));
      for (const a of own) s += ` ${a.name}="${escAttr(a.value)}"`;
    }
    this.out.push(`${s}>`);
    this.scopes.push(scope);
  }

  close(tag: SaxesTagNS): void {
    this.out.push(`</${tag.name}>`);
    this.scopes.pop();
  }

  text(t: string): void {
    this.out.push(escText(t));
  }
}

class Unsupported extends Error {}

export function envelopedParts(text: string): EnvelopedParts | null {
  const r = scan(text);
  if (!r || !r.signature || r.signatures !== 1 || !r.seenSi) return null;
  return { document: r.document, signedInfo: r.signedInfo, signature: r.signature };
}

/** An unsigned document's canonical form, with its root's name and namespace declarations (for signing). */
export interface Unsigned {
  document: string;
  rootName: string;
  /** Namespaces declared on the root element (with `addToRoot` where the root does not declare the prefix): prefix ('' for the default) → URI. */
  rootDeclared: Record<string, string>;
  /** What the root element itself declares. */
  rootOwn: Record<string, string>;
  /** ds:Signature elements met (one, as a child of the root; more make the scan give up). */
  signatures: number;
}

/** `addToRoot`: namespaces to canonicalize as if the root declared them too (signCeb adds xmlns:xsi). */
export function canonicalUnsigned(text: string, addToRoot: Record<string, string> = {}): Unsigned | null {
  const r = scan(text, addToRoot);
  return r && { document: r.document, rootName: r.rootName, rootDeclared: r.rootDeclared, rootOwn: r.rootOwn, signatures: r.signatures };
}

function scan(text: string, addToRoot: Record<string, string> = {}) {
  const doc = new Writer();
  const si = new Writer();
  const scopes: Scope[] = [EMPTY_SCOPE];
  const tree: SigNode[] = [];
  let signature: SigNode | null = null;
  let signatures = 0;
  let depth = 0;
  /** Depth of the ds:Signature element while inside it, and of ds:SignedInfo while inside that. */
  let inSig = 0;
  let inSi = 0;
  let seenSi = false;
  let rootName = '';
  let rootDeclared: Record<string, string> = {};
  let rootOwn: Record<string, string> = {};

  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (tag) => {
    depth++;
    const parentScope = scopes[scopes.length - 1];
    const declared = depth === 1 ? { ...addToRoot, ...tag.ns } : tag.ns;
    const own = Object.keys(declared);
    let scope = parentScope;
    if (own.length) {
      scope = { ...parentScope };
      for (const p of own) scope[p] = declared[p];
    }
    scopes.push(scope);
    if (depth === 1) {
      rootName = tag.name;
      rootDeclared = declared;
      rootOwn = tag.ns;
    }
    const hasXmlAttr = Object.values(tag.attributes).some((a) => a.uri === XML_NS);
    if (tag.uri === DS_NS && tag.local === 'Signature') {
      signatures++;
      // Only a single signature, child of the root, with no xml:* attribute above SignedInfo.
      if (signatures > 1 || depth !== 2 || inSig || hasXmlAttr) throw new Unsupported();
      inSig = depth;
    }
    if (depth === 1 && hasXmlAttr) throw new Unsupported();
    if (!inSig) {
      doc.open(tag, scope);
      return;
    }
    const node: SigNode = { ns: tag.uri, local: tag.local, attrs: {}, children: [], text: '' };
    for (const a of Object.values(tag.attributes)) if (a.uri !== XMLNS_NS && a.name !== 'xmlns') node.attrs[a.name] = a.value;
    if (tree.length) tree[tree.length - 1].children.push(node);
    else signature = node;
    tree.push(node);
    if (depth === inSig + 1 && tag.uri === DS_NS && tag.local === 'SignedInfo' && !seenSi) {
      seenSi = true;
      inSi = depth;
    }
    if (inSi) si.open(tag, scope);
  });
  parser.on('closetag', (tag) => {
    if (!inSig) doc.close(tag);
    else {
      tree.pop();
      if (inSi) si.close(tag);
      if (depth === inSi) inSi = 0;
      if (depth === inSig) inSig = 0;
    }
    scopes.pop();
    depth--;
  });
  const onText = (t: string) => {
    if (depth === 0) return; // whitespace around the root is not part of the canonical form
    if (!inSig) doc.text(t);
    else {
      tree[tree.length - 1].text += t;
      if (inSi) si.text(t);
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('processinginstruction', () => {
    throw new Unsupported();
  });
  parser.on('doctype', () => {
    throw new Unsupported();
  });
  parser.on('error', () => {
    throw new Unsupported();
  });
  try {
    parser.write(text).close();
  } catch {
    return null;
  }
  return { document: doc.out.join(''), signedInfo: si.out.join(''), signature: signature as SigNode | null, signatures, seenSi, rootName, rootDeclared, rootOwn };
}
