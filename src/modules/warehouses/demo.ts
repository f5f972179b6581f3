/** The demo zone's overseas warehouses: where its 9810 consignments go. */
import type { WarehouseInput } from './rules.ts';
import { DEMO_EXPORT_PARTIES } from '../../demo/export.ts';

/** The demo zone's overseas-warehouse enterprise, which keeps these entries. */
export const DEMO_WAREHOUSE_OPERATOR = DEMO_EXPORT_PARTIES.overseas.code;

const w = (name: string, country: string, city: string, address: string, latitude: number, longitude: number, areaM2: number, services: string[], platforms: string[]): WarehouseInput => ({
  name, country, city, address, latitude, longitude, areaM2, services, platforms, eligible9810: true,
  contact: { name: '海外仓客服', phone: '+86-571-8688-1007', email: 'owh@example.com' },
});

export const DEMO_WAREHOUSES: WarehouseInput[] = [
  w('海联洛杉矶仓 Ontario CA', '502', 'Ontario', '1455 E Francis St, Ontario, CA 91761', 34.0447, -117.6206, 28_000, ['storage', 'fulfilment', 'returns', 'fba-transfer', 'last-mile'], ['Amazon', 'Walmart', 'TikTok Shop', 'Temu']),
  w('海联新泽西仓 Edison NJ', '502', 'Edison', '300 Raritan Center Pkwy, Edison, NJ 08837', 40.5187, -74.3524, 16_500, ['storage', 'fulfilment', 'returns', 'relabelling'], ['Amazon', 'eBay', 'Shopify']),
  w('海联杜伊斯堡仓 Duisburg', '304', 'Duisburg', 'Hochfelder Str. 120, 47053 Duisburg', 51.4214, 6.7528, 22_000, ['storage', 'fulfilment', 'customs-clearance', 'last-mile'], ['Amazon', 'Otto', 'AliExpress']),
  w('海联费利克斯托仓 Felixstowe', '303', 'Felixstowe', 'Dock Gate 2, Felixstowe IP11 3SY', 51.9563, 1.3244, 9_800, ['storage', 'fulfilment', 'returns'], ['Amazon', 'eBay']),
  w('海联东京仓 Narita', '116', 'Narita', '2-1 Kotoriyama, Narita, Chiba 286-0127', 35.7719, 140.3929, 6_200, ['storage', 'fulfilment', 'relabelling'], ['Amazon', 'Rakuten']),
  w('海联悉尼仓 Sydney', '601', 'Sydney', '8 Holker St, Silverwater NSW 2128', -33.8367, 151.0476, 7_500, ['storage', 'fulfilment', 'last-mile'], ['Amazon', 'eBay', 'Catch']),
  w('海联多伦多仓 Mississauga', '501', 'Mississauga', '6300 Kennedy Rd, Mississauga, ON L5T 2X5', 43.6512, -79.6841, 11_000, ['storage', 'fulfilment', 'returns', 'fba-transfer'], ['Amazon', 'Walmart', 'Shopify']),
];
