/**
 * The module's tables: enterprises, api_keys, enterprise_events, enterprise_documents,
 * delegations, consents. `with(trx)` runs the same queries inside a transaction.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { ApiKeysTable, ConsentsTable, DelegationsTable, EnterprisesTable } from './tables.ts';
import type { EnterpriseStatus } from '../../platform/access.ts';
import type { Contact } from './rules.ts';

export interface Enterprise {
  id: number;
  code: string;
  name: string;
  dxpId: string;
  roles: string[];
  status: EnterpriseStatus;
  uscc: string | null;
  contacts: Contact[];
  createdAt: number;
  updatedAt: number | null;
}

export type EnterpriseRow = Selectable<EnterprisesTable>;
export type KeyRow = Omit<Selectable<ApiKeysTable>, 'key_hash'>;
export type DelegationRow = Selectable<DelegationsTable> & { principal_code: string; principal_name: string; agent_code: string; agent_name: string };
export type ConsentRow = Selectable<ConsentsTable> & { enterprise_code: string; enterprise_name: string; bank_code: string; bank_name: string };
export interface EventRow { id: number; action: string; status_from: string | null; status_to: string | null; reason: string | null; actor_id: number | null; detail: string; at: number }
export interface DocumentMeta { id: number; enterprise_id: number; kind: string; filename: string; content_type: string; size: number; sha256: string; uploaded_at: number }

export const toEnterprise = (r: EnterpriseRow): Enterprise => ({
  id: r.id,
  code: r.code,
  name: r.name,
  dxpId: r.dxp_id,
  roles: r.roles.split(',').filter(Boolean),
  status: r.status,
  uscc: r.uscc,
  contacts: JSON.parse(r.contacts) as Contact[],
  createdAt: Number(r.created_at),
  updatedAt: r.updated_at == null ? null : Number(r.updated_at),
});

const KEY_COLUMNS = ['id', 'enterprise_id', 'prefix', 'label', 'scopes', 'created_at', 'last_used_at', 'expires_at', 'revoked_at'] as const;
const DOC_COLUMNS = ['id', 'enterprise_id', 'kind', 'filename', 'content_type', 'size', 'sha256', 'uploaded_at'] as const;

/** `roles` holds comma-separated names: match one whole name. */
const hasRole = (role: string) => sql<boolean>`(',' || roles || ',') like ${`%,${role},%`}`;

export class EnterprisesRepository {
  constructor(readonly db: Kysely<Database>) {}

  with(trx: Kysely<Database>): EnterprisesRepository {
    return new EnterprisesRepository(trx);
  }

  transaction<T>(fn: (repo: EnterprisesRepository, trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(this.with(trx), trx));
  }

  // --- enterprises ---------------------------------------------------------------------------------

