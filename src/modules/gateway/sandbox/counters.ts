/** The sandbox customs' counters: serial numbers (preNo, invtNo, sumNo…) and attempt counts. */
import type { Transaction } from 'kysely';
import type { Database } from '../../../db/index.ts';

/** Atomically adds n to a counter (creating it), returning the new value; safe under concurrency on PostgreSQL. */
export async function bump(trx: Transaction<Database>, name: string, n: number): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await trx
      .updateTable('sandbox_counters')
      .set((eb) => ({ value: eb('value', '+', n) }))
      .where('name', '=', name)
      .returning('value')
      .executeTakeFirst();
    if (row) return Number(row.value);
    const ins = await trx.insertInto('sandbox_counters').values({ name, value: n }).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 0n)) return n;
  }
  throw new Error(`sandbox counter ${name} could not be updated`);
}

/** Reserves n consecutive serials of a counter; the returned function hands them out in order. */
export async function serials(trx: Transaction<Database>, name: string, n: number): Promise<() => number> {
  if (n === 0) return () => {
    throw new Error(`no ${name} serial reserved`);
  };
  let next = (await bump(trx, name, n)) - n + 1;
  return () => next++;
}

/** A serial as `digits` digits (wrapping past the largest). */
export function padSerial(n: number, digits: number): string {
  return String(n % 10 ** digits).padStart(digits, '0');
}

export function pad9(n: number): string {
  return padSerial(n, 9);
}
