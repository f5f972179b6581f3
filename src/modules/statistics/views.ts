/**
 * The statistics snapshot as GET /api/v1/statistics and its stream send it. Types only, importing
 * nothing: the console (web/) reads them with `import type`, so this file must stay free of imports.
 */
export type WindowName = '1h' | '24h' | '7d' | '30d';

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
  byMode: Array<{ mode: string; count: number; valueFen: number }>;
  byDirection: Array<{ direction: string; count: number }>;
  byStatus: Array<{ status: string; count: number }>;
  topOrigins: Array<{ country: string; count: number; valueFen: number }>;
  topDestinations: Array<{ country: string; count: number; valueFen: number }>;
  topHsChapters: Array<{ chapter: string; count: number; valueFen: number }>;
  topRejections: Array<{ code: string; reason: string; count: number }>;
  latency: { p50Ms: number | null; p99Ms: number | null; count: number };
  queueDepth: number;
  generatedAt: string;
}
