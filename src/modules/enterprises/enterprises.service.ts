/**
 * Who is calling: an API key (or, via `callerFor`, a console session or client certificate)
 * becomes a Caller with the enterprise's status, roles, the credential's scopes and, for a bank,
 * what enterprises consented to share. Lookups are cached briefly so the ingest hot path does not
 * hit the database per request; every change made through this service (keys, filing status,
 * delegations, consents) drops the caches, so it takes effect at once in this process. Other
 * processes on the same database see a change only after CACHE_MS.
 */
import type { AuditLog } from '../audit/index.ts';
import { SCOPES, type Caller, type DataKind, type Scope, DATA_KINDS } from '../../platform/access.ts';
import type { Enterprise, EnterprisesRepository } from './enterprises.repository.ts';
import { FilingService } from './filing.ts';
import { GrantsService } from './grants.ts';
import { hashKey, keyState, KeysService, mintKey, scopesOf } from './keys.ts';
import type { Contact } from './rules.ts';
import { SYSTEM, type Actor } from './shared.ts';

export { hashKey, newApiKey } from './keys.ts';

const CACHE_MS = 30_000;
const MAX_ENTRIES = 10_000;

interface KeyHit {
  keyId: number;
  enterpriseId: number;
  scopes: ReadonlySet<Scope>;
  expiresAt: number | null;
  revokedAt: number | null;
}

interface Subject {
  e: Enterprise;
  shared?: ReadonlyMap<number, ReadonlySet<DataKind>>;
}

interface Entry<T> {
  until: number;
  value: T;
}

export interface NewEnterprise {
  code: string;
  name: string;
  dxpId: string;
  roles: string[];
  uscc?: string | null;
  contacts?: Contact[];
}

export class EnterprisesService {
  readonly filing: FilingService;
  readonly keys: KeysService;
  readonly grants: GrantsService;

