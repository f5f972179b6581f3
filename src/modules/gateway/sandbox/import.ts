/**
 * The import unified system's answers (CEB311 … CEB711 → CEB312 … CEB712, CEB816): the receipt
 * sequence of each record, the numbers customs assigns, and the rules across messages
 * (rules.ts: a 9610 release waits for its arrival list; cancels and returns).
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../../db/index.ts';
import { str } from '../../../ceb/index.ts';
import type { CebNode, CebRecord } from '../../../ceb/index.ts';
import { cstDate } from '../../../platform/time.ts';
import { pad9, serials } from './counters.ts';
import { scripted, walk } from './plan.ts';
import type { Accepted, PlanContext, Step, WalkOptions } from './plan.ts';
import { returnNode, taxNode } from './receipts.ts';
import type { RecordIds } from './receipts.ts';
import { AFTER_ARRIVAL, cancelInventory, holdInventory, listOf, parcelArrived, recordArrivals, releaseWaiting, returnInventory } from './rules.ts';
import type { RecordPath, Refusal, WaitingInventory } from './rules.ts';
import { statusSequence } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';

type Trx = Transaction<Database>;

/** preNo letters as seen in official samples: B inventory/cancel, T return (退货), R arrival (入库). */
const PRE_NO_LETTER: Readonly<Record<string, string>> = { CEB621Message: 'B', CEB623Message: 'B', CEB625Message: 'T', CEB711Message: 'R' };

/** The receipts of every record of an import declaration message. */
export async function planImport(ctx: PlanContext, trx: Trx, m: Accepted, badSignature: { code: string; info: string } | null): Promise<Step[]> {
  const type = m.doc.root;
  const ids = await assignIds(trx, type, m.recs, m.scenarios, m.now);
  const steps: Step[] = [];
  const arrived: string[] = [];
  const go = (t: string, p: RecordPath, seq: string[], start: number, opts?: WalkOptions) => walkImport(ctx, t, p, seq, start, steps, opts);
  for (let i = 0; i < m.recs.length; i++) {
    const r = m.recs[i];
    const seq = statusSequence(type, m.scenarios[i]);
    const path: RecordPath = { receiver: m.env.senderId, head: r.head, ids: ids[i], eportGuid: randomUUID(), recordGuid: r.guid, scenario: m.scenarios[i] };
    const checked = !scripted(m.scenarios[i]);
    if (type === 'CEB621Message' && badSignature && seq.length) {
      go(type, path, [badSignature.code], m.now, { numbersFrom: Infinity, info: { [badSignature.code]: badSignature.info } });
    } else if (type === 'CEB621Message') {
      await inventory(ctx, trx, { ...path, list: listOf(r.node, 'InventoryList') }, seq, m.now, steps);
    } else if (checked && (type === 'CEB623Message' || type === 'CEB625Message')) {
      const invtNo = str(r.head.invtNo);
      const refusal = type === 'CEB623Message' ? await cancelInventory(trx, invtNo) : await returnInventory(trx, invtNo, listOf(r.node, 'InvtRefundList'), m.now);
      refusable(ctx, type, path, seq, refusal, m.now, steps);
    } else {
      go(type, path, seq, m.now);
      if (checked && type === 'CEB711Message') arrived.push(...listOf(r.node, 'DeliveryList').map((l) => str(l.logisticsNo)));
    }
  }
  if (arrived.length) for (const w of await recordArrivals(trx, arrived, m.now)) await release(ctx, trx, w, m.now, steps);
  return steps;
}

/** walk() with the import receipts, and the CEB816 tax bill that comes with an inventory's release. */
function walkImport(ctx: PlanContext, type: string, p: RecordPath, seq: string[], start: number, steps: Step[], opts: WalkOptions = {}): Map<string, number> {
  const also = (status: string, due: number, returnTime: string): Step | null => {
    if (type !== 'CEB621Message' || status !== '800') return null;
    const bill = taxBill(ctx, p, returnTime);
    return bill ? { due, type: 'CEB816Message', rank: 1, receiver: p.receiver, node: bill } : null;
  };
  return walk(ctx, returnNode, type, p, seq, start, steps, { ...opts, also });
}

/**
 * An inventory customs takes in (120) is held for cancels and returns. A 9610 inventory whose
 * parcel has not arrived stops before its inspection or release; the rest is kept with it.
 */
