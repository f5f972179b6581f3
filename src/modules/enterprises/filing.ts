/**
 * Filing (备案): an enterprise applies (pending), the operator reviews it (approve, reject,
 * suspend, reinstate, revoke — rules.ts), the applicant edits while pending or rejected (a
 * rejected filing that is edited is pending again), an approved one changes only its contacts.
 * Every change is a history event and an audit entry, written in the change's transaction.
 */
import crypto from 'node:crypto';
import type { AuditLog } from '../audit/index.ts';
import type { Issue } from '../../ceb/index.ts';
import { isOperator, requireOperator, requireScope, ROLES, SCOPES, type Caller, type EnterpriseStatus, type Scope } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import type { DocumentMeta, Enterprise, EnterprisesRepository } from './enterprises.repository.ts';
import { mintKey } from './keys.ts';
import { APPLICANT_ROLES, documentIssues, filingIssues, transition, TRANSITIONS, type Decision, type FilingFields } from './rules.ts';
import { actorOf, conflict, invalid, isUniqueViolation, iso, notFound, regulatorOnly, seesAll, type Actor } from './shared.ts';
import type { DocumentView, EnterpriseView, HistoryEntry } from './views.ts';

export type { DocumentView, EnterpriseView, HistoryEntry } from './views.ts';

export const enterpriseView = (e: Enterprise): EnterpriseView => ({
  id: e.id,
  code: e.code,
  name: e.name,
  uscc: e.uscc,
  dxpId: e.dxpId,
  roles: e.roles,
  status: e.status,
  contacts: e.contacts,
  createdAt: iso(e.createdAt)!,
  updatedAt: iso(e.updatedAt),
});

const documentView = (d: DocumentMeta): DocumentView => ({ id: Number(d.id), kind: d.kind, filename: d.filename, contentType: d.content_type, size: d.size, sha256: d.sha256, uploadedAt: iso(d.uploaded_at)! });

const FIELDS = ['code', 'name', 'uscc', 'dxpId', 'roles', 'contacts'] as const;
type Field = (typeof FIELDS)[number];
type Changes = Partial<Record<Field, { before: unknown; after: unknown }>>;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Audit details name what changed; contacts (personal data) are named, not copied. */
function auditChanges(changes: Changes): Record<string, unknown> {
  return Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, k === 'contacts' ? 'changed' : v]));
}

function duplicate(fields: Array<'code' | 'uscc' | 'dxpId'>, values: Partial<Record<'code' | 'uscc' | 'dxpId', string | null>>): AppError {
  return conflict(
    `Another enterprise has already filed this ${fields.join(', ')}.`,
    fields.map((f) => ({ path: f, rule: 'unique', expected: 'a value no other enterprise has filed', actual: String(values[f]) })),
  );
}

export class FilingService {
  constructor(
    private readonly repo: EnterprisesRepository,
    private readonly audit: AuditLog,
    private readonly changed: () => void,
  ) {}

  /**
   * Stores a new enterprise with its first key, history event and audit entries. `actor: 'self'`
   * is an application: the applicant acts for itself.
   */
  async insert(
    f: Omit<FilingFields, 'uscc'> & { uscc: string | null },
    o: { status: EnterpriseStatus; actor: Actor | 'self'; scopes: readonly Scope[]; keyLabel: string; action?: string },
  ): Promise<{ enterprise: Enterprise; apiKey: string; keyId: number }> {
    const now = Date.now();
    const run = () =>
      this.repo.transaction(async (repo, trx) => {
        const taken = await repo.taken(f);
        if (taken.length) throw duplicate(taken, f);
        const enterprise = await repo.insertEnterprise({ ...f, status: o.status }, now);
        const actor: Actor = o.actor === 'self' ? { label: `enterprise:${enterprise.code}`, id: enterprise.id } : o.actor;
        const action = o.action ?? (o.status === 'pending' ? 'applied' : 'created');
        const changes: Changes = Object.fromEntries(FIELDS.map((k) => [k, { before: null, after: enterprise[k] }]));
        await repo.addEvent({ enterpriseId: enterprise.id, action, to: o.status, actorId: actor.id, detail: { actor: actor.label, changes }, at: now });
        await this.audit.append(trx, [
          {
            actor: actor.label,
            action: `filing.${action}`,
            subject: `enterprise:${enterprise.code}`,
            enterpriseId: enterprise.id,
            detail: { code: enterprise.code, name: enterprise.name, uscc: enterprise.uscc, dxpId: enterprise.dxpId, roles: enterprise.roles, status: o.status, ...(actor.via ? { via: actor.via } : {}) },
            at: now,
          },
        ]);
        const { apiKey, key } = await mintKey(repo, this.audit, { enterprise, label: o.keyLabel, scopes: o.scopes, expiresAt: null, actor }, now);
        return { enterprise, apiKey, keyId: Number(key.id) };
      });
    try {
      return await run();
    } catch (err) {
      // Two filings of the same codes at once: the unique index stops the second.
      if (!isUniqueViolation(err)) throw err;
      const taken = await this.repo.taken(f);
      if (taken.length) throw duplicate(taken, f);
      throw err;
    }
  }

