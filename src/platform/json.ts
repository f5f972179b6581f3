/**
 * Reading JSON from outside: strict UTF-8, nesting capped before parsing, and the keys that
 * reach an object's prototype (`__proto__`, `constructor`, `prototype`) refused wherever they
 * stand, with the path that holds them. JSON.parse itself never sets a prototype, but code
 * that later copies or merges the value might; refusing the keys keeps that door shut.
 */
import type { FastifyInstance } from 'fastify';
import type { Issue } from '../ceb/index.ts';
import { invalidByteOffset } from '../ceb/decode.ts';
import { AppError } from './errors.ts';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most keys and array items in the whole document. */
  maxMembers: number;
}

export const JSON_LIMITS: JsonLimits = { maxDepth: 32, maxMembers: 1_000_000 };

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonOutcome = { ok: true; value: unknown } | { ok: false; issues: Issue[] };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Nesting depth and member count from the raw text, before JSON.parse builds anything. */
function measure(text: string, limits: JsonLimits): Issue | null {
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.maxDepth) {
        return { path: '', rule: 'limit.json-depth', expected: `≤ ${limits.maxDepth} levels of nesting`, actual: `more than ${limits.maxDepth} at character ${i}` };
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && ++members > limits.maxMembers) {
      return { path: '', rule: 'limit.json-members', expected: `≤ ${limits.maxMembers} keys and items`, actual: `more than ${limits.maxMembers}` };
    }
  }
  return null;
}

/** Paths of forbidden keys, in the JSON form's notation (`a.b[0].__proto__`). */
export function forbiddenKeys(value: unknown, path = '', out: Issue[] = [], max = 20): Issue[] {
  if (out.length >= max || typeof value !== 'object' || value === null) return out;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && out.length < max; i++) forbiddenKeys(value[i], `${path}[${i}]`, out, max);
    return out;
  }
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) {
      out.push({ path: at, rule: 'json.forbidden-key', expected: 'no __proto__, constructor or prototype key', actual: key });
      if (out.length >= max) break;
      continue;
    }
    forbiddenKeys((value as Record<string, unknown>)[key], at, out, max);
  }
  return out;
}

/** Bytes (or text) of a JSON document from a client → its value, or the issues that refuse it. */
export function readJson(input: Uint8Array | string, limits: JsonLimits = JSON_LIMITS): JsonOutcome {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch {
      const at = invalidByteOffset(input, 'utf-8');
      return { ok: false, issues: [{ path: '', rule: 'encoding', expected: 'UTF-8', actual: `an invalid byte sequence at byte offset ${at}` }] };
    }
  }
  const tooBig = measure(text, limits);
  if (tooBig) return { ok: false, issues: [tooBig] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, issues: [{ path: '', rule: 'json', expected: 'a JSON document', actual: (err as Error).message }] };
  }
  const bad = forbiddenKeys(value);
  return bad.length ? { ok: false, issues: bad } : { ok: true, value };
}

/**
 * Replaces Fastify's application/json parser for every route that does not read its own body:
 * the same refusals as the JSON form of CEB messages, as 400 INVALID_REQUEST naming the path.
 */
export function installJsonParser(http: FastifyInstance, bodyLimit: number, limits: JsonLimits = JSON_LIMITS): void {
  http.removeContentTypeParser('application/json');
  http.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      done(new AppError('INVALID_REQUEST', 'The body is empty; send a JSON document.', [{ path: '', rule: 'json', expected: 'a JSON document', actual: 'an empty body' }]), undefined);
      return;
    }
    const r = readJson(bytes, limits);
    if (r.ok) done(null, r.value);
    else done(new AppError('INVALID_REQUEST', 'The body is not an acceptable JSON document.', r.issues), undefined);
  });
}
