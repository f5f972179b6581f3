/**
 * API keys: random 32-byte secrets, stored as SHA-256 hashes (a fast hash is right for
 * high-entropy keys; passwords get argon2 with console accounts). Each key carries scopes, an
 * optional expiry, and `revoked_at` — the moment it stops working, which rotation with a grace
 * period sets in the future. Making keys takes the `manage` scope, the enterprise's administrative
 * power (a manage credential can create console accounts, whose sessions hold every scope), so a
 * manage credential may give a key any scope; `declare` works only once the filing is approved.
 */
import crypto from 'node:crypto';
import type { AuditLog } from '../audit/index.ts';
import { isOperator, requireOperator, requireScope, SCOPES, type Caller, type Scope } from '../../platform/access.ts';
import type { EnterprisesRepository, KeyRow } from './enterprises.repository.ts';
import { actorOf, conflict, iso, notFound, type Actor } from './shared.ts';

export function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): string {
  return `sk_${crypto.randomBytes(32).toString('base64url')}`;
}

export const MAX_GRACE_SECONDS = 7 * 24 * 3600;
const DAY_MS = 24 * 3600 * 1000;

export type KeyState = 'active' | 'retiring' | 'revoked' | 'expired';

export interface KeyView {
  id: number;
  enterpriseId: number;
  prefix: string;
  label: string;
  scopes: Scope[];
  state: KeyState;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  /** When the key stopped (or, while retiring after a rotation, will stop) working. */
  revokedAt: string | null;
}

export const scopesOf = (raw: string): Scope[] => raw.split(',').filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));

export function keyState(k: Pick<KeyRow, 'revoked_at' | 'expires_at'>, now: number): KeyState {
  if (k.revoked_at != null && Number(k.revoked_at) <= now) return 'revoked';
  if (k.expires_at != null && Number(k.expires_at) <= now) return 'expired';
  return k.revoked_at != null ? 'retiring' : 'active';
}

export function keyView(k: KeyRow, now = Date.now()): KeyView {
  return {
    id: Number(k.id),
    enterpriseId: Number(k.enterprise_id),
    prefix: k.prefix,
    label: k.label,
    scopes: scopesOf(k.scopes),
    state: keyState(k, now),
    createdAt: iso(k.created_at)!,
    lastUsedAt: iso(k.last_used_at),
    expiresAt: iso(k.expires_at),
    revokedAt: iso(k.revoked_at),
  };
}

/** Makes a key inside the caller's transaction and writes `key.issued`; the secret leaves only in the answer. */
export async function mintKey(
  repo: EnterprisesRepository,
  audit: AuditLog,
  k: { enterprise: { id: number; code: string }; label: string; scopes: readonly Scope[]; expiresAt: number | null; actor: Actor },
  now: number,
  action = 'key.issued',
  extra: Record<string, unknown> = {},
): Promise<{ apiKey: string; key: KeyRow }> {
  const apiKey = newApiKey();
  const prefix = apiKey.slice(0, 10);
  const scopes = SCOPES.filter((s) => k.scopes.includes(s));
  const id = await repo.insertKey({ enterpriseId: k.enterprise.id, hash: hashKey(apiKey), prefix, label: k.label, scopes, expiresAt: k.expiresAt }, now);
  await audit.append(repo.db, [
    {
      actor: k.actor.label,
      action,
      subject: `key:${prefix}`,
      enterpriseId: k.enterprise.id,
      detail: { keyId: id, enterprise: k.enterprise.code, label: k.label, scopes, expiresAt: iso(k.expiresAt), ...extra, ...(k.actor.via ? { via: k.actor.via } : {}) },
      at: now,
    },
  ]);
  const key: KeyRow = { id, enterprise_id: k.enterprise.id, prefix, label: k.label, scopes: scopes.join(','), created_at: now, last_used_at: null, expires_at: k.expiresAt, revoked_at: null };
  return { apiKey, key };
}

