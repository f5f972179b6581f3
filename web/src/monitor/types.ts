/** The statistics snapshot as GET /api/v1/statistics and its stream send it (src/modules/statistics/snapshot.ts). */
export type WindowName = '1h' | '24h' | '7d' | '30d';
export const WINDOWS: WindowName[] = ['1h', '24h', '7d', '30d'];

interface Valued {
  count: number;
  valueFen: number;
}

export interface Snapshot {
  window: WindowName;
  granularity: 'minute' | 'hour' | 'day';
  from: string;
  to: string;
  totals: {
    declarations: number;
    inventories: number;
    valueFen: number;
    released: number;
    rejected: number;
    releaseRate: number | null;
    rejectionRate: number | null;
    unpricedLines: number;
  };
  series: Array<{ t: string; declarations: number; valueFen: number }>;
  byType: Array<{ type: string; count: number }>;
  byMode: Array<{ mode: string } & Valued>;
  byDirection: Array<{ direction: string; count: number }>;
  byStatus: Array<{ status: string; count: number }>;
  topOrigins: Array<{ country: string } & Valued>;
  topDestinations: Array<{ country: string } & Valued>;
  topHsChapters: Array<{ chapter: string } & Valued>;
  topRejections: Array<{ code: string; reason: string; count: number }>;
  latency: { p50Ms: number | null; p99Ms: number | null; count: number };
  queueDepth: number;
  generatedAt: string;
}
