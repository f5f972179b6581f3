/** Cancel (CEB623) and return (CEB625) requests for an inventory of a demo flow, signed with the agent's demo key: demo, tests, benchmark. */
import { randomUUID } from 'node:crypto';
import { MESSAGES, buildDocument, type CebNode } from '../ceb/index.ts';
import { cstTime14 } from '../platform/time.ts';
import type { Flow, Party } from './flows.ts';
import { demoSign } from './keys.ts';

function common(flow: Flow, invtNo: string, agent: Party, reason: string, now: Date): CebNode {
  const h = flow.inventory.InventoryHead as Record<string, string>;
  return {
    guid: randomUUID().toUpperCase(),
    appType: '1',
    appTime: cstTime14(now),
    appStatus: '2',
    customsCode: h.customsCode,
    orderNo: h.orderNo,
    ebpCode: h.ebpCode,
    ebpName: h.ebpName,
    ebcCode: h.ebcCode,
    ebcName: h.ebcName,
    logisticsNo: h.logisticsNo,
    logisticsCode: h.logisticsCode,
    logisticsName: h.logisticsName,
    copNo: h.copNo,
    invtNo,
    buyerIdType: h.buyerIdType,
    buyerIdNumber: h.buyerIdNumber,
    buyerName: h.buyerName,
    buyerTelephone: h.buyerTelephone,
    agentCode: agent.code,
    agentName: agent.name,
    reason,
  };
}

const envelope = (agent: Party) => ({ copCode: agent.code, copName: agent.name, dxpMode: 'DXP', dxpId: agent.dxpId });

/** 撤销申请单: cancel the whole inventory. */
export function cancelMessage(flow: Flow, invtNo: string, agent: Party, reason = '消费者取消订单', now = new Date()): string {
  const record = common(flow, invtNo, agent, reason, now);
  return demoSign(buildDocument(MESSAGES.CEB623Message, { guid: String(record.guid), version: '1.0', InvtCancel: [record], BaseTransfer: envelope(agent) }, { prefix: 'ceb' }), agent.code);
}

/** 退货申请单: return some lines (gnum → qty; default every line in full). */
export function refundMessage(flow: Flow, invtNo: string, agent: Party, qty?: Record<string, string>, reason = '商品质量问题退货', now = new Date()): string {
  const head = common(flow, invtNo, agent, reason, now);
  const lines = (flow.inventory.InventoryList as Array<Record<string, string>>)
    .filter((l) => !qty || qty[l.gnum] !== undefined)
    .map((l) => ({ gnum: l.gnum, gcode: l.gcode, gname: l.gname, qty: qty?.[l.gnum] ?? l.qty, unit: l.unit }));
  return demoSign(buildDocument(MESSAGES.CEB625Message, { guid: String(head.guid), version: '1.0', InvtRefund: [{ InvtRefundHead: head, InvtRefundList: lines }], BaseTransfer: envelope(agent) }, { prefix: 'ceb' }), agent.code);
}
