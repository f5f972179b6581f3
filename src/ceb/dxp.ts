/**
 * DxpMsg, the terminal-node envelope (namespace http://www.chinaport.gov.cn/dxp): the CEB
 * bytes travel base64-encoded in Data, so what an enterprise signed arrives byte for byte.
 */
import { buildDocument } from './build.ts';
import type { CebNode, ParsedDocument } from './parse.ts';
import { MESSAGES } from './schema/index.ts';
import { str } from './records.ts';
import { cstIso } from '../platform/time.ts';

/** Customs' import and export unified systems, as DXP receivers. */
export const CUSTOMS_IMPORT_DXP_ID = 'DXPEDCCEB0000002';
export const CUSTOMS_EXPORT_DXP_ID = 'DXPEDCCEB0000003';

export interface Envelope {
  copMsgId: string;
  senderId: string;
  receiverIds: string[];
  createdAt: string;
  msgType: string;
  data: Buffer;
  fileName?: string;
}

export function buildDxpMsg(e: { copMsgId: string; senderId: string; receiverId: string; msgType: string; data: Uint8Array; createdAt?: Date; fileName?: string }): string {
  const body: CebNode = {
    ver: '1.0',
    TransInfo: {
      CopMsgId: e.copMsgId,
      SenderId: e.senderId,
      ReceiverIds: { ReceiverId: [e.receiverId] },
      CreatTime: cstIso(e.createdAt ?? new Date()),
      MsgType: e.msgType,
    },
    Data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64'),
  };
  if (e.fileName) body.AddInfo = { FileName: e.fileName };
  return buildDocument(MESSAGES.DxpMsg, body, { prefix: null });
}

/** Reads a parsed DxpMsg (or the DxpMsg inside a DxpMsgSv). */
export function openEnvelope(doc: ParsedDocument): Envelope {
  const msg = doc.root === 'DxpMsgSv' ? (doc.body.DxpMsg as CebNode) : doc.body;
  const ti = msg.TransInfo as CebNode;
  const ids = (ti.ReceiverIds as CebNode).ReceiverId;
  const add = msg.AddInfo as CebNode | undefined;
  return {
    copMsgId: str(ti.CopMsgId),
    senderId: str(ti.SenderId),
    receiverIds: (Array.isArray(ids) ? ids : [ids]).map((x) => str(x as string)),
    createdAt: str(ti.CreatTime),
    msgType: str(ti.MsgType),
    data: Buffer.from(str(msg.Data as string), 'base64'),
    fileName: add ? str(add.FileName) || undefined : undefined,
  };
}

export function isEnvelope(root: string): boolean {
  return root === 'DxpMsg' || root === 'DxpMsgSv';
}
