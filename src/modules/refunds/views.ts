/**
 * How the ledger is shown: JSON entries (amounts as yuan strings with two decimals, computed
 * from integer fen) and the CSV for the tax bureau (UTF-8 with BOM, bilingual header, one row
 * per entry, RFC 4180 quoting).
 */
import { fenToYuan } from '../tax/index.ts';
import { BOM, csvLine, textField } from '../../platform/csv.ts';
import type { EntryRow } from './refunds.repository.ts';
import { bpToPercent, formatQty, type EntryStatus } from './rules.ts';

const yuan = (fen: number | null) => (fen === null ? null : fenToYuan(fen));

export interface EntryView {
  id: number;
  enterpriseId: number;
  ebcCode: string;
  customsCode: string;
  sumNo: string;
  declSeqNo: string;
  entryId: string | null;
  opDate: string;
  month: string;
  invtNo: string;
  gnum: number;
  gseqno: number;
  gcode: string;
  gname: string;
  itemNo: string;
  qty: string;
  unit: string;
  currency: string;
  tradeMode: string;
  country: string;
  fob: string;
  fobRmb: string | null;
  regime: string;
  rate: number | null;
  invoicedQty: string;
  invoiceAmount: string;
  invoiceTax: string;
  refundable: string;
  soldQty: string;
  claimable: string;
  claimed: string;
  /** claimable − claimed: what a claim would take now. */
  open: string;
  status: string;
  flags: string[];
  updatedAt: string;
}

export function entryView(e: EntryRow): EntryView {
  return {
    id: e.id,
    enterpriseId: e.enterprise_id,
    ebcCode: e.ebc_code,
    customsCode: e.customs_code,
    sumNo: e.sum_no,
    declSeqNo: e.decl_seq_no,
    entryId: e.entry_id,
    opDate: e.op_date,
    month: e.month,
    invtNo: e.invt_no,
    gnum: e.gnum,
    gseqno: e.gseqno,
    gcode: e.gcode,
    gname: e.gname,
    itemNo: e.item_no,
    qty: formatQty(e.qty),
    unit: e.unit,
    currency: e.currency,
    tradeMode: e.trade_mode,
    country: e.country,
    fob: fenToYuan(e.fob_fen),
    fobRmb: yuan(e.fob_rmb_fen),
    regime: e.regime,
    rate: e.rate_bp === null ? null : bpToPercent(e.rate_bp),
    invoicedQty: formatQty(e.invoiced_qty),
    invoiceAmount: fenToYuan(e.invoice_amount_fen),
    invoiceTax: fenToYuan(e.invoice_tax_fen),
    refundable: fenToYuan(e.refundable_fen),
    soldQty: formatQty(e.sold_qty),
    claimable: fenToYuan(e.claimable_fen),
    claimed: fenToYuan(e.claimed_fen),
    open: fenToYuan(e.claimable_fen - e.claimed_fen),
    status: e.status,
    flags: e.flags ? e.flags.split(',') : [],
    updatedAt: new Date(e.updated_at).toISOString(),
  };
}

/** The entry's status as the tax bureau reads it. */
export const STATUS_ZH: Record<EntryStatus, string> = {
  exempt: '免税',
  'awaiting-invoice': '待收进货发票',
  'awaiting-sale': '待海外仓销售',
  claimable: '可申报退税',
  claimed: '已申报退税',
  'no-refund': '零退税率',
};

const REGIME_ZH: Record<string, string> = { exempt: '免税', refund: '退税' };

/** The CSV columns: bilingual header, and the value of each for an entry. */
const COLUMNS: Array<[string, (e: EntryRow) => string | number | null]> = [
  ['报关单号 entryId', (e) => e.entry_id],
  ['汇总统一编号 declSeqNo', (e) => e.decl_seq_no],
  ['报关单商品项号 gseqno', (e) => e.gseqno],
  ['汇总申请编号 sumNo', (e) => e.sum_no],
  ['出口日期 exportDate', (e) => e.export_date],
  ['所属月份 month', (e) => e.month],
  ['电商企业代码 ebcCode', (e) => e.ebc_code],
  ['贸易方式 tradeMode', (e) => e.trade_mode],
  ['清单编号 invtNo', (e) => e.invt_no],
  ['清单商品序号 gnum', (e) => e.gnum],
  ['商品编码 HS', (e) => e.gcode],
  ['商品名称 name', (e) => textField(e.gname)],
  ['数量 qty', (e) => formatQty(e.qty)],
  ['单位 unit', (e) => textField(e.unit)],
  ['币制 currency', (e) => e.currency],
  ['离岸价 FOB', (e) => fenToYuan(e.fob_fen)],
  ['离岸价人民币 FOB RMB', (e) => yuan(e.fob_rmb_fen)],
  ['征退税方式 regime', (e) => REGIME_ZH[e.regime] ?? e.regime],
  ['退税率% rate', (e) => (e.rate_bp === null ? null : `${Math.floor(e.rate_bp / 100)}.${String(e.rate_bp % 100).padStart(2, '0')}`)],
  ['发票计税金额 invoice amount', (e) => fenToYuan(e.invoice_amount_fen)],
  ['发票税额 invoice VAT', (e) => fenToYuan(e.invoice_tax_fen)],
  ['应退税额 refundable', (e) => fenToYuan(e.refundable_fen)],
  ['可申报退税额 claimable', (e) => fenToYuan(e.claimable_fen)],
  ['已申报退税额 claimed', (e) => fenToYuan(e.claimed_fen)],
  ['状态 status', (e) => STATUS_ZH[e.status as EntryStatus] ?? e.status],
];

export const LEDGER_CSV_HEADER = COLUMNS.map(([h]) => h);

/** Rows by declaration (entryId, those without one first by declSeqNo), item and inventory line. */
function byDeclaration(a: EntryRow, b: EntryRow): number {
  const ka = [a.entry_id ?? '', a.decl_seq_no];
  const kb = [b.entry_id ?? '', b.decl_seq_no];
  for (let i = 0; i < 2; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return a.gseqno - b.gseqno || (a.invt_no < b.invt_no ? -1 : a.invt_no > b.invt_no ? 1 : 0) || a.gnum - b.gnum || a.id - b.id;
}

export function ledgerCsv(entries: EntryRow[]): string {
  const rows = [...entries].sort(byDeclaration);
  return BOM + csvLine(LEDGER_CSV_HEADER) + rows.map((e) => csvLine(COLUMNS.map(([, get]) => get(e)))).join('');
}