export class KeysService {
  constructor(
    private readonly repo: EnterprisesRepository,
    private readonly audit: AuditLog,
    /** Drops the authentication caches: a change takes effect at once in this process. */
    private readonly changed: () => void,
  ) {}

  /** Own keys; the operator may name any enterprise. */
  async list(caller: Caller, enterpriseId?: number): Promise<KeyView[]> {
    requireScope(caller, 'manage');
    const id = enterpriseId ?? caller.id;
    if (id !== caller.id) requireOperator(caller, "list another enterprise's keys");
    const now = Date.now();
    return (await this.repo.keysOf(id)).map((k) => keyView(k, now));
  }

  async create(caller: Caller, input: { label: string; scopes: Scope[]; expiresInDays?: number }): Promise<{ apiKey: string; key: KeyView }> {
    requireScope(caller, 'manage');
    const now = Date.now();
    const expiresAt = input.expiresInDays ? now + input.expiresInDays * DAY_MS : null;
    const { apiKey, key } = await this.repo.transaction((repo) =>
      mintKey(repo, this.audit, { enterprise: caller, label: input.label, scopes: input.scopes, expiresAt, actor: actorOf(caller) }, now),
    );
    return { apiKey, key: keyView(key, now) };
  }

  /**
   * A new key with the same label and scopes (and, if the old one expired after some days, as
   * many days from now); the old key keeps working for `graceSeconds`, then stops.
   */
  async rotate(caller: Caller, keyId: number, graceSeconds = 0): Promise<{ apiKey: string; key: KeyView; previous: KeyView }> {
    requireScope(caller, 'manage');
    const old = await this.repo.keyById(keyId);
    if (!old || Number(old.enterprise_id) !== caller.id) throw notFound('API key', keyId);
    const now = Date.now();
    const state = keyState(old, now);
    if (state !== 'active') {
      throw conflict(`Key ${old.prefix}… is ${state}: only an active key is rotated.`, [{ path: 'id', rule: 'key-state', expected: 'active', actual: state }]);
    }
    const scopes = scopesOf(old.scopes);
    const retiresAt = now + graceSeconds * 1000;
    const expiresAt = old.expires_at == null ? null : now + (Number(old.expires_at) - Number(old.created_at));
    const out = await this.repo.transaction(async (repo) => {
      if (!(await repo.revokeKey(keyId, retiresAt, now))) throw conflict(`Key ${old.prefix}… was revoked meanwhile.`, [{ path: 'id', rule: 'key-state', expected: 'active', actual: 'revoked' }]);
      return mintKey(repo, this.audit, { enterprise: caller, label: old.label, scopes, expiresAt, actor: actorOf(caller) }, now, 'key.rotated', {
        previousKeyId: Number(old.id),
        previousPrefix: old.prefix,
        graceSeconds,
        previousStopsAt: iso(retiresAt),
      });
    });
    this.changed();
    return { apiKey: out.apiKey, key: keyView(out.key, now), previous: keyView({ ...old, revoked_at: retiresAt }, now) };
  }

  /** Revokes at once (also a key still in its rotation grace). Own keys; the operator any. */
  async revoke(caller: Caller, keyId: number): Promise<KeyView> {
    requireScope(caller, 'manage');
    const k = await this.repo.keyById(keyId);
    if (!k || (Number(k.enterprise_id) !== caller.id && !isOperator(caller))) throw notFound('API key', keyId);
    const now = Date.now();
    await this.repo.transaction(async (repo) => {
      if (!(await repo.revokeKey(keyId, now, now))) throw conflict(`Key ${k.prefix}… is already revoked.`, [{ path: 'id', rule: 'key-state', expected: 'active, retiring or expired', actual: 'revoked' }]);
      const actor = actorOf(caller);
      await this.audit.append(repo.db, [
        { actor: actor.label, action: 'key.revoked', subject: `key:${k.prefix}`, enterpriseId: Number(k.enterprise_id), detail: { keyId, label: k.label, via: actor.via }, at: now },
      ]);
    });
    this.changed();
    return keyView({ ...k, revoked_at: now }, now);
  }
}
