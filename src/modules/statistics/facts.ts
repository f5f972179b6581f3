/**
 * What each accepted record and each lifecycle change adds to the counters: pure functions that
 * fill a Tally (metric, dim → count, value). A batch is tallied in memory and written as one
 * upsert, so the ingest hot path pays one statement per batch, not one per record.
 */
import { MESSAGES, type CebNode } from '../../ceb/index.ts';
import { toRmbFen } from '../tax/index.ts';

export type Metric =
  | 'type' // records accepted, by message type
  | 'direction' // records accepted, import or export (the message family)
  | 'mode' // inventories by supervision mode (tradeMode), with their value
  | 'origin' // import inventory lines by origin country (原产国)
  | 'destination' // export inventory lines by final destination (最终目的国)
  | 'hs' // inventory lines by HS chapter (first two digits of gcode)
  | 'unpriced' // inventory lines whose currency has no rate: counted, not valued
  | 'status' // records that moved into a status
  | 'outcome' // records that reached release (800/899) or rejection
  | 'rejection' // rejections by reason (code|text)
  | 'latency'; // first answer to a record: histogram bucket → count

export const MODES = ['9610', '1210', '9710', '9810'] as const;

export interface Count {
  metric: Metric;
  dim: string;
  count: number;
  valueFen: number;
}

export class Tally {
  readonly entries = new Map<string, Count>();

  add(metric: Metric, dim: string, count = 1, valueFen = 0): void {
    const key = `${metric}\u0000${dim}`;
    const e = this.entries.get(key);
    if (e) {
      e.count += count;
      e.valueFen += valueFen;
    } else this.entries.set(key, { metric, dim, count, valueFen });
  }

  get size(): number {
    return this.entries.size;
  }
}

const INVENTORIES: ReadonlySet<string> = new Set(['CEB621Message', 'CEB603Message']);
const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): CebNode[] => (Array.isArray(v) ? (v as CebNode[]) : v && typeof v === 'object' ? [v as CebNode] : []);

/** Import or export, by the message family (CEB3xx/4xx/5xx/6xx import 311/411/511/621…, export 303/403/505/603/701…). */
export function directionOf(messageType: string): 'import' | 'export' | 'other' {
  const family = Object.hasOwn(MESSAGES, messageType) ? MESSAGES[messageType].family : null;
  return family === 'import' || family === 'export' ? family : 'other';
}

/** An amount in RMB fen at customs' default monthly rates; null when it cannot be converted. */
function fen(amount: string, currency: string): number | null {
  try {
    return toRmbFen(amount || '0', currency || '142');
  } catch {
    return null;
  }
}

/** Counts one inventory record: its mode and value, its lines' countries and HS chapters. */
function tallyInventory(t: Tally, messageType: string, fields: string): void {
  let node: CebNode;
  try {
    node = JSON.parse(fields) as CebNode;
  } catch {
    return;
  }
  const head = (node.InventoryHead ?? {}) as CebNode;
  const exported = messageType === 'CEB603Message';
  const tradeMode = s(head.tradeMode);
  const mode = (MODES as readonly string[]).includes(tradeMode) ? tradeMode : 'other';
  let total = 0;
  const byCountry = new Map<string, number>();
  for (const line of list(node.InventoryList)) {
    const value = fen(s(line.totalPrice), s(line.currency) || s(head.currency));
    if (value === null) t.add('unpriced', messageType);
    const v = value ?? 0;
    total += v;
    const country = s(line.country);
    if (country) byCountry.set(country, (byCountry.get(country) ?? 0) + v);
    const chapter = s(line.gcode).slice(0, 2);
    if (/^\d\d$/.test(chapter)) t.add('hs', chapter, 1, v);
  }
  t.add('mode', mode, 1, total);
  // A country counts once per inventory, with the value of its lines.
  for (const [country, v] of byCountry) t.add(exported ? 'destination' : 'origin', country, 1, v);
}

/** Records accepted in one ingest batch. */
export function tallyMessages(t: Tally, messages: Iterable<{ messageType: string; records: ReadonlyArray<{ fields: string }> }>): void {
  for (const m of messages) {
    const n = m.records.length;
    if (!n) continue;
    t.add('type', m.messageType, n);
    t.add('direction', directionOf(m.messageType), n);
    if (INVENTORIES.has(m.messageType)) for (const r of m.records) tallyInventory(t, m.messageType, r.fields);
  }
}

/** Statuses a record has before customs answered it: a move out of one is customs' (or the platform's) first answer. */
export const BEFORE_CUSTOMS: ReadonlySet<string> = new Set(['awaiting-documents', 'matched', 'accepted', 'forwarded']);
const RELEASED: ReadonlySet<string> = new Set(['released', 'closed']);

export interface Change {
  from: string;
  to: string;
  returnStatus: string;
  returnInfo: string;
}

/** Lifecycle changes of one receipts batch: statuses, outcomes, rejection reasons. */
export function tallyChanges(t: Tally, changes: Iterable<Change>): void {
  for (const c of changes) {
    t.add('status', c.to);
    // 899 may follow 800: a record counts as released once, when it first reaches either.
    if (RELEASED.has(c.to) && !RELEASED.has(c.from)) t.add('outcome', 'released');
    if (c.to === 'rejected') {
      t.add('outcome', 'rejected');
      t.add('rejection', rejectionReason(c.returnStatus, c.returnInfo));
    }
  }
}

/** Longest reason text kept: reasons are grouped by it, so it must not carry record numbers. */
export const REASON_MAX = 60;

/**
 * A rejection as a reason key `code|text`: the returnStatus (100, or a negative processing code
 * such as -621005) and the first clause of returnInfo — customs' `Desc:` when given, else the
 * text with bracketed record numbers and codes taken out.
 */
export function rejectionReason(returnStatus: string, returnInfo: string): string {
  const code = /^-?\d{1,10}$/.test(returnStatus.trim()) ? returnStatus.trim() : '';
  // The platform's refusals read `清单[copNo] [-621903] reason`: the reason follows the code
  // (and may quote a receipt of another document, whose Desc is not this record's reason).
  const at = code ? returnInfo.indexOf(`[${code}]`) : -1;
  const desc = at >= 0 ? undefined : /Desc:([^\];]+)/.exec(returnInfo)?.[1];
  const rest = at >= 0 ? returnInfo.slice(at + code.length + 2) : returnInfo;
  const text = (desc ?? rest.replace(/\[[^\]]*\]/g, '').replace(/[(（][^)）]*[)）]/g, ' '))
    .split(/[，,；;。:：\n]/)
    .map((x) => x.replace(/\d{4,}/g, '…').replace(/\s+/g, ' ').replace(/(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])/g, '').trim())
    .find((x) => x.length > 0) ?? '';
  return `${code}|${[...text].slice(0, REASON_MAX).join('')}`;
}
