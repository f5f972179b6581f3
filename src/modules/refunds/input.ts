/**
 * The bodies of the ledger's write requests: their JSON schemas (shape, checked by Fastify) and
 * the rules a schema cannot say (sums, dates, either-or fields), checked here with every issue
 * named before anything is read or written.
 */
import type { Issue } from '../../ceb/index.ts';
import { AppError } from '../../platform/errors.ts';
import { usccIssues } from '../enterprises/index.ts';
import { yuanToFen } from '../tax/index.ts';
import { isDate, isMonth, parseQty } from './rules.ts';

const MONEY = '^\\d{1,13}(\\.\\d{1,2})?$';
const QTY = '^\\d{1,14}(\\.\\d{1,5})?$';
const money = { type: 'string', pattern: MONEY, description: 'Yuan, at most two decimals, e.g. "10000.00".' } as const;
const qty = { type: 'string', pattern: QTY, description: 'Decimal, at most five decimals, in the declared unit.' } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' } as const;

export const invoiceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['invoiceNo', 'invoiceDate', 'sellerTaxId', 'sellerName', 'amount', 'taxAmount', 'items'],
  properties: {
    invoiceCode: { type: 'string', pattern: '^(\\d{10}|\\d{12})$', description: '发票代码, 10 or 12 digits; absent for a 全电 invoice (20-digit number).' },
    invoiceNo: { type: 'string', pattern: '^(\\d{8}|\\d{20})$', description: '发票号码: 8 digits with a code, or the 20 digits of a 全电 invoice.' },
    invoiceDate: date,
    sellerTaxId: { type: 'string', minLength: 18, maxLength: 18, description: "The seller's unified social credit code (18 characters)." },
    sellerName: { type: 'string', minLength: 1, maxLength: 200 },
    amount: { ...money, description: '计税金额: the amount excluding VAT; the sum of the items\' amounts.' },
    taxAmount: { ...money, description: '税额: the VAT on the invoice.' },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['qty', 'amount'],
        properties: {
          entryId: { type: 'string', pattern: '^\\d{18}$', description: '报关单号 (or declSeqNo before customs assigns one).' },
          declSeqNo: { type: 'string', minLength: 1, maxLength: 18 },
          gseqno: { type: 'integer', minimum: 1, description: 'The declaration item (or invtNo + gnum for one inventory line).' },
          invtNo: { type: 'string', minLength: 1, maxLength: 20 },
          gnum: { type: 'integer', minimum: 1 },
          qty,
          amount: money,
        },
      },
    },
  },
} as const;

export const saleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['invtNo', 'qty', 'saleDate', 'orderNo'],
  properties: {
    invtNo: { type: 'string', minLength: 1, maxLength: 20 },
    gnum: { type: 'integer', minimum: 1, description: 'The inventory line (or itemNo).' },
    itemNo: { type: 'string', minLength: 1, maxLength: 20 },
    qty,
    saleDate: date,
    orderNo: { type: 'string', minLength: 1, maxLength: 60, description: "The overseas platform's order." },
    amount: { ...money, description: 'Sale amount, for the record (with currency).' },
    currency: { type: 'string', pattern: '^\\d{3}$', description: 'Customs currency code, e.g. 502.' },
  },
} as const;

