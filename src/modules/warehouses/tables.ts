/** The warehouses module's tables (Kysely row types): the overseas-warehouse directory. */
import type { Generated } from 'kysely';

export interface OverseasWarehousesTable {
  id: Generated<number>;
  /** The operator of the warehouse (an enterprise filed as overseas). */
  enterprise_id: number;
  name: string;
  /** Customs' numeric country code (502 USA, 304 Germany…). */
  country: string;
  city: string;
  address: string;
  /** Degrees × 10⁶. */
  lat_e6: number;
  lon_e6: number;
  area_m2: number;
  /** JSON arrays of strings. */
  services: string;
  platforms: string;
  eligible_9810: number;
  contact_name: string;
  contact_phone: string;
  contact_email: string;
  updated_at: number;
}

/** This module's part of the Database (src/db/schema.ts). */
export interface WarehousesTables {
  overseas_warehouses: OverseasWarehousesTable;
}
