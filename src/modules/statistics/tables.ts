/** The statistics module's tables (Kysely row types): counters kept as data arrives. */

export interface StatsCountsTable {
  /** m: minute (ms / 60 000), h: hour, d: day in China time (UTC+8). */
  span: 'm' | 'h' | 'd';
  bucket: number;
  /** type, direction, mode, origin, destination, hs, status, outcome, rejection, latency. */
  metric: string;
  dim: string;
  count: number;
  value_fen: number;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface StatisticsTables {
  stats_counts: StatsCountsTable;
}
