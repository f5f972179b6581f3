/**
 * The pure rules of filing (备案): identity codes, contacts, the review state machine, what may
 * be delegated and which documents are accepted. No database here; the service applies them.
 */
import type { Issue } from '../../ceb/index.ts';
import { ROLES, type EnterpriseStatus, type Role } from '../../platform/access.ts';
import type { Contact } from './views.ts';

export type { Contact } from './views.ts';

/** Roles an enterprise may apply for; operator, customs and commerce are created by the operator. */
export const APPLICANT_ROLES = ROLES.filter((r) => r !== 'operator' && r !== 'customs' && r !== 'commerce') as Role[];

// --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------------------------

/** The code's alphabet: digits and capitals without I, O, S, V, Z; a character's value is its index. */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character (position 18) of the first 17 characters: C18 = 31 − (Σ value × weight mod 31), 31 → 0. */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

export function usccIssues(value: string, path = 'uscc'): Issue[] {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(value)) {
    return [{ path, rule: 'uscc-format', expected: '18 characters of 0-9 and A-Y without I, O, S, V, Z (GB 32100-2015)', actual: value }];
  }
  const check = usccCheckChar(value.slice(0, 17));
  if (check !== value[17]) return [{ path, rule: 'uscc-check-digit', expected: `check character ${check} (GB 32100-2015, weights mod 31)`, actual: value[17] }];
  return [];
}

// --- the other identity fields --------------------------------------------------------------------

/** Customs registration code (海关注册编码): 10 characters. */
export const CODE_PATTERN = /^[0-9A-Z]{10}$/;
/** DXP user id issued by the data centre (an..16), e.g. DXPENT0000011002. */
export const DXP_PATTERN = /^DXP[0-9A-Z]{13}$/;
const PHONE = /^\+?[0-9][0-9 -]{5,19}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;

export interface FilingFields {
  code: string;
  name: string;
  uscc: string;
  dxpId: string;
  roles: string[];
  contacts: Contact[];
}

/** Issues of the fields present in `f`; `roles` are checked against `allowedRoles`. */
export function filingIssues(f: Partial<FilingFields>, allowedRoles: readonly string[]): Issue[] {
  const out: Issue[] = [];
  if (f.code !== undefined && !CODE_PATTERN.test(f.code)) out.push({ path: 'code', rule: 'pattern', expected: '10 characters of 0-9 and A-Z (customs registration code)', actual: f.code });
  if (f.name !== undefined && f.name.trim().length < 2) out.push({ path: 'name', rule: 'minLength', expected: 'the legal name, 2 to 100 characters', actual: f.name });
  if (f.uscc !== undefined) out.push(...usccIssues(f.uscc));
  if (f.dxpId !== undefined && !DXP_PATTERN.test(f.dxpId)) out.push({ path: 'dxpId', rule: 'pattern', expected: 'DXP followed by 13 characters of 0-9 and A-Z, e.g. DXPENT0000011002', actual: f.dxpId });
  if (f.roles !== undefined) {
    if (!f.roles.length) out.push({ path: 'roles', rule: 'minItems', expected: 'at least one role', actual: '[]' });
    f.roles.forEach((r, i) => {
      if (!allowedRoles.includes(r)) out.push({ path: `roles[${i}]`, rule: 'role', expected: `one of ${allowedRoles.join(', ')}`, actual: r });
    });
    if (new Set(f.roles).size !== f.roles.length) out.push({ path: 'roles', rule: 'uniqueItems', expected: 'each role once', actual: f.roles.join(',') });
  }
  f.contacts?.forEach((c, i) => {
    if (!c.name.trim()) out.push({ path: `contacts[${i}].name`, rule: 'required', expected: 'a name', actual: c.name });
    if (!PHONE.test(c.phone)) out.push({ path: `contacts[${i}].phone`, rule: 'phone', expected: 'a telephone number: digits, spaces, hyphens, optional leading +', actual: c.phone });
    if (!EMAIL.test(c.email)) out.push({ path: `contacts[${i}].email`, rule: 'email', expected: 'an e-mail address', actual: c.email });
    if (!c.role.trim()) out.push({ path: `contacts[${i}].role`, rule: 'required', expected: 'the contact role, e.g. 法定代表人', actual: c.role });
  });
  return out;
}

