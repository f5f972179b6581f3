/**
 * Streaming, namespace-aware parser that validates a CEB or DXP document against its field
 * table while reading it, and yields the JSON form directly (no intermediate DOM).
 *
 * Safety: any DOCTYPE is refused outright (so no external entity, no entity expansion and no
 * DTD-driven blow-up can happen), and so is any processing instruction but the XML declaration.
 * Every size is capped by a named limit (DEFAULT_LIMITS) whose refusal names the rule
 * (`limit.depth` …), what was allowed and what came; the parse stops at the first one.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { decodeXml } from './decode.ts';
import { MESSAGES, type ElementDef, type MessageDef } from './schema/index.ts';
import { checkValue, charLength } from './values.ts';
import { NS, nsUri } from './namespaces.ts';

export interface Issue {
  /** Where, in the JSON form's notation: CEB311Message.Order[0].OrderHead.orderNo */
  path: string;
  rule: string;
  expected: string;
  actual: string;
}

export type CebValue = string | CebNode | Array<string | CebNode>;
export interface CebNode {
  [key: string]: CebValue;
}

export interface ParsedDocument {
  root: string;
  def: MessageDef;
  /** The JSON form of the root element: attributes and children, in schema order. */
  body: CebNode;
  encoding: 'UTF-8' | 'GB18030';
  /** The decoded text (needed to slice raw sub-documents). */
  text: string;
}

export type ParseOutcome = { ok: true; doc: ParsedDocument } | { ok: false; issues: Issue[] };

export interface ParseLimits {
  /** Bytes of the document (`limit.size`): a ceiling for every path, the HTTP body limit comes first. */
  maxBytes: number;
  /** Nesting of elements (`limit.depth`); a signed CEB message needs 7. */
  maxDepth: number;
  /** Elements in the document (`limit.elements`); a full CEB621 (100 inventories of 99 lines) has about 213,000. */
  maxElements: number;
  /** Attributes on one element, namespace declarations included (`limit.attributes`). */
  maxAttributes: number;
  /** Characters of one attribute value (`limit.attribute-length`). */
  maxAttributeLength: number;
  /** Characters of one text field (`limit.text-length`); the longest CEB field holds 5,000. Base64 fields (DxpMsg Data) are bounded by maxBytes only. */
  maxTextLength: number;
  /** Characters of an element or attribute name, prefix included (`limit.name-length`). */
  maxNameLength: number;
  /** Schema faults collected before the parse gives up. */
  maxIssues: number;
}

export const DEFAULT_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxDepth: 24,
  maxElements: 250_000,
  maxAttributes: 16,
  maxAttributeLength: 2048,
  maxTextLength: 65_536,
  maxNameLength: 128,
  maxIssues: 100,
});

/**
 * saxes adds one property per handler after construction; past six of them the parser object
 * loses its fast shape and every parse is a fifth slower. Declared in the constructor, it keeps it.
 */
class Parser extends SaxesParser<{ xmlns: true; position: true }> {
  constructor() {
    super({ xmlns: true, position: true });
    const self = this as unknown as Record<'xmldeclHandler' | 'textHandler' | 'piHandler' | 'doctypeHandler' | 'commentHandler' | 'openTagStartHandler' | 'attributeHandler' | 'openTagHandler' | 'closeTagHandler' | 'cdataHandler' | 'errorHandler' | 'endHandler' | 'readyHandler', unknown>;
    self.xmldeclHandler = undefined;
    self.textHandler = undefined;
    self.piHandler = undefined;
    self.doctypeHandler = undefined;
    self.commentHandler = undefined;
    self.openTagStartHandler = undefined;
    self.attributeHandler = undefined;
    self.openTagHandler = undefined;
    self.closeTagHandler = undefined;
    self.cdataHandler = undefined;
    self.errorHandler = undefined;
    self.endHandler = undefined;
    self.readyHandler = undefined;
  }
}

interface Frame {
  def: ElementDef;
  path: string;
  node: CebNode | null;
  text: string;
  /** Index of the schema child currently being filled, and how many of it were seen. */
  idx: number;
  count: number;
}

/** Structural faults stop the parse: what follows cannot be read against the table. */
class Stop extends Error {}

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';
const XSI_URI = 'http://www.w3.org/2001/XMLSchema-instance';

