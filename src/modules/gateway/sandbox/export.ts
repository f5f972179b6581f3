/**
 * The export unified system's answers (DXPEDCCEB0000003; spec §1.2, §4, §6): CEB303 … CEB701,
 * CEB213/215 → CEB304 … CEB702, CEB214/216, and the CEB792 summary results.
 *
 * An export inventory (CEB603) goes 2 → 120, is released (800) once an arrival (CEB507) has
 * listed its parcel and closed (899) once a departure (CEB509) has, in whatever order they come
 * (export-rules.ts). A summary request (CEB701) is answered 2 → 120 with its sumNo, then one
 * CEB792 per declaration (summary.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../../db/index.ts';
import { str } from '../../../ceb/index.ts';
import type { CebNode, CebRecord } from '../../../ceb/index.ts';
import { cstDate, cstTime17, parseCstCompact } from '../../../platform/time.ts';
import { pad9, padSerial, serials } from './counters.ts';
import { exportReturnNode } from './export-receipts.ts';
import { advance, cancelExportInventory, consignmentRefusal, findExportInventories, holdExportInventory, markSummarized, recordParcels, releasedInWindow, touchParcel } from './export-rules.ts';
import type { Due, HeldInventory } from './export-rules.ts';
import { scripted, walk } from './plan.ts';
import type { Accepted, PlanContext, Step, WalkOptions } from './plan.ts';
import type { RecordIds } from './receipts.ts';
import { AFTER_ARRIVAL, listOf } from './rules.ts';
import type { PendingRelease, RecordPath, Refusal } from './rules.ts';
import { statusSequence, stepFactor } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';
import { factsOf, summarize, summaryResultNode } from './summary.ts';

type Trx = Transaction<Database>;

/** preNo letters as in the official export samples: P for most, B for a return (214), O for its tally list (216). */
const PRE_NO_LETTER: Readonly<Record<string, string>> = {
  CEB507Message: 'P',
  CEB509Message: 'P',
  CEB603Message: 'P',
  CEB605Message: 'P',
  CEB607Message: 'P',
  CEB701Message: 'P',
  CEB213Message: 'B',
  CEB215Message: 'O',
};
/** 报关单状态 of a CEB792: the XSD leaves the values to customs; `A` is the value of the official sample. */
const DEC_STATE = 'A';
const REFUSED = '[Code:1300;Desc:审核不通过],';

/** The receipts of every record of an export declaration message. */
export async function planExport(ctx: PlanContext, trx: Trx, m: Accepted): Promise<Step[]> {
  const type = m.doc.root;
  const steps: Step[] = [];
  const go = (p: RecordPath, seq: string[], opts?: WalkOptions) => walk(ctx, exportReturnNode, type, p, seq, m.now, steps, opts);
  const tooDear = m.recs.map((r, i) => (type === 'CEB603Message' && !scripted(m.scenarios[i]) ? consignmentRefusal(r.head, listOf(r.node, 'InventoryList')) : null));
  const ids = await assignIds(trx, type, m.recs, m.scenarios, tooDear, m.now);
  const arrived: string[] = [];
  const departed: string[] = [];
  for (let i = 0; i < m.recs.length; i++) {
    const r = m.recs[i];
    const seq = statusSequence(type, m.scenarios[i]);
    const path: RecordPath = { receiver: m.env.senderId, head: r.head, ids: ids[i], eportGuid: randomUUID(), recordGuid: r.guid, scenario: m.scenarios[i] };
    const checked = !scripted(m.scenarios[i]);
    if (type === 'CEB603Message') {
      const why = tooDear[i];
      if (why) go(path, ['2', '100'], { numbersFrom: Infinity, info: { '100': why } });
      else await inventory(ctx, trx, path, r.node, seq, m.now, steps);
    } else if (checked && type === 'CEB605Message') {
      refusable(path, seq, await cancelExportInventory(trx, str(r.head.invtNo)), go);
    } else if (checked && type === 'CEB701Message') {
      await summary(ctx, trx, path, r.node, seq, m.now, steps);
    } else {
      go(path, seq);
      if (checked && type === 'CEB507Message') arrived.push(...listOf(r.node, 'ArrivalList').map((l) => str(l.logisticsNo)));
      if (checked && type === 'CEB509Message') departed.push(...listOf(r.node, 'DepartureList').map((l) => str(l.logisticsNo)));
    }
  }
  if (arrived.length) for (const d of await recordParcels(trx, arrived, 'arrived', m.now)) await onward(ctx, trx, d, 'arriving', m.now, steps);
  if (departed.length) for (const d of await recordParcels(trx, departed, 'departed', m.now)) await onward(ctx, trx, d, 'departing', m.now, steps);
  return steps;
}

/**
 * An inventory customs takes in (120) is held for arrival, departure, cancel and summary. Until
 * its parcel has arrived it stops before its inspection or release, and until it has departed
 * before its 899; the rest of its path is kept with it.
 */
