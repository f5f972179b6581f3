/**
 * Checks one leaf value against its XSD simple type. Returns null when valid, else the rule
 * broken and what was expected, in the spec's own notation (C..60, N19,5).
 */
import type { LeafType } from './schema/types.ts';

export interface ValueFault {
  rule: string;
  expected: string;
}

const SURROGATE = /[\uD800-\uDBFF]/;
const DECIMAL = /^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))$/;
const INT = /^[+-]?\d+$/;
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^-?\d{4,}-\d{2}-\d{2}(?:Z|[+-]\d{2}:\d{2})?$/;
// Padding and the whitespace after it as one optional group: `={0,2}\s*` after a class that holds
// whitespace too made a failing test quadratic in the length of a whitespace run.
const BASE64 = /^[A-Za-z0-9+/\s]*(?:==?\s*)?$/;

/** XSD lengths count characters (code points), not UTF-16 units. */
export function charLength(s: string): number {
  return SURROGATE.test(s) ? [...s].length : s.length;
}

export function collapse(s: string): string {
  return s.replace(/[\t\n\r ]+/g, ' ').trim();
}

/** The spec's notation for a type: C36, C..60, C1..3, N19,5, N9, int. */
export function notation(t: LeafType): string {
  switch (t.kind) {
    case 'string':
      if (t.length !== undefined) return `C${t.length}`;
      if (t.maxLength !== undefined) return `C${t.minLength && t.minLength > 1 ? t.minLength : ''}..${t.maxLength}`;
      return t.minLength ? `C${t.minLength}..` : 'C';
    case 'decimal':
      return `N${t.totalDigits},${t.fractionDigits}`;
    case 'int':
      return t.totalDigits ? `N${t.totalDigits}` : 'int';
    case 'dateTime':
      return 'dateTime (yyyy-MM-ddTHH:mm:ss)';
    case 'date':
      return 'date (yyyy-MM-dd)';
    case 'base64':
      return 'base64';
  }
}

export function checkValue(raw: string, t: LeafType): ValueFault | null {
  if (t.fixed !== undefined && (t.kind === 'string' && !t.collapse ? raw : collapse(raw)) !== t.fixed) {
    return { rule: 'fixed', expected: `"${t.fixed}" (the only value the XSD allows)` };
  }
  switch (t.kind) {
    case 'string': {
      const v = t.collapse ? collapse(raw) : raw;
      const n = charLength(v);
      if (t.length !== undefined && n !== t.length) {
        return { rule: 'length', expected: `exactly ${t.length} characters (${notation(t)})` };
      }
      if (t.maxLength !== undefined && n > t.maxLength) {
        return { rule: 'maxLength', expected: `at most ${t.maxLength} characters (${notation(t)})` };
      }
      if (t.minLength !== undefined && n < t.minLength) {
        return { rule: 'minLength', expected: `at least ${t.minLength} character${t.minLength > 1 ? 's' : ''} (${notation(t)})` };
      }
      return null;
    }
    case 'decimal': {
      const m = DECIMAL.exec(collapse(raw));
      const expected = `a decimal with at most ${t.totalDigits} digits, ${t.fractionDigits} after the point (${notation(t)})`;
      if (!m) return { rule: 'decimal', expected };
      const intDigits = (m[1] ?? '').replace(/^0+/, '');
      const fracDigits = (m[2] ?? m[3] ?? '').replace(/0+$/, '');
      if (fracDigits.length > t.fractionDigits) return { rule: 'fractionDigits', expected };
      if (intDigits.length + fracDigits.length > t.totalDigits) return { rule: 'totalDigits', expected };
      return null;
    }
    case 'int': {
      const v = collapse(raw);
      const expected = t.totalDigits ? `an integer of at most ${t.totalDigits} digits (${notation(t)})` : 'an integer';
      if (!INT.test(v)) return { rule: 'int', expected };
      const n = Number(v);
      if (n > 2147483647 || n < -2147483648) return { rule: 'int', expected: 'an integer within the 32-bit range' };
      if (t.totalDigits && v.replace(/^[+-]?0*/, '').length > t.totalDigits) return { rule: 'totalDigits', expected };
      return null;
    }
    case 'dateTime':
      return DATE_TIME.test(collapse(raw)) ? null : { rule: 'dateTime', expected: notation(t) };
    case 'date':
      return DATE.test(collapse(raw)) ? null : { rule: 'date', expected: notation(t) };
    case 'base64':
      return BASE64.test(raw) ? null : { rule: 'base64', expected: 'base64 text' };
  }
}
