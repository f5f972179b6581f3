/**
 * Latency histogram with log-spaced buckets: bucket 0 holds 0 ms, bucket k ≥ 1 holds
 * [2^((k-1)/8), 2^(k/8)) ms — eight buckets per doubling, so a bucket is at most 9.05 % wide.
 * A percentile is read off the cumulative counts (nearest rank) and reported as the geometric
 * middle of its bucket: within a factor 2^(1/16) (±4.4 %) of a true value of that bucket.
 */

/** Buckets per doubling. */
export const STEPS = 8;
/** Up to 2^40 ms (about 35 years): a latency beyond is counted in the last bucket. */
export const MAX_BUCKET = 40 * STEPS + 1;

export function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  // The small epsilon keeps exact powers of two (1, 2, 4… ms) in the bucket they start.
  const k = Math.floor(Math.log2(ms) * STEPS + 1e-9) + 1;
  return Math.min(k, MAX_BUCKET);
}

/** [low, high) of a bucket, in ms. */
export function boundsOf(bucket: number): [number, number] {
  if (bucket <= 0) return [0, 1];
  return [2 ** ((bucket - 1) / STEPS), 2 ** (bucket / STEPS)];
}

/** What a bucket stands for: its geometric middle (0 for bucket 0). */
export function representative(bucket: number): number {
  if (bucket <= 0) return 0;
  return 2 ** ((bucket - 0.5) / STEPS);
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram (bucket → count), in whole ms; null when empty.
 * Nearest rank: the smallest bucket whose cumulative count reaches ceil(q × total).
 */
export function percentile(histogram: ReadonlyMap<number, number>, q: number): number | null {
  let total = 0;
  for (const c of histogram.values()) total += c;
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return Math.round(representative(bucket));
  }
  return null;
}

/** p50, p99 and the number of observations of a histogram. */
export function summarize(histogram: ReadonlyMap<number, number>): { p50Ms: number | null; p99Ms: number | null; count: number } {
  let count = 0;
  for (const c of histogram.values()) count += c;
  return { p50Ms: percentile(histogram, 0.5), p99Ms: percentile(histogram, 0.99), count };
}
