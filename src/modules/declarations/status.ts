/**
 * The lifecycle of one declaration record, driven by customs' returnStatus codes (spec §4).
 * Monotonic: a late or repeated receipt never moves a record back, and final states stay final.
 */
export type RecordStatus =
  | 'awaiting-documents' // an inventory held until its order, payment and waybill are in customs
  | 'matched' // 三单比对 passed, quota and stock reserved, queued to customs
  | 'accepted' // stored by the platform, queued to customs
  | 'forwarded' // handed to the customs transport
  | 'staged' // 1 电子口岸已暂存
  | 'declaring' // 2 电子口岸申报中
  | 'sent' // 3 发送海关成功
  | 'send-failed' // 4 发送海关失败
  | 'customs-accepted' // 120 海关入库 (逻辑校验通过)
  | 'manual-review' // 300 人工审核
  | 'inspection' // 500 查验
  | 'detained' // 501–599 扣留
  | 'concluded' // 399 海关审结 (cancel/return approved)
  | 'released' // 800 放行
  | 'closed' // 899 结关
  | 'returned' // 700 退运
  | 'rejected'; // 100 海关退单, or a negative processing error

const RANK: Record<RecordStatus, number> = {
  'awaiting-documents': 0,
  matched: 0,
  accepted: 0,
  forwarded: 1,
  staged: 2,
  declaring: 3,
  sent: 4,
  'send-failed': 4,
  'customs-accepted': 5,
  'manual-review': 6,
  inspection: 6,
  detained: 7,
  concluded: 8,
  released: 9,
  closed: 10,
  returned: 10,
  rejected: 10,
};

export const RECORD_STATUSES = Object.keys(RANK) as RecordStatus[];

// 399 (海关审结) concludes a cancel or a return, but may come before 800 for an inventory and after
// 120 for an order: it is not final, and 800/899 still move a record on.
const FINAL = new Set<RecordStatus>(['closed', 'returned', 'rejected']);

export function statusFromReturn(returnStatus: string): RecordStatus | null {
  const n = Number(returnStatus.trim());
  if (!Number.isInteger(n)) return null;
  if (n < 0) return 'rejected';
  switch (n) {
    case 1: return 'staged';
    case 2: return 'declaring';
    case 3: return 'sent';
    case 4: return 'send-failed';
    case 100: return 'rejected';
    case 120: return 'customs-accepted';
    case 300: return 'manual-review';
    case 399: return 'concluded';
    case 500: return 'inspection';
    case 700: return 'returned';
    case 800: return 'released';
    case 899: return 'closed';
    default: return n > 500 && n < 600 ? 'detained' : null;
  }
}

/** The status after a receipt, or null when the receipt must not move the record. */
export function advance(current: RecordStatus, next: RecordStatus): RecordStatus | null {
  if (FINAL.has(current)) return null;
  // Customs can turn a declaration down until it releases it, not after.
  if (next === 'rejected') return RANK[current] < RANK.released ? next : null;
  return RANK[next] > RANK[current] || (RANK[next] === RANK[current] && next !== current) ? next : null;
}
