/** XML helpers of the DOM path: DOCTYPE refusal, hardened parsing, ds: element lookup, inclusive C14N 1.0 with xml-crypto. */
import { DOMParser } from '@xmldom/xmldom';
import { C14nCanonicalization } from 'xml-crypto';
import { DS_NS } from './dsig-model.ts';

/**
 * Misc (whitespace, processing instructions, comments) in a form with one parse only: a run of
 * whitespace or of comments that could be split several ways makes a failing match exponential.
 */
const MISC = String.raw`(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->)*`;
/** The prolog up to and including the root element's name. */
export const ROOT_START = new RegExp(String.raw`^\uFEFF?${MISC}<[^\s/>]+`);
/** What may follow the root's end tag name: `>` then misc. */
export const TRAILER = new RegExp(String.raw`^\s*>${MISC}$`);

/** Any spelling xmldom would read as a DTD or an entity declaration never reaches it. */
export const DTD = /<!(?:DOCTYPE|ENTITY)/i;

export function refuseDoctype(xml: string): void {
  if (DTD.test(xml)) throw new Error('DOCTYPE not allowed');
}

export function parseXml(text: string): Document {
  const fail = (msg: unknown) => {
    throw new Error(String(msg).replace(/^\[xmldom [a-z]+\]\s*/, '').split('\n')[0]);
  };
  // Warnings too: xmldom only warns on e.g. mismatched end tags.
  return new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(text, 'text/xml') as unknown as Document;
}

export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

export function isDs(el: Element | undefined, local: string): el is Element {
  return el !== undefined && el.namespaceURI === DS_NS && el.localName === local;
}

export function firstChildElement(el: Element, local: string): Element | undefined {
  return childElements(el).find((c) => isDs(c, local));
}

export function descendantsDs(el: Element, local: string): Element[] {
  return Array.from(el.getElementsByTagNameNS(DS_NS, local));
}

export function stripSpace(s: string): string {
  return s.replace(/\s+/g, '');
}

export interface NamespacePrefix {
  prefix: string;
  namespaceURI: string;
}

export function namespacesDeclaredOn(el: Element): NamespacePrefix[] {
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
export function inScopeNamespaces(el: Element, outer: NamespacePrefix[] = []): NamespacePrefix[] {
  const seen = new Map<string, string>();
  for (let p = el.parentNode; p && p.nodeType === 1; p = p.parentNode) {
    for (const ns of namespacesDeclaredOn(p as Element)) if (!seen.has(ns.prefix)) seen.set(ns.prefix, ns.namespaceURI);
  }
  for (const ns of outer) if (!seen.has(ns.prefix)) seen.set(ns.prefix, ns.namespaceURI);
  return [...seen].filter(([, uri]) => uri !== '').map(([prefix, namespaceURI]) => ({ prefix, namespaceURI }));
}

const c14n = new C14nCanonicalization();

export function canonicalize(el: Element, ancestorNamespaces: NamespacePrefix[]): string {
  return c14n.process(el, { ancestorNamespaces });
}

/** C14N 1.0 (no comments) of a whole document: the root, with processing instructions outside it. */
export function canonicalDocument(doc: Document): string {
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
