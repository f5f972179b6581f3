/**
 * An overseas-warehouse entry as the API takes it and shows it. Types only, importing nothing: the
 * console (web/) reads them with `import type`, so this file must stay free of imports.
 */
export interface WarehouseInput {
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
}

/** An entry of the directory (GET /api/v1/warehouses, /:id). */
export interface WarehouseView extends WarehouseInput {
  id: number;
  enterpriseId: number;
  updatedAt: string;
}
