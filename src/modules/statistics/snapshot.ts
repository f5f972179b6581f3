/**
 * Time buckets and the snapshot built from the counters of a window: pure functions over the
 * rows read back, so what the API answers is a sum of what was counted, nothing re-derived.
 */
import { MODES } from './facts.ts';
import { summarize } from './histogram.ts';
import type { Snapshot, WindowName } from './views.ts';

export type { Snapshot, WindowName } from './views.ts';
export type Span = 'm' | 'h' | 'd';

/** Each window: the bucket size its series uses, and how many buckets (the current one included). */
export const WINDOWS: Readonly<Record<WindowName, { span: Span; buckets: number }>> = {
  '1h': { span: 'm', buckets: 60 },
  '24h': { span: 'h', buckets: 24 },
  '7d': { span: 'd', buckets: 7 },
  '30d': { span: 'd', buckets: 30 },
};
export const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];
export const isWindow = (w: string): w is WindowName => Object.hasOwn(WINDOWS, w);

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Days are China days (UTC+8): the zone's and customs' calendar. */
const CST = 8 * HOUR;

export function bucketAt(span: Span, ms: number): number {
  if (span === 'm') return Math.floor(ms / MINUTE);
  if (span === 'h') return Math.floor(ms / HOUR);
  return Math.floor((ms + CST) / DAY);
}

export function bucketStart(span: Span, bucket: number): number {
  if (span === 'm') return bucket * MINUTE;
  if (span === 'h') return bucket * HOUR;
  return bucket * DAY - CST;
}

export interface CountRow {
  bucket: number;
  metric: string;
  dim: string;
  count: number;
  value_fen: number;
}

export const TOP = 10;
const GRANULARITY = { m: 'minute', h: 'hour', d: 'day' } as const;

/** The buckets [first, last] a window covers at `now`. */
export function windowBuckets(w: WindowName, now: number): { span: Span; first: number; last: number } {
  const { span, buckets } = WINDOWS[w];
  const last = bucketAt(span, now);
  return { span, first: last - buckets + 1, last };
}

type Totals = Map<string, { count: number; valueFen: number }>;

function byMetric(rows: CountRow[]): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const r of rows) {
    const m = out.get(r.metric) ?? out.set(r.metric, new Map()).get(r.metric)!;
    const e = m.get(r.dim) ?? m.set(r.dim, { count: 0, valueFen: 0 }).get(r.dim)!;
    e.count += Number(r.count);
    e.valueFen += Number(r.value_fen);
  }
  return out;
}

/** The largest first (by count, then value, then key), at most TOP. */
function top(m: Totals | undefined): Array<[string, { count: number; valueFen: number }]> {
  return [...(m ?? [])]
    .filter(([, v]) => v.count > 0)
    .sort((a, b) => b[1].count - a[1].count || b[1].valueFen - a[1].valueFen || a[0].localeCompare(b[0]))
    .slice(0, TOP);
}

const sum = (m: Totals | undefined, pick: 'count' | 'valueFen' = 'count') => [...(m ?? new Map()).values()].reduce((a, v) => a + v[pick], 0);
const countOf = (m: Totals | undefined, dim: string) => m?.get(dim)?.count ?? 0;

export function buildSnapshot(w: WindowName, now: number, rows: CountRow[], queueDepth: number): Snapshot {
  const { span, first, last } = windowBuckets(w, now);
  const metrics = byMetric(rows);
  const released = countOf(metrics.get('outcome'), 'released');
  const rejected = countOf(metrics.get('outcome'), 'rejected');
  const finished = released + rejected;
  const series = new Map<number, { declarations: number; valueFen: number }>();
  for (let b = first; b <= last; b++) series.set(b, { declarations: 0, valueFen: 0 });
  for (const r of rows) {
    const point = series.get(r.bucket);
    if (!point) continue;
    if (r.metric === 'type') point.declarations += Number(r.count);
    if (r.metric === 'mode') point.valueFen += Number(r.value_fen);
  }
  const modes = metrics.get('mode');
  const histogram = new Map<number, number>();
  for (const [dim, v] of metrics.get('latency') ?? []) histogram.set(Number(dim), v.count);
  const directions = metrics.get('direction');
  return {
    window: w,
    granularity: GRANULARITY[span],
    from: new Date(bucketStart(span, first)).toISOString(),
    to: new Date(now).toISOString(),
    totals: {
      declarations: sum(metrics.get('type')),
      inventories: sum(modes),
      valueFen: sum(modes, 'valueFen'),
      released,
      rejected,
      releaseRate: finished ? released / finished : null,
      rejectionRate: finished ? rejected / finished : null,
      unpricedLines: sum(metrics.get('unpriced')),
    },
    series: [...series].map(([b, v]) => ({ t: new Date(bucketStart(span, b)).toISOString(), ...v })),
    byType: top(metrics.get('type')).map(([type, v]) => ({ type, count: v.count })),
    // The four modes always, in their usual order; records of another tradeMode as `other`.
    byMode: [...MODES, ...(countOf(modes, 'other') ? ['other'] : [])].map((mode) => ({ mode, count: countOf(modes, mode), valueFen: modes?.get(mode)?.valueFen ?? 0 })),
    byDirection: ['import', 'export'].map((direction) => ({ direction, count: countOf(directions, direction) })),
    byStatus: [...(metrics.get('status') ?? [])].filter(([, v]) => v.count > 0).sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0])).map(([status, v]) => ({ status, count: v.count })),
    topOrigins: top(metrics.get('origin')).map(([country, v]) => ({ country, ...v })),
    topDestinations: top(metrics.get('destination')).map(([country, v]) => ({ country, ...v })),
    topHsChapters: top(metrics.get('hs')).map(([chapter, v]) => ({ chapter, ...v })),
    topRejections: top(metrics.get('rejection')).map(([key, v]) => {
      const bar = key.indexOf('|');
      return { code: key.slice(0, bar), reason: key.slice(bar + 1), count: v.count };
    }),
    latency: summarize(histogram),
    queueDepth,
    generatedAt: new Date(now).toISOString(),
  };
}

/** The latency histogram and the per-bucket record counts of minute rows (the public status page). */
export function minuteFigures(rows: CountRow[], first: number, last: number): { perMinute: number[]; latency: Map<number, number> } {
  const perMinute = new Array<number>(last - first + 1).fill(0);
  const latency = new Map<number, number>();
  for (const r of rows) {
    if (r.bucket < first || r.bucket > last) continue;
    if (r.metric === 'type') perMinute[r.bucket - first] += Number(r.count);
    if (r.metric === 'latency') latency.set(Number(r.dim), (latency.get(Number(r.dim)) ?? 0) + Number(r.count));
  }
  return { perMinute, latency };
}
