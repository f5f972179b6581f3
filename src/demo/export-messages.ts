/**
 * Export messages for demo, tests and the benchmark: the envelope of any export declaration
 * (wrapExport) and the messages built on export flows — arrival at the supervision site
 * (CEB507), departure (CEB509), master-bill list (CEB607), inventory cancel (CEB605) and the
 * summary request record (CEB701). Flows sharing a master bill go in one record; guids and
 * default copNos derive from the content, so the same input gives the same message.
 */
import { createHash } from 'node:crypto';
import { MESSAGES, buildDocument, type CebNode } from '../ceb/index.ts';
import { cstTime14 } from '../platform/time.ts';
import { EXPORT_CUSTOMS_CODE } from './export-catalog.ts';
import type { ExportFlow } from './export.ts';
import { kg, type Party } from './flows.ts';
import { demoSign } from './keys.ts';

export type ExportRoot =
  | 'CEB303Message' | 'CEB403Message' | 'CEB505Message' | 'CEB507Message' | 'CEB509Message' | 'CEB603Message'
  | 'CEB605Message' | 'CEB607Message' | 'CEB701Message' | 'CEB213Message' | 'CEB215Message';

const RECORD_ELEMENT: Record<ExportRoot, string> = {
  CEB303Message: 'Order', CEB403Message: 'Receipts', CEB505Message: 'Logistics', CEB507Message: 'Arrival',
  CEB509Message: 'Departure', CEB603Message: 'Inventory', CEB605Message: 'InvtCancel', CEB607Message: 'WayBill',
  CEB701Message: 'SummaryApply', CEB213Message: 'InvtRefund', CEB215Message: 'InvtRefundDetail',
};

/** DXP id of the zone's public service platform, copied on data and receipts (BaseSubscribe). */
export const DEMO_ZONE_DXP_ID = 'DXPENT0000011000';

export interface WrapOptions {
  /** Sign with the sender's demo key (src/demo/keys.ts). The export XSD makes ds:Signature optional. */
  sign?: boolean;
  /** BaseSubscribe entries (default: the zone platform, data and receipts); [] for none. */
  subscribe?: Array<{ status: 'ALL' | 'DATA' | 'RET'; dxpAddress: string }>;
}

/**
 * A complete export message (XML, `ceb:` prefix) holding `records`, transmitted by `sender`.
 * Message guid: the record's own for a single record, else a stable UUID derived from the
 * record guids. No ExtendMessage is written, so the signature appended as the root's last
 * child stands where the export XSD wants it (after BaseSubscribe, before any ExtendMessage).
 */
export function wrapExport(root: ExportRoot, records: CebNode[], sender: Party, guid?: string, options: WrapOptions = {}): string {
  const subscribe = options.subscribe ?? [{ status: 'ALL', dxpAddress: DEMO_ZONE_DXP_ID }];
  const body: CebNode = {
    guid: guid ?? messageGuid(records),
    version: '1.0',
    [RECORD_ELEMENT[root]]: records,
    BaseTransfer: { copCode: sender.code, copName: sender.name, dxpMode: 'DXP', dxpId: sender.dxpId },
    ...(subscribe.length ? { BaseSubscribe: subscribe.map((s) => ({ status: s.status, dxpMode: 'DXP', dxpAddress: s.dxpAddress })) } : {}),
  };
  const xml = buildDocument(MESSAGES[root], body, { prefix: 'ceb' });
  return options.sign ? demoSign(xml, sender.code) : xml;
}

