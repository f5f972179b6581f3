/** Summary declaration (清单核放、汇总申报) of export inventories: proposals, CEB701, CEB702/792 results — `summaries`, `summary_items`, `summary_results`. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { SummariesRepository } from './summaries.repository.ts';
import { SummariesService, type SummariesPorts } from './summaries.service.ts';

export type { SummariesTables } from './tables.ts';
export { SummariesService } from './summaries.service.ts';
export type { SummariesPorts } from './summaries.service.ts';
export { summariesRoutes } from './summaries.routes.ts';
export { proposeGroups, groupKey, itemKey, MAX_ITEMS, type Candidate, type Group } from './grouping.ts';

export function createSummaries(db: Kysely<Database>, ports: SummariesPorts): SummariesService {
  return new SummariesService(new SummariesRepository(db), ports);
}
