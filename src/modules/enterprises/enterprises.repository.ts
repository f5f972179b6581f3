import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';

export interface Enterprise {
  id: number;
  code: string;
  name: string;
  dxpId: string;
  roles: string[];
}

type Row = { id: number; code: string; name: string; dxp_id: string; roles: string };
const toEnterprise = (r: Row): Enterprise => ({ id: r.id, code: r.code, name: r.name, dxpId: r.dxp_id, roles: r.roles.split(',').filter(Boolean) });

export class EnterprisesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async count(): Promise<number> {
    const r = await this.db.selectFrom('enterprises').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async create(e: Omit<Enterprise, 'id'>, now: number): Promise<Enterprise> {
    const r = await this.db
      .insertInto('enterprises')
      .values({ code: e.code, name: e.name, dxp_id: e.dxpId, roles: e.roles.join(','), created_at: now })
      .returning(['id', 'code', 'name', 'dxp_id', 'roles'])
      .executeTakeFirstOrThrow();
    return toEnterprise(r);
  }

  async byId(id: number): Promise<Enterprise | null> {
    const r = await this.db.selectFrom('enterprises').select(['id', 'code', 'name', 'dxp_id', 'roles']).where('id', '=', id).executeTakeFirst();
    return r ? toEnterprise(r) : null;
  }

  async byCode(code: string): Promise<Enterprise | null> {
    const r = await this.db.selectFrom('enterprises').select(['id', 'code', 'name', 'dxp_id', 'roles']).where('code', '=', code).executeTakeFirst();
    return r ? toEnterprise(r) : null;
  }

  async addKey(enterpriseId: number, keyHash: string, prefix: string, label: string, now: number): Promise<void> {
    await this.db.insertInto('api_keys').values({ enterprise_id: enterpriseId, key_hash: keyHash, prefix, label, created_at: now }).execute();
  }

  async byKeyHash(keyHash: string): Promise<(Enterprise & { keyId: number }) | null> {
    const r = await this.db
      .selectFrom('api_keys as k')
      .innerJoin('enterprises as e', 'e.id', 'k.enterprise_id')
      .select(['k.id as keyId', 'e.id', 'e.code', 'e.name', 'e.dxp_id', 'e.roles'])
      .where('k.key_hash', '=', keyHash)
      .where('k.revoked_at', 'is', null)
      .executeTakeFirst();
    return r ? { ...toEnterprise(r), keyId: r.keyId } : null;
  }

  async touchKeys(ids: number[], now: number): Promise<void> {
    if (ids.length) await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', 'in', ids).execute();
  }
}
