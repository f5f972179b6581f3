/** Summary requests, the inventories in them and the declaration items customs made of them. */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/index.ts';

type SummariesTable = Database['summaries'];
export type SummaryRow = Selectable<SummariesTable>;
export type SummaryResultRow = Selectable<Database['summary_results']>;

export class SummariesRepository {
  constructor(readonly db: Kysely<Database>) {}

  async create(trx: Kysely<Database>, row: Omit<Insertable<SummariesTable>, 'id'>, items: Array<{ declarationId: number; invtNo: string }>): Promise<number> {
    const { id } = await trx.insertInto('summaries').values(row).returning('id').executeTakeFirstOrThrow();
    for (let i = 0; i < items.length; i += 300) {
      await trx
        .insertInto('summary_items')
        .values(items.slice(i, i + 300).map((x) => ({ summary_id: id, declaration_id: x.declarationId, invt_no: x.invtNo, active: 1 })))
        .execute();
    }
    await this.setTaken(trx, items.map((x) => x.declarationId), 1);
    return id;
  }

  /** Of these inventories, the ones already in a summary customs has not refused. */
  async taken(trx: Kysely<Database>, declarationIds: number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (let i = 0; i < declarationIds.length; i += 500) {
      const rows = await trx.selectFrom('summary_items').select('declaration_id').where('active', '=', 1).where('declaration_id', 'in', declarationIds.slice(i, i + 500)).execute();
      for (const r of rows) out.add(r.declaration_id);
    }
    return out;
  }

  /** Inventories customs just closed become candidates (a repeated close changes nothing). */
  async addCandidates(trx: Kysely<Database>, rows: Array<Insertable<Database['summary_candidates']>>): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      await trx.insertInto('summary_candidates').values(rows.slice(i, i + 200)).onConflict((oc) => oc.column('declaration_id').doNothing()).execute();
    }
  }

  /** Candidates not in a standing summary that the enterprise sent or is consignor or agent of (null: all), oldest first. */
  async openCandidates(who: { id: number; code: string } | null, limit: number): Promise<string[]> {
    let q = this.db.selectFrom('summary_candidates').select('candidate').where('taken', '=', 0);
    if (who) q = q.where((eb) => eb.or([eb('sender_id', '=', who.id), eb('ebc_code', '=', who.code), eb('agent_code', '=', who.code)]));
    return (await q.orderBy('declaration_id').limit(limit).execute()).map((r) => r.candidate);
  }

  async setTaken(trx: Kysely<Database>, declarationIds: number[], taken: 0 | 1): Promise<void> {
    for (let i = 0; i < declarationIds.length; i += 500) {
      await trx.updateTable('summary_candidates').set({ taken }).where('declaration_id', 'in', declarationIds.slice(i, i + 500)).execute();
    }
  }

  async update(trx: Kysely<Database>, id: number, patch: Partial<Pick<SummaryRow, 'message_id' | 'status' | 'sum_no' | 'return_info'>>, now: number): Promise<void> {
    await trx.updateTable('summaries').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
  }

  /** A refused or failed summary frees its inventories: candidates again. */
  async release(trx: Kysely<Database>, id: number): Promise<void> {
    const items = await trx.selectFrom('summary_items').select('declaration_id').where('summary_id', '=', id).where('active', '=', 1).execute();
    await trx.updateTable('summary_items').set({ active: 0 }).where('summary_id', '=', id).execute();
    await this.setTaken(trx, items.map((i) => i.declaration_id), 0);
  }

  /** Confirmations cut short: still preparing, started before `before`. */
  async preparing(before: number): Promise<SummaryRow[]> {
    return this.db.selectFrom('summaries').selectAll().where('status', '=', 'preparing').where('created_at', '<', before).execute();
  }

  async get(id: number): Promise<SummaryRow | null> {
    return (await this.db.selectFrom('summaries').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** Summaries of these enterprises (consignor or declarant; null: all), newest first. */
  async list(enterpriseIds: number[] | null, before: number | null, limit: number): Promise<SummaryRow[]> {
    let q = this.db.selectFrom('summaries').selectAll();
    if (enterpriseIds) q = q.where((eb) => eb.or([eb('enterprise_id', 'in', enterpriseIds), eb('declarant_id', 'in', enterpriseIds)]));
    if (before !== null) q = q.where('id', '<', before);
    return q.orderBy('id', 'desc').limit(limit).execute();
  }

  async items(id: number): Promise<Array<{ declaration_id: number; invt_no: string; active: number }>> {
    return this.db.selectFrom('summary_items').select(['declaration_id', 'invt_no', 'active']).where('summary_id', '=', id).orderBy('invt_no').execute();
  }

  async results(id: number): Promise<SummaryResultRow[]> {
    return this.db.selectFrom('summary_results').selectAll().where('summary_id', '=', id).orderBy('decl_seq_no').orderBy('gseqno').orderBy('invt_no').orderBy('gnum').execute();
  }

  /** Stores a CEB792's lines; those already stored (a repeated result) are left alone. Returns how many were new. */
  async addResults(trx: Kysely<Database>, rows: SummaryResultRow[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < rows.length; i += 200) {
      const r = await trx.insertInto('summary_results').values(rows.slice(i, i + 200)).onConflict((oc) => oc.columns(['decl_seq_no', 'invt_no', 'gnum']).doNothing()).executeTakeFirst();
      added += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  }

  async setCopNo(trx: Kysely<Database>, id: number, copNo: string): Promise<void> {
    await trx.updateTable('summaries').set({ cop_no: copNo }).where('id', '=', id).execute();
  }

  /** Summaries by their copNo (the CEB701 record's key names it). */
  async byCopNo(trx: Kysely<Database>, copNos: string[]): Promise<SummaryRow[]> {
    if (!copNos.length) return [];
    return trx.selectFrom('summaries').selectAll().where('cop_no', 'in', [...new Set(copNos)]).execute();
  }

}