  async count(): Promise<number> {
    const r = await this.db.selectFrom('enterprises').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insertEnterprise(e: { code: string; name: string; dxpId: string; roles: string[]; uscc: string | null; contacts: Contact[]; status: EnterpriseStatus }, now: number): Promise<Enterprise> {
    const r = await this.db
      .insertInto('enterprises')
      .values({ code: e.code, name: e.name, dxp_id: e.dxpId, roles: e.roles.join(','), uscc: e.uscc, contacts: JSON.stringify(e.contacts), status: e.status, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEnterprise(r);
  }

  async byId(id: number): Promise<Enterprise | null> {
    const r = await this.db.selectFrom('enterprises').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toEnterprise(r) : null;
  }

  async byCode(code: string): Promise<Enterprise | null> {
    const r = await this.db.selectFrom('enterprises').selectAll().where('code', '=', code).executeTakeFirst();
    return r ? toEnterprise(r) : null;
  }

  /** Which of the identity fields another enterprise already holds. */
  async taken(f: { code?: string; uscc?: string | null; dxpId?: string }, exceptId?: number): Promise<Array<'code' | 'uscc' | 'dxpId'>> {
    const checks: Array<['code' | 'uscc' | 'dxpId', 'code' | 'uscc' | 'dxp_id', string | null | undefined]> = [
      ['code', 'code', f.code],
      ['uscc', 'uscc', f.uscc],
      ['dxpId', 'dxp_id', f.dxpId],
    ];
    const out: Array<'code' | 'uscc' | 'dxpId'> = [];
    for (const [field, column, value] of checks) {
      if (value == null) continue;
      let q = this.db.selectFrom('enterprises').select('id').where(column, '=', value);
      if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
      if (await q.executeTakeFirst()) out.push(field);
    }
    return out;
  }

  /** Updates the enterprise if it is still in `expectStatus`; false when it was not (a concurrent change). */
  async updateEnterprise(id: number, set: Partial<{ code: string; name: string; dxpId: string; roles: string[]; uscc: string; contacts: Contact[]; status: EnterpriseStatus }>, now: number, expectStatus: EnterpriseStatus): Promise<boolean> {
    const r = await this.db
      .updateTable('enterprises')
      .set({
        ...(set.code !== undefined ? { code: set.code } : {}),
        ...(set.name !== undefined ? { name: set.name } : {}),
        ...(set.dxpId !== undefined ? { dxp_id: set.dxpId } : {}),
        ...(set.roles !== undefined ? { roles: set.roles.join(',') } : {}),
        ...(set.uscc !== undefined ? { uscc: set.uscc } : {}),
        ...(set.contacts !== undefined ? { contacts: JSON.stringify(set.contacts) } : {}),
        ...(set.status !== undefined ? { status: set.status } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', '=', expectStatus)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async list(f: { status?: EnterpriseStatus; role?: string; limit: number; offset: number }): Promise<{ rows: Enterprise[]; total: number }> {
    let q = this.db.selectFrom('enterprises');
    if (f.status) q = q.where('status', '=', f.status);
    if (f.role) q = q.where(hasRole(f.role));
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('id').limit(f.limit).offset(f.offset).execute();
    return { rows: rows.map(toEnterprise), total: Number(total.n) };
  }

  // --- history ---------------------------------------------------------------------------------------

  async addEvent(e: { enterpriseId: number; action: string; from?: string | null; to?: string | null; reason?: string | null; actorId: number | null; detail: unknown; at: number }): Promise<void> {
    await this.db
      .insertInto('enterprise_events')
      .values({ enterprise_id: e.enterpriseId, action: e.action, status_from: e.from ?? null, status_to: e.to ?? null, reason: e.reason ?? null, actor_id: e.actorId, detail: JSON.stringify(e.detail ?? {}), at: e.at })
      .execute();
  }

  async events(enterpriseId: number): Promise<EventRow[]> {
    const rows = await this.db.selectFrom('enterprise_events').select(['id', 'action', 'status_from', 'status_to', 'reason', 'actor_id', 'detail', 'at']).where('enterprise_id', '=', enterpriseId).orderBy('id').execute();
    return rows.map((r) => ({ ...r, id: Number(r.id), actor_id: r.actor_id == null ? null : Number(r.actor_id), at: Number(r.at) }));
  }

  // --- API keys ----------------------------------------------------------------------------------------

  async insertKey(k: { enterpriseId: number; hash: string; prefix: string; label: string; scopes: string[]; expiresAt: number | null }, now: number): Promise<number> {
    const r = await this.db
      .insertInto('api_keys')
      .values({ enterprise_id: k.enterpriseId, key_hash: k.hash, prefix: k.prefix, label: k.label, scopes: k.scopes.join(','), expires_at: k.expiresAt, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async keyByHash(hash: string): Promise<KeyRow | null> {
    return (await this.db.selectFrom('api_keys').select(KEY_COLUMNS).where('key_hash', '=', hash).executeTakeFirst()) ?? null;
  }

  async keyById(id: number): Promise<KeyRow | null> {
    return (await this.db.selectFrom('api_keys').select(KEY_COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async keysOf(enterpriseId: number): Promise<KeyRow[]> {
    return this.db.selectFrom('api_keys').select(KEY_COLUMNS).where('enterprise_id', '=', enterpriseId).orderBy('id').execute();
  }

  /** Sets when the key stops working, unless it already stopped (revoked_at ≤ now); false then. */
  async revokeKey(id: number, at: number, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async touchKeys(ids: number[], now: number): Promise<void> {
    if (ids.length) await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', 'in', ids).execute();
  }

  // --- documents --------------------------------------------------------------------------------------

  async insertDocument(d: { enterpriseId: number; kind: string; filename: string; contentType: string; sha256: string; body: Buffer }, now: number): Promise<DocumentMeta> {
    const r = await this.db
      .insertInto('enterprise_documents')
      .values({ enterprise_id: d.enterpriseId, kind: d.kind, filename: d.filename, content_type: d.contentType, size: d.body.length, sha256: d.sha256, body: d.body, uploaded_at: now })
      .returning(DOC_COLUMNS)
      .executeTakeFirstOrThrow();
    return r;
  }

  async documents(enterpriseId: number): Promise<DocumentMeta[]> {
    return this.db.selectFrom('enterprise_documents').select(DOC_COLUMNS).where('enterprise_id', '=', enterpriseId).orderBy('id').execute();
  }

  async document(enterpriseId: number, id: number): Promise<(DocumentMeta & { body: Buffer }) | null> {
    const r = await this.db.selectFrom('enterprise_documents').select([...DOC_COLUMNS, 'body']).where('enterprise_id', '=', enterpriseId).where('id', '=', id).executeTakeFirst();
    return r ? { ...r, body: Buffer.from(r.body) } : null;
  }

  // --- delegations ------------------------------------------------------------------------------------

  private delegationsQuery() {
    return this.db
      .selectFrom('delegations as d')
      .innerJoin('enterprises as p', 'p.id', 'd.principal_id')
      .innerJoin('enterprises as a', 'a.id', 'd.agent_id')
      .selectAll('d')
      .select(['p.code as principal_code', 'p.name as principal_name', 'a.code as agent_code', 'a.name as agent_name']);
  }

  async insertDelegation(d: { principalId: number; agentId: number; scope: string[]; validFrom: number; validTo: number }, now: number): Promise<number> {
    const r = await this.db
      .insertInto('delegations')
      .values({ principal_id: d.principalId, agent_id: d.agentId, scope: d.scope.join(','), valid_from: d.validFrom, valid_to: d.validTo, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async delegation(id: number): Promise<DelegationRow | null> {
    return (await this.delegationsQuery().where('d.id', '=', id).executeTakeFirst()) ?? null;
  }

  /** `party`: delegations where this enterprise is principal or agent; null for all. */
  async delegations(party: number | null): Promise<DelegationRow[]> {
    let q = this.delegationsQuery().orderBy('d.id');
    if (party !== null) q = q.where((eb) => eb.or([eb('d.principal_id', '=', party), eb('d.agent_id', '=', party)]));
    return q.execute();
  }

  async revokeDelegation(id: number, now: number): Promise<boolean> {
    const r = await this.db.updateTable('delegations').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Unrevoked delegations to `agentId` from the approved enterprise with code `principalCode`. */
  async delegationsTo(agentId: number, principalCode: string): Promise<Array<{ scope: string; valid_from: number; valid_to: number }>> {
    return this.db
      .selectFrom('delegations as d')
      .innerJoin('enterprises as p', 'p.id', 'd.principal_id')
      .select(['d.scope', 'd.valid_from', 'd.valid_to'])
      .where('d.agent_id', '=', agentId)
      .where('p.code', '=', principalCode)
      .where('p.status', '=', 'approved')
      .where('d.revoked_at', 'is', null)
      .execute();
  }

  // --- consents ---------------------------------------------------------------------------------------

  private consentsQuery() {
    return this.db
      .selectFrom('consents as c')
      .innerJoin('enterprises as e', 'e.id', 'c.enterprise_id')
      .innerJoin('enterprises as b', 'b.id', 'c.bank_id')
      .selectAll('c')
      .select(['e.code as enterprise_code', 'e.name as enterprise_name', 'b.code as bank_code', 'b.name as bank_name']);
  }

  async insertConsent(c: { enterpriseId: number; bankId: number; scope: string[]; validTo: number }, now: number): Promise<number> {
    const r = await this.db
      .insertInto('consents')
      .values({ enterprise_id: c.enterpriseId, bank_id: c.bankId, scope: c.scope.join(','), valid_to: c.validTo, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async consent(id: number): Promise<ConsentRow | null> {
    return (await this.consentsQuery().where('c.id', '=', id).executeTakeFirst()) ?? null;
  }

  /** `party`: consents this enterprise gave or (a bank) received; null for all. */
  async consents(party: number | null): Promise<ConsentRow[]> {
    let q = this.consentsQuery().orderBy('c.id');
    if (party !== null) q = q.where((eb) => eb.or([eb('c.enterprise_id', '=', party), eb('c.bank_id', '=', party)]));
    return q.execute();
  }

  async revokeConsent(id: number, now: number): Promise<boolean> {
    const r = await this.db.updateTable('consents').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Consents in force for a bank, from enterprises that are not revoked. */
  async consentsFor(bankId: number, now: number): Promise<Array<{ enterprise_id: number; scope: string; valid_to: number }>> {
    return this.db
      .selectFrom('consents as c')
      .innerJoin('enterprises as e', 'e.id', 'c.enterprise_id')
      .select(['c.enterprise_id', 'c.scope', 'c.valid_to'])
      .where('c.bank_id', '=', bankId)
      .where('c.revoked_at', 'is', null)
      .where('c.valid_to', '>', now)
      .where('e.status', '!=', 'revoked')
      .execute();
  }
}
