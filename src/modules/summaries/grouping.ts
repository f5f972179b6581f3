/**
 * Which released, departed export inventories go into one summary request (CEB701), as pure
 * functions. Customs turns a request into customs declarations (报关单) and merges the
 * inventories' lines into declaration items; the platform groups so that a request can become
 * one declaration:
 *
 * - same consignor (ebcCode) — and, with summaryFlag 2, the same producer (ownerCode);
 * - same declaring customs and exit port, trade mode, transport mode, destination country;
 * - same period: the calendar month of the export date (ieDate; 次月15日前汇总);
 * - at most MAX_ITEMS declaration items: lines merge into one item when their HS code, final
 *   destination country, currency and unit agree — and, with itemNameFlag 1, their item name.
 *   A larger group is split into several requests.
 */

export interface CandidateLine {
  gnum: number;
  gcode: string;
  gname: string;
  itemName: string;
  unit: string;
  currency: string;
  country: string;
}

export interface Candidate {
  declarationId: number;
  invtNo: string;
  logisticsNo: string;
  customsCode: string;
  portCode: string;
  ebcCode: string;
  ebcName: string;
  agentCode: string;
  ownerCode: string;
  tradeMode: string;
  trafMode: string;
  country: string;
  /** C8 yyyyMMdd. */
  ieDate: string;
  statisticsFlag: string;
  lines: CandidateLine[];
}

export type SummaryFlag = '1' | '2';
export type ItemNameFlag = '0' | '1';

export interface Group {
  key: string;
  customsCode: string;
  portCode: string;
  ebcCode: string;
  ebcName: string;
  ownerCode: string;
  tradeMode: string;
  trafMode: string;
  country: string;
  period: string;
  summaryFlag: SummaryFlag;
  itemNameFlag: ItemNameFlag;
  /** Declaration items the lines merge into. */
  items: number;
  inventories: Candidate[];
}

/** A customs declaration holds at most 50 items (报关单商品项). */
export const MAX_ITEMS = 50;

export const periodOf = (ieDate: string) => `${ieDate.slice(0, 4)}-${ieDate.slice(4, 6)}`;

/** The key of the group an inventory belongs to, before splitting by item count. */
export function groupKey(c: Candidate, summaryFlag: SummaryFlag, itemNameFlag: ItemNameFlag): string {
  return [c.customsCode, c.portCode, summaryFlag === '2' ? `${c.ebcCode}+${c.ownerCode}` : c.ebcCode, c.tradeMode, c.trafMode, c.country, periodOf(c.ieDate), `F${summaryFlag}${itemNameFlag}`].join('/');
}

/** The declaration item a line merges into. */
export function itemKey(l: CandidateLine, itemNameFlag: ItemNameFlag): string {
  return [l.gcode, l.country, l.currency, l.unit, itemNameFlag === '1' ? l.itemName || l.gname : ''].join('|');
}

/** Only B-flag (汇总申报) inventories are summarised; A (简化申报) ones are statistics only. */
export const summarisable = (c: Candidate) => c.statisticsFlag === 'B';

/**
 * Groups candidates (in the order given: oldest first) and splits each group so that no part
 * exceeds MAX_ITEMS items; parts get keys `<key>#2`, `#3`…
 */
export function proposeGroups(candidates: readonly Candidate[], summaryFlag: SummaryFlag, itemNameFlag: ItemNameFlag): Group[] {
  const byKey = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (!summarisable(c)) continue;
    const k = groupKey(c, summaryFlag, itemNameFlag);
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(c);
  }
  const out: Group[] = [];
  for (const [key, members] of byKey) {
    let part: Candidate[] = [];
    let items = new Set<string>();
    let n = 1;
    const flush = () => {
      if (!part.length) return;
      const first = part[0];
      out.push({
        key: n === 1 ? key : `${key}#${n}`,
        customsCode: first.customsCode,
        portCode: first.portCode,
        ebcCode: first.ebcCode,
        ebcName: first.ebcName,
        ownerCode: summaryFlag === '2' ? first.ownerCode : '',
        tradeMode: first.tradeMode,
        trafMode: first.trafMode,
        country: first.country,
        period: periodOf(first.ieDate),
        summaryFlag,
        itemNameFlag,
        items: items.size,
        inventories: part,
      });
      n++;
      part = [];
      items = new Set();
    };
    for (const c of members) {
      const mine = new Set(c.lines.map((l) => itemKey(l, itemNameFlag)));
      const merged = new Set([...items, ...mine]);
      // An inventory is never split across declarations; one with more items than fit stands alone.
      if (part.length && merged.size > MAX_ITEMS) {
        flush();
        items = mine;
      } else {
        items = merged;
      }
      part.push(c);
    }
    flush();
  }
  return out;
}
