/**
 * What one enterprise grants another: delegations (a principal lets a declaration agent send
 * named declarations in its name) and consents (an enterprise lets a bank read kinds of its
 * data). Granting needs an approved enterprise; revoking is always possible for the grantor and
 * the operator. Each change drops the authentication caches.
 */
import type { AuditLog } from '../audit/index.ts';
import { isOperator, requireScope, requireWrite, type Caller, type DataKind } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import type { ConsentRow, DelegationRow, Enterprise, EnterprisesRepository } from './enterprises.repository.ts';
import { actorOf, conflict, invalid, iso, notFound, parseTime, regulatorOnly, seesAll, type Actor } from './shared.ts';

export interface Party {
  id: number;
  code: string;
  name: string;
}

export interface DelegationView {
  id: number;
  principal: Party;
  agent: Party;
  scope: string[];
  validFrom: string;
  validTo: string;
  revokedAt: string | null;
  createdAt: string;
  inForce: boolean;
}

export interface ConsentView {
  id: number;
  enterprise: Party;
  bank: Party;
  scope: DataKind[];
  validTo: string;
  revokedAt: string | null;
  createdAt: string;
  inForce: boolean;
}

const delegationView = (d: DelegationRow, now = Date.now()): DelegationView => ({
  id: Number(d.id),
  principal: { id: Number(d.principal_id), code: d.principal_code, name: d.principal_name },
  agent: { id: Number(d.agent_id), code: d.agent_code, name: d.agent_name },
  scope: d.scope.split(','),
  validFrom: iso(d.valid_from)!,
  validTo: iso(d.valid_to)!,
  revokedAt: iso(d.revoked_at),
  createdAt: iso(d.created_at)!,
  inForce: d.revoked_at == null && Number(d.valid_from) <= now && now < Number(d.valid_to),
});

const consentView = (c: ConsentRow, now = Date.now()): ConsentView => ({
  id: Number(c.id),
  enterprise: { id: Number(c.enterprise_id), code: c.enterprise_code, name: c.enterprise_name },
  bank: { id: Number(c.bank_id), code: c.bank_code, name: c.bank_name },
  scope: c.scope.split(',') as DataKind[],
  validTo: iso(c.valid_to)!,
  revokedAt: iso(c.revoked_at),
  createdAt: iso(c.created_at)!,
  inForce: c.revoked_at == null && now < Number(c.valid_to),
});

/** The counterpart named by code must be approved and hold `role`. */
function counterpartIssue(e: Enterprise | null, code: string, role: string, path: string, self: number): AppError | null {
  const expected = `the customs code of an approved enterprise with role ${role}`;
  if (!e) return invalid(`No enterprise ${code} is filed.`, [{ path, rule: 'exists', expected, actual: code }]);
  if (e.id === self) return invalid('An enterprise does not grant to itself.', [{ path, rule: 'not-self', expected: 'another enterprise', actual: code }]);
  if (!e.roles.includes(role)) return invalid(`Enterprise ${code} is not filed as ${role}.`, [{ path, rule: 'role', expected, actual: `${code} with roles ${e.roles.join(', ')}` }]);
  if (e.status !== 'approved') return invalid(`Enterprise ${code} is ${e.status}.`, [{ path, rule: 'status', expected, actual: `${code}, ${e.status}` }]);
  return null;
}

function validity(validFrom: number, validTo: number, now: number): void {
  if (validTo <= Math.max(validFrom, now)) {
    throw invalid('validTo must lie after validFrom and in the future.', [{ path: 'validTo', rule: 'after', expected: `after ${new Date(Math.max(validFrom, now)).toISOString()}`, actual: new Date(validTo).toISOString() }]);
  }
}

export class GrantsService {
  constructor(
    private readonly repo: EnterprisesRepository,
    private readonly audit: AuditLog,
    private readonly changed: () => void,
  ) {}

  // --- delegations ---------------------------------------------------------------------------------

  async delegate(caller: Caller, input: { agentCode: string; scope: string[]; validFrom?: string; validTo: string }): Promise<DelegationView> {
    requireWrite(caller, 'manage');
    const now = Date.now();
    const validFrom = input.validFrom ? parseTime(input.validFrom, 'validFrom') : now;
    const validTo = parseTime(input.validTo, 'validTo');
    const agent = await this.repo.byCode(input.agentCode);
    const bad = counterpartIssue(agent, input.agentCode, 'agent', 'agentCode', caller.id);
    if (bad) throw bad;
    validity(validFrom, validTo, now);
    return this.grantDelegation(caller, agent!, input.scope, validFrom, validTo, actorOf(caller), now);
  }

  /** Stores a delegation already checked (the demo zone seeds one directly). */
  async grantDelegation(principal: Party, agent: Party, scope: string[], validFrom: number, validTo: number, actor: Actor, now = Date.now()): Promise<DelegationView> {
    const id = await this.repo.transaction(async (repo, trx) => {
      const id = await repo.insertDelegation({ principalId: principal.id, agentId: agent.id, scope, validFrom, validTo }, now);
      await this.audit.append(trx, [
        {
          actor: actor.label,
          action: 'delegation.granted',
          subject: `delegation:${id}`,
          enterpriseId: principal.id,
          detail: { delegationId: id, principal: principal.code, agent: agent.code, scope, validFrom: iso(validFrom), validTo: iso(validTo), via: actor.via },
          at: now,
        },
      ]);
      return id;
    });
    this.changed();
    return delegationView((await this.repo.delegation(id))!, now);
  }

