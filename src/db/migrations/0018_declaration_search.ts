import type { Kysely } from 'kysely';
import type { Dialect } from '../index.ts';

/** Head fields a declaration is found by (the numbers customs assigns later, preNo and invtNo, are also columns). */
const NUMBER_FIELDS = ['orderNo', 'logisticsNo', 'invtNo', 'copNo', 'preNo'] as const;

/**
 * Finding a declaration by any of its numbers with an index, not a scan of the record JSON:
 * `declaration_numbers` holds each number a record's head carries at ingest (orderNo,
 * logisticsNo, invtNo, copNo, preNo); the numbers customs assigns later are read from
 * `declarations.pre_no` and `invt_no`, indexed too. `declarations_enterprise` serves an
 * enterprise's list, newest first.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('declaration_numbers')
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('declaration_id', big as 'integer', (c) => c.notNull().references('declarations.id'))
    .addPrimaryKeyConstraint('declaration_numbers_pk', ['number', 'declaration_id'])
    .execute();
  await db.schema.createIndex('declarations_pre_no').on('declarations').column('pre_no').execute();
  await db.schema.createIndex('declarations_enterprise').on('declarations').columns(['enterprise_id', 'id']).execute();

  // Declarations stored before: their numbers, read from the record as stored, a page at a time.
  const k = db as unknown as Kysely<{ declarations: { id: number; fields: string }; declaration_numbers: { number: string; declaration_id: number } }>;
  let after = 0;
  for (;;) {
    const rows = await k.selectFrom('declarations').select(['id', 'fields']).where('id', '>', after).orderBy('id').limit(500).execute();
    if (!rows.length) break;
    after = Number(rows[rows.length - 1].id);
    const values = rows.flatMap((r) => numbersOf(r.fields).map((number) => ({ number, declaration_id: Number(r.id) })));
    if (values.length) await k.insertInto('declaration_numbers').values(values).onConflict((oc) => oc.columns(['number', 'declaration_id']).doNothing()).execute();
  }
}

/** The record's head is its `…Head` node, or the record itself when flat (cancel, arrival list). */
function numbersOf(fields: string): string[] {
  let node: Record<string, unknown>;
  try {
    node = JSON.parse(fields) as Record<string, unknown>;
  } catch {
    return [];
  }
  const head = (Object.entries(node).find(([k, v]) => k.includes('Head') && v && typeof v === 'object' && !Array.isArray(v))?.[1] ?? node) as Record<string, unknown>;
  const out = new Set<string>();
  for (const f of NUMBER_FIELDS) {
    const v = head[f];
    if (typeof v === 'string' && v.trim()) out.add(v.trim());
  }
  return [...out];
}
