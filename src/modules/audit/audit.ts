/**
 * The audit log: append-only (database triggers refuse UPDATE and DELETE) and hash-chained.
 * Entry n stores hash_n = SHA-256(JSON [seq, at, actor, action, subject, enterprise, detail, hash_{n-1}]),
 * so changing, removing or reordering any entry breaks every hash after it; `verify` walks the
 * chain. The head hash, noted outside the platform, also exposes a truncated tail.
 *
 * Entries are appended inside the caller's transaction, so an audited change and its entry
 * commit together. On PostgreSQL a transaction-scoped advisory lock orders concurrent writers;
 * SQLite transactions are serial already.
 */
import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';

export const GENESIS = '0'.repeat(64);
const LOCK_KEY = 0x5ea1a0d17; // arbitrary, constant: "the audit chain"

export interface AuditEntry {
  /** enterprise:<code>, account:<username>, certificate:<fingerprint prefix>, system. */
  actor: string;
  /** filing.applied, filing.approved, key.issued, key.revoked, declaration.accepted, signature.used, config.rates… */
  action: string;
  /** What it was done to: enterprise:<code>, message:<id>, key:<prefix>… */
  subject: string;
  enterpriseId?: number | null;
  detail?: Record<string, unknown>;
  at?: number;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  enterpriseId: number | null;
  detail: unknown;
  hash: string;
}

export interface Verification {
  ok: boolean;
  entries: number;
  /** Hash of the last entry: note it elsewhere to detect a truncated tail later. */
  head: string;
  /** First entry that does not verify, and why. */
  brokenAt?: number;
  reason?: string;
}

/** JSON with object keys sorted at every level: one text per value, so one hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function chainHash(row: { seq: number; at: number; actor: string; action: string; subject: string; enterprise_id: number | null; detail: string; prev_hash: string }): string {
  return crypto
    .createHash('sha256')
    // A JSON array, not a joined string: no text can move from one field into the next.
    .update(JSON.stringify([row.seq, row.at, row.actor, row.action, row.subject, row.enterprise_id, row.detail, row.prev_hash]))
    .digest('hex');
}

export class AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly postgres: boolean,
  ) {}

  /** Appends `entries`, in order, inside `trx` (any Kysely handle: a transaction or the database). */
  async append(trx: Kysely<Database>, entries: AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    if (this.postgres) await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    let seq = last ? Number(last.seq) : 0;
    let prev = last?.hash ?? GENESIS;
    const now = Date.now();
    const rows = entries.map((e) => {
      seq += 1;
      const row = {
        seq,
        at: e.at ?? now,
        actor: e.actor,
        action: e.action,
        subject: e.subject,
        enterprise_id: e.enterpriseId ?? null,
        detail: canonicalJson(e.detail ?? {}),
        prev_hash: prev,
      };
      prev = chainHash(row);
      return { ...row, hash: prev };
    });
    // Bounded statements: SQLite allows 32,766 parameters, PostgreSQL 65,535.
    for (let i = 0; i < rows.length; i += 500) await trx.insertInto('audit_log').values(rows.slice(i, i + 500)).execute();
  }

  /** Appends in a transaction of its own. */
  async record(...entries: AuditEntry[]): Promise<void> {
    await this.db.transaction().execute((trx) => this.append(trx, entries));
  }

  /** Walks the whole chain in pages; stops at the first entry that does not verify. */
  async verify(pageSize = 5000): Promise<Verification> {
    let prev = GENESIS;
    let expectSeq = 1;
    let count = 0;
    for (;;) {
      const page = await this.db.selectFrom('audit_log').selectAll().where('seq', '>=', expectSeq).orderBy('seq').limit(pageSize).execute();
      for (const r of page) {
        const seq = Number(r.seq);
        if (seq !== expectSeq) return { ok: false, entries: count, head: prev, brokenAt: expectSeq, reason: `entry ${expectSeq} is missing (next is ${seq})` };
        if (r.prev_hash !== prev) return { ok: false, entries: count, head: prev, brokenAt: seq, reason: `entry ${seq} does not point to the hash of entry ${seq - 1}` };
        const h = chainHash({ ...r, seq, at: Number(r.at), enterprise_id: r.enterprise_id == null ? null : Number(r.enterprise_id) });
        if (h !== r.hash) return { ok: false, entries: count, head: prev, brokenAt: seq, reason: `entry ${seq} was altered: its content does not hash to its stored hash` };
        prev = r.hash;
        expectSeq += 1;
        count += 1;
      }
      if (page.length < pageSize) return { ok: true, entries: count, head: prev };
    }
  }

  /** Newest first. */
  async list(filter: { enterpriseId?: number; action?: string; beforeSeq?: number; limit?: number }): Promise<AuditRecord[]> {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(Math.min(filter.limit ?? 100, 1000));
    if (filter.enterpriseId !== undefined) q = q.where('enterprise_id', '=', filter.enterpriseId);
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.beforeSeq) q = q.where('seq', '<', filter.beforeSeq);
    return (await q.execute()).map((r) => ({
      seq: Number(r.seq),
      at: new Date(Number(r.at)).toISOString(),
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      enterpriseId: r.enterprise_id == null ? null : Number(r.enterprise_id),
      detail: JSON.parse(r.detail) as unknown,
      hash: r.hash,
    }));
  }
}
