/**
 * The overseas-warehouse directory through the API: public browsing with filters over the demo
 * entries; entries kept by their overseas-warehouse enterprise (added, replaced, removed, imported
 * from CSV), refused to others and with every issue named; the operator may correct any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, DEMO_WAREHOUSES, type WarehouseInput, type WarehouseView as Entry } from '../../src/modules/warehouses/index.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; issues: Array<{ path: string; rule: string; actual: string }> };
}

const ENTRY: WarehouseInput = {
  name: '海联达拉斯仓 Dallas TX', country: '502', city: 'Dallas', address: '4500 Mountain Creek Pkwy, Dallas, TX 75236',
  latitude: 32.6957, longitude: -96.9366, areaM2: 12_000, services: ['storage', 'fulfilment'], platforms: ['Amazon', 'Walmart'], eligible9810: true,
  contact: { name: 'Lin Wei', phone: '+1-214-555-0134', email: 'dallas@example.com' },
};

describe.each(databases())('overseas-warehouse directory on %s', (kind) => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform(kind);
  });
  afterAll(async () => {
    await p.close();
  });

  const call = async <T>(method: string, path: string, role?: Parameters<Platform['key']>[0], body?: unknown, type = 'application/json') => {
    const res = await p.request(method, path, { ...(role ? { key: p.key(role) } : {}), ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), type } : {}) });
    return { status: res.status, body: (res.text ? res.json() : null) as T, text: res.text };
  };
  const list = async (query = '') => (await call<{ items: Entry[] }>('GET', `/api/v1/warehouses${query}`)).body.items;

  it('shows the demo warehouses to anyone, filtered by country, service, platform and text', async () => {
    const all = await list();
    expect(all.map((w) => w.name).sort()).toEqual(DEMO_WAREHOUSES.map((w) => w.name).sort());
    const us = await list('?country=502');
    expect(us.map((w) => w.name).sort()).toEqual(DEMO_WAREHOUSES.filter((w) => w.country === '502').map((w) => w.name).sort());
    const returns = await list('?service=returns&platform=amazon');
    expect(returns.map((w) => w.name).sort()).toEqual(DEMO_WAREHOUSES.filter((w) => w.services.includes('returns') && w.platforms.includes('Amazon')).map((w) => w.name).sort());
    expect((await list('?q=duisburg')).map((w) => w.country)).toEqual(['304']);
    const one = all.find((w) => w.city === 'Narita')!;
    const shown = await call<Entry>('GET', `/api/v1/warehouses/${one.id}`);
    expect(shown.body).toMatchObject({ latitude: 35.7719, longitude: 140.3929, eligible9810: true });
    expect((await call('GET', '/api/v1/warehouses/999999')).status).toBe(404);
    expect((await call<ErrorBody>('GET', '/api/v1/warehouses?service=teleport')).status).toBe(400);
  });

  it('lets the overseas-warehouse enterprise keep its entries, naming every fault, and nobody else', async () => {
    const bad = await call<ErrorBody>('POST', '/api/v1/warehouses', 'overseas', { ...ENTRY, country: 'USA', latitude: 95, services: ['storage', 'teleport'], contact: { ...ENTRY.contact, email: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i) => `${i.path}:${i.rule}`).sort()).toEqual(['contact.email:email', 'country:country-code', 'latitude:range', 'services:enum']);
    for (const role of ['ebc', 'customs'] as const) expect((await call('POST', '/api/v1/warehouses', role, ENTRY)).status).toBe(403);
    expect((await call('POST', '/api/v1/warehouses', undefined, ENTRY)).status).toBe(401);

    const made = await call<Entry>('POST', '/api/v1/warehouses', 'overseas', ENTRY);
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ name: ENTRY.name, latitude: ENTRY.latitude, longitude: ENTRY.longitude, services: ENTRY.services });
    expect((await call<ErrorBody>('POST', '/api/v1/warehouses', 'overseas', ENTRY)).status).toBe(409);
    // Another enterprise cannot change it; the operator can.
    expect((await call('PUT', `/api/v1/warehouses/${made.body.id}`, 'ebc', { ...ENTRY, areaM2: 1 })).status).toBe(403);
    expect((await call('PUT', `/api/v1/warehouses/${made.body.id}`, 'operator', { ...ENTRY, areaM2: 13_500 })).body).toMatchObject({ areaM2: 13_500 });
    const moved = await call<Entry>('PUT', `/api/v1/warehouses/${made.body.id}`, 'overseas', { ...ENTRY, city: 'Fort Worth', areaM2: 15_000 });
    expect(moved.body).toMatchObject({ city: 'Fort Worth', areaM2: 15_000 });
    expect((await call('DELETE', `/api/v1/warehouses/${made.body.id}`, 'overseas')).status).toBe(204);
    expect((await call('GET', `/api/v1/warehouses/${made.body.id}`)).status).toBe(404);
    const audit = await p.app.db.kysely.selectFrom('audit_log').select('action').where('action', 'like', 'warehouse.%').orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['warehouse.added', 'warehouse.updated', 'warehouse.updated', 'warehouse.removed']);
  });

  it('imports entries from CSV: all or nothing, an entry of the same name updated', async () => {
    const header = CSV_COLUMNS.join(',');
    const row = (name: string, lat: string, area: string) => `"${name}",502,Savannah,"1 Port Way, Savannah, GA",${lat},-81.0912,${area},storage|fulfilment,Amazon|eBay,yes,Ann Wu,+1-912-555-0100,sav@example.com`;
    const faulty = await call<ErrorBody>('POST', '/api/v1/warehouses/import', 'overseas', [header, row('海联萨凡纳仓', '32.0809', '8000'), row('海联萨凡纳二仓', '132', '-5')].join('\r\n'), 'text/csv');
    expect(faulty.status).toBe(400);
    expect(faulty.body.error.issues.map((i) => `${i.path}:${i.rule}`)).toEqual(['line 3.latitude:range', 'line 3.areaM2:range']);
    expect((await list('?city=Savannah')).length).toBe(0);

    const ok = await call<{ added: number; updated: number }>('POST', '/api/v1/warehouses/import', 'overseas', [header, row('海联萨凡纳仓', '32.0809', '8000'), row(DEMO_WAREHOUSES[0].name, '34.0447', '30000')].join('\n'), 'text/csv');
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({ added: 1, updated: 1 });
    expect((await list('?q=萨凡纳')).map((w) => [w.name, w.city, w.platforms, w.eligible9810])).toEqual([['海联萨凡纳仓', 'Savannah', ['Amazon', 'eBay'], true]]);
    expect((await list()).find((w) => w.name === DEMO_WAREHOUSES[0].name)!.areaM2).toBe(30_000);
    expect((await call<ErrorBody>('POST', '/api/v1/warehouses/import', 'overseas', 'name,city\nx,y', 'text/csv')).body.error.issues[0].rule).toBe('header');
    expect((await call('POST', '/api/v1/warehouses/import', 'ebc', `${header}\n${row('x', '1', '1')}`, 'text/csv')).status).toBe(403);
  });
});