/** A stable upper-case UUID (version-5 layout) from some strings. */
export function stableGuid(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('|')).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${'89AB'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function messageGuid(records: CebNode[]): string {
  const guids = records.map((r) => {
    const head = Object.entries(r).find(([k]) => k.endsWith('Head'))?.[1] as CebNode | undefined;
    return String(r.guid ?? head?.guid ?? '');
  });
  return guids.length === 1 && guids[0].length === 36 ? guids[0] : stableGuid(...guids);
}

// ---------------------------------------------------------------------------------------------
// Messages built on flows

const inv = (f: ExportFlow) => f.inventory.InventoryHead as Record<string, string>;
const control = (guid: string, now: Date) => ({ guid, appType: '1', appTime: cstTime14(now), appStatus: '2' });
const single = { msgCount: '1', msgSeqNo: '1' };

/** Flows of one master bill (and logistics enterprise), in order of first appearance. */
function byBill(flows: ExportFlow[]): ExportFlow[][] {
  if (!flows.length) throw new RangeError('flows: at least one');
  const groups = new Map<string, ExportFlow[]>();
  for (const f of flows) {
    const key = `${inv(f).logisticsCode}|${f.shipment.billNo}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
}

/** copNo of the k-th record: the caller's (suffixed when there are several), else kind + time + digest of the parcels. */
function copNoOf(kind: string, group: ExportFlow[], k: number, n: number, now: Date, given?: string): string {
  if (given) return n > 1 ? `${given}-${k + 1}` : given;
  const digest = createHash('sha1').update(group.map((f) => f.logisticsNo).join('|')).digest('hex').slice(0, 6).toUpperCase();
  return `${kind}${cstTime14(now)}${digest}`;
}

interface SiteOptions {
  now?: Date;
  copNo?: string;
  /** Sign with the sender's demo key (default true: the PDF asks a signature of declared site messages). */
  sign?: boolean;
}

/** CEB507 运抵单 from the supervision-site operator: the parcels arrived at the export site, by truck. */
export function arrivalMessage(site: Party, flows: ExportFlow[], opts: SiteOptions = {}): string {
  const now = opts.now ?? new Date();
  const groups = byBill(flows);
  const records = groups.map((g, k) => {
    const h = inv(g[0]);
    const s = g[0].shipment;
    const copNo = copNoOf('YD', g, k, groups.length, now, opts.copNo);
    return {
      ArrivalHead: {
        ...control(stableGuid('CEB507', copNo, s.billNo), now), customsCode: h.customsCode, copNo,
        operatorCode: site.code, operatorName: site.name, ieFlag: 'E', trafMode: s.trafMode, billNo: s.billNo,
        domesticTrafNo: s.domesticTrafNo, logisticsCode: h.logisticsCode, logisticsName: h.logisticsName, ...single,
      },
      ArrivalList: g.map((f, i) => ({ gnum: String(i + 1), logisticsNo: f.logisticsNo, totalPackageNo: f.shipment.totalPackageNo })),
    };
  });
  return wrapExport('CEB507Message', records, site, undefined, { sign: opts.sign ?? true });
}

/** CEB509 离境单 from the logistics enterprise: the conveyance left with these parcels. */
export function departureMessage(logistics: Party, flows: ExportFlow[], opts: SiteOptions & { leaveTime?: Date } = {}): string {
  const now = opts.now ?? new Date();
  const groups = byBill(flows);
  const records = groups.map((g, k) => {
    const h = inv(g[0]);
    const s = g[0].shipment;
    const copNo = copNoOf('LJ', g, k, groups.length, now, opts.copNo);
    return {
      DepartureHead: {
        ...control(stableGuid('CEB509', copNo, s.billNo), now), customsCode: h.customsCode, copNo,
        logisticsCode: h.logisticsCode, logisticsName: h.logisticsName,
        trafMode: s.trafMode, trafName: s.trafName, voyageNo: s.voyageNo, billNo: s.billNo, leaveTime: cstTime14(opts.leaveTime ?? now), ...single,
      },
      DepartureList: g.map((f, i) => ({ gnum: String(i + 1), totalPackageNo: f.shipment.totalPackageNo, logisticsNo: f.logisticsNo })),
    };
  });
  return wrapExport('CEB509Message', records, logistics, undefined, { sign: opts.sign ?? true });
}

const grams = (weight: string) => Math.round(Number(weight) * 1000);

/**
 * CEB607 清单总分单: ties parcels (and their released inventories, `invtNos` keyed by
 * logisticsNo or orderNo) to the master bill, for inventories declared without transport data.
 */
export function waybillListMessage(sender: Party, flows: ExportFlow[], invtNos: Record<string, string> = {}, opts: SiteOptions = {}): string {
  const now = opts.now ?? new Date();
  const groups = byBill(flows);
  const records = groups.map((g, k) => {
    const h = inv(g[0]);
    const s = g[0].shipment;
    const copNo = copNoOf('ZF', g, k, groups.length, now, opts.copNo);
    return {
      WayBillHead: {
        ...control(stableGuid('CEB607', copNo, s.billNo), now), customsCode: h.customsCode, copNo,
        agentCode: sender.code, agentName: sender.name,
        trafMode: s.trafMode, trafName: s.trafName, voyageNo: s.voyageNo, billNo: s.billNo, domesticTrafNo: s.domesticTrafNo,
        grossWeight: kg(g.reduce((sum, f) => sum + grams(inv(f).grossWeight), 0)),
        logisticsCode: h.logisticsCode, logisticsName: h.logisticsName, ...single,
      },
      WayBillList: g.map((f, i) => {
        const invtNo = invtNos[f.logisticsNo] ?? invtNos[f.orderNo];
        return { gnum: String(i + 1), totalPackageNo: f.shipment.totalPackageNo, logisticsNo: f.logisticsNo, ...(invtNo ? { invtNo } : {}) };
      }),
    };
  });
  return wrapExport('CEB607Message', records, sender, undefined, { sign: opts.sign ?? true });
}

/** CEB605 撤销申请单 for the inventory of a flow, declared and signed by the agent. */
export function exportCancelMessage(flow: ExportFlow, invtNo: string, agent: Party, reason = '境外买家取消订单，申请撤销清单', now = new Date()): string {
  const h = inv(flow);
  const record = {
    ...control(stableGuid('CEB605', h.copNo, invtNo, cstTime14(now)), now),
    customsCode: h.customsCode, copNo: h.copNo, invtNo, reason,
    agentCode: agent.code, agentName: agent.name, ebcCode: h.ebcCode, ebcName: h.ebcName,
  };
  return wrapExport('CEB605Message', [record], agent, undefined, { sign: true });
}

export interface SummaryApplyInput {
  customsCode: string;
  copNo: string;
  agent: Party;
  ebc: Party;
  declAgent: Party;
  invtNos: string[];
  /** 1: by consignor; 2: by consignor and producer (生产销售单位). */
  summaryFlag: '1' | '2';
  /** 1: group by the inventories' own item names; 0: by the customs composite classification name. */
  itemNameFlag: '0' | '1';
  loctNo?: string;
  now?: Date;
}

/** A SummaryApply record (CEB701 汇总申请单) over released inventories, listed by invtNo. */
export function summaryApplyRecord(input: SummaryApplyInput): CebNode {
  if (!input.invtNos.length) throw new RangeError('invtNos: at least one inventory');
  const now = input.now ?? new Date();
  return {
    SummaryApplyHead: {
      ...control(stableGuid('CEB701', input.copNo, ...input.invtNos), now),
      customsCode: input.customsCode || EXPORT_CUSTOMS_CODE, copNo: input.copNo,
      agentCode: input.agent.code, agentName: input.agent.name, ebcCode: input.ebc.code, ebcName: input.ebc.name,
      declAgentCode: input.declAgent.code, declAgentName: input.declAgent.name,
      ...(input.loctNo ? { loctNo: input.loctNo } : {}),
      summaryFlag: input.summaryFlag, itemNameFlag: input.itemNameFlag, ...single,
    },
    SummaryApplyList: input.invtNos.map((invtNo) => ({ invtNo })),
  };
}

/** The enterprise's own number of a return (coElNo, C..20 on the tally list), from the inventory's copNo. */
const returnNoOf = (h: Record<string, string>) => `TH${h.copNo.slice(-18)}`;

/**
 * CEB213 退货申请单 (export return, 公告2020年第44号): the parcel of a released export inventory
 * comes back to China. ieFlag I; tradeMode left out (the PDF's 9661/1261 are unconfirmed).
 */
export function exportReturnMessage(flow: ExportFlow, invtNo: string, agent: Party, reason = '境外买家拒收退回', now = new Date()): string {
  const h = inv(flow);
  const s = flow.shipment;
  const coElNo = returnNoOf(h);
  const record = {
    InvtRefundHead: {
      ...control(stableGuid('CEB213', coElNo, invtNo), now), customsCode: h.customsCode,
      ebpCode: h.ebpCode, ebpName: h.ebpName, ebcCode: h.ebcCode, ebcName: h.ebcName,
      logisticsNo: flow.logisticsNo, logisticsCode: h.logisticsCode, logisticsName: h.logisticsName,
      coElNo, invtNo, agentCode: agent.code, agentName: agent.name, billNo: s.billNo, ieFlag: 'I',
      trafMode: s.trafMode, trafName: s.trafName, portCode: h.portCode, reason, country: h.country, voyageNo: s.voyageNo,
    },
    InvtRefundList: (flow.inventory.InventoryList as Array<Record<string, string>>).map((l) => ({
      gnum: l.gnum, gcode: l.gcode, gname: l.gname, gmodel: l.gmodel, qty: l.qty, qty1: l.qty1, unit: l.unit, unit1: l.unit1,
      ...(l.unit2 ? { qty2: l.qty2, unit2: l.unit2 } : {}),
    })),
  };
  return wrapExport('CEB213Message', [record], agent, undefined, { sign: true });
}

/** CEB215 退货理货明细单: the supervision site tallied the returned parcel. */
export function returnTallyMessage(site: Party, flow: ExportFlow, invtNo: string, now = new Date()): string {
  const h = inv(flow);
  const s = flow.shipment;
  const record = {
    ...control(stableGuid('CEB215', flow.logisticsNo, invtNo), now), customsCode: h.customsCode,
    operatorCode: site.code, operatorName: site.name, logisticsCode: h.logisticsCode, logisticsName: h.logisticsName,
    logisticsNo: flow.logisticsNo, invtNo, coElNo: returnNoOf(h), billNo: s.billNo, ieFlag: 'I',
    trafMode: s.trafMode, trafName: s.trafName, voyageNo: s.voyageNo,
  };
  return wrapExport('CEB215Message', [record], site, undefined, { sign: true });
}
