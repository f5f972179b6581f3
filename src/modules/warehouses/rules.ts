/**
 * An overseas-warehouse entry as pure checks: the input (JSON or a CSV row) in, the row or every
 * issue (field, rule, expected, actual) out.
 */
import type { Insertable } from 'kysely';
import type { Issue } from '../../ceb/index.ts';
import type { Database } from '../../db/index.ts';
import type { WarehouseInput } from './views.ts';

export type { WarehouseInput } from './views.ts';

export const SERVICES = ['storage', 'fulfilment', 'returns', 'relabelling', 'customs-clearance', 'last-mile', 'fba-transfer'] as const;
export type Service = (typeof SERVICES)[number];

/** The columns an entry sets (the table's, less those the service fills). */
export type WarehouseRow = Omit<Insertable<Database['overseas_warehouses']>, 'id' | 'enterprise_id' | 'updated_at'>;

/** The CSV columns, in order; services and platforms separated by `|`. */
export const CSV_COLUMNS = ['name', 'country', 'city', 'address', 'latitude', 'longitude', 'areaM2', 'services', 'platforms', 'eligible9810', 'contactName', 'contactPhone', 'contactEmail'] as const;

const text = (issues: Issue[], path: string, v: unknown, max: number): string => {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!s || s.length > max) issues.push({ path, rule: 'text', expected: `1 to ${max} characters`, actual: typeof v === 'string' ? `${s.length} characters` : String(v) });
  return s;
};

function degrees(issues: Issue[], path: string, v: unknown, limit: number): number {
  const n = typeof v === 'number' ? v : Number.NaN;
  if (!Number.isFinite(n) || Math.abs(n) > limit) {
    issues.push({ path, rule: 'range', expected: `degrees from -${limit} to ${limit}`, actual: String(v) });
    return 0;
  }
  return Math.round(n * 1e6);
}

/** Checks an entry; the row to store, or the issues (paths prefixed with `at`). */
export function checkWarehouse(input: WarehouseInput, at = ''): { ok: true; row: WarehouseRow } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const p = (f: string) => `${at}${f}`;
  const name = text(issues, p('name'), input.name, 100);
  if (!/^\d{3}$/.test(input.country ?? '')) issues.push({ path: p('country'), rule: 'country-code', expected: "customs' 3-digit country code (502 USA, 304 Germany, 303 UK…)", actual: String(input.country) });
  const city = text(issues, p('city'), input.city, 60);
  const address = text(issues, p('address'), input.address, 200);
  const lat = degrees(issues, p('latitude'), input.latitude, 90);
  const lon = degrees(issues, p('longitude'), input.longitude, 180);
  if (!Number.isInteger(input.areaM2) || input.areaM2 < 1 || input.areaM2 > 10_000_000) issues.push({ path: p('areaM2'), rule: 'range', expected: 'a whole number of square metres, 1 to 10,000,000', actual: String(input.areaM2) });
  const services = [...new Set(input.services ?? [])];
  for (const s of services) if (!(SERVICES as readonly string[]).includes(s)) issues.push({ path: p('services'), rule: 'enum', expected: SERVICES.join(', '), actual: s });
  const platforms = [...new Set((input.platforms ?? []).map((x) => x.trim()).filter(Boolean))];
  if (platforms.some((x) => x.length > 60) || platforms.length > 30) issues.push({ path: p('platforms'), rule: 'list', expected: 'at most 30 platform names of at most 60 characters', actual: `${platforms.length} names` });
  const contactName = text(issues, p('contact.name'), input.contact?.name, 60);
  const phone = text(issues, p('contact.phone'), input.contact?.phone, 40);
  const email = text(issues, p('contact.email'), input.contact?.email, 120);
  if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) issues.push({ path: p('contact.email'), rule: 'email', expected: 'an e-mail address', actual: email });
  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    row: {
      name, country: input.country, city, address, lat_e6: lat, lon_e6: lon, area_m2: input.areaM2,
      services: JSON.stringify(services), platforms: JSON.stringify(platforms), eligible_9810: input.eligible9810 ? 1 : 0,
      contact_name: contactName, contact_phone: phone, contact_email: email,
    },
  };
}

/** A CSV row (fields in CSV_COLUMNS order) as an input. */
export function fromCsvFields(f: string[]): WarehouseInput {
  const list = (v: string | undefined) => (v ?? '').split('|').map((x) => x.trim()).filter(Boolean);
  const num = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? Number(v) : Number.NaN);
  return {
    name: f[0] ?? '', country: (f[1] ?? '').trim(), city: f[2] ?? '', address: f[3] ?? '',
    latitude: num(f[4]), longitude: num(f[5]), areaM2: num(f[6]),
    services: list(f[7]), platforms: list(f[8]), eligible9810: /^(1|true|yes|是)$/i.test((f[9] ?? '').trim()),
    contact: { name: f[10] ?? '', phone: f[11] ?? '', email: f[12] ?? '' },
  };
}
