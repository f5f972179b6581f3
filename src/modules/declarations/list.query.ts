/**
 * The declarations list's statements. Order: newest message first, its records last to first —
 * (message_id, seq) descending, which every visibility source has an index in:
 * - an enterprise's own records: `declarations_enterprise_message` (enterprise_id, message_id, seq);
 * - those an agent declared for it: `message_parties_enterprise` (enterprise_id, message_id), each
 *   message's records by `declarations_message` (message_id, seq);
 * - everything (regulators): `declarations_message`.
 * Each source is read in that order and stops after a page; the sources are merged by the same
 * order. A number search starts from the number's indexes instead (a handful of rows).
 */
import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { DeclarationsTable } from './tables.ts';
import type { Database } from '../../db/index.ts';

/** A position in the list: rows after it are those of older messages, or earlier records of its message. */
export interface ListCursor {
  messageId: number;
  seq: number;
}

/** What the list is narrowed by; `from`/`to` bound the message's receipt time (ms, to exclusive). */
export interface ListFilter {
  /** Enterprises whose declarations (sent, or declared for them) are read; null: all. */
  readers: number[] | null;
  q?: string;
  types?: string[];
  status?: string;
  from?: number;
  to?: number;
  before?: ListCursor;
  limit: number;
}

/** A declaration as the list reads it, with its message's receive time. */
export type ListRow = Omit<Selectable<DeclarationsTable>, 'guid' | 'corr_key' | 'ref_key'> & { received_at: number };

/** Enterprises per statement (two arms each: SQLite allows 500 arms in a compound SELECT). */
const READERS_PER_STATEMENT = 50;

const ROW = ['d.id', 'd.message_id', 'd.seq', 'd.enterprise_id', 'd.message_type', 'd.status', 'd.return_status', 'd.return_info', 'd.pre_no', 'd.invt_no', 'd.fields', 'd.updated_at', 'm.received_at'] as const;

/** Newest first: message id, then record sequence, both descending. */
export const listOrder = (a: Pick<ListRow, 'message_id' | 'seq'>, b: Pick<ListRow, 'message_id' | 'seq'>) => b.message_id - a.message_id || b.seq - a.seq;

/**
 * The filter's conditions on `d` (declarations), with `message` the column holding the message
 * id that the source's index is ordered by (so the cursor bounds that index's range).
 */
function conditions(f: ListFilter, message: string): RawBuilder<SqlBool>[] {
  const mid = sql.ref(message);
  const out: RawBuilder<SqlBool>[] = [];
  const c = f.before;
  if (c) {
    out.push(sql<SqlBool>`${mid} <= ${c.messageId} and (${mid} < ${c.messageId} or ${sql.ref('d.seq')} < ${c.seq})`);
    // PostgreSQL carries equalities across a join, not ranges: bound the joined index too.
    if (message !== 'd.message_id') out.push(sql<SqlBool>`${sql.ref('d.message_id')} <= ${c.messageId}`);
  }
  if (f.types) out.push(sql<SqlBool>`${sql.ref('d.message_type')} in (${sql.join(f.types)})`);
  if (f.status) out.push(sql<SqlBool>`${sql.ref('d.status')} = ${f.status}`);
  if (f.from !== undefined || f.to !== undefined) {
    const from = f.from !== undefined ? sql` and ${sql.ref('r.received_at')} >= ${f.from}` : sql``;
    const to = f.to !== undefined ? sql` and ${sql.ref('r.received_at')} < ${f.to}` : sql``;
    out.push(sql<SqlBool>`exists (select 1 from ${sql.table('messages')} as ${sql.id('r')} where ${sql.ref('r.id')} = ${mid}${from}${to})`);
  }
  return out;
}