async function inventory(ctx: PlanContext, trx: Trx, path: RecordPath, record: CebNode, seq: string[], now: number, steps: Step[]): Promise<void> {
  const entered = seq.indexOf('120');
  const invtNo = path.ids.invtNo;
  if (entered < 0 || !invtNo) {
    walk(ctx, exportReturnNode, 'CEB603Message', path, seq, now, steps, { numbersFrom: Infinity });
    return;
  }
  const head = path.head;
  const parcel = await touchParcel(trx, str(head.logisticsNo));
  const release = seq.findIndex((s, k) => k > entered && AFTER_ARRIVAL.has(s));
  const close = seq.indexOf('899');
  let upto = seq.length;
  let state: 'arriving' | 'departing' | 'closed' = 'closed';
  if (!parcel.arrived && release >= 0) [upto, state] = [release, 'arriving'];
  else if (!parcel.departed && close >= 0) [upto, state] = [close, 'departing'];
  const dues = walk(ctx, exportReturnNode, 'CEB603Message', path, seq.slice(0, upto), now, steps, { numbersFrom: entered });
  const pending = upto < seq.length ? { ...path, rest: seq.slice(upto), after: Math.max(...dues.values()) } : null;
  await holdExportInventory(
    trx,
    {
      invtNo,
      copNo: str(head.copNo),
      customsCode: str(head.customsCode),
      ebcCode: str(head.ebcCode),
      logisticsNo: str(head.logisticsNo),
      tradeMode: str(head.tradeMode),
      statisticsFlag: str(head.statisticsFlag),
      facts: factsOf(head, listOf(record, 'InventoryList')),
      state,
      releasedAt: dues.get('800') ?? null,
      closedAt: dues.get('899') ?? null,
      pending,
    },
    now,
  );
}

/**
 * The parcel of a waiting inventory arrived (its release, and its close if the parcel has
 * departed too) or departed (its close): the rest of its path, from now or after its last receipt.
 */
async function onward(ctx: PlanContext, trx: Trx, d: Due, from: 'arriving' | 'departing', now: number, steps: Step[]): Promise<void> {
  const rest = d.pending.rest;
  const close = rest.indexOf('899');
  const upto = from === 'arriving' && !d.departed && close >= 0 ? close : rest.length;
  const mine: Step[] = [];
  const dues = walk(ctx, exportReturnNode, 'CEB603Message', d.pending, rest.slice(0, upto), Math.max(now, d.pending.after), mine);
  const pending: PendingRelease | null = upto < rest.length ? { ...d.pending, rest: rest.slice(upto), after: Math.max(...dues.values()) } : null;
  const to = { state: pending ? ('departing' as const) : ('closed' as const), closedAt: dues.get('899') ?? null, pending };
  if (await advance(trx, d.invtNo, from, from === 'arriving' ? { ...to, releasedAt: dues.get('800') ?? null } : to)) steps.push(...mine);
}

/** A cancel: its normal path when approved, else 2 → 100 with the reason, or a single negative receipt. */
function refusable(path: RecordPath, seq: string[], refusal: Refusal | null, go: (p: RecordPath, seq: string[], opts?: WalkOptions) => void): void {
  if (!refusal) go(path, seq);
  else go(path, refusal.status === '100' ? ['2', '100'] : [refusal.status], { info: { [refusal.status]: refusal.info } });
}

/**
 * CEB701: the inventories it lists (or, given startTime/endTime, the released B inventories of
 * its ebc in that window) must be released B inventories of that ebc, at that customs, in no
 * other summary. Then 2 → 120 with the sumNo, and one step later a CEB792 per declaration.
 */