  /** As principal or agent; the operator and regulators all. */
  async delegations(caller: Caller): Promise<DelegationView[]> {
    requireScope(caller, 'read');
    const now = Date.now();
    return (await this.repo.delegations(seesAll(caller) ? null : caller.id)).map((d) => delegationView(d, now));
  }

  async revokeDelegation(caller: Caller, id: number): Promise<DelegationView> {
    requireScope(caller, 'manage');
    const d = await this.repo.delegation(id);
    const party = d && (seesAll(caller) || Number(d.principal_id) === caller.id || Number(d.agent_id) === caller.id);
    if (!d || !party) throw notFound('delegation', id);
    if (regulatorOnly(caller) || (Number(d.principal_id) !== caller.id && !isOperator(caller))) throw new AppError('FORBIDDEN', 'Only the principal and the operator revoke a delegation.');
    const now = Date.now();
    const actor = actorOf(caller);
    await this.repo.transaction(async (repo, trx) => {
      if (!(await repo.revokeDelegation(id, now))) throw conflict(`Delegation ${id} is already revoked.`, [{ path: 'id', rule: 'revoked', expected: 'a delegation not yet revoked', actual: iso(d.revoked_at) ?? 'revoked' }]);
      await this.audit.append(trx, [
        { actor: actor.label, action: 'delegation.revoked', subject: `delegation:${id}`, enterpriseId: Number(d.principal_id), detail: { delegationId: id, principal: d.principal_code, agent: d.agent_code, via: actor.via }, at: now },
      ]);
    });
    this.changed();
    return delegationView((await this.repo.delegation(id))!, now);
  }

  // --- consents ------------------------------------------------------------------------------------

  async consent(caller: Caller, input: { bankCode: string; scope: DataKind[]; validTo: string }): Promise<ConsentView> {
    requireWrite(caller, 'manage');
    const now = Date.now();
    const validTo = parseTime(input.validTo, 'validTo');
    const bank = await this.repo.byCode(input.bankCode);
    const bad = counterpartIssue(bank, input.bankCode, 'bank', 'bankCode', caller.id);
    if (bad) throw bad;
    validity(now, validTo, now);
    return this.grantConsent(caller, bank!, input.scope, validTo, actorOf(caller), now);
  }

  /** Stores a consent already checked (the demo zone seeds one directly). */
  async grantConsent(enterprise: Party, bank: Party, scope: DataKind[], validTo: number, actor: Actor, now = Date.now()): Promise<ConsentView> {
    const id = await this.repo.transaction(async (repo, trx) => {
      const id = await repo.insertConsent({ enterpriseId: enterprise.id, bankId: bank.id, scope, validTo }, now);
      await this.audit.append(trx, [
        {
          actor: actor.label,
          action: 'consent.granted',
          subject: `consent:${id}`,
          enterpriseId: enterprise.id,
          detail: { consentId: id, enterprise: enterprise.code, bank: bank.code, scope, validTo: iso(validTo), via: actor.via },
          at: now,
        },
      ]);
      return id;
    });
    this.changed();
    return consentView((await this.repo.consent(id))!, now);
  }

  /** As the consenting enterprise or the bank; the operator and regulators all. */
  async consents(caller: Caller): Promise<ConsentView[]> {
    requireScope(caller, 'read');
    const now = Date.now();
    return (await this.repo.consents(seesAll(caller) ? null : caller.id)).map((c) => consentView(c, now));
  }

  async revokeConsent(caller: Caller, id: number): Promise<ConsentView> {
    requireScope(caller, 'manage');
    const c = await this.repo.consent(id);
    const party = c && (seesAll(caller) || Number(c.enterprise_id) === caller.id || Number(c.bank_id) === caller.id);
    if (!c || !party) throw notFound('consent', id);
    if (regulatorOnly(caller) || (Number(c.enterprise_id) !== caller.id && !isOperator(caller))) throw new AppError('FORBIDDEN', 'Only the consenting enterprise and the operator revoke a consent.');
    const now = Date.now();
    const actor = actorOf(caller);
    await this.repo.transaction(async (repo, trx) => {
      if (!(await repo.revokeConsent(id, now))) throw conflict(`Consent ${id} is already revoked.`, [{ path: 'id', rule: 'revoked', expected: 'a consent not yet revoked', actual: iso(c.revoked_at) ?? 'revoked' }]);
      await this.audit.append(trx, [
        { actor: actor.label, action: 'consent.revoked', subject: `consent:${id}`, enterpriseId: Number(c.enterprise_id), detail: { consentId: id, enterprise: c.enterprise_code, bank: c.bank_code, via: actor.via }, at: now },
      ]);
    });
    this.changed();
    return consentView((await this.repo.consent(id))!, now);
  }
}
