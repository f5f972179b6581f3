/**
 * Settling a message that clearance has looked at: reserving what its inventories take (quota,
 * bonded stock) all or nothing, or refusing it whole with a CEB900 naming every reason.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { MESSAGES, buildDocument, type CebNode } from '../../ceb/index.ts';
import type { Database } from '../../db/index.ts';
import type { DeclarationsService, DocumentRow } from '../declarations/index.ts';
import { cstTime17 } from '../../platform/time.ts';
import type { Assessment } from './assess.ts';
import type { ClearanceRepository, Wait } from './clearance.repository.ts';
import type { ClearancePorts } from './clearance.service.ts';
import { CODES } from './codes.ts';

type Refusal = Extract<Assessment, { kind: 'refused' }>;
const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
/** The head of an inventory or return record. */
export const headOf = (node: CebNode): CebNode => (node.InventoryHead ?? node.InvtRefundHead ?? node) as CebNode;

/** Quotas, then bonded stock, for every inventory of the message; on any refusal, give back what was taken. */
export async function reserve(trx: Kysely<Database>, waits: Wait[], results: Assessment[], ports: Pick<ClearancePorts, 'quotas' | 'stock'>, now: number): Promise<true | Refusal[]> {
  const failed: Refusal[] = [];
  const year = Number(cstTime17(new Date(now)).slice(0, 4));
  // Buyers in one fixed order: two messages sharing buyers then take their rows in the same order (no deadlock).
  const order = waits.map((_, i) => i).sort((a, b) => {
    const x = results[a].kind === 'matched' ? (results[a] as { buyerIdNumber: string }).buyerIdNumber : '';
    const y = results[b].kind === 'matched' ? (results[b] as { buyerIdNumber: string }).buyerIdNumber : '';
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  for (const i of order) {
    const r = results[i];
    if (r.kind === 'cleared' && r.stockLines.length) {
      const st = await ports.stock.reserve(trx, waits[i].declaration_id, r.stockLines);
      if (!st.ok) failed.push(stockShort(waits[i].declaration_id, CODES.exportStockShort, st.shortages));
      continue;
    }
    if (r.kind !== 'matched') continue;
    const q = await ports.quotas.reserve(trx, { declarationId: waits[i].declaration_id, idNumber: r.buyerIdNumber, year, amountFen: r.tax.totals.dutiableFen, singleItemOverLimit: r.singleItemOverLimit });
    if (!q.ok) {
      failed.push({ kind: 'refused', declarationId: waits[i].declaration_id, code: q.code, reasons: [q.message] });
      continue;
    }
    if (r.stockLines.length) {
      const st = await ports.stock.reserve(trx, waits[i].declaration_id, r.stockLines);
      if (!st.ok) failed.push(stockShort(waits[i].declaration_id, CODES.stockShort, st.shortages));
    }
  }
  if (!failed.length) return true;
  for (const w of waits) {
    await ports.quotas.release(trx, w.declaration_id);
    await ports.stock.release(trx, w.declaration_id);
  }
  return failed;
}

/**
 * Refuses the whole message: every failing inventory with its reasons, the others as held
 * back. The refusal reaches the enterprise like any receipt (feed, webhooks): a CEB900 with
 * the platform's code, for the message's CopMsgId.
 */
export async function refuse(
trx: Kysely<Database>,
messageId: number,
waits: Wait[],
records: DocumentRow[],
failed: Refusal[],
now: number,
deps: { declarations: DeclarationsService; repo: ClearanceRepository; ports: Pick<ClearancePorts, 'storeReceipts' | 'readReceipt'> },
): Promise<void> {
  const message = await deps.declarations.messageIn(trx, messageId);
  const reasons = new Map<number, string>();
  const lines: string[] = [];
  for (const f of failed) {
    const rec = records.find((r) => r.id === f.declarationId);
    const label = rec ? `清单[${s(headOf(JSON.parse(rec.fields) as CebNode).copNo) || rec.corr_key}]` : `清单#${f.declarationId}`;
    reasons.set(f.declarationId, JSON.stringify({ code: f.code, reasons: f.reasons, ...(f.issues?.length ? { issues: f.issues } : {}) }));
    lines.push(`${label} [${f.code}] ${f.reasons.join('；')}`);
  }
  await deps.repo.settle(trx, waits.map((w) => w.declaration_id), 'refused', reasons, now);
  // One code for the message: the failures' own when they agree.
  const exported = message!.messageType === 'CEB603Message';
  const code = failed.every((f) => f.code === failed[0].code) ? failed[0].code : exported ? CODES.exportMismatch : CODES.mismatch;
  const others = waits.length - failed.length;
  const info = `${lines.join('\n')}${others > 0 ? `\n[${exported ? CODES.exportHeldBack : CODES.heldBack}] 同一报文中其他${others}票清单一并退回 (${others} other inventories of this message are held back with it)` : ''}`;
  const xml = buildDocument(MESSAGES.CEB900Message, {
    guid: randomUUID(),
    version: '1.0',
    MessageReturn: {
      guid: randomUUID(),
      returnStatus: code,
      returnInfo: info.slice(0, 5000),
      returnTime: cstTime17(new Date(now)),
      oriCopMsgId: message!.copMsgId,
      oriMessageType: message!.messageType,
      oriBizMessage: '',
    },
  }, { prefix: null });
  await deps.ports.storeReceipts(trx, [deps.ports.readReceipt(Buffer.from(xml))], now);
  await deps.declarations.setMessageStatus(trx, messageId, 'refused', now);
}

function stockShort(declarationId: number, code: string, shortages: Array<{ emsNo: string; itemRecordNo: string; requested: string; available: string }>): Refusal {
  return {
    kind: 'refused',
    declarationId,
    code,
    reasons: shortages.map((x) => `保税库存不足: 账册[${x.emsNo}]料号[${x.itemRecordNo}]申报${x.requested}，可用${x.available} (bonded stock short: ${x.emsNo}/${x.itemRecordNo} requested ${x.requested}, available ${x.available})`),
  };
}