  private keyCache = new Map<string, Entry<KeyHit | null>>();
  private subjects = new Map<number, Entry<Subject | null>>();
  private delegationCache = new Map<string, Entry<Array<{ scope: ReadonlySet<string>; from: number; to: number }>>>();
  /** Bumped by every change: a lookup that started before it is not cached after it. */
  private generation = 0;
  private used = new Set<number>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: EnterprisesRepository,
    private readonly audit: AuditLog,
  ) {
    const changed = () => this.invalidate();
    this.keys = new KeysService(repo, audit, changed);
    this.filing = new FilingService(repo, audit, changed);
    this.grants = new GrantsService(repo, audit, changed);
  }

  /** Drops every cached key, caller and delegation of this process. */
  invalidate(): void {
    this.generation++;
    this.keyCache.clear();
    this.subjects.clear();
    this.delegationCache.clear();
  }

  private async cached<K, T>(map: Map<K, Entry<T>>, key: K, load: () => Promise<{ value: T; until?: number }>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    const gen = this.generation;
    const { value, until } = await load();
    if (gen === this.generation) {
      if (map.size >= MAX_ENTRIES) map.clear();
      map.set(key, { value, until: Math.min(until ?? Infinity, now + CACHE_MS) });
    }
    return value;
  }

  /** The enterprise behind a caller, with what banks were shared; null for an unknown or revoked one. */
  private subject(enterpriseId: number): Promise<Subject | null> {
    return this.cached(this.subjects, enterpriseId, async () => {
      const e = await this.repo.byId(enterpriseId);
      if (!e || e.status === 'revoked') return { value: null };
      if (!e.roles.includes('bank')) return { value: { e } };
      const now = Date.now();
      const shared = new Map<number, Set<DataKind>>();
      let until = Infinity;
      for (const c of await this.repo.consentsFor(e.id, now)) {
        const kinds = shared.get(Number(c.enterprise_id)) ?? new Set<DataKind>();
        for (const k of c.scope.split(',')) if ((DATA_KINDS as readonly string[]).includes(k)) kinds.add(k as DataKind);
        shared.set(Number(c.enterprise_id), kinds);
        until = Math.min(until, Number(c.valid_to));
      }
      // Cached no longer than the first consent stays in force.
      return { value: { e, shared }, until };
    });
  }

  private build(s: Subject, via: Caller['via'], scopes: ReadonlySet<Scope>, extra: { keyId?: number; accountId?: number }): Caller {
    const { e } = s;
    const all = e.roles.includes('operator') || e.roles.includes('customs') || e.roles.includes('commerce');
    return {
      id: e.id,
      code: e.code,
      name: e.name,
      dxpId: e.dxpId,
      roles: e.roles,
      status: e.status,
      scopes,
      via,
      ...(extra.keyId !== undefined ? { keyId: extra.keyId } : {}),
      ...(extra.accountId !== undefined ? { accountId: extra.accountId } : {}),
      readable: all ? 'all' : 'own',
      ...(s.shared ? { shared: s.shared } : {}),
    };
  }

  /** `Authorization: Bearer <key>` → the Caller; null for a missing, unknown, revoked or expired key, or a revoked enterprise. */
  async authenticate(authorization: string | undefined): Promise<Caller | null> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return null;
    const h = hashKey(m[1]);
    const key = await this.cached(this.keyCache, h, async () => {
      const k = await this.repo.keyByHash(h);
      return {
        value: k && {
          keyId: Number(k.id),
          enterpriseId: Number(k.enterprise_id),
          scopes: new Set(scopesOf(k.scopes)),
          expiresAt: k.expires_at == null ? null : Number(k.expires_at),
          revokedAt: k.revoked_at == null ? null : Number(k.revoked_at),
        },
      };
    });
    // Expiry and the end of a rotation's grace are checked against the clock on every request.
    const state = key && keyState({ expires_at: key.expiresAt, revoked_at: key.revokedAt }, Date.now());
    if (!key || state === 'revoked' || state === 'expired') return null;
    const s = await this.subject(key.enterpriseId);
    if (!s) return null;
    this.noteUse(key.keyId);
    return this.build(s, 'key', key.scopes, { keyId: key.keyId });
  }

  /** The Caller of a console session or client certificate of `enterpriseId`; null for an unknown or revoked enterprise. */
  async callerFor(enterpriseId: number, via: Caller['via'], scopes: ReadonlySet<Scope>, extra: { keyId?: number; accountId?: number } = {}): Promise<Caller | null> {
    const s = await this.subject(enterpriseId);
    return s ? this.build(s, via, scopes, extra) : null;
  }

  /** Is there a delegation in force, at `at`, from the approved enterprise `principalCode` to `agentId` covering `messageType`? */
  async delegated(agentId: number, principalCode: string, messageType: string, at = Date.now()): Promise<boolean> {
    const list = await this.cached(this.delegationCache, `${agentId}|${principalCode}`, async () => ({
      value: (await this.repo.delegationsTo(agentId, principalCode)).map((d) => ({ scope: new Set(d.scope.split(',')), from: Number(d.valid_from), to: Number(d.valid_to) })),
    }));
    return list.some((d) => d.scope.has(messageType) && d.from <= at && at < d.to);
  }

  /** last_used_at is written in batches, off the request path. */
  private noteUse(keyId: number) {
    this.used.add(keyId);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.flushUse().catch(() => undefined), 5_000);
    this.flushTimer.unref();
  }

  async flushUse(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const ids = [...this.used];
    this.used.clear();
    await this.repo.touchKeys(ids, Date.now());
  }

  /**
   * Creates an enterprise directly (demo zone, tests, the operator's tools), approved unless
   * told otherwise, with a first key carrying every scope.
   */
  async create(e: NewEnterprise, opts: { actor?: Actor } = {}): Promise<{ enterprise: Enterprise; apiKey: string }> {
    const out = await this.filing.insert({ ...e, uscc: e.uscc ?? null, contacts: e.contacts ?? [] }, { status: 'approved', actor: opts.actor ?? SYSTEM, scopes: SCOPES, keyLabel: 'default' });
    return { enterprise: out.enterprise, apiKey: out.apiKey };
  }

  /** A further key with every scope (or those given). */
  async issueKey(enterpriseId: number, label: string, scopes: readonly Scope[] = SCOPES, actor: Actor = SYSTEM): Promise<string> {
    const e = await this.repo.byId(enterpriseId);
    if (!e) throw new Error(`no enterprise ${enterpriseId}`);
    const now = Date.now();
    const { apiKey } = await this.repo.transaction((repo) => mintKey(repo, this.audit, { enterprise: e, label, scopes, expiresAt: null, actor }, now));
    return apiKey;
  }

  byId(id: number) {
    return this.repo.byId(id);
  }

  byCode(code: string) {
    return this.repo.byCode(code);
  }

  count() {
    return this.repo.count();
  }
}
