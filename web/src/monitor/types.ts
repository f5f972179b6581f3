/** The statistics snapshot as GET /api/v1/statistics and its stream send it: the server's own type (type-only, erased at build). */
import type { WindowName } from '../../../src/modules/statistics/views.ts';

export type { Snapshot, WindowName } from '../../../src/modules/statistics/views.ts';
export const WINDOWS: WindowName[] = ['1h', '24h', '7d', '30d'];
