import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './index.ts';
import * as m0001 from './migrations/0001_core.ts';
import * as m0002 from './migrations/0002_tariff.ts';
import * as m0003 from './migrations/0003_quotas.ts';
import * as m0004 from './migrations/0004_stock.ts';
import * as m0005 from './migrations/0005_clearance.ts';
import * as m0006 from './migrations/0006_sandbox_arrival.ts';
import * as m0007 from './migrations/0007_filing.ts';
import * as m0008 from './migrations/0008_accounts.ts';
import * as m0009 from './migrations/0009_signatures.ts';
import * as m0010 from './migrations/0010_audit.ts';
import * as m0011 from './migrations/0011_message_parties.ts';
import * as m0012 from './migrations/0012_summaries.ts';
import * as m0013 from './migrations/0013_refunds.ts';
import * as m0014 from './migrations/0014_sandbox_export.ts';
import * as m0015 from './migrations/0015_warehouses.ts';
import * as m0016 from './migrations/0016_statistics.ts';
import * as m0017 from './migrations/0017_sandbox_scenarios.ts';
import * as m0018 from './migrations/0018_declaration_search.ts';
import * as m0019 from './migrations/0019_declaration_list_order.ts';

/** Migrations are plain modules listed here (no directory scanning: the list is the history). */
function provider(dialect: Dialect): MigrationProvider {
  const wrap = (m: { up(db: Kysely<unknown>, d: Dialect): Promise<void> }): Migration => ({ up: (db) => m.up(db, dialect) });
  return {
    getMigrations: async () => ({
      '0001_core': wrap(m0001),
      '0002_tariff': wrap(m0002),
      '0003_quotas': wrap(m0003),
      '0004_stock': wrap(m0004),
      '0005_clearance': wrap(m0005),
      '0006_sandbox_arrival': wrap(m0006),
      '0007_filing': wrap(m0007),
      '0008_accounts': wrap(m0008),
      '0009_signatures': wrap(m0009),
      '0010_audit': wrap(m0010),
      '0011_message_parties': wrap(m0011),
      '0012_summaries': wrap(m0012),
      '0013_refunds': wrap(m0013),
      '0014_sandbox_export': wrap(m0014),
      '0015_warehouses': wrap(m0015),
      '0016_statistics': wrap(m0016),
      '0017_sandbox_scenarios': wrap(m0017),
      '0018_declaration_search': wrap(m0018),
      '0019_declaration_list_order': wrap(m0019),
    }),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({ db, provider: provider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
}
