/** An entry of the overseas-warehouse directory as the API shows it (GET /api/v1/warehouses): the server's own type. */
export type { WarehouseView as Warehouse } from '../../../src/modules/warehouses/views.ts';

/** The services an entry may offer (src/modules/warehouses/rules.ts SERVICES). */
export const SERVICES = ['storage', 'fulfilment', 'returns', 'relabelling', 'customs-clearance', 'last-mile', 'fba-transfer'] as const;
export type Service = (typeof SERVICES)[number];

/** The CSV import's header, in order (src/modules/warehouses/rules.ts CSV_COLUMNS; the browser test checks they agree). */
export const CSV_COLUMNS = ['name', 'country', 'city', 'address', 'latitude', 'longitude', 'areaM2', 'services', 'platforms', 'eligible9810', 'contactName', 'contactPhone', 'contactEmail'] as const;
