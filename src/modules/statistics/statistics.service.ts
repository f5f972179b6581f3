/**
 * Statistical monitoring (统计监测). Counters are kept in the transactions that store the data
 * (an ingest batch, a receipts batch), so a figure is never ahead of, or behind, what is stored.
 * Snapshots are sums over a window's buckets, cached per window: however many watchers a stream
 * has, each window costs one computation per tick.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { requireRead, type Caller } from '../../platform/access.ts';
import { BEFORE_CUSTOMS, Tally, tallyChanges, tallyMessages, type Change } from './facts.ts';
import { bucketOf, summarize } from './histogram.ts';
import type { StatisticsRepository } from './statistics.repository.ts';
import { WINDOWS, buildSnapshot, bucketAt, bucketStart, minuteFigures, windowBuckets, type Snapshot, type WindowName } from './snapshot.ts';

export interface StatisticsPorts {
  /** Messages waiting in the outbox for customs (an indexed count). */
  queueDepth(): Promise<number>;
  /** When the platform received these messages (ms), in the caller's transaction. */
  receivedAt(trx: Kysely<Database>, messageIds: number[]): Promise<Map<number, number>>;
  database: string;
  startedAt: number;
  now?: () => number;
  /** How often streams look for a change (ms), and how long a stream may stay silent before a heartbeat. */
  tickMs?: number;
  heartbeatMs?: number;
  /** How often a stream's credential is checked again (ms): a revoked or expired one ends its streams. */
  recheckMs?: number;
  /** Open streams allowed in this process, and per enterprise. */
  maxStreams?: number;
  maxStreamsPerEnterprise?: number;
}

/** A record that moved, as receipts report it. */
export interface AppliedChange extends Change {
  declaration: { message_id: number };
}

export interface PublicStatus {
  status: 'ok';
  generatedAt: string;
  uptimeSeconds: number;
  database: string;
  queueDepth: number;
  latency: { last5m: ReturnType<typeof summarize>; last1h: ReturnType<typeof summarize> };
  declarationsLastHour: number;
  declarationsPerMinute: Array<{ t: string; count: number }>;
}

export interface Watcher {
  send(text: string): void;
  end(): void;
  /** The enterprise watching: streams are counted per enterprise. */
  enterpriseId: number;
  /** Checks the credential again: throws an AppError once it no longer may watch (logged out, revoked, expired). */
  recheck?(): Promise<void>;
}

const WATCHING_ROLES = ['operator', 'customs', 'commerce'];
const PRUNE_MS = 10 * 60_000;

export class StatisticsService {
  /** Bumped by every write: a cached snapshot older than the last write is computed again. */
  private version = 0;
  private readonly cache = new Map<WindowName, { at: number; version: number; snapshot: Promise<Snapshot> }>();
  private statusCache: { at: number; status: Promise<PublicStatus> } | null = null;
  private readonly watchers = new Map<WindowName, Map<Watcher, { key: string; wrote: number; checked: number; checking: boolean }>>();
  private ticker: NodeJS.Timeout | null = null;
  private pruner: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly heartbeatMs: number;
  private readonly recheckMs: number;
  private readonly maxStreams: number;
  private readonly maxPerEnterprise: number;

  constructor(
    private readonly repo: StatisticsRepository,
    private readonly ports: StatisticsPorts,
  ) {
    this.now = ports.now ?? Date.now;
    this.tickMs = ports.tickMs ?? 2000;
    this.heartbeatMs = ports.heartbeatMs ?? 15_000;
    this.recheckMs = ports.recheckMs ?? 30_000;
    this.maxStreams = ports.maxStreams ?? 200;
    this.maxPerEnterprise = ports.maxStreamsPerEnterprise ?? 10;
  }

  // --- counting, inside the data's transaction ---------------------------------------------------

  /** Ingest: the records of a batch just stored. */
  async ingested(trx: Kysely<Database>, stored: ReadonlyArray<{ item: { messageType: string; records: ReadonlyArray<{ fields: string }> } }>, now: number): Promise<void> {
    const t = new Tally();
    tallyMessages(t, stored.map((s) => s.item));
    await this.write(trx, t, now);
  }