async function summary(ctx: PlanContext, trx: Trx, path: RecordPath, record: CebNode, seq: string[], now: number, steps: Step[]): Promise<void> {
  const head = path.head;
  const refuse = (problems: string[]) =>
    walk(ctx, exportReturnNode, 'CEB701Message', path, ['2', '100'], now, steps, { numbersFrom: Infinity, info: { '100': `${REFUSED}${problems.join('；')}` } });
  const ebcCode = str(head.ebcCode);
  const customsCode = str(head.customsCode);
  const [start, end] = [str(head.startTime), str(head.endTime)];
  let chosen: HeldInventory[];
  if (start || end) {
    const from = start ? parseCstCompact(start)?.getTime() : 0;
    const to = end ? parseCstCompact(end)?.getTime() : now;
    if (from === undefined || to === undefined) return void refuse([`汇总时间段[${start}至${end}]无效，应为YYYYMMDDhhmmss`]);
    chosen = await releasedInWindow(trx, { ebcCode, customsCode, from, to: Math.min(to, now) });
    if (!chosen.length) return void refuse([`${start || '开始'}至${end || '当前'}期间没有可汇总的已放行清单`]);
  } else {
    const listed = [...new Set(listOf(record, 'SummaryApplyList').map((l) => str(l.invtNo)).filter(Boolean))];
    if (!listed.length) return void refuse(['未列明清单，也未给出汇总时间段']);
    const found = await findExportInventories(trx, listed);
    const problems = listed.flatMap((no) => {
      const why = unfit(found.get(no), { ebcCode, customsCode, now });
      return why ? [`清单[${no}]${why}`] : [];
    });
    if (problems.length) return void refuse(problems);
    chosen = listed.map((no) => found.get(no)!);
  }

  const day = cstDate(new Date(now));
  const sumNo = `S${day}${pad9((await serials(trx, 'sumNo', 1))())}`;
  if (!(await markSummarized(trx, chosen.map((c) => c.invtNo), sumNo))) return void refuse(['清单已被其他汇总申请汇总']);
  const dues = walk(ctx, exportReturnNode, 'CEB701Message', { ...path, ids: { ...path.ids, sumNo } }, seq, now, steps, { numbersFrom: seq.indexOf('120') });
  const at = (dues.get('120') ?? now) + ctx.delayMs * stepFactor(path.scenario);

  const decls = summarize(chosen, { summaryFlag: str(head.summaryFlag), itemNameFlag: str(head.itemNameFlag) });
  const year = day.slice(0, 4);
  const declSeq = await serials(trx, 'declSeqNo', decls.length);
  const entry = await serials(trx, `entryId:${customsCode}:${year}`, decls.length);
  decls.forEach((d, k) => {
    const node = summaryResultNode(d, {
      customsCode,
      sumNo,
      opDate: cstTime17(new Date(at)),
      // 汇总统一编号: shaped like the single window's 报关单统一编号 (E, year, 13-digit serial).
      declSeqNo: `E${year}${padSerial(declSeq(), 13)}`,
      // 报关单号: customs code, year, 0 (export), 9-digit serial.
      entryId: `${customsCode}${year}0${pad9(entry())}`,
      decState: DEC_STATE,
      apply: head,
      msgCount: decls.length,
      msgSeqNo: k + 1,
    });
    steps.push({ due: at, type: 'CEB792Message', rank: 1, receiver: path.receiver, node, alone: true });
  });
}

/** Why customs will not put this inventory in a summary of `ebcCode`, or null. */
function unfit(inv: HeldInventory | undefined, q: { ebcCode: string; customsCode: string; now: number }): string | null {
  if (!inv) return '不存在';
  if (inv.ebcCode !== q.ebcCode) return `的电商企业[${inv.ebcCode}]与汇总申请[${q.ebcCode}]不符`;
  if (inv.customsCode !== q.customsCode) return `的申报海关[${inv.customsCode}]与汇总申请[${q.customsCode}]不符`;
  if (inv.state === 'cancelled') return '已撤单';
  if (inv.statisticsFlag !== 'B') return `为简化申报（统计标志${inv.statisticsFlag}），不参与汇总申报`;
  if (inv.state === 'arriving' || inv.releasedAt === null || inv.releasedAt > q.now) return '未放行';
  if (inv.sumNo) return `已汇总（汇总申请编号${inv.sumNo}）`;
  return null;
}

/**
 * preNo (letter + YYYYMMDD + 9-digit serial) for inventories, and for the others when they did
 * not quote an 18-character one; invtNo (customs code + year + E + 11-digit serial, 20
 * characters, the export XSD's C..20) for inventories customs takes in.
 */
async function assignIds(trx: Trx, type: string, recs: CebRecord[], scenarios: Scenario[], refused: Array<string | null>, now: number): Promise<RecordIds[]> {
  const day = cstDate(new Date(now));
  const out: RecordIds[] = recs.map(() => ({}));
  const live = recs.map((_, i) => scenarios[i] !== 'silent');
  const letter = PRE_NO_LETTER[type];
  if (!letter) return out;

  const needPre = recs.map((r, i) => live[i] && (type === 'CEB603Message' || str(r.head.preNo).length !== 18));
  const pre = await serials(trx, 'preNo', needPre.filter(Boolean).length);
  recs.forEach((r, i) => {
    out[i].preNo = needPre[i] ? `${letter}${day}${pad9(pre())}` : str(r.head.preNo) || undefined;
  });

  if (type === 'CEB603Message') {
    const year = day.slice(0, 4);
    const byCustoms = new Map<string, number[]>();
    recs.forEach((r, i) => {
      if (live[i] && !refused[i] && statusSequence(type, scenarios[i]).includes('120')) {
        const cc = str(r.head.customsCode);
        byCustoms.set(cc, [...(byCustoms.get(cc) ?? []), i]);
      }
    });
    for (const [cc, idx] of byCustoms) {
      const next = await serials(trx, `invtNo:${cc}:${year}:E`, idx.length);
      for (const i of idx) out[i].invtNo = `${cc}${year}E${padSerial(next(), 11)}`;
    }
  }
  return out;
}