export const claimBody = {
  type: 'object',
  additionalProperties: false,
  required: ['entries', 'period'],
  properties: {
    entries: { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: { type: 'integer', minimum: 1 }, description: 'Ledger entry ids.' },
    period: { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM: the period the refund is declared in (所属期).' },
  },
} as const;

export interface InvoiceItemInput {
  entryId?: string;
  declSeqNo?: string;
  gseqno?: number;
  invtNo?: string;
  gnum?: number;
  qty: string;
  amount: string;
}

export interface InvoiceInput {
  invoiceCode?: string;
  invoiceNo: string;
  invoiceDate: string;
  sellerTaxId: string;
  sellerName: string;
  amount: string;
  taxAmount: string;
  items: InvoiceItemInput[];
}

export interface InvoiceItem {
  declaration: string;
  gseqno?: number;
  invtNo?: string;
  gnum?: number;
  qty: number;
  amountFen: number;
}

export interface Invoice {
  code: string;
  no: string;
  date: string;
  sellerTaxId: string;
  sellerName: string;
  amountFen: number;
  taxFen: number;
  items: InvoiceItem[];
}

export interface SaleInput {
  invtNo: string;
  gnum?: number;
  itemNo?: string;
  qty: string;
  saleDate: string;
  orderNo: string;
  amount?: string;
  currency?: string;
}

export interface ClaimInput {
  entries: number[];
  period: string;
}

/** The highest VAT rate there has been (17 %): an invoice's VAT beyond it is a typing error. */
const MAX_VAT_BP = 1700n;

function refuse(issues: Issue[], what: string): void {
  if (issues.length) throw new AppError('INVALID_REQUEST', `The ${what} is not valid.`, issues);
}

/** Checks an invoice and converts it to fen and micro-units. `today`: YYYY-MM-DD in China. */
export function parseInvoice(b: InvoiceInput, today: string): Invoice {
  const issues: Issue[] = [];
  const add = (path: string, rule: string, expected: string, actual: string) => issues.push({ path, rule, expected, actual });
  if (b.invoiceNo.length === 20 && b.invoiceCode !== undefined) add('invoiceCode', 'absent', 'no invoiceCode with a 20-digit 全电 invoice number', b.invoiceCode);
  if (b.invoiceNo.length === 8 && b.invoiceCode === undefined) add('invoiceCode', 'required', 'the 10- or 12-digit invoice code of an 8-digit invoice number', '(missing)');
  if (!isDate(b.invoiceDate)) add('invoiceDate', 'date', 'a date YYYY-MM-DD', b.invoiceDate);
  else if (b.invoiceDate > today) add('invoiceDate', 'past', `a date not after today (${today}, China time)`, b.invoiceDate);
  issues.push(...usccIssues(b.sellerTaxId, 'sellerTaxId'));
  if (!b.sellerName.trim()) add('sellerName', 'required', 'the seller\'s name', JSON.stringify(b.sellerName));
  const amountFen = yuanToFen(b.amount);
  const taxFen = yuanToFen(b.taxAmount);
  if (amountFen <= 0) add('amount', 'positive', 'an amount above 0', b.amount);
  if (BigInt(taxFen) * 10_000n > BigInt(amountFen) * MAX_VAT_BP) add('taxAmount', 'rate', `at most 17 % of amount ${b.amount}`, b.taxAmount);
  let sum = 0;
  const items = b.items.map((it, i): InvoiceItem => {
    const at = `items[${i}]`;
    const declaration = it.entryId ?? it.declSeqNo ?? '';
    if ((it.entryId === undefined) === (it.declSeqNo === undefined)) add(at, 'declaration', 'exactly one of entryId and declSeqNo', it.entryId && it.declSeqNo ? 'both' : 'neither');
    const byLine = it.invtNo !== undefined || it.gnum !== undefined;
    if (it.gseqno !== undefined && byLine) add(at, 'item', 'gseqno, or invtNo with gnum, not both', 'both');
    else if (it.gseqno === undefined && (it.invtNo === undefined || it.gnum === undefined)) add(at, 'item', 'gseqno, or invtNo with gnum', 'neither complete');
    const q = parseQty(it.qty) ?? 0;
    if (q <= 0) add(`${at}.qty`, 'positive', 'a quantity above 0', it.qty);
    const fen = yuanToFen(it.amount);
    if (fen <= 0) add(`${at}.amount`, 'positive', 'an amount above 0', it.amount);
    sum += fen;
    return { declaration, gseqno: it.gseqno, invtNo: it.invtNo, gnum: it.gnum, qty: q, amountFen: fen };
  });
  if (sum !== amountFen) add('items', 'sum', `item amounts adding up to amount ${b.amount}`, (sum / 100).toFixed(2));
  refuse(issues, 'invoice');
  return { code: b.invoiceCode ?? '', no: b.invoiceNo, date: b.invoiceDate, sellerTaxId: b.sellerTaxId, sellerName: b.sellerName.trim(), amountFen, taxFen, items };
}

export interface Sale {
  invtNo: string;
  gnum?: number;
  itemNo?: string;
  qty: number;
  saleDate: string;
  orderNo: string;
  amount: string | null;
  currency: string | null;
}

export function parseSale(b: SaleInput, today: string): Sale {
  const issues: Issue[] = [];
  const add = (path: string, rule: string, expected: string, actual: string) => issues.push({ path, rule, expected, actual });
  if ((b.gnum === undefined) === (b.itemNo === undefined)) add('gnum', 'line', 'exactly one of gnum and itemNo', b.gnum !== undefined ? 'both' : 'neither');
  const q = parseQty(b.qty) ?? 0;
  if (q <= 0) add('qty', 'positive', 'a quantity above 0', b.qty);
  if (!isDate(b.saleDate)) add('saleDate', 'date', 'a date YYYY-MM-DD', b.saleDate);
  else if (b.saleDate > today) add('saleDate', 'past', `a date not after today (${today}, China time)`, b.saleDate);
  if ((b.amount === undefined) !== (b.currency === undefined)) add(b.amount === undefined ? 'amount' : 'currency', 'pair', 'amount and currency together, or neither', '(missing)');
  if (!b.orderNo.trim()) add('orderNo', 'required', 'the platform order number', JSON.stringify(b.orderNo));
  refuse(issues, 'sale');
  return { invtNo: b.invtNo, gnum: b.gnum, itemNo: b.itemNo, qty: q, saleDate: b.saleDate, orderNo: b.orderNo.trim(), amount: b.amount ?? null, currency: b.currency ?? null };
}

export function parseClaim(b: ClaimInput, thisMonth: string): ClaimInput {
  const issues: Issue[] = [];
  if (!isMonth(b.period)) issues.push({ path: 'period', rule: 'month', expected: 'a month YYYY-MM', actual: b.period });
  else if (b.period > thisMonth) issues.push({ path: 'period', rule: 'past', expected: `a month not after this one (${thisMonth}, China time)`, actual: b.period });
  refuse(issues, 'claim');
  return b;
}
