/**
 * Who may do what: the caller every route sees, and the rules every module applies to it.
 * Pure functions over the Caller; the lookups behind it (keys, sessions, delegations, consents)
 * happen once, when the request is authenticated.
 */
import { AppError } from './errors.ts';

/** Enterprise roles as filed (备案). Regulators (customs, commerce) and banks are enterprises too. */
export const ROLES = ['operator', 'ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'bank', 'customs', 'commerce'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, { zh: string; en: string }> = {
  operator: { zh: '综试区平台运营方', en: 'zone operator' },
  ebp: { zh: '电商平台', en: 'e-commerce platform' },
  ebc: { zh: '电商企业', en: 'e-commerce enterprise' },
  payment: { zh: '支付企业', en: 'payment company' },
  logistics: { zh: '物流企业', en: 'logistics company' },
  warehouse: { zh: '监管场所经营人/保税仓', en: 'supervision-site operator or bonded warehouse' },
  agent: { zh: '申报企业(报关代理)', en: 'declaration agent' },
  overseas: { zh: '海外仓企业', en: 'overseas warehouse' },
  bank: { zh: '银行', en: 'bank' },
  customs: { zh: '海关', en: 'customs (regulator)' },
  commerce: { zh: '商务主管部门', en: 'commerce bureau (regulator)' },
};

export const SCOPES = ['declare', 'read', 'manage'] as const;
/** declare: send declarations and sign; read: read own data; manage: keys, webhooks, accounts, filing, stock. */
export type Scope = (typeof SCOPES)[number];

/** Kinds of data an enterprise may share with a bank by consent. */
export const DATA_KINDS = ['messages', 'receipts', 'stock'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export type EnterpriseStatus = 'pending' | 'approved' | 'rejected' | 'suspended' | 'revoked';

export interface Caller {
  id: number;
  code: string;
  name: string;
  dxpId: string;
  roles: string[];
  status: EnterpriseStatus;
  /** What this credential may do (API keys are scoped; console sessions and client certificates carry all scopes). */
  scopes: ReadonlySet<Scope>;
  via: 'key' | 'session' | 'certificate';
  keyId?: number;
  accountId?: number;
  /** 'all' for the operator and regulators; otherwise the caller reads its own data plus what `shared` grants. */
  readable: 'all' | 'own';
  /** For a bank: enterprise id → the kinds of data that enterprise consented to share with it (in force now). */
  shared?: ReadonlyMap<number, ReadonlySet<DataKind>>;
}

export const hasRole = (c: Caller, role: Role): boolean => c.roles.includes(role);
export const isOperator = (c: Caller): boolean => hasRole(c, 'operator');
export const isRegulator = (c: Caller): boolean => hasRole(c, 'customs') || hasRole(c, 'commerce');

/** May the caller read data of `kind` owned by `enterpriseId`? */
export function mayRead(c: Caller, enterpriseId: number | null | undefined, kind: DataKind = 'messages'): boolean {
  if (c.readable === 'all') return true;
  if (enterpriseId == null) return false;
  return enterpriseId === c.id || (c.shared?.get(enterpriseId)?.has(kind) ?? false);
}

/** Enterprise ids to filter a listing of `kind` by, or null for everything. */
export function readFilter(c: Caller, kind: DataKind = 'messages'): number[] | null {
  if (c.readable === 'all') return null;
  const ids = [c.id];
  for (const [id, kinds] of c.shared ?? []) if (kinds.has(kind)) ids.push(id);
  return ids;
}

export function requireScope(c: Caller, scope: Scope): void {
  if (!c.scopes.has(scope)) throw new AppError('FORBIDDEN', `This credential lacks the "${scope}" scope (it has: ${[...c.scopes].join(', ') || 'none'}).`);
}

/**
 * Any change: the enterprise must be approved, not a regulator (regulators read and change
 * nothing), and the credential must carry the scope.
 */
export function requireWrite(c: Caller, scope: Scope): void {
  if (isRegulator(c) && !isOperator(c)) throw new AppError('FORBIDDEN', 'Regulators read everything and change nothing.');
  if (c.status !== 'approved') {
    throw new AppError('FORBIDDEN', `Enterprise ${c.code} is ${c.status}: only approved enterprises may declare or change data.`);
  }
  requireScope(c, scope);
}

export function requireOperator(c: Caller, what = 'do that'): void {
  if (!isOperator(c)) throw new AppError('FORBIDDEN', `Only the zone operator may ${what}.`);
  requireScope(c, 'manage');
}

/** A reader of anything other than its own filing: approved, or operator/regulator. */
export function requireRead(c: Caller): void {
  if (c.status !== 'approved') throw new AppError('FORBIDDEN', `Enterprise ${c.code} is ${c.status}: only approved enterprises may read declarations.`);
  requireScope(c, 'read');
}

/** A caller with every scope, reading its own data: what an approved enterprise's console session is. */
export function fullCaller(e: { id: number; code: string; name: string; dxpId: string; roles: string[] }, via: Caller['via'] = 'key'): Caller {
  const roles = e.roles;
  const all = roles.includes('operator') || roles.includes('customs') || roles.includes('commerce');
  return { ...e, status: 'approved', scopes: new Set(SCOPES), via, readable: all ? 'all' : 'own' };
}
