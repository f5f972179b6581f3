/**
 * Who may send which message, and for whom: the sending policy of the zone as data, and the
 * checks ingest runs on it. Two questions, in this order:
 *
 * 1. May an enterprise of the caller's roles (备案) send this message type at all? Otherwise 403
 *    with customs' -10101 (invalid enterprise type).
 * 2. Is each record sent by the enterprise it names? The declarant field must be the sender;
 *    the principal field (the e-commerce enterprise a declaration agent acts for) must be the
 *    sender or an enterprise that delegated this message type to it.
 *
 * The party codes are read on the worker side (readMessage → `partiesOf`), so the main thread
 * compares a few strings per record and never re-parses the record's fields.
 */
import { MESSAGES, recordElementName, type CebNode, type ElementDef, type Issue } from '../../ceb/index.ts';
import { ROLE_NAMES, isOperator, isRegulator, requireWrite, type Caller, type Role } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';

export interface SendPolicy {
  /** Roles whose enterprises may send the message type. */
  roles: readonly Role[];
  /**
   * Field naming the enterprise that declares the record: it must be the sender. By role when
   * the field depends on who sends (a platform's order names it as ebpCode, an exporter's own
   * as ebcCode): the sender must be named in the field of one of its roles.
   */
  declarant?: string | Readonly<Partial<Record<Role, string>>>;
  /** Field naming the enterprise the declarant acts for: the sender itself, or one that delegated this message type to the sender. */
  principal?: string;
  /** Field naming an enterprise that reads the record as its sender does, without being its principal (the exporter of a collection its payment company reports). */
  reader?: string;
}

/** Roles × message types. A message type missing here is sent by nobody. */
export const SEND_POLICY: Readonly<Record<string, SendPolicy>> = {
  // Import (进口统一版)
  CEB311Message: { roles: ['ebp'], declarant: 'ebpCode' },
  CEB411Message: { roles: ['payment'], declarant: 'payCode' },
  CEB511Message: { roles: ['logistics'], declarant: 'logisticsCode' },
  CEB513Message: { roles: ['logistics'], declarant: 'logisticsCode' },
  CEB621Message: { roles: ['agent', 'ebc'], declarant: 'agentCode', principal: 'ebcCode' },
  CEB623Message: { roles: ['agent', 'ebc'], declarant: 'agentCode', principal: 'ebcCode' },
  CEB625Message: { roles: ['agent', 'ebc'], declarant: 'agentCode', principal: 'ebcCode' },
  CEB711Message: { roles: ['warehouse'], declarant: 'operatorCode' },
  // Export (出口统一版). An order comes from the platform; a B2B order or an overseas-warehouse
  // booking (订仓单, whose ebpCode names the warehouse or 无) from the exporter or the warehouse.
  CEB303Message: { roles: ['ebp', 'ebc', 'overseas'], declarant: { ebp: 'ebpCode', overseas: 'ebpCode', ebc: 'ebcCode' } },
  // 收款单: the XSD names the payment company (named in payCode); the exporter may send its own (ebcCode).
  CEB403Message: { roles: ['payment', 'ebc'], declarant: { payment: 'payCode', ebc: 'ebcCode' }, reader: 'ebcCode' },
  CEB505Message: { roles: ['logistics'], declarant: 'logisticsCode' },
  CEB507Message: { roles: ['warehouse'], declarant: 'operatorCode' },
  CEB509Message: { roles: ['logistics'], declarant: 'logisticsCode' },
  CEB603Message: { roles: ['ebc', 'agent'], declarant: 'agentCode', principal: 'ebcCode' },
  CEB605Message: { roles: ['ebc', 'agent'], declarant: 'agentCode', principal: 'ebcCode' },
  // 清单总分单: filed by the declaring enterprise or the logistics company; it names no e-commerce enterprise.
  CEB607Message: { roles: ['ebc', 'agent', 'logistics'], declarant: 'agentCode' },
  CEB701Message: { roles: ['ebc', 'agent'], declarant: 'agentCode', principal: 'ebcCode' },
  CEB213Message: { roles: ['ebc', 'agent'], declarant: 'agentCode', principal: 'ebcCode' },
  CEB215Message: { roles: ['warehouse'], declarant: 'operatorCode' },
};

