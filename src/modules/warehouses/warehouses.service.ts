/**
 * The overseas-warehouse directory (海外仓名录): warehouse operators keep their entries (one by
 * one, or a CSV of them); everyone browses it with filters. Every change is audited.
 */
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation, type Database } from '../../db/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { hasRole, isOperator, requireWrite, type Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import { parseCsv } from '../../platform/csv.ts';
import type { Issue } from '../../ceb/index.ts';
import { CSV_COLUMNS, checkWarehouse, fromCsvFields, type WarehouseInput, type WarehouseRow } from './rules.ts';
import type { WarehouseView } from './views.ts';

type Row = Selectable<Database['overseas_warehouses']>;

export interface WarehouseFilter {
  country?: string;
  city?: string;
  service?: string;
  platform?: string;
  eligible9810?: boolean;
  q?: string;
  enterpriseId?: number;
}

const actorOf = (c: Caller) => (c.accountId !== undefined ? `account:${c.accountId}@${c.code}` : `enterprise:${c.code}`);

export function warehouseView(r: Row): WarehouseView {
  return {
    id: r.id,
    enterpriseId: r.enterprise_id,
    name: r.name,
    country: r.country,
    city: r.city,
    address: r.address,
    latitude: r.lat_e6 / 1e6,
    longitude: r.lon_e6 / 1e6,
    areaM2: r.area_m2,
    services: JSON.parse(r.services) as string[],
    platforms: JSON.parse(r.platforms) as string[],
    eligible9810: r.eligible_9810 === 1,
    contact: { name: r.contact_name, phone: r.contact_phone, email: r.contact_email },
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export class WarehousesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** The directory, filtered (public). At most 2,000 entries: the map shows them all. */
  async list(f: WarehouseFilter) {
    let q = this.db.selectFrom('overseas_warehouses').selectAll();
    if (f.country) q = q.where('country', '=', f.country);
    if (f.city) q = q.where('city', '=', f.city);
    if (f.enterpriseId) q = q.where('enterprise_id', '=', f.enterpriseId);
    if (f.eligible9810 !== undefined) q = q.where('eligible_9810', '=', f.eligible9810 ? 1 : 0);
    const rows = (await q.orderBy('country').orderBy('city').orderBy('id').limit(2000).execute()).map(warehouseView);
    const needle = f.q?.trim().toLowerCase();
    return rows.filter(
      (w) =>
        (!f.service || w.services.includes(f.service)) &&
        (!f.platform || w.platforms.some((p) => p.toLowerCase() === f.platform!.toLowerCase())) &&
        (!needle || `${w.name} ${w.city} ${w.address}`.toLowerCase().includes(needle)),
    );
  }

  async get(id: number) {
    const r = await this.db.selectFrom('overseas_warehouses').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('NOT_FOUND', `No overseas warehouse ${id}.`);
    return warehouseView(r);
  }

  /** Only an overseas-warehouse enterprise keeps entries (its own); the operator may correct any. */
  private requireKeeper(caller: Caller) {
    requireWrite(caller, 'manage');
    if (!hasRole(caller, 'overseas') && !isOperator(caller)) throw new AppError('FORBIDDEN', 'Only an enterprise filed as an overseas warehouse keeps directory entries.');
  }

  private async owned(trx: Kysely<Database>, caller: Caller, id: number): Promise<Row> {
    const r = await trx.selectFrom('overseas_warehouses').selectAll().where('id', '=', id).executeTakeFirst();
    // Another operator's entry answers like a missing one for changes.
    if (!r || (!isOperator(caller) && r.enterprise_id !== caller.id)) throw new AppError('NOT_FOUND', `No overseas warehouse ${id} of yours.`);
    return r;
  }

  private checked(input: WarehouseInput, at = ''): WarehouseRow {
    const c = checkWarehouse(input, at);
    if (!c.ok) throw new AppError('INVALID_REQUEST', `The entry is not valid: ${c.issues.length} issue${c.issues.length === 1 ? '' : 's'}.`, c.issues);
    return c.row;
  }

  private duplicate(name: string) {
    return new AppError('CONFLICT', `You already have an entry named ${name}.`, [{ path: 'name', rule: 'unique', expected: 'a name not used by another of your entries', actual: name }]);
  }

  async create(caller: Caller, input: WarehouseInput) {
    this.requireKeeper(caller);
    if (!hasRole(caller, 'overseas')) throw new AppError('FORBIDDEN', 'Entries are made by the overseas-warehouse enterprise that runs the warehouse.');
    const row = this.checked(input);
    try {
      const id = await this.db.transaction().execute(async (trx) => {
        const { id } = await trx.insertInto('overseas_warehouses').values({ ...row, enterprise_id: caller.id, updated_at: this.now() }).returning('id').executeTakeFirstOrThrow();
        await this.audit.append(trx, [{ actor: actorOf(caller), action: 'warehouse.added', subject: `warehouse:${id}`, enterpriseId: caller.id, detail: { name: row.name, country: row.country } }]);
        return id;
      });
      return this.get(id);
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate(row.name);
      throw err;
    }
  }

  async update(caller: Caller, id: number, input: WarehouseInput) {
    this.requireKeeper(caller);
    const row = this.checked(input);
    try {
      await this.db.transaction().execute(async (trx) => {
        const before = await this.owned(trx, caller, id);
        await trx.updateTable('overseas_warehouses').set({ ...row, updated_at: this.now() }).where('id', '=', id).execute();
        await this.audit.append(trx, [{ actor: actorOf(caller), action: 'warehouse.updated', subject: `warehouse:${id}`, enterpriseId: before.enterprise_id, detail: { name: row.name } }]);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.duplicate(row.name);
      throw err;
    }
    return this.get(id);
  }

  async remove(caller: Caller, id: number) {
    this.requireKeeper(caller);
    await this.db.transaction().execute(async (trx) => {
      const before = await this.owned(trx, caller, id);
      await trx.deleteFrom('overseas_warehouses').where('id', '=', id).execute();
      await this.audit.append(trx, [{ actor: actorOf(caller), action: 'warehouse.removed', subject: `warehouse:${id}`, enterpriseId: before.enterprise_id, detail: { name: before.name } }]);
    });
  }

  /**
   * The caller's entries from a CSV (header = CSV_COLUMNS): each row added, or updated when the
   * caller has an entry of that name. All or nothing: any bad row → 400 naming every issue.
   */
  async importCsv(caller: Caller, csv: string) {
    this.requireKeeper(caller);
    if (!hasRole(caller, 'overseas')) throw new AppError('FORBIDDEN', 'Entries are imported by the overseas-warehouse enterprise that runs them.');
    const parsed = parseCsv(csv);
    if (!parsed.ok) throw new AppError('INVALID_REQUEST', 'The CSV cannot be read.', [{ path: `line ${parsed.line}`, rule: 'csv', expected: 'RFC 4180 CSV', actual: parsed.message }]);
    const [header, ...records] = parsed.records;
    const cols = header?.fields.map((h) => h.trim()) ?? [];
    if (cols.join(',') !== CSV_COLUMNS.join(',')) throw new AppError('INVALID_REQUEST', 'The header is not the expected one.', [{ path: 'line 1', rule: 'header', expected: CSV_COLUMNS.join(','), actual: cols.join(',') }]);
    const issues: Issue[] = [];
    const rows: WarehouseRow[] = [];
    for (const r of records) {
      const c = checkWarehouse(fromCsvFields(r.fields), `line ${r.line}.`);
      if (c.ok) rows.push(c.row);
      else issues.push(...c.issues);
    }
    if (new Set(rows.map((r) => r.name)).size !== rows.length) issues.push({ path: 'name', rule: 'unique', expected: 'each name once in the file', actual: 'a name repeated' });
    if (!rows.length && !issues.length) issues.push({ path: 'line 2', rule: 'rows', expected: 'at least one entry', actual: 'none' });
    if (issues.length) throw new AppError('INVALID_REQUEST', `The CSV is not valid: ${issues.length} issue${issues.length === 1 ? '' : 's'}; nothing was changed.`, issues.slice(0, 200));
    const now = this.now();
    const out = await this.db.transaction().execute(async (trx) => {
      const existing = new Map((await trx.selectFrom('overseas_warehouses').select(['id', 'name']).where('enterprise_id', '=', caller.id).execute()).map((r) => [r.name, r.id]));
      let added = 0;
      let updated = 0;
      for (const row of rows) {
        const id = existing.get(row.name);
        if (id !== undefined) {
          await trx.updateTable('overseas_warehouses').set({ ...row, updated_at: now }).where('id', '=', id).execute();
          updated++;
        } else {
          await trx.insertInto('overseas_warehouses').values({ ...row, enterprise_id: caller.id, updated_at: now }).execute();
          added++;
        }
      }
      await this.audit.append(trx, [{ actor: actorOf(caller), action: 'warehouse.imported', subject: `enterprise:${caller.code}`, enterpriseId: caller.id, detail: { added, updated } }]);
      return { added, updated };
    });
    return out;
  }
}