export async function listDeclarations(db: Kysely<Database>, f: ListFilter): Promise<ListRow[]> {
  if (f.types && !f.types.length) return []; // a type of the other direction
  if (f.readers && !f.readers.length) return [];
  if (f.q !== undefined) return byNumber(db, f, f.q);
  if (!f.readers) return page(db, f, [everything(db, f)]);
  const ids = [...new Set(f.readers)];
  const pages: ListRow[][] = [];
  for (let i = 0; i < ids.length; i += READERS_PER_STATEMENT) {
    pages.push(await page(db, f, ids.slice(i, i + READERS_PER_STATEMENT).flatMap((e) => [own(db, f, e), declaredFor(db, f, e)])));
  }
  if (pages.length === 1) return pages[0];
  // Several statements (a bank with many consents): each gave its first page; merge them.
  const seen = new Set<number>();
  return pages.flat().sort(listOrder).filter((r) => !seen.has(r.id) && seen.add(r.id)).slice(0, f.limit);
}

/** Every declaration (regulators, the operator). */
function everything(db: Kysely<Database>, f: ListFilter) {
  return db.selectFrom('declarations as d').select(['d.id', 'd.message_id', 'd.seq']).where((eb) => eb.and(conditions(f, 'd.message_id')))
    .orderBy('d.message_id', 'desc').orderBy('d.seq', 'desc').limit(f.limit);
}

/** The records an enterprise sent. */
function own(db: Kysely<Database>, f: ListFilter, enterprise: number) {
  return db.selectFrom('declarations as d').select(['d.id', 'd.message_id', 'd.seq']).where('d.enterprise_id', '=', enterprise).where((eb) => eb.and(conditions(f, 'd.message_id')))
    .orderBy('d.message_id', 'desc').orderBy('d.seq', 'desc').limit(f.limit);
}

/** The records of messages declared for an enterprise (an agent's, in its name), from its party rows. */
function declaredFor(db: Kysely<Database>, f: ListFilter, enterprise: number) {
  return db.selectFrom('message_parties as p').innerJoin('declarations as d', 'd.message_id', 'p.message_id').select(['d.id', 'd.message_id', 'd.seq'])
    .where('p.enterprise_id', '=', enterprise).where((eb) => eb.and(conditions(f, 'p.message_id')))
    .orderBy('p.message_id', 'desc').orderBy('d.seq', 'desc').limit(f.limit);
}

type Arm = ReturnType<typeof own>;

/** The first `limit` rows of the arms together (each already in order and bounded), with their columns. */
async function page(db: Kysely<Database>, f: ListFilter, arms: Arm[]): Promise<ListRow[]> {
  const wrapped = arms.map((a) => db.selectFrom(a.as('s')).select(['s.id', 's.message_id', 's.seq']));
  const top = arms.length === 1 ? arms[0] : wrapped.slice(1).reduce((u, a) => u.union(a), wrapped[0]).orderBy('message_id', 'desc').orderBy('seq', 'desc').limit(f.limit);
  return db
    .selectFrom(top.as('t'))
    .innerJoin('declarations as d', 'd.id', 't.id')
    .innerJoin('messages as m', 'm.id', 'd.message_id')
    .select(ROW)
    .orderBy('t.message_id', 'desc')
    .orderBy('t.seq', 'desc')
    .execute();
}

/** Records carrying a number (the head's, or one customs assigned) that the readers may read. */
function byNumber(db: Kysely<Database>, f: ListFilter, n: string): Promise<ListRow[]> {
  const readers = f.readers ? [...new Set(f.readers)] : null;
  return db
    .selectFrom('declarations as d')
    .innerJoin('messages as m', 'm.id', 'd.message_id')
    .select(ROW)
    // Each term by its own index, united: an OR of them would be tested row by row.
    .where('d.id', 'in', (eb) => eb.selectFrom('declaration_numbers').select('declaration_id').where('number', '=', n)
      .union(eb.selectFrom('declarations').select('id as declaration_id').where('invt_no', '=', n))
      .union(eb.selectFrom('declarations').select('id as declaration_id').where('pre_no', '=', n)))
    .$if(readers !== null, (q) => q.where((eb) => eb.or([
      eb('d.enterprise_id', 'in', readers!),
      eb.exists(eb.selectFrom('message_parties as p').select('p.message_id').whereRef('p.message_id', '=', 'd.message_id').where('p.enterprise_id', 'in', readers!)),
    ])))
    .where((eb) => eb.and(conditions(f, 'd.message_id')))
    .orderBy('d.message_id', 'desc')
    .orderBy('d.seq', 'desc')
    .limit(f.limit)
    .execute();
}