/** Has the enterprise `principalCode` delegated `messageType` to the agent `agentId`, now? */
export type Delegated = (agentId: number, principalCode: string, messageType: string) => Promise<boolean>;

/** The party codes of one record that the policy of its message type names (worker side). */
export function partiesOf(messageType: string, head: CebNode): Record<string, string> {
  const policy = Object.hasOwn(SEND_POLICY, messageType) ? SEND_POLICY[messageType] : undefined;
  const out: Record<string, string> = {};
  for (const field of [...declarantFields(policy), policy?.principal, policy?.reader]) {
    if (!field) continue;
    const v = head[field];
    out[field] = typeof v === 'string' ? v.trim() : '';
  }
  return out;
}

/** The declarant fields of a policy: for the roles given, or all of them. */
function declarantFields(policy: SendPolicy | undefined, roles?: readonly string[]): string[] {
  const d = policy?.declarant;
  if (d === undefined) return [];
  if (typeof d === 'string') return [d];
  const byRole = Object.entries(d) as Array<[string, string]>;
  return [...new Set(byRole.filter(([role]) => !roles || roles.includes(role)).map(([, f]) => f))];
}

const roleList = (roles: readonly string[]) => roles.join(', ') || 'none';
const roleNamesZh = (roles: readonly Role[]) => roles.map((r) => ROLE_NAMES[r].zh).join('、');

const INVALID_TYPE = '-10101';
const DECLARING_ROLES = new Set<string>(Object.values(SEND_POLICY).flatMap((p) => p.roles));

/**
 * Before the body is read: may this caller send declarations at all? Approved, with the declare
 * scope, and of a role that sends some message type. Regulators, banks and the operator are
 * refused with customs' -10101 (invalid enterprise type).
 */
export function requireDeclarer(caller: Caller): void {
  const refuse = (message: string) =>
    new AppError('FORBIDDEN', message, [{ path: 'roles', rule: 'role', expected: `an enterprise filed as ${[...DECLARING_ROLES].join(', ')}`, actual: roleList(caller.roles) }], {
      returnStatus: INVALID_TYPE,
      returnInfo: '企业类型不符：该企业不申报跨境电商单证 (invalid enterprise type)',
    });
  if (isRegulator(caller) && !isOperator(caller)) throw refuse(`${caller.code} is a regulator (${roleList(caller.roles)}): regulators read everything and change nothing; they send no declarations.`);
  requireWrite(caller, 'declare');
  if (!caller.roles.some((r) => DECLARING_ROLES.has(r))) throw refuse(`${caller.code} is filed as ${roleList(caller.roles)}: no declaration is sent by such an enterprise.`);
}

/** The roles of the caller that may send `messageType` (empty: none). */
export function sendingRoles(caller: Pick<Caller, 'roles'>, messageType: string): Role[] {
  const policy = Object.hasOwn(SEND_POLICY, messageType) ? SEND_POLICY[messageType] : undefined;
  return policy ? policy.roles.filter((r) => caller.roles.includes(r)) : [];
}

/** 403 with -10101 unless one of the caller's roles may send `messageType`. */
export function requireSendingRole(caller: Pick<Caller, 'code' | 'roles'>, messageType: string): void {
  if (sendingRoles(caller, messageType).length) return;
  const allowed = Object.hasOwn(SEND_POLICY, messageType) ? SEND_POLICY[messageType].roles : [];
  throw new AppError(
    'FORBIDDEN',
    allowed.length
      ? `${messageType} is sent by ${roleList(allowed)} enterprises; ${caller.code} is filed as ${roleList(caller.roles)}.`
      : `${messageType} is not sent by any enterprise of the zone.`,
    [{ path: messageType, rule: 'role', expected: allowed.length ? `an enterprise filed as ${allowed.join(' or ')}` : 'no sender', actual: roleList(caller.roles) }],
    { returnStatus: INVALID_TYPE, returnInfo: `企业类型不符：${messageType} 由${allowed.length ? roleNamesZh(allowed) : '海关'}发送 (invalid enterprise type)` },
  );
}

