/**
 * 清单核放、汇总申报 (spec §6.1 step 4): customs aggregates the released B inventories a CEB701
 * names into export declarations (报关单), and says which inventory line went into which
 * declaration item in a CEB792.
 *
 * Declarations: one per set of inventories sharing the head fields a 报关单 has once — trade
 * mode, transport mode, port of exit (portCode), destination country, port of destination
 * (POD), and with summaryFlag 2 the producer/seller (ownerCode) — with at most 50 items each
 * (a 报关单 holds 50 商品项); inventories are never split between declarations.
 * Items (gseqno 1..n per declaration, in the order first met): lines with the same gcode, unit,
 * destination country and currency; with itemNameFlag 1 also the same original item name
 * (itemName, or gname when it is absent), otherwise customs names the item after its HS
 * classification (商品综合分类名), so the name does not split it.
 */
import { randomUUID } from 'node:crypto';
import { MESSAGES, str } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import { childDef, fit } from './receipts.ts';

export const MAX_ITEMS_PER_DECLARATION = 50;

export interface SummaryLine {
  gnum: string;
  gcode: string;
  gname: string;
  itemName: string;
  unit: string;
  country: string;
  currency: string;
}

/** What the sandbox keeps of an export inventory for its summary. */
export interface InventoryFacts {
  ownerCode: string;
  tradeMode: string;
  trafMode: string;
  portCode: string;
  country: string;
  pod: string;
  grossWeight: string;
  netWeight: string;
  lines: SummaryLine[];
}

export interface SummaryInventory {
  invtNo: string;
  logisticsNo: string;
  facts: InventoryFacts;
}

export interface Declaration {
  inventories: SummaryInventory[];
  /** One row per inventory line, in inventory then line order. */
  rows: Array<{ invtNo: string; logisticsNo: string; gseqno: number; gnum: string; gcode: string }>;
  items: number;
  grossWeight: string;
  netWeight: string;
}

export function factsOf(head: CebNode, list: CebNode[]): InventoryFacts {
  return {
    ownerCode: str(head.ownerCode),
    tradeMode: str(head.tradeMode),
    trafMode: str(head.trafMode),
    portCode: str(head.portCode),
    country: str(head.country),
    pod: str(head.POD),
    grossWeight: str(head.grossWeight) || '0',
    netWeight: str(head.netWeight) || '0',
    lines: list.map((l) => ({ gnum: str(l.gnum), gcode: str(l.gcode), gname: str(l.gname), itemName: str(l.itemName), unit: str(l.unit), country: str(l.country), currency: str(l.currency) })),
  };
}

/** The declarations of a summary, in the order of the inventories given. */
export function summarize(inventories: SummaryInventory[], opts: { summaryFlag: string; itemNameFlag: string }): Declaration[] {
  const itemKey = (l: SummaryLine) => [l.gcode, l.unit, l.country, l.currency, opts.itemNameFlag === '1' ? l.itemName || l.gname : ''].join('\u0000');
  const groups = new Map<string, Array<{ inventories: SummaryInventory[]; items: Map<string, number> }>>();
  for (const inv of inventories) {
    const f = inv.facts;
    const key = [f.tradeMode, f.trafMode, f.portCode, f.country, f.pod, opts.summaryFlag === '2' ? f.ownerCode : ''].join('\u0000');
    const decls = groups.get(key) ?? [];
    groups.set(key, decls);
    let current = decls[decls.length - 1];
    const fresh = new Set(f.lines.map(itemKey).filter((k) => !current?.items.has(k)));
    if (!current || (current.inventories.length && current.items.size + fresh.size > MAX_ITEMS_PER_DECLARATION)) {
      current = { inventories: [], items: new Map() };
      decls.push(current);
    }
    current.inventories.push(inv);
    for (const l of f.lines) if (!current.items.has(itemKey(l))) current.items.set(itemKey(l), current.items.size + 1);
  }
  const all = [...groups.values()].flat();
  // Declarations in the order of their first inventory.
  const first = (d: { inventories: SummaryInventory[] }) => inventories.indexOf(d.inventories[0]);
  all.sort((a, b) => first(a) - first(b));
  return all.map((d) => ({
    inventories: d.inventories,
    rows: d.inventories.flatMap((inv) => inv.facts.lines.map((l) => ({ invtNo: inv.invtNo, logisticsNo: inv.logisticsNo, gseqno: d.items.get(itemKey(l))!, gnum: l.gnum, gcode: l.gcode }))),
    items: d.items.size,
    grossWeight: sumDecimals(d.inventories.map((i) => i.facts.grossWeight)),
    netWeight: sumDecimals(d.inventories.map((i) => i.facts.netWeight)),
  }));
}

/** One SummaryResult (CEB792) for a declaration. */
export function summaryResultNode(
  d: Declaration,
  h: { customsCode: string; sumNo: string; opDate: string; declSeqNo: string; entryId: string; decState: string; apply: CebNode; msgCount: number; msgSeqNo: number },
): CebNode {
  const resultDef = childDef(MESSAGES.CEB792Message.element, 'SummaryResult');
  const head: CebNode = {
    guid: randomUUID(),
    customsCode: h.customsCode,
    sumNo: h.sumNo,
    opDate: h.opDate,
    declSeqNo: h.declSeqNo,
    entryId: h.entryId,
    decState: h.decState,
    grossWeight: d.grossWeight,
    netWeight: d.netWeight,
    msgCount: String(h.msgCount),
    msgSeqNo: String(h.msgSeqNo),
  };
  for (const f of ['agentCode', 'agentName', 'ebcCode', 'ebcName', 'declAgentCode', 'declAgentName']) head[f] = str(h.apply[f]);
  const listDef = childDef(resultDef, 'SummaryResultList');
  return {
    SummaryResultHead: fit(childDef(resultDef, 'SummaryResultHead'), head, 'CEB792Message'),
    SummaryResultList: d.rows.map((r) => fit(listDef, { invtNo: r.invtNo, logisticsNo: r.logisticsNo, gseqno: String(r.gseqno), gnum: r.gnum, gcode: r.gcode }, 'CEB792Message')),
  };
}

const SCALE = 5; // N19,5

/** Exact sum of N19,5 decimals (values that are not plain decimals count as 0). */
export function sumDecimals(values: string[]): string {
  let total = 0n;
  for (const v of values) {
    const m = /^(\d+)(?:\.(\d{1,5}))?$/.exec(v.trim());
    if (m) total += BigInt(m[1]) * 10n ** BigInt(SCALE) + BigInt((m[2] ?? '').padEnd(SCALE, '0'));
  }
  const unit = 10n ** BigInt(SCALE);
  const frac = (total % unit).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${total / unit}${frac ? `.${frac}` : ''}`;
}