async function inventory(ctx: PlanContext, trx: Trx, path: RecordPath, seq: string[], now: number, steps: Step[]): Promise<void> {
  const entered = seq.indexOf('120');
  const invtNo = path.ids.invtNo;
  if (entered < 0 || !invtNo) {
    walkImport(ctx, 'CEB621Message', path, seq, now, steps, { numbersFrom: Infinity });
    return;
  }
  const head = path.head;
  const logisticsNo = str(head.logisticsNo);
  const tradeMode = str(head.tradeMode);
  const gated = tradeMode === '9610' && !(await parcelArrived(trx, logisticsNo));
  const split = gated ? seq.findIndex((s, k) => k > entered && AFTER_ARRIVAL.has(s)) : -1;
  const dues = walkImport(ctx, 'CEB621Message', path, split < 0 ? seq : seq.slice(0, split), now, steps, { numbersFrom: entered });
  const pending = split < 0 ? null : { ...path, rest: seq.slice(split), after: Math.max(...dues.values()) };
  await holdInventory(trx, { invtNo, copNo: path.ids.copNo ?? '', logisticsNo, tradeMode, list: path.list ?? [], releasedAt: dues.get('800') ?? null, pending }, now);
}

/** The parcel of a waiting inventory arrived: the rest of its path, from now (or after its last receipt). */
async function release(ctx: PlanContext, trx: Trx, w: WaitingInventory, now: number, steps: Step[]): Promise<void> {
  const mine: Step[] = [];
  const dues = walkImport(ctx, 'CEB621Message', w.pending, w.pending.rest, Math.max(now, w.pending.after), mine);
  if (await releaseWaiting(trx, w.invtNo, dues.get('800') ?? null)) steps.push(...mine);
}

/** A cancel or return: its normal path when approved, else 2 → 100 with the reason, or a single negative receipt. */
function refusable(ctx: PlanContext, type: string, path: RecordPath, seq: string[], refusal: Refusal | null, now: number, steps: Step[]): void {
  if (!refusal) {
    walkImport(ctx, type, path, seq, now, steps);
    return;
  }
  const refused = refusal.status === '100' ? ['2', '100'] : [refusal.status];
  walkImport(ctx, type, path, refused, now, steps, { info: { [refusal.status]: refusal.info } });
}

function taxBill(ctx: PlanContext, p: RecordPath, returnTime: string): CebNode | null {
  try {
    return taxNode(p.head, p.list ?? [], p.ids.invtNo!, returnTime);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, guid: p.recordGuid }, 'sandbox customs: no tax bill for this inventory');
    return null;
  }
}

/**
 * preNo (B/T/R + YYYYMMDD + 9-digit serial) for inventories, and for cancels/returns/arrivals
 * that did not quote a usable one; invtNo (customs code + year + I + 9-digit serial) for
 * inventories customs takes in; rkdNo for arrival lists without one.
 */
async function assignIds(trx: Trx, type: string, recs: CebRecord[], scenarios: Scenario[], now: number): Promise<RecordIds[]> {
  const day = cstDate(new Date(now));
  const out: RecordIds[] = recs.map(() => ({}));
  const live = recs.map((_, i) => scenarios[i] !== 'silent');
  const preLetter = PRE_NO_LETTER[type];
  if (!preLetter) return out;

  const needPre = recs.map((r, i) => live[i] && (type === 'CEB621Message' || str(r.head.preNo).length !== 18));
  const pre = await serials(trx, 'preNo', needPre.filter(Boolean).length);
  recs.forEach((r, i) => {
    const h = r.head;
    out[i].preNo = needPre[i] ? `${preLetter}${day}${pad9(pre())}` : str(h.preNo);
    if (type === 'CEB621Message') out[i].copNo = str(h.copNo) || (str(h.orderNo).length <= 20 ? str(h.orderNo) : out[i].preNo);
    if (type === 'CEB623Message' || type === 'CEB625Message') out[i].copNo = str(h.copNo) || str(h.invtNo);
  });

  if (type === 'CEB621Message') {
    const year = day.slice(0, 4);
    const byCustoms = new Map<string, number[]>();
    recs.forEach((r, i) => {
      if (live[i] && statusSequence(type, scenarios[i]).includes('120')) {
        const cc = str(r.head.customsCode);
        byCustoms.set(cc, [...(byCustoms.get(cc) ?? []), i]);
      }
    });
    for (const [cc, idx] of byCustoms) {
      const next = await serials(trx, `invtNo:${cc}:${year}`, idx.length);
      for (const i of idx) out[i].invtNo = `${cc}${year}I${pad9(next())}`;
    }
  }
  if (type === 'CEB711Message') {
    const need = recs.map((r, i) => live[i] && !str(r.head.rkdNo) && str(r.head.customsCode).length === 4);
    const next = await serials(trx, 'rkdNo', need.filter(Boolean).length);
    recs.forEach((r, i) => {
      if (need[i]) out[i].rkdNo = `${str(r.head.customsCode)}${day}${String(next() % 1_000_000).padStart(6, '0')}`;
    });
  }
  return out;
}
