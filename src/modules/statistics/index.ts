/** Statistical monitoring (统计监测): counters kept as data arrives, snapshots, a live stream, the public status. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { StatisticsRepository } from './statistics.repository.ts';
import { StatisticsService, type StatisticsPorts } from './statistics.service.ts';

export type { StatisticsTables } from './tables.ts';
export { StatisticsService } from './statistics.service.ts';
export type { AppliedChange, PublicStatus, StatisticsPorts, Watcher } from './statistics.service.ts';
export type { Snapshot, WindowName } from './snapshot.ts';
export { statisticsRoutes } from './statistics.routes.ts';

export function createStatistics(db: Kysely<Database>, ports: StatisticsPorts): StatisticsService {
  return new StatisticsService(new StatisticsRepository(db), ports);
}