// --- review: the filing's state machine -------------------------------------------------------------

export const DECISIONS = ['approve', 'reject', 'suspend', 'reinstate', 'revoke'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Each decision: the states it applies to, the state it leads to, whether a reason is required. */
export const TRANSITIONS: Record<Decision, { from: EnterpriseStatus[]; to: EnterpriseStatus; reason: boolean; action: string }> = {
  approve: { from: ['pending'], to: 'approved', reason: false, action: 'approved' },
  reject: { from: ['pending'], to: 'rejected', reason: true, action: 'rejected' },
  suspend: { from: ['approved'], to: 'suspended', reason: true, action: 'suspended' },
  reinstate: { from: ['suspended'], to: 'approved', reason: false, action: 'reinstated' },
  // Final: a revoked enterprise never comes back (it files anew, with other codes).
  revoke: { from: ['approved', 'suspended'], to: 'revoked', reason: true, action: 'revoked' },
};

export type TransitionCheck = { ok: true; to: EnterpriseStatus; action: string } | { ok: false; issue: Issue };

export function transition(from: EnterpriseStatus, decision: Decision): TransitionCheck {
  const t = TRANSITIONS[decision];
  if (!t.from.includes(from)) {
    return {
      ok: false,
      issue: { path: 'decision', rule: 'transition', expected: `${decision} applies to a filing that is ${t.from.join(' or ')} (→ ${t.to})`, actual: `${from} → ${t.to}` },
    };
  }
  return { ok: true, to: t.to, action: t.action };
}

// --- delegations ----------------------------------------------------------------------------------

/** Declarations an agent may send for its principal: inventories, cancels, returns, arrival lists, master bills, summary requests. */
export const DELEGABLE = ['CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message', 'CEB603Message', 'CEB605Message', 'CEB607Message', 'CEB701Message', 'CEB213Message'] as const;

// --- qualification documents -----------------------------------------------------------------------

export const DOCUMENT_KINDS = ['business-licence', 'customs-registration', 'legal-representative-id', 'power-of-attorney', 'payment-licence', 'bank-licence', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Accepted content types and the bytes each file of that type starts with. */
export const DOCUMENT_TYPES: Record<string, { magic: Buffer; what: string }> = {
  'application/pdf': { magic: Buffer.from('%PDF-', 'latin1'), what: 'a PDF (%PDF-)' },
  'image/png': { magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), what: 'a PNG (89 50 4E 47 0D 0A 1A 0A)' },
  'image/jpeg': { magic: Buffer.from([0xff, 0xd8, 0xff]), what: 'a JPEG (FF D8 FF)' },
};

export function documentIssues(contentType: string, body: Buffer, filename: string): Issue[] {
  const out: Issue[] = [];
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must not hold
  if (!/^[^/\\\x00-\x1f\x7f]{1,200}$/.test(filename) || filename === '.' || filename === '..') {
    out.push({ path: 'filename', rule: 'filename', expected: 'a file name of 1 to 200 characters without path separators or control characters', actual: filename.slice(0, 200) });
  }
  const t = DOCUMENT_TYPES[contentType];
  if (!t) {
    out.push({ path: 'content-type', rule: 'media-type', expected: Object.keys(DOCUMENT_TYPES).join(', '), actual: contentType });
  } else if (!body.subarray(0, t.magic.length).equals(t.magic)) {
    out.push({ path: 'body', rule: 'magic-bytes', expected: `${t.what}, as the Content-Type says`, actual: body.subarray(0, 8).toString('hex') || 'an empty body' });
  }
  return out;
}
