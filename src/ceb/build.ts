/**
 * Builds XML from the JSON form, walking the same field table the parser reads with, so
 * element order and namespaces always follow the XSD.
 */
import type { ElementDef, MessageDef } from './schema/index.ts';
import { NS, nsUri } from './namespaces.ts';
import type { CebNode, CebValue, Issue } from './parse.ts';

export interface BuildOptions {
  /** Prefix for the message namespace (`ceb`, as enterprises send), or null for a default namespace (as customs sends). */
  prefix?: string | null;
  /** Emit the `<?xml …?>` declaration (default true). */
  declaration?: boolean;
}

export function escapeText(s: string): string {
  return /[&<>\r]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;') : s;
}

export function escapeAttr(s: string): string {
  return /[&<"\t\n\r]/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')
    : s;
}

export function buildDocument(def: MessageDef, body: CebNode, options: BuildOptions = {}): string {
  const rootNs = def.element.ns;
  const prefix = options.prefix === undefined ? (rootNs === 'ceb' ? 'ceb' : null) : options.prefix;
  const out: string[] = [];
  if (options.declaration !== false) out.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  const q = (el: ElementDef) => (el.ns === rootNs ? (prefix ? `${prefix}:${el.name}` : el.name) : `${el.ns}:${el.name}`);

  let rootAttrs = prefix ? ` xmlns:${prefix}="${nsUri(rootNs)}"` : ` xmlns="${nsUri(rootNs)}"`;
  for (const a of def.element.attrs ?? []) {
    const v = body[a.name];
    if (typeof v === 'string') rootAttrs += ` ${a.name}="${escapeAttr(v)}"`;
  }
  // A raw ds:Signature may rely on a ds prefix declared on the root of the document it came from.
  if (needsDsDeclaration(def.element, body)) rootAttrs += ` xmlns:ds="${NS.ds}"`;

  out.push(`<${q(def.element)}${rootAttrs}>`);
  writeChildren(def.element, body, 1);
  out.push(`\n</${q(def.element)}>\n`);
  return out.join('');

  function writeChildren(el: ElementDef, node: CebNode, depth: number) {
    const pad = '\n' + '  '.repeat(depth);
    for (const child of el.children ?? []) {
      const v = node[child.name];
      if (v === undefined) continue;
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) {
        if (child.any) {
          out.push(pad, String(item));
        } else if (child.children) {
          out.push(pad, `<${q(child)}>`);
          writeChildren(child, item as CebNode, depth + 1);
          out.push(pad, `</${q(child)}>`);
        } else {
          let attrs = '';
          if (child.attrs && typeof item === 'object') {
            for (const a of child.attrs) {
              const av = (item as CebNode)[a.name];
              if (typeof av === 'string') attrs += ` ${a.name}="${escapeAttr(av)}"`;
            }
          }
          const text = typeof item === 'object' ? String((item as CebNode)['#text'] ?? '') : String(item);
          out.push(pad, `<${q(child)}${attrs}>${escapeText(text)}</${q(child)}>`);
        }
      }
    }
  }
}

function needsDsDeclaration(el: ElementDef, body: CebNode): boolean {
  const sig = el.children?.find((c) => c.ns === 'ds');
  if (!sig) return false;
  const v = body[sig.name];
  return typeof v === 'string' && v.includes('ds:') && !/^<ds:Signature[^>]*xmlns:ds=/.test(v);
}

/**
 * Reads a JSON form supplied by a client into a CebNode: every key must be a field of the
 * table, every leaf a string (numbers are accepted and written as given), repeated elements
 * arrays. Value rules (lengths, digits, required fields) are checked afterwards by parsing
 * the built XML, so JSON and XML are held to exactly the same rules.
 */
export function nodeFromJson(def: MessageDef, json: unknown): { ok: true; body: CebNode } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const body = readNode(def.element, json, def.root, issues, true);
  return issues.length ? { ok: false, issues } : { ok: true, body: body as CebNode };
}

/** Keys that reach an object's prototype: refused wherever they stand, before any copy is made. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function readNode(el: ElementDef, json: unknown, path: string, issues: Issue[], isRoot = false): CebValue | undefined {
  if (el.any) {
    if (typeof json !== 'string') issues.push({ path, rule: 'type', expected: 'an XML fragment as a string', actual: kind(json) });
    return typeof json === 'string' ? json : undefined;
  }
  if (!el.children) {
    if (typeof json === 'string') return json;
    if (typeof json === 'number' && Number.isFinite(json)) return String(json);
    issues.push({ path, rule: 'type', expected: 'a string', actual: kind(json) });
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    issues.push({ path, rule: 'type', expected: 'an object', actual: kind(json) });
    return undefined;
  }
  const src = json as Record<string, unknown>;
  const node: CebNode = {};
  const allowedAttrs = new Set((isRoot ? el.attrs : undefined)?.map((a) => a.name) ?? []);
  for (const key of Object.keys(src)) {
    if (FORBIDDEN_KEYS.has(key)) {
      issues.push({ path: `${path}.${key}`, rule: 'json.forbidden-key', expected: 'no __proto__, constructor or prototype key', actual: key });
      continue;
    }
    if (allowedAttrs.has(key)) {
      const v = src[key];
      if (typeof v === 'string') node[key] = v;
      else issues.push({ path: `${path}@${key}`, rule: 'type', expected: 'a string', actual: kind(v) });
      continue;
    }
    const child = el.children.find((c) => c.name === key);
    if (!child) {
      issues.push({ path: `${path}.${key}`, rule: 'unknown-field', expected: `one of: ${[...allowedAttrs, ...el.children.map((c) => c.name)].join(', ')}`, actual: key });
      continue;
    }
    const v = src[key];
    if (child.max > 1) {
      const list = Array.isArray(v) ? v : [v];
      if (list.length > child.max) {
        issues.push({ path: `${path}.${key}`, rule: 'maxOccurs', expected: `at most ${child.max} ${child.name}`, actual: `${list.length}` });
        continue;
      }
      const out: Array<string | CebNode> = [];
      list.forEach((item, i) => {
        const r = readNode(child, item, `${path}.${key}[${i}]`, issues);
        if (r !== undefined) out.push(r as string | CebNode);
      });
      node[key] = out;
    } else {
      const r = readNode(child, v, `${path}.${key}`, issues);
      if (r !== undefined) node[key] = r;
    }
  }
  return node;
}
