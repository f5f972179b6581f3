import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/** The overseas-warehouse directory (海外仓名录): entries kept by the warehouses' operators. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  await db.schema
    .createTable('overseas_warehouses')
    .addColumn('id', (pg ? 'bigserial' : 'integer') as 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('enterprise_id', big as 'integer', (c) => c.notNull().references('enterprises.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    // Degrees × 10⁶: exact, and the same on SQLite and PostgreSQL.
    .addColumn('lat_e6', 'integer', (c) => c.notNull())
    .addColumn('lon_e6', 'integer', (c) => c.notNull())
    .addColumn('area_m2', 'integer', (c) => c.notNull())
    .addColumn('services', 'text', (c) => c.notNull())
    .addColumn('platforms', 'text', (c) => c.notNull())
    .addColumn('eligible_9810', 'integer', (c) => c.notNull())
    .addColumn('contact_name', 'text', (c) => c.notNull())
    .addColumn('contact_phone', 'text', (c) => c.notNull())
    .addColumn('contact_email', 'text', (c) => c.notNull())
    .addColumn('updated_at', big as 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('overseas_warehouses_name').on('overseas_warehouses').columns(['enterprise_id', 'name']).unique().execute();
  await db.schema.createIndex('overseas_warehouses_country').on('overseas_warehouses').columns(['country', 'id']).execute();
}
