/**
 * Who is calling: API keys are random 32-byte secrets, stored as SHA-256 hashes (a fast
 * hash is right for high-entropy keys; passwords get argon2 with console accounts).
 * Lookups are cached briefly so the ingest hot path does not hit the database per request.
 */
import crypto from 'node:crypto';
import type { Enterprise, EnterprisesRepository } from './enterprises.repository.ts';

export type Role = 'operator' | 'ebp' | 'ebc' | 'payment' | 'logistics' | 'warehouse' | 'agent';

export function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): string {
  return `sk_${crypto.randomBytes(32).toString('base64url')}`;
}

const CACHE_MS = 30_000;

export class EnterprisesService {
  private cache = new Map<string, { at: number; who: (Enterprise & { keyId: number }) | null }>();
  private used = new Set<number>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(private readonly repo: EnterprisesRepository) {}

  async authenticate(authorization: string | undefined): Promise<Enterprise | null> {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return null;
    const h = hashKey(m[1]);
    const now = Date.now();
    let hit = this.cache.get(h);
    if (!hit || now - hit.at > CACHE_MS) {
      hit = { at: now, who: await this.repo.byKeyHash(h) };
      this.cache.set(h, hit);
      if (this.cache.size > 10_000) this.cache.clear();
    }
    if (hit.who) this.noteUse(hit.who.keyId);
    return hit.who;
  }

  /** last_used_at is written in batches, off the request path. */
  private noteUse(keyId: number) {
    this.used.add(keyId);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.flushUse(), 5_000);
    this.flushTimer.unref();
  }

  async flushUse(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const ids = [...this.used];
    this.used.clear();
    await this.repo.touchKeys(ids, Date.now());
  }

  async create(e: Omit<Enterprise, 'id'>): Promise<{ enterprise: Enterprise; apiKey: string }> {
    const enterprise = await this.repo.create(e, Date.now());
    const apiKey = await this.issueKey(enterprise.id, 'default');
    return { enterprise, apiKey };
  }

  async issueKey(enterpriseId: number, label: string): Promise<string> {
    const key = newApiKey();
    await this.repo.addKey(enterpriseId, hashKey(key), key.slice(0, 10), label, Date.now());
    return key;
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
