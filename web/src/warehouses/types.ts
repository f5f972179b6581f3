/** An entry of the overseas-warehouse directory as the API shows it (GET /api/v1/warehouses). */
export interface Warehouse {
  id: number;
  enterpriseId: number;
  name: string;
  country: string;
  city: string;
  address: string;
  latitude: number;
  longitude: number;
  areaM2: number;
  services: string[];
  platforms: string[];
  eligible9810: boolean;
  contact: { name: string; phone: string; email: string };
  updatedAt: string;
}

/** The services an entry may offer (src/modules/warehouses/rules.ts SERVICES). */
export const SERVICES = ['storage', 'fulfilment', 'returns', 'relabelling', 'customs-clearance', 'last-mile', 'fba-transfer'] as const;
export type Service = (typeof SERVICES)[number];

/** The CSV import's header, in order (src/modules/warehouses/rules.ts CSV_COLUMNS; the browser test checks they agree). */
export const CSV_COLUMNS = ['name', 'country', 'city', 'address', 'latitude', 'longitude', 'areaM2', 'services', 'platforms', 'eligible9810', 'contactName', 'contactPhone', 'contactEmail'] as const;

/** The services of an entry in the reader's language (a service the console does not know is shown as sent). */
export function serviceList(name: (k: Service) => string, t: (k: 'sep') => string, services: string[]): string {
  return services.map((x) => ((SERVICES as readonly string[]).includes(x) ? name(x as Service) : x)).join(t('sep'));
}
