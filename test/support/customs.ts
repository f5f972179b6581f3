/** What customs sends, for transport tests: a CEB312 receipt in a DxpMsg from the import system. */
import { randomUUID } from 'node:crypto';
import { CUSTOMS_IMPORT_DXP_ID, MESSAGES, buildDocument, buildDxpMsg, type CebNode } from '../../src/ceb/index.ts';
import { DEMO_PARTIES } from '../../src/demo/flows.ts';
import { cstTime17 } from '../../src/platform/time.ts';

/** A message as GET /api/v1/messages/:id shows it (the fields transport tests read). */
export interface Shown {
  status: string;
  copMsgId: string;
  records: Array<{ status: string }>;
  receipts: Array<{ messageType: string; returnStatus: string }>;
}

/** A CEB312 as customs sends it (default namespace), wrapped in a DxpMsg from the import system unless `bare`. */
export function orderReceipt(order: CebNode, returnStatus: string, bare = false): Buffer {
  const head = order.OrderHead as Record<string, string>;
  const ceb = buildDocument(MESSAGES.CEB312Message, {
    guid: randomUUID().toUpperCase(),
    version: '1.0',
    OrderReturn: [{ guid: randomUUID().toUpperCase(), ebpCode: head.ebpCode, ebcCode: head.ebcCode, orderNo: head.orderNo, returnStatus, returnTime: cstTime17(new Date()), returnInfo: returnStatus === '2' ? '订单新增申报成功' : '[Code:1800;Desc:逻辑校验通过]' }],
  }, { prefix: null });
  if (bare) return Buffer.from(ceb);
  return Buffer.from(buildDxpMsg({ copMsgId: randomUUID(), senderId: CUSTOMS_IMPORT_DXP_ID, receiverId: DEMO_PARTIES.ebp.dxpId, msgType: 'CEB312Message', data: Buffer.from(ceb) }));
}