function show(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function parseDocument(
  bytes: Uint8Array,
  accept: (def: MessageDef) => string | null = () => null,
  limits: ParseLimits = DEFAULT_LIMITS,
): ParseOutcome {
  if (bytes.byteLength > limits.maxBytes) {
    return { ok: false, issues: [{ path: '', rule: 'limit.size', expected: `≤ ${limits.maxBytes} bytes`, actual: `${bytes.byteLength} bytes` }] };
  }
  const decoded = decodeXml(bytes);
  if (!decoded.ok) {
    return { ok: false, issues: [{ path: '', rule: decoded.rule, expected: decoded.expected, actual: decoded.actual }] };
  }
  return parseText(decoded.text, decoded.encoding, accept, limits);
}

export function parseText(
  text: string,
  encoding: 'UTF-8' | 'GB18030',
  accept: (def: MessageDef) => string | null = () => null,
  limits: ParseLimits = DEFAULT_LIMITS,
): ParseOutcome {
  const issues: Issue[] = [];
  const stack: Frame[] = [];
  let def: MessageDef | null = null;
  let body: CebNode | null = null;
  let anyDepth = 0;
  let anyStart = 0;
  let depth = 0;
  let elements = 0;

  const parser = new Parser();

  const fail = (issue: Issue): never => {
    issues.push(issue);
    throw new Stop();
  };
  const fault = (issue: Issue) => {
    issues.push(issue);
    if (issues.length >= limits.maxIssues) throw new Stop();
  };

  parser.on('doctype', () =>
    fail({ path: '', rule: 'no-doctype', expected: 'no DOCTYPE (DTDs and entities are refused)', actual: 'a DOCTYPE declaration' }),
  );
  parser.on('xmldecl', (decl) => {
    if (decl.version !== undefined && decl.version !== '1.0') {
      fail({ path: '', rule: 'xml-version', expected: 'version="1.0"', actual: `version="${show(decl.version, 20)}"` });
    }
  });
  parser.on('processinginstruction', (pi) =>
    fail({ path: currentPath(), rule: 'no-processing-instruction', expected: 'no processing instruction (only the <?xml …?> declaration)', actual: `<?${show(pi.target, 40)} …?>` }),
  );
  // A limit refuses the whole document: its issue comes first, before any schema fault met so far.
  const limit = (rule: string, expected: string, actual: string, path = currentPath()): never => {
    issues.unshift({ path, rule, expected, actual });
    throw new Stop();
  };
  parser.on('comment', (c) => {
    if (c.length > limits.maxTextLength) limit('limit.text-length', `comments of ≤ ${limits.maxTextLength} characters`, `${c.length} characters`);
  });
  /** Every element, inside `any` content too. */
  function checkLimits(tag: SaxesTagNS) {
    if (++elements > limits.maxElements) limit('limit.elements', `≤ ${limits.maxElements} elements`, `more than ${limits.maxElements} at <${show(tag.name, 40)}>`);
    if (depth > limits.maxDepth) limit('limit.depth', `≤ ${limits.maxDepth} levels of nesting`, `more than ${limits.maxDepth} at <${show(tag.name, 40)}>`);
    if (tag.name.length > limits.maxNameLength) limit('limit.name-length', `names of ≤ ${limits.maxNameLength} characters`, `${tag.name.length} characters in <${show(tag.name, 40)}>`);
    let count = 0;
    for (const name in tag.attributes) {
      if (++count > limits.maxAttributes) limit('limit.attributes', `≤ ${limits.maxAttributes} attributes on one element`, `more than ${limits.maxAttributes} on <${show(tag.name, 40)}>`);
      const value = tag.attributes[name].value;
      if (name.length > limits.maxNameLength) limit('limit.name-length', `names of ≤ ${limits.maxNameLength} characters`, `${name.length} characters in attribute ${show(name, 40)}`);
      if (value.length > limits.maxAttributeLength) {
        limit('limit.attribute-length', `attribute values of ≤ ${limits.maxAttributeLength} characters`, `${value.length} characters in ${show(name, 40)}`);
      }
    }
  }
  parser.on('error', (err) => fail({ path: currentPath(), rule: 'well-formed', expected: 'well-formed XML', actual: err.message }));

  function currentPath(): string {
    return stack.length ? stack[stack.length - 1].path : '';
  }

  parser.on('opentag', (tag: SaxesTagNS) => {
    depth++;
    checkLimits(tag);
    if (anyDepth > 0) {
      anyDepth++;
      return;
    }

    if (stack.length === 0) {
      openRoot(tag);
      return;
    }
    const parent = stack[stack.length - 1];
    if (!parent.def.children) {
      fail({ path: parent.path, rule: 'unexpected-element', expected: `text content (${parent.def.name} is a field)`, actual: `<${tag.name}>` });
    }
    const children = parent.def.children!;
    let i = parent.idx;
    while (i < children.length && children[i].name !== tag.local) i++;
    if (i === children.length) {
      const earlier = children.findIndex((c) => c.name === tag.local);
      const expected = expectedNext(parent);
      fail({
        path: parent.path ? `${parent.path}.${tag.local}` : tag.local,
        rule: earlier >= 0 ? 'order' : 'unexpected-element',
        expected: earlier >= 0 ? `${tag.local} before ${children[parent.idx]?.name ?? 'the end'} (schema order); next allowed: ${expected}` : `one of: ${expected}`,
        actual: `<${tag.name}>`,
      });
    }
    const child = children[i];
    if (i !== parent.idx || parent.count === 0) {
      // Moving forward: everything skipped must have been optional.
      checkMissing(parent, i);
      parent.idx = i;
      parent.count = 0;
    }
    parent.count++;
    const index = child.max > 1 ? `[${parent.count - 1}]` : '';
    const path = `${parent.path}.${child.name}${index}`;
    if (parent.count > child.max) {
      fail({ path, rule: 'maxOccurs', expected: `at most ${child.max} ${child.name}`, actual: `${parent.count}` });
    }
    if (tag.uri !== nsUri(child.ns)) {
      fail({ path, rule: 'namespace', expected: `namespace ${nsUri(child.ns)}`, actual: tag.uri ? `namespace ${tag.uri}` : 'no namespace' });
    }
    checkAttributes(tag, child, path);
    if (child.any) {
      anyDepth = 1;
      anyStart = text.lastIndexOf('<', parser.position - 1);
      stack.push({ def: child, path, node: null, text: '', idx: 0, count: 0 });
      if (tag.isSelfClosing) return;
      return;
    }
    stack.push({ def: child, path, node: child.children || child.attrs ? attributeNode(tag, child) : null, text: '', idx: 0, count: 0 });
  });

  function openRoot(tag: SaxesTagNS) {
    const found = MESSAGES[tag.local];
    if (!found) {
      fail({ path: tag.local, rule: 'message-type', expected: 'a CEB message root (CEB311Message …) or DxpMsg', actual: `<${tag.name}>` });
    }
    const expectedUri = nsUri(found.element.ns);
    if (tag.uri !== expectedUri) {
      fail({ path: tag.local, rule: 'namespace', expected: `namespace ${expectedUri}`, actual: tag.uri ? `namespace ${tag.uri}` : 'no namespace' });
    }
    const refusal = accept(found);
    if (refusal) fail({ path: tag.local, rule: 'message-type', expected: refusal, actual: tag.local });
    def = found;
    checkAttributes(tag, found.element, tag.local);
    body = attributeNode(tag, found.element);
    stack.push({ def: found.element, path: tag.local, node: body, text: '', idx: 0, count: 0 });
  }

  function attributeNode(tag: SaxesTagNS, el: ElementDef): CebNode {
    const node: CebNode = {};
    if (el.attrs) {
      for (const a of el.attrs) {
        const v = tag.attributes[a.name];
        if (v !== undefined) node[a.name] = v.value;
      }
    }
    return node;
  }

  function checkAttributes(tag: SaxesTagNS, el: ElementDef, path: string) {
    for (const a of Object.values(tag.attributes)) {
      if (a.uri === XMLNS_URI || a.uri === XSI_URI || a.name === 'xmlns') continue;
      const known = el.attrs?.find((x) => x.name === a.local && a.uri === '');
      if (!known) {
        fault({ path: `${path}@${a.name}`, rule: 'unexpected-attribute', expected: el.attrs?.length ? `attributes ${el.attrs.map((x) => x.name).join(', ')}` : 'no attributes', actual: `${a.name}="${show(a.value)}"` });
        continue;
      }
      const bad = checkValue(a.value, known.type);
      if (bad) fault({ path: `${path}@${a.local}`, rule: bad.rule, expected: bad.expected, actual: describe(a.value) });
    }
    for (const a of el.attrs ?? []) {
      if (a.required && tag.attributes[a.name] === undefined) {
        fault({ path: `${path}@${a.name}`, rule: 'required', expected: `attribute ${a.name}`, actual: 'missing' });
      }
    }
  }

  function expectedNext(frame: Frame): string {
    const children = frame.def.children!;
    const names: string[] = [];
    for (let i = frame.idx; i < children.length; i++) {
      const c = children[i];
      if (i === frame.idx && frame.count >= c.max) continue;
      names.push(c.name);
      if (c.min > 0 && !(i === frame.idx && frame.count >= c.min)) break;
    }
    return names.length ? names.join(', ') : `the end of ${frame.def.name}`;
  }

  function checkMissing(frame: Frame, upTo: number) {
    const children = frame.def.children!;
    for (let i = frame.idx; i < upTo; i++) {
      const c = children[i];
      const seen = i === frame.idx ? frame.count : 0;
      if (seen < c.min) {
        fault({ path: `${frame.path}.${c.name}`, rule: 'required', expected: c.min > 1 ? `at least ${c.min} ${c.name}` : `${c.name} (${describeDef(c)})`, actual: 'missing' });
      }
    }
  }

  parser.on('text', (t) => onText(t));
  parser.on('cdata', (t) => onText(t));
  function onText(t: string) {
    if (t.length > limits.maxTextLength && !(anyDepth === 0 && stack.length > 0 && stack[stack.length - 1].def.type?.kind === 'base64')) {
      limit('limit.text-length', `text of ≤ ${limits.maxTextLength} characters`, `${t.length} characters`);
    }
    if (anyDepth > 0 || stack.length === 0) return;
    const frame = stack[stack.length - 1];
    if (frame.def.children) {
      if (/[^\t\n\r ]/.test(t)) {
        fail({ path: frame.path, rule: 'unexpected-text', expected: 'child elements only', actual: `text "${show(t.trim(), 40)}"` });
      }
      return;
    }
    frame.text += t;
    if (frame.text.length > limits.maxTextLength && frame.def.type?.kind !== 'base64') {
      limit('limit.text-length', `text of ≤ ${limits.maxTextLength} characters`, `${frame.text.length} characters`);
    }
  }

  parser.on('closetag', () => {
    depth--;
    if (anyDepth > 1) {
      anyDepth--;
      return;
    }
    const frame = stack.pop()!;
    let value: CebValue;
    if (anyDepth === 1) {
      anyDepth = 0;
      value = text.slice(anyStart, parser.position);
    } else if (frame.def.children) {
      checkMissing(frame, frame.def.children.length);
      value = frame.node!;
    } else {
      value = frame.node ? { ...frame.node, '#text': frame.text } : frame.text;
      const bad = frame.def.type ? checkValue(frame.text, frame.def.type) : null;
      if (bad) fault({ path: frame.path, rule: bad.rule, expected: bad.expected, actual: describe(frame.text) });
    }
    const parent = stack[stack.length - 1];
    if (!parent) return;
    const node = parent.node!;
    if (frame.def.max > 1) {
      const list = (node[frame.def.name] as Array<string | CebNode> | undefined) ?? (node[frame.def.name] = []);
      (list as Array<string | CebNode>).push(value as string | CebNode);
    } else {
      node[frame.def.name] = value;
    }
  });

  try {
    parser.write(text).close();
  } catch (err) {
    if (!(err instanceof Stop)) {
      return { ok: false, issues: [{ path: currentPath(), rule: 'well-formed', expected: 'well-formed XML', actual: (err as Error).message }] };
    }
  }
  if (issues.length === 0 && (def === null || body === null)) {
    issues.push({ path: '', rule: 'well-formed', expected: 'a root element', actual: 'no element' });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, doc: { root: def!.root, def: def!, body: body!, encoding, text } };
}

function describe(value: string): string {
  const n = charLength(value);
  if (value === '') return 'empty';
  return n > 60 ? `"${value.slice(0, 60)}…" (${n} characters)` : `"${value}" (${n} character${n === 1 ? '' : 's'})`;
}

function describeDef(c: ElementDef): string {
  return c.doc ? show(c.doc, 40) : 'required';
}

export { NS };