  /** Receipts: lifecycle changes, and the latency of each record's first answer. */
  async applied(trx: Kysely<Database>, changes: ReadonlyArray<AppliedChange>): Promise<void> {
    if (!changes.length) return;
    const now = this.now();
    const t = new Tally();
    tallyChanges(t, changes);
    const first = changes.filter((c) => BEFORE_CUSTOMS.has(c.from));
    if (first.length) {
      const received = await this.ports.receivedAt(trx, [...new Set(first.map((c) => c.declaration.message_id))]);
      for (const c of first) {
        const at = received.get(c.declaration.message_id);
        if (at !== undefined) t.add('latency', String(bucketOf(Math.max(0, now - at))));
      }
    }
    await this.write(trx, t, now);
  }

  private async write(trx: Kysely<Database>, t: Tally, now: number): Promise<void> {
    if (!t.size) return;
    await this.repo.add(trx, t, now);
    this.version++;
  }

  // --- reading --------------------------------------------------------------------------------

  /** Who may read statistics: the operator and the regulators. */
  authorize(caller: Caller): void {
    if (!caller.roles.some((r) => WATCHING_ROLES.includes(r))) {
      throw new AppError('FORBIDDEN', `Statistics are for the zone operator and the regulators (customs, commerce); your enterprise's roles are ${caller.roles.join(', ') || 'none'}.`);
    }
    // A suspended regulator reads no more than a suspended enterprise does.
    requireRead(caller);
  }

  /** The snapshot of a window: cached for up to a second while nothing was written. */
  snapshot(w: WindowName, maxAgeMs = 1000): Promise<Snapshot> {
    const now = this.now();
    const c = this.cache.get(w);
    if (c && c.version === this.version && now - c.at < maxAgeMs) return c.snapshot;
    const version = this.version;
    const snapshot = this.compute(w, now);
    this.cache.set(w, { at: now, version, snapshot });
    snapshot.catch(() => this.cache.get(w)?.snapshot === snapshot && this.cache.delete(w));
    return snapshot;
  }

  private async compute(w: WindowName, now: number): Promise<Snapshot> {
    const { span, first, last } = windowBuckets(w, now);
    const [rows, depth] = await Promise.all([this.repo.range(span, first, last), this.ports.queueDepth()]);
    return buildSnapshot(w, now, rows, depth);
  }

  /** The public status page's figures: nothing about any enterprise. Cached for a second. */
  status(): Promise<PublicStatus> {
    const now = this.now();
    if (this.statusCache && now - this.statusCache.at < 1000) return this.statusCache.status;
    const status = this.computeStatus(now);
    this.statusCache = { at: now, status };
    status.catch(() => this.statusCache?.status === status && (this.statusCache = null));
    return status;
  }

  private async computeStatus(now: number): Promise<PublicStatus> {
    const last = bucketAt('m', now);
    const first = last - WINDOWS['1h'].buckets + 1;
    const [rows, depth] = await Promise.all([this.repo.range('m', first, last, ['type', 'latency']), this.ports.queueDepth()]);
    const hour = minuteFigures(rows, first, last);
    const recent = minuteFigures(rows, last - 4, last);
    return {
      status: 'ok',
      generatedAt: new Date(now).toISOString(),
      uptimeSeconds: Math.floor((now - this.ports.startedAt) / 1000),
      database: this.ports.database,
      queueDepth: depth,
      latency: { last5m: summarize(recent.latency), last1h: summarize(hour.latency) },
      declarationsLastHour: hour.perMinute.reduce((a, b) => a + b, 0),
      declarationsPerMinute: hour.perMinute.map((count, i) => ({ t: new Date(bucketStart('m', first + i)).toISOString(), count })),
    };
  }

  // --- streams --------------------------------------------------------------------------------

