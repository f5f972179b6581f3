/**
 * What the import and export planners share: a record's receipts laid out on the clock (walk),
 * and the grouping of the planned receipts into documents, one per instant, type and receiver.
 */
import type { CebNode, CebRecord, Envelope, ParsedDocument } from '../../../ceb/index.ts';
import { cstTime17 } from '../../../platform/time.ts';
import { RECEIPT_OF, stepFactor, stepsBefore } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';
import type { RecordIds } from './receipts.ts';
import type { RecordPath } from './rules.ts';

/** A message may carry up to 100 records; so may its receipt document. */
const MAX_RETURNS_PER_DOC = 100;

export interface Step {
  due: number;
  type: string;
  /** Within one instant: the receipt first, then what it caused (a tax bill). */
  rank: number;
  /** DXP id the receipt goes to. */
  receiver: string;
  node: CebNode;
  /** A document of its own (each CEB792 is one declaration). */
  alone?: boolean;
}

export interface PlanContext {
  /** Base delay between two receipts of one record, ms. */
  delayMs: number;
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

/** A declaration message customs accepted, with the scenario each record takes. */
export interface Accepted {
  env: Envelope;
  doc: ParsedDocument;
  recs: CebRecord[];
  scenarios: Scenario[];
  now: number;
}

/** Builds one …Return node of a record at one status. */
export type NodeBuilder = (declType: string, head: CebNode, status: string, at: { guid: string; recordGuid: string; returnTime: string; ids: RecordIds; info?: string }) => CebNode;

export interface WalkOptions {
  /** Statuses before this index carry none of the numbers customs assigns on entry (invtNo, sumNo). */
  numbersFrom?: number;
  /** returnInfo replacing the usual one, by status (a refusal's reason). */
  info?: Readonly<Record<string, string>>;
  /** Further steps a status causes at the same instant (the tax bill of a release). */
  also?: (status: string, due: number, returnTime: string) => Step | null;
}

/** Scripted outcomes (REJECT, NEG, SILENT) skip the rules across messages and change nothing. */
export function scripted(scenario: Scenario): boolean {
  return scenario === 'reject' || scenario === 'neg' || scenario === 'silent';
}

/**
 * Plans one record's receipts for `seq`, one step apart after `start`; returns the due time of
 * each status.
 */
export function walk(ctx: PlanContext, build: NodeBuilder, type: string, p: RecordPath, seq: string[], start: number, steps: Step[], opts: WalkOptions = {}): Map<string, number> {
  const factor = stepFactor(p.scenario);
  const dues = new Map<string, number>();
  let due = start;
  seq.forEach((status, k) => {
    due += stepsBefore(status) * ctx.delayMs * factor;
    dues.set(status, due);
    const returnTime = cstTime17(new Date(due));
    const ids = k < (opts.numbersFrom ?? 0) ? { ...p.ids, invtNo: undefined, sumNo: undefined } : p.ids;
    const node = build(type, p.head, status, { guid: p.eportGuid, recordGuid: p.recordGuid, returnTime, ids, info: opts.info?.[status] });
    steps.push({ due, type: RECEIPT_OF[type], rank: 0, receiver: p.receiver, node });
    const extra = opts.also?.(status, due, returnTime);
    if (extra) steps.push(extra);
  });
  return dues;
}

/** The steps grouped into documents: one per instant, type and receiver (up to 100 nodes), in time order. */
export function documents(steps: Step[]): Array<{ due: number; type: string; receiver: string; nodes: CebNode[] }> {
  const sorted = [...steps].sort((a, b) => a.due - b.due || a.rank - b.rank || (a.receiver < b.receiver ? -1 : a.receiver > b.receiver ? 1 : 0));
  const out: Array<{ due: number; type: string; receiver: string; nodes: CebNode[] }> = [];
  for (let s = 0; s < sorted.length; ) {
    const first = sorted[s];
    let e = s + 1;
    if (!first.alone) {
      while (e < sorted.length && e - s < MAX_RETURNS_PER_DOC && !sorted[e].alone && sorted[e].due === first.due && sorted[e].type === first.type && sorted[e].receiver === first.receiver) e++;
    }
    out.push({ due: first.due, type: first.type, receiver: first.receiver, nodes: sorted.slice(s, e).map((x) => x.node) });
    s = e;
  }
  return out;
}