  /** An application (unauthenticated): pending, with a key that may read and manage but not declare. */
  async apply(f: FilingFields): Promise<{ enterprise: EnterpriseView; apiKey: string; keyId: number; scopes: Scope[] }> {
    const issues = filingIssues(f, APPLICANT_ROLES);
    if (issues.length) throw invalid('The filing is not valid; nothing was stored.', issues);
    const scopes: Scope[] = ['read', 'manage'];
    const out = await this.insert(f, { status: 'pending', actor: 'self', scopes, keyLabel: 'filing' });
    return { enterprise: enterpriseView(out.enterprise), apiKey: out.apiKey, keyId: out.keyId, scopes };
  }

  /** The operator files an enterprise directly (any role, regulators too): approved at once. */
  async createByOperator(caller: Caller, f: FilingFields): Promise<{ enterprise: EnterpriseView; apiKey: string; keyId: number; scopes: Scope[] }> {
    requireOperator(caller, 'create enterprises directly');
    const issues = filingIssues(f, ROLES);
    if (issues.length) throw invalid('The filing is not valid; nothing was stored.', issues);
    const out = await this.insert(f, { status: 'approved', actor: actorOf(caller), scopes: SCOPES, keyLabel: 'default' });
    return { enterprise: enterpriseView(out.enterprise), apiKey: out.apiKey, keyId: out.keyId, scopes: [...SCOPES] };
  }

  /** The enterprise if the caller may see it (itself; the operator and regulators any), else 404. */
  private async visible(caller: Caller, id: number): Promise<Enterprise> {
    requireScope(caller, 'read');
    const e = id === caller.id || seesAll(caller) ? await this.repo.byId(id) : null;
    if (!e) throw notFound('enterprise', id);
    return e;
  }

  async get(caller: Caller, id: number): Promise<EnterpriseView> {
    return enterpriseView(await this.visible(caller, id));
  }

  async list(caller: Caller, q: { status?: EnterpriseStatus; role?: string; limit?: number; offset?: number }): Promise<{ enterprises: EnterpriseView[]; total: number; limit: number; offset: number }> {
    requireScope(caller, 'read');
    const limit = q.limit ?? 100;
    const offset = q.offset ?? 0;
    if (!seesAll(caller)) {
      const own = await this.repo.byId(caller.id);
      const match = own && (!q.status || own.status === q.status) && (!q.role || own.roles.includes(q.role));
      return { enterprises: match && offset === 0 ? [enterpriseView(own)] : [], total: match ? 1 : 0, limit, offset };
    }
    const { rows, total } = await this.repo.list({ status: q.status, role: q.role, limit, offset });
    return { enterprises: rows.map(enterpriseView), total, limit, offset };
  }