/** Path of a record field in the JSON form's notation, e.g. `CEB621Message.Inventory[3].InventoryHead.ebcCode`. */
export function recordFieldPath(messageType: string, seq: number, field: string): string {
  const def = Object.hasOwn(MESSAGES, messageType) ? MESSAGES[messageType] : undefined;
  if (!def) return `${messageType}[${seq}].${field}`;
  const name = recordElementName(def);
  const record = def.element.children?.find((c) => c.name === name);
  const head = record?.children?.find((c: ElementDef) => c.name.includes('Head') && c.children?.some((f) => f.name === field));
  return `${messageType}.${name}${record && record.max > 1 ? `[${seq}]` : ''}${head ? `.${head.name}` : ''}.${field}`;
}

export interface Declared {
  messageType: string;
  records: ReadonlyArray<{ seq: number; parties?: Record<string, string> }>;
}

/**
 * The whole sending check of a read message: the caller may change data, its roles may send the
 * type, and every record names it as declarant and (if any) as principal or delegating principal.
 * Throws AppError (403) naming every record that fails; the message is then refused whole.
 */
export async function authorizeDeclaration(caller: Caller, msg: Declared, delegated: Delegated): Promise<void> {
  requireDeclarer(caller);
  requireSendingRole(caller, msg.messageType);
  const policy = SEND_POLICY[msg.messageType];
  const parties: Issue[] = [];
  const principals = new Map<string, number[]>();
  for (const r of msg.records) {
    const codes = r.parties ?? {};
    const fields = declarantFields(policy, caller.roles);
    if (fields.length && !fields.some((f) => codes[f] === caller.code)) {
      parties.push({ path: recordFieldPath(msg.messageType, r.seq, fields[0]), rule: 'party', expected: `${caller.code}${fields.length > 1 ? ` in ${fields.join(' or ')}` : ''}`, actual: fields.map((f) => codes[f] ?? '').join(' / ') });
    }
    if (policy.principal) {
      const code = codes[policy.principal] ?? '';
      if (code !== caller.code) principals.set(code, [...(principals.get(code) ?? []), r.seq]);
    }
  }
  if (parties.length) {
    throw new AppError(
      'SENDER_MISMATCH',
      `${caller.code} may send a ${msg.messageType} record only as its ${declarantFields(policy, caller.roles).join(' or ')}: ${parties.length} record${parties.length === 1 ? ' names' : 's name'} another enterprise; nothing was stored.`,
      parties,
    );
  }
  const refused: Array<{ seq: number; code: string }> = [];
  for (const [code, seqs] of principals) {
    if (code && (await delegated(caller.id, code, msg.messageType))) continue;
    for (const seq of seqs) refused.push({ seq, code });
  }
  if (refused.length) {
    const undelegated: Issue[] = refused
      .sort((a, b) => a.seq - b.seq)
      .map(({ seq, code }) => ({
        path: recordFieldPath(msg.messageType, seq, policy.principal!),
        rule: 'delegation',
        expected: `${caller.code}, or an enterprise that delegated ${msg.messageType} to ${caller.code}`,
        actual: code,
      }));
    const codes = [...new Set(undelegated.map((i) => i.actual))];
    throw new AppError(
      'FORBIDDEN',
      `${caller.code} holds no delegation for ${msg.messageType} from ${codes.join(', ')}; nothing was stored.`,
      undelegated,
    );
  }
}
