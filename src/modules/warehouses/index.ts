/** The overseas-warehouse directory (海外仓名录) — `overseas_warehouses`. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { WarehousesService } from './warehouses.service.ts';
import { DEMO_WAREHOUSES } from './demo.ts';
import { checkWarehouse } from './rules.ts';

export type { WarehousesTables } from './tables.ts';
export type { WarehouseView } from './views.ts';
export { WarehousesService } from './warehouses.service.ts';
export { warehousesRoutes } from './warehouses.routes.ts';
export { SERVICES, CSV_COLUMNS, type WarehouseInput } from './rules.ts';
export { DEMO_WAREHOUSES, DEMO_WAREHOUSE_OPERATOR } from './demo.ts';

export function createWarehouses(db: Kysely<Database>, audit: AuditLog): WarehousesService {
  return new WarehousesService(db, audit);
}

/** The demo overseas warehouse's entries, once (when it has none). */
export async function ensureDemoWarehouses(db: Kysely<Database>, enterpriseId: number, now = Date.now()): Promise<void> {
  const has = await db.selectFrom('overseas_warehouses').select('id').where('enterprise_id', '=', enterpriseId).limit(1).executeTakeFirst();
  if (has) return;
  const rows = DEMO_WAREHOUSES.map((w) => {
    const c = checkWarehouse(w);
    if (!c.ok) throw new Error(`demo warehouse ${w.name}: ${JSON.stringify(c.issues)}`);
    return { ...c.row, enterprise_id: enterpriseId, updated_at: now };
  });
  await db.insertInto('overseas_warehouses').values(rows).execute();
}