  /**
   * Edits a filing. The applicant: any field while pending or rejected (rejected → pending
   * again), only contacts once approved, nothing while suspended. The operator: any field.
   */
  async update(caller: Caller, id: number, patch: Partial<FilingFields>): Promise<EnterpriseView> {
    requireScope(caller, 'manage');
    const current = await this.visible(caller, id);
    const operator = isOperator(caller);
    if (regulatorOnly(caller) || (!operator && caller.id !== id)) throw new AppError('FORBIDDEN', 'Only the enterprise itself and the operator edit a filing.');
    if (current.status === 'revoked') {
      throw conflict(`Enterprise ${current.code} is revoked: a revoked filing is final.`, [{ path: 'status', rule: 'final', expected: 'a filing that is not revoked', actual: 'revoked' }]);
    }
    const issues = filingIssues(patch, operator ? ROLES : APPLICANT_ROLES);
    if (issues.length) throw invalid('The change is not valid; nothing was changed.', issues);

    const changes: Changes = {};
    for (const k of FIELDS) if (patch[k] !== undefined && !same(patch[k], current[k])) changes[k] = { before: current[k], after: patch[k] };
    // Once approved, the customs code is an identity: declarations, delegations and caches refer to it.
    if (changes.code && current.status !== 'pending' && current.status !== 'rejected') {
      throw conflict(`Enterprise ${current.code} was approved under this customs code; a new code is a new filing.`, [
        { path: 'code', rule: 'identity', expected: current.code, actual: String(changes.code.after) },
      ]);
    }
    if (!operator) {
      if (current.status === 'suspended') {
        throw new AppError('FORBIDDEN', `Enterprise ${current.code} is suspended: its filing cannot be changed until the operator reinstates it.`, [
          { path: 'status', rule: 'status', expected: 'pending, rejected or approved', actual: 'suspended' },
        ]);
      }
      const locked = current.status === 'approved' ? Object.keys(changes).filter((k) => k !== 'contacts') : [];
      if (locked.length) {
        throw new AppError(
          'FORBIDDEN',
          `An approved filing changes only its contacts; ask the operator to change ${locked.join(', ')}.`,
          locked.map((k): Issue => ({ path: k, rule: 'approved-filing', expected: 'unchanged (only contacts change once approved)', actual: JSON.stringify(changes[k as Field]!.after) })),
        );
      }
    }
    // The applicant's edit of a rejected filing is its resubmission, even if only documents changed.
    const resubmit = !operator && current.status === 'rejected';
    if (!Object.keys(changes).length && !resubmit) return enterpriseView(current);

    const now = Date.now();
    const actor = actorOf(caller);
    const to: EnterpriseStatus = resubmit ? 'pending' : current.status;
    const set = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.after])) as Partial<FilingFields>;
    const identity = { code: set.code, uscc: set.uscc, dxpId: set.dxpId };
    const run = () =>
      this.repo.transaction(async (repo, trx) => {
        const taken = await repo.taken(identity, id);
        if (taken.length) throw duplicate(taken, identity);
        if (!(await repo.updateEnterprise(id, { ...set, status: to }, now, current.status))) {
          throw conflict(`The filing of ${current.code} changed meanwhile; read it again.`, [{ path: 'status', rule: 'concurrent-change', expected: current.status, actual: 'changed' }]);
        }
        await repo.addEvent({
          enterpriseId: id,
          action: resubmit ? 'resubmitted' : 'updated',
          from: resubmit ? current.status : null,
          to: resubmit ? to : null,
          actorId: actor.id,
          detail: { actor: actor.label, changes },
          at: now,
        });
        await this.audit.append(trx, [
          {
            actor: actor.label,
            action: 'filing.updated',
            subject: `enterprise:${set.code ?? current.code}`,
            enterpriseId: id,
            detail: { changes: auditChanges(changes), ...(resubmit ? { statusFrom: current.status, statusTo: to } : {}), via: actor.via },
            at: now,
          },
        ]);
      });
    try {
      await run();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const taken = await this.repo.taken(identity, id);
      if (taken.length) throw duplicate(taken, identity);
      throw err;
    }
    this.changed();
    return enterpriseView((await this.repo.byId(id))!);
  }

  /** The operator's decision on a filing (rules.ts: TRANSITIONS). */
  /** `basedOn`: the updatedAt the operator read; a filing edited since is not decided on unseen. */
  async review(caller: Caller, id: number, decision: Decision, reason?: string, basedOn?: string): Promise<EnterpriseView> {
    requireOperator(caller, 'review filings');
    const e = await this.repo.byId(id);
    if (!e) throw notFound('enterprise', id);
    if (e.id === caller.id) throw new AppError('FORBIDDEN', 'The operator does not review its own filing.', [{ path: 'id', rule: 'not-self', expected: 'another enterprise', actual: String(id) }]);
    const why = reason?.trim() || null;
    if (TRANSITIONS[decision].reason && !why) {
      throw invalid(`A reason is required to ${decision} a filing.`, [{ path: 'reason', rule: 'required', expected: `the reason to ${decision}, told to the enterprise`, actual: reason ?? 'missing' }]);
    }
    const t = transition(e.status, decision);
    if (!t.ok) throw conflict(`Cannot ${decision} the filing of ${e.code}: it is ${e.status}.`, [t.issue]);
    const now = Date.now();
    const actor = actorOf(caller);
    await this.repo.transaction(async (repo, trx) => {
      if (basedOn !== undefined) {
        const seen = iso((await repo.byId(id))?.updatedAt ?? null);
        if (seen !== new Date(basedOn).toISOString()) {
          throw conflict(`The filing of ${e.code} changed after ${basedOn}; read it again before deciding.`, [{ path: 'basedOn', rule: 'stale', expected: seen ?? 'the current updatedAt', actual: basedOn }]);
        }
      }
      if (!(await repo.updateEnterprise(id, { status: t.to }, now, e.status))) {
        throw conflict(`The filing of ${e.code} changed meanwhile; read it again.`, [{ path: 'status', rule: 'concurrent-change', expected: e.status, actual: 'changed' }]);
      }
      await repo.addEvent({ enterpriseId: id, action: t.action, from: e.status, to: t.to, reason: why, actorId: actor.id, detail: { actor: actor.label }, at: now });
      await this.audit.append(trx, [
        { actor: actor.label, action: `filing.${t.action}`, subject: `enterprise:${e.code}`, enterpriseId: id, detail: { from: e.status, to: t.to, reason: why, via: actor.via }, at: now },
      ]);
    });
    this.changed();
    return enterpriseView((await this.repo.byId(id))!);
  }

  async history(caller: Caller, id: number): Promise<HistoryEntry[]> {
    await this.visible(caller, id);
    return (await this.repo.events(id)).map((r) => {
      const detail = JSON.parse(r.detail) as { actor?: string; changes?: HistoryEntry['changes'] } & Record<string, unknown>;
      const { actor, changes, ...rest } = detail;
      return { id: r.id, action: r.action, from: r.status_from, to: r.status_to, reason: r.reason, actor: actor ?? null, actorId: r.actor_id, changes: changes ?? {}, detail: rest, at: iso(r.at)! };
    });
  }

  // --- qualification documents -------------------------------------------------------------------

  async addDocument(caller: Caller, id: number, d: { kind: string; filename: string; contentType: string; body: Buffer }): Promise<DocumentView> {
    requireScope(caller, 'manage');
    const e = await this.visible(caller, id);
    if (regulatorOnly(caller) || (!isOperator(caller) && caller.id !== id)) throw new AppError('FORBIDDEN', 'Only the enterprise itself and the operator add documents to a filing.');
    if (e.status === 'revoked') throw conflict(`Enterprise ${e.code} is revoked: a revoked filing is final.`, [{ path: 'status', rule: 'final', expected: 'a filing that is not revoked', actual: 'revoked' }]);
    if (!d.body.length) throw invalid('The document is empty.', [{ path: 'body', rule: 'required', expected: 'the file as the request body', actual: '0 bytes' }]);
    const issues = documentIssues(d.contentType, d.body, d.filename);
    if (issues.some((i) => i.path !== 'filename')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the document as application/pdf, image/png or image/jpeg, with bytes of that type.', issues);
    if (issues.length) throw invalid('The file name is not valid.', issues);
    const sha256 = crypto.createHash('sha256').update(d.body).digest('hex');
    const now = Date.now();
    const actor = actorOf(caller);
    const doc = await this.repo.transaction(async (repo, trx) => {
      const doc = await repo.insertDocument({ enterpriseId: id, kind: d.kind, filename: d.filename, contentType: d.contentType, sha256, body: d.body }, now);
      const detail = { documentId: Number(doc.id), kind: d.kind, filename: d.filename, contentType: d.contentType, size: d.body.length, sha256 };
      await repo.addEvent({ enterpriseId: id, action: 'document-added', actorId: actor.id, detail: { actor: actor.label, ...detail }, at: now });
      await this.audit.append(trx, [{ actor: actor.label, action: 'document.added', subject: `enterprise:${e.code}`, enterpriseId: id, detail: { ...detail, via: actor.via }, at: now }]);
      return doc;
    });
    return documentView(doc);
  }

  async documents(caller: Caller, id: number): Promise<DocumentView[]> {
    await this.visible(caller, id);
    return (await this.repo.documents(id)).map(documentView);
  }

  async document(caller: Caller, id: number, docId: number): Promise<DocumentView & { body: Buffer }> {
    await this.visible(caller, id);
    const d = await this.repo.document(id, docId);
    if (!d) throw notFound('document', docId);
    return { ...documentView(d), body: d.body };
  }
}
