/**
 * What to fix, for the codes a refusal carries: the platform's (src/modules/clearance/codes.ts,
 * a test keeps this table complete), the signature codes, and customs' own rejection.
 */
import { defineMessages } from '../i18n/index.tsx';

export const codeHints = defineMessages(
  {
    '-301010': '该电商平台的订单号已申报且未被退单。修改已申报的订单请发送 appType=2（变更）；新订单请使用新的订单号。',
    '-301011': '该订单已有清单，不能再变更。如需更正，请先撤销清单（CEB623），待撤销审结后再变更订单。',
    '-401005': '平台尚未收到该支付单对应的订单：请先发送订单（CEB311），再发送支付单。',
    '-504010': '该物流企业的运单号六个月内已使用：请使用新的运单号，或以 appType=2 变更原运单。',
    '-621004': '该订单已有一票有效清单：等待原清单的结果，或先撤销原清单（CEB623）。',
    '-621005': '单次交易超过 5000 元限值：请拆分订单，或按一般贸易方式申报。',
    '-621018': '订购人本年度跨境电商零售进口额度（26000 元）不足：核对订购人证件号码与金额。',
    '-621901': '订单、支付单、运单未在期限内全部被海关入库（120）：补发缺失或未入库的单证后，重新申报清单。',
    '-621902': '关联的订单、支付单或运单已被海关退单：先更正并重新申报该单证，再重新申报清单。',
    '-621903': '三单比对不一致：按下表所列字段更正清单或订单、支付单、运单，使两边取值一致后重新申报。',
    '-621904': '商品编码不在跨境电商零售进口商品清单（正面清单）内：核对 HS 编码。',
    '-621905': '保税库存不足，或 1210 清单缺少账册编号 emsNo、料号 itemRecordNo：核对账册数据或先办理入库。',
    '-621906': '同一报文中另一票清单被拒，本票一并退回：更正被拒的清单后，整条报文重新申报。',
    '-303010': '出口订单号已申报且未被退单：变更请使用 appType=2，新订单请使用新的订单号。',
    '-303011': '该出口订单已有清单，不能再变更：请先撤销出口清单（CEB605）。',
    '-403005': '平台尚未收到收款单对应的出口订单：请先发送出口订单（CEB303）。',
    '-403010': '该收款单已申报：变更请使用 appType=2。',
    '-505010': '出口运单号已使用：请使用新的运单号，或以 appType=2 变更。',
    '-603004': '该出口订单已有一票有效清单：等待原清单结果，或先撤销（CEB605）。',
    '-605001': '撤销申请指向的出口清单不存在：核对清单编号 invtNo。',
    '-605002': '该出口清单当前状态不能撤销（已被退单或已退运）。',
    '-213001': '退货申请指向的出口清单不存在：核对清单编号 invtNo。',
    '-213002': '出口清单尚未放行，不能申请退货。',
    '-603901': '出口订单、收款单、运单未在期限内全部被海关入库：补发后重新申报清单。',
    '-603902': '关联的出口单证已被海关退单：先更正并重新申报该单证。',
    '-603903': '出口单证比对不一致：按下表所列字段更正后重新申报。',
    '-603905': '1210 出口清单缺少料号或账册库存不足：核对账册数据。',
    '-603906': '同一报文中另一票出口清单被拒，本票一并退回：更正后整条报文重新申报。',
    '-623001': '撤销申请指向的清单不存在：核对清单编号 invtNo。',
    '-623002': '该清单已被退单或已退运，不能撤销。',
    '-625001': '退货申请指向的清单不存在：核对清单编号 invtNo。',
    '-625002': '清单尚未放行，不能申请退货。',
    '-625003': '已超过放行后 30 天的退货期限。',
    '-625009': '退货数量超过该商品项的申报数量：核对各项 qty。',
    '-621028': '签名后报文内容被改动：不要在签名后修改或重新格式化报文，请重新签名后发送。',
    '-621029': '签名或证书校验失败：确认签名证书已登记到本企业、在有效期内且未吊销，然后重新签名。',
    '-2': '报文不符合海关格式：按回执说明更正所列字段后重新申报（使用新的 guid）。',
    '100': '海关退单：按回执说明更正后，以新的 guid 重新申报；被退单的订单号、企业内部编号可以再次使用。',
  },
  {
    '-301010': "The platform's orderNo is already declared and not rejected. To change that order send it with appType 2 (change); a new order needs a new orderNo.",
    '-301011': 'The order already has an inventory and cannot change. To correct it, cancel the inventory (CEB623) first, then change the order once the cancel is concluded.',
    '-401005': 'The platform has not seen the order of this payment: send the order (CEB311) first, then the payment.',
    '-504010': "The logistics company's logisticsNo was used in the last six months: use a new number, or change the waybill with appType 2.",
    '-621004': 'The order already has a live inventory: wait for its outcome, or cancel it first (CEB623).',
    '-621005': 'Over the 5,000 yuan per-transaction limit: split the order, or declare it as general trade.',
    '-621018': "The buyer's annual 26,000 yuan allowance is not enough: check the buyer's ID number and the amounts.",
    '-621901': 'The order, payment and waybill were not all taken in by customs (120) in time: send what is missing, then declare the inventory again.',
    '-621902': 'Customs rejected the order, payment or waybill: correct and declare that document again, then the inventory.',
    '-621903': 'The three documents do not match: correct the fields listed below on the inventory or on the order, payment or waybill so both sides agree, then declare again.',
    '-621904': 'An HS code is not on the positive list of retail imports: check the gcode.',
    '-621905': 'Bonded stock is short, or a 1210 inventory lacks emsNo or itemRecordNo: check the account book, or put the goods in first.',
    '-621906': 'Another inventory of the same message was refused and this one travels with it: correct that one and send the whole message again.',
    '-303010': 'The export orderNo is already declared and not rejected: change it with appType 2, or use a new orderNo for a new order.',
    '-303011': 'The export order already has an inventory: cancel the export inventory (CEB605) first.',
    '-403005': 'The platform has not seen the export order of this collection: send the export order (CEB303) first.',
    '-403010': 'This collection is already declared: change it with appType 2.',
    '-505010': 'The export logisticsNo is already used: use a new one, or change it with appType 2.',
    '-603004': 'The export order already has a live inventory: wait for its outcome, or cancel it (CEB605).',
    '-605001': 'The cancel names an export inventory that does not exist: check invtNo.',
    '-605002': 'The export inventory cannot be cancelled in its state (rejected or returned).',
    '-213001': 'The return names an export inventory that does not exist: check invtNo.',
    '-213002': 'The export inventory is not released yet: it cannot be returned.',
    '-603901': 'The export order, collection and waybill were not all taken in by customs in time: send what is missing, then declare again.',
    '-603902': 'Customs rejected a document of this export inventory: correct and declare that document again.',
    '-603903': 'The export documents do not match: correct the fields listed below and declare again.',
    '-603905': 'A 1210 export lacks itemRecordNo or the account book is short: check the account book.',
    '-603906': 'Another export inventory of the same message was refused and this one travels with it: correct that one and send the whole message again.',
    '-623001': 'The cancel names an inventory that does not exist: check invtNo.',
    '-623002': 'The inventory was rejected or returned: it cannot be cancelled.',
    '-625001': 'The return names an inventory that does not exist: check invtNo.',
    '-625002': 'The inventory is not released yet: it cannot be returned.',
    '-625003': 'More than 30 days have passed since release: too late for a return.',
    '-625009': 'A returned quantity is more than was declared on that line: check each qty.',
    '-621028': 'The message changed after it was signed: do not edit or reformat a signed message; sign it again and send it.',
    '-621029': 'The signature or certificate fails: check the certificate is registered to your enterprise, valid and not revoked, then sign again.',
    '-2': "The message does not follow customs' format: correct the fields the receipt names and declare again (with a new guid).",
    '100': 'Rejected by customs: correct what the receipt says and declare again with a new guid; a rejected orderNo or copNo may be used again.',
  },
);

export type HintCode = keyof (typeof codeHints)['zh-CN'];

/** The hint key for a returnStatus, or null when there is none. */
export function hintFor(code: string | null | undefined): HintCode | null {
  const c = (code ?? '').trim();
  return Object.hasOwn(codeHints['zh-CN'], c) ? (c as HintCode) : null;
}

/** A code quoted in a returnInfo (`[-621903] …`, `[Code:…]`), for receipts whose returnStatus is customs' generic one. */
export function codesIn(info: string | null | undefined): HintCode[] {
  const out = new Set<HintCode>();
  for (const m of (info ?? '').matchAll(/\[(-?\d{1,7})\]/g)) {
    const h = hintFor(m[1]);
    if (h) out.add(h);
  }
  return [...out];
}