  /**
   * Sends the window's snapshot to `w` now and whenever it changes (looked at every tick), with a
   * heartbeat comment when it has been quiet. Returns the function that stops watching.
   */
  watch(window: WindowName, w: Watcher): () => void {
    // Each stream holds a connection and a timer slot for as long as it lasts: bounded per enterprise and per process.
    let total = 0;
    let mine = 0;
    for (const set of this.watchers.values()) {
      for (const other of set.keys()) {
        total++;
        if (other.enterpriseId === w.enterpriseId) mine++;
      }
    }
    if (mine >= this.maxPerEnterprise || total >= this.maxStreams) {
      const [limit, open, what] = mine >= this.maxPerEnterprise ? [this.maxPerEnterprise, mine, 'streams.enterprise'] : [this.maxStreams, total, 'streams.platform'];
      throw new AppError('RATE_LIMITED', `Too many open statistics streams (${open}, at most ${limit}${what === 'streams.enterprise' ? ' per enterprise' : ' on this platform'}): close one, or read GET /api/v1/statistics.`, [
        { path: '', rule: what, expected: `at most ${limit} open streams`, actual: String(open) },
      ]);
    }
    const now = this.now();
    const set = this.watchers.get(window) ?? this.watchers.set(window, new Map()).get(window)!;
    set.set(w, { key: '', wrote: now, checked: now, checking: false });
    if (!this.ticker) {
      this.ticker = setInterval(() => void this.tick(), this.tickMs);
      this.ticker.unref();
    }
    void this.snapshot(window).then((s) => this.deliver(window, s), () => undefined);
    return () => this.unwatch(window, w);
  }

  /** Open streams, all windows together. */
  get watching(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  private unwatch(window: WindowName, w: Watcher): void {
    const set = this.watchers.get(window);
    set?.delete(w);
    if (set && !set.size) this.watchers.delete(window);
    if (!this.watchers.size && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  /** Sends a snapshot to the window's watchers that have not seen it. */
  private deliver(window: WindowName, s: Snapshot): void {
    const key = JSON.stringify({ ...s, generatedAt: undefined });
    const text = `data: ${JSON.stringify(s)}\n\n`;
    const now = this.now();
    for (const [w, seen] of this.watchers.get(window) ?? []) {
      if (seen.key === key) continue;
      seen.key = key;
      seen.wrote = now;
      w.send(text);
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const window of [...this.watchers.keys()]) {
        try {
          this.deliver(window, await this.snapshot(window, this.tickMs / 2));
        } catch {
          // The database may be briefly away: the next tick tries again.
        }
      }
      const now = this.now();
      for (const set of this.watchers.values()) {
        for (const [w, seen] of set) {
          if (now - seen.wrote < this.heartbeatMs) continue;
          seen.wrote = now;
          w.send(': heartbeat\n\n');
        }
      }
      void this.recheck(this.recheckMs);
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Checks again the credential of each stream not checked for `olderThanMs`: a stream whose
   * session ended or whose key was revoked (or whose enterprise may no longer read statistics)
   * ends. Resolves once those checks are done.
   */
  async recheck(olderThanMs = 0): Promise<void> {
    const now = this.now();
    const checks: Array<Promise<void>> = [];
    for (const set of this.watchers.values()) {
      for (const [w, seen] of set) {
        if (!w.recheck || seen.checking || now - seen.checked < olderThanMs) continue;
        seen.checking = true;
        checks.push(
          w.recheck().then(
            () => {
              seen.checked = this.now();
              seen.checking = false;
            },
            (err: unknown) => {
              seen.checking = false;
              // Only a refusal ends the stream; a database hiccup is tried again at the next check.
              if (err instanceof AppError) w.end();
            },
          ),
        );
      }
    }
    await Promise.all(checks);
  }

  /** Starts pruning old minute and hour buckets. */
  start(): void {
    if (this.pruner) return;
    const prune = () => void this.repo.prune(this.now()).catch(() => undefined);
    prune();
    this.pruner = setInterval(prune, PRUNE_MS);
    this.pruner.unref();
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    for (const set of this.watchers.values()) for (const w of set.keys()) w.end();
    this.watchers.clear();
    if (this.ticker) clearInterval(this.ticker);
    if (this.pruner) clearInterval(this.pruner);
    this.ticker = null;
    this.pruner = null;
  }
}
