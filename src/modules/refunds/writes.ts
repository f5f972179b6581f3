/**
 * What the exporting enterprise does to its ledger: registers purchase VAT invoices against
 * declared items, reports 9810 sales from overseas stock, files claims. Each runs in one
 * transaction with its audit entry; a refusal lists every issue and changes nothing.
 */
import type { Kysely } from 'kysely';
import type { Issue } from '../../ceb/index.ts';
import { isUniqueViolation, type Database } from '../../db/index.ts';
import type { Caller } from '../../platform/access.ts';
import { AppError } from '../../platform/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import { fenToYuan, splitProRata } from '../tax/index.ts';
import { parseClaim, parseInvoice, parseSale, type ClaimInput, type InvoiceInput, type SaleInput } from './input.ts';
import type { EntryRow, RefundsRepository, SaleRow } from './refunds.repository.ts';
import { allocate, chinaDate as today, claimableOf, formatQty, pickRate, prefixesOf, refundOf, statusOf } from './rules.ts';
import { entryView, type EntryView } from './views.ts';
import { retryConflicts } from '../../platform/retry.ts';

export interface WriteContext {
  repo: RefundsRepository;
  audit: AuditLog;
  now: () => number;
}

const actorOf = (c: Caller) => `enterprise:${c.code}`;

/** 404 when something named is not found among the caller's entries, else 409; nothing when there are no issues. */
function refuse(missing: Issue[], conflicts: Issue[]): void {
  if (missing.length) throw new AppError('NOT_FOUND', 'Some items name no ledger entry of yours.', [...missing, ...conflicts]);
  if (conflicts.length) throw new AppError('CONFLICT', 'The ledger does not allow this.', conflicts);
}

/** The entry's amounts and status after its invoiced, sold or claimed figures changed. */
function settle(e: EntryRow, now: number): EntryRow {
  const refundable = e.rate_bp === null ? 0 : refundOf(e.invoice_amount_fen, e.invoice_tax_fen, e.rate_bp);
  const claimable = claimableOf(e.trade_mode, refundable, e.sold_qty, e.qty);
  const next = { ...e, refundable_fen: refundable, claimable_fen: claimable, updated_at: now };
  const status = statusOf({
    regime: e.regime,
    tradeMode: e.trade_mode,
    invoiceAmountFen: next.invoice_amount_fen,
    refundableFen: refundable,
    claimableFen: claimable,
    claimedFen: next.claimed_fen,
    soldQty: next.sold_qty,
    qty: next.qty,
  });
  return { ...next, status };
}

async function save(trx: Kysely<Database>, repo: RefundsRepository, e: EntryRow): Promise<void> {
  await repo.updateEntry(trx, e.id, {
    rate_bp: e.rate_bp,
    flags: e.flags,
    invoiced_qty: e.invoiced_qty,
    invoice_amount_fen: e.invoice_amount_fen,
    invoice_tax_fen: e.invoice_tax_fen,
    refundable_fen: e.refundable_fen,
    sold_qty: e.sold_qty,
    claimable_fen: e.claimable_fen,
    claimed_fen: e.claimed_fen,
    status: e.status,
    updated_at: e.updated_at,
  });
}

const dropFlag = (flags: string, flag: string) => flags.split(',').filter((f) => f && f !== flag).join(',');

export interface InvoiceResult {
  id: number;
  invoiceCode: string | null;
  invoiceNo: string;
  amount: string;
  taxAmount: string;
  parts: Array<{ item: number; ledgerId: number; qty: string; amount: string; tax: string }>;
  entries: EntryView[];
}

/**
 * The invoice's VAT is shared among its items by amount; an item naming a declaration item that
 * spans several inventory lines fills them in order up to their un-invoiced quantity, its
 * amount and VAT shared by the quantity each got. Each entry's refund is then recomputed.
 */
export async function registerInvoice(ctx: WriteContext, caller: Caller, body: InvoiceInput): Promise<InvoiceResult> {
  const now = ctx.now();
  const inv = parseInvoice(body, today(now));
  const { repo } = ctx;
  try {
    // Entries are locked in the order the invoice names them: two invoices naming the same ones in
    // another order can deadlock on PostgreSQL, which aborts one; it runs again.
    return await retryConflicts(() => repo.db.transaction().execute(async (trx) => {
      if (await repo.invoiceExists(trx, caller.id, inv.code, inv.no)) {
        const number = `${inv.code ? `${inv.code} ` : ''}${inv.no}`;
        throw new AppError('CONFLICT', `Invoice ${number} is already registered.`, [{ path: 'invoiceNo', rule: 'unique', expected: 'an invoice not registered before by your enterprise', actual: number }]);
      }
      const work = new Map<number, EntryRow>();
      const firstItem = new Map<number, number>();
      const parts: Array<{ line: number; ledger_id: number; qty: number; amount_fen: number; tax_fen: number }> = [];
      const missing: Issue[] = [];
      const conflicts: Issue[] = [];
      const itemTax = splitProRata(inv.taxFen, inv.items.map((i) => i.amountFen));
      for (const [i, item] of inv.items.entries()) {
        const at = `items[${i}]`;
        const named = item.gseqno !== undefined ? `item ${item.gseqno}` : `inventory ${item.invtNo} line ${item.gnum}`;
        const found = await repo.entriesOfItem(trx, caller.id, item);
        if (!found.length) {
          missing.push({ path: at, rule: 'exists', expected: 'an entry of your ledger', actual: `declaration ${item.declaration}, ${named}` });
          continue;
        }
        const exempt = found.find((r) => r.regime !== 'refund');
        if (exempt) {
          conflicts.push({ path: at, rule: 'regime', expected: 'an entry of the refund regime (9710 or 9810)', actual: `trade mode ${exempt.trade_mode}: exempt (无票免税)` });
          continue;
        }
        const rows = found.map((r) => work.get(r.id) ?? r);
        const alloc = allocate(item.qty, rows.map((r) => r.qty - r.invoiced_qty));
        if (!alloc) {
          const sum = (f: (r: EntryRow) => number) => formatQty(rows.reduce((a, r) => a + f(r), 0));
          conflicts.push({
            path: `${at}.qty`,
            rule: 'exported',
            expected: `at most ${sum((r) => r.qty - r.invoiced_qty)} (exported ${sum((r) => r.qty)}, invoiced before ${sum((r) => r.invoiced_qty)})`,
            actual: formatQty(item.qty),
          });
          continue;
        }
        const amounts = splitProRata(item.amountFen, alloc);
        const taxes = splitProRata(itemTax[i], alloc);
        rows.forEach((r, k) => {
          if (!alloc[k]) return;
          parts.push({ line: i, ledger_id: r.id, qty: alloc[k], amount_fen: amounts[k], tax_fen: taxes[k] });
          if (!firstItem.has(r.id)) firstItem.set(r.id, i);
          work.set(r.id, { ...r, invoiced_qty: r.invoiced_qty + alloc[k], invoice_amount_fen: r.invoice_amount_fen + amounts[k], invoice_tax_fen: r.invoice_tax_fen + taxes[k] });
        });
      }
      refuse(missing, conflicts);
      // An entry declared before its HS code had a rate takes the one in force on its export date now.
      const unrated = [...work.values()].filter((e) => e.rate_bp === null);
      const rates = await repo.ratesOf(trx, unrated.flatMap((e) => prefixesOf(e.gcode)));
      for (const e of unrated) {
        const rate = pickRate(rates, e.gcode, e.export_date);
        if (rate) work.set(e.id, { ...e, rate_bp: rate.rateBp, flags: dropFlag(e.flags, 'no-refund-rate') });
        else conflicts.push({ path: `items[${firstItem.get(e.id)}]`, rule: 'refund-rate', expected: `a refund rate for HS ${e.gcode} in force on ${e.export_date} (the operator maintains them)`, actual: 'none' });
      }
      refuse([], conflicts);
      const settled = [...work.values()].map((e) => settle(e, now));
      for (const e of settled) await save(trx, repo, e);
      const id = await repo.insertInvoice(
        trx,
        { enterprise_id: caller.id, invoice_code: inv.code, invoice_no: inv.no, invoice_date: inv.date, seller_tax_id: inv.sellerTaxId, seller_name: inv.sellerName, amount_fen: inv.amountFen, tax_fen: inv.taxFen, created_at: now },
        parts,
      );
      await ctx.audit.append(trx, [{
        actor: actorOf(caller),
        action: 'refund.invoice',
        subject: `refund-invoice:${id}`,
        enterpriseId: caller.id,
        detail: { invoiceCode: inv.code || null, invoiceNo: inv.no, sellerTaxId: inv.sellerTaxId, amountFen: inv.amountFen, taxFen: inv.taxFen, entries: settled.map((e) => e.id) },
        at: now,
      }]);
      return {
        id,
        invoiceCode: inv.code || null,
        invoiceNo: inv.no,
        amount: fenToYuan(inv.amountFen),
        taxAmount: fenToYuan(inv.taxFen),
        parts: parts.map((p) => ({ item: p.line, ledgerId: p.ledger_id, qty: formatQty(p.qty), amount: fenToYuan(p.amount_fen), tax: fenToYuan(p.tax_fen) })),
        entries: settled.map(entryView),
      };
    }));
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    throw new AppError('CONFLICT', `Invoice ${inv.no} is already registered.`, [{ path: 'invoiceNo', rule: 'unique', expected: 'an invoice not registered before by your enterprise', actual: inv.no }]);
  }
}

export interface SaleResult {
  /** false: the same sale was reported before; nothing changed. */
  created: boolean;
  sale: { id: number; ledgerId: number; orderNo: string; invtNo: string; gnum: number; qty: string; saleDate: string; amount: string | null; currency: string | null; claimableAdded: string };
  entry: EntryView;
}

const saleView = (s: SaleRow) => ({
  id: s.id,
  ledgerId: s.ledger_id,
  orderNo: s.order_no,
  invtNo: s.invt_no,
  gnum: s.gnum,
  qty: formatQty(s.qty),
  saleDate: s.sale_date,
  amount: s.amount,
  currency: s.currency,
  claimableAdded: fenToYuan(s.claimable_fen),
});

/** A sale from 9810 overseas stock: the entry's claimable part follows the quantity sold. Idempotent on (orderNo, invtNo, gnum). */
export async function reportSale(ctx: WriteContext, caller: Caller, body: SaleInput, retried = false): Promise<SaleResult> {
  const now = ctx.now();
  const sale = parseSale(body, today(now));
  const { repo } = ctx;
  try {
    return await repo.db.transaction().execute(async (trx) => {
      const line = sale.gnum !== undefined ? { gnum: sale.gnum } : { itemNo: sale.itemNo! };
      const lineName = sale.gnum !== undefined ? `line ${sale.gnum}` : `item ${sale.itemNo}`;
      const path = sale.gnum !== undefined ? 'gnum' : 'itemNo';
      const found = await repo.entriesOfInventory(trx, caller.id, sale.invtNo, line);
      if (!found.length) refuse([{ path, rule: 'exists', expected: 'an entry of your ledger', actual: `inventory ${sale.invtNo} ${lineName}` }], []);
      if (found.length > 1) {
        refuse([], [{ path, rule: 'ambiguous', expected: 'one ledger entry (name the line by gnum)', actual: `${found.length} entries: lines ${found.map((e) => e.gnum).join(', ')}` }]);
      }
      const e = found[0];
      if (e.trade_mode !== '9810') refuse([], [{ path: 'invtNo', rule: 'trade-mode', expected: 'an overseas-warehouse export (9810): only its refund follows sales', actual: e.trade_mode }]);
      const before = await repo.sale(trx, caller.id, sale.orderNo, sale.invtNo, e.gnum);
      if (before) {
        const differs = (
          [['qty', formatQty(before.qty), formatQty(sale.qty)], ['saleDate', before.sale_date, sale.saleDate], ['amount', before.amount, sale.amount], ['currency', before.currency, sale.currency]] as const
        ).filter(([, was, now]) => was !== now);
        if (differs.length) {
          refuse([], differs.map(([field, was, now]) => ({ path: field, rule: 'same-sale', expected: `${was ?? '(none)'}, as reported before for order ${sale.orderNo}`, actual: now ?? '(none)' })));
        }
        return { created: false, sale: saleView(before), entry: entryView(e) };
      }
      const conflicts: Issue[] = [];
      if (sale.saleDate < e.export_date) conflicts.push({ path: 'saleDate', rule: 'after-export', expected: `on or after the export date ${e.export_date}`, actual: sale.saleDate });
      if (e.sold_qty + sale.qty > e.qty) {
        conflicts.push({ path: 'qty', rule: 'exported', expected: `at most ${formatQty(e.qty - e.sold_qty)} (exported ${formatQty(e.qty)}, sold before ${formatQty(e.sold_qty)})`, actual: formatQty(sale.qty) });
      }
      refuse([], conflicts);
      const next = settle({ ...e, sold_qty: e.sold_qty + sale.qty }, now);
      const added = next.claimable_fen - e.claimable_fen;
      await save(trx, repo, next);
      const row: Omit<SaleRow, 'id'> = {
        enterprise_id: caller.id, ledger_id: e.id, order_no: sale.orderNo, invt_no: sale.invtNo, gnum: e.gnum, qty: sale.qty,
        sale_date: sale.saleDate, amount: sale.amount, currency: sale.currency, claimable_fen: added, created_at: now,
      };
      const id = await repo.insertSale(trx, row);
      await ctx.audit.append(trx, [{
        actor: actorOf(caller),
        action: 'refund.sale',
        subject: `refund-entry:${e.id}`,
        enterpriseId: caller.id,
        detail: { orderNo: sale.orderNo, invtNo: sale.invtNo, gnum: e.gnum, qty: formatQty(sale.qty), saleDate: sale.saleDate, claimableAddedFen: added },
        at: now,
      }]);
      return { created: true, sale: saleView({ ...row, id }), entry: entryView(next) };
    });
  } catch (err) {
    // A concurrent report of the same sale committed first: answer as a repeat.
    if (!retried && isUniqueViolation(err)) return reportSale(ctx, caller, body, true);
    throw err;
  }
}

export interface ClaimResult {
  id: number;
  period: string;
  amount: string;
  entries: Array<{ id: number; amount: string }>;
}

/** Marks the open (claimable, not yet claimed) amount of each entry as claimed (申报退税), all or none. */
export async function fileClaim(ctx: WriteContext, caller: Caller, body: ClaimInput): Promise<ClaimResult> {
  const now = ctx.now();
  const claim = parseClaim(body, today(now).slice(0, 7));
  const { repo } = ctx;
  return repo.db.transaction().execute(async (trx) => {
    const rows = await repo.entriesById(trx, claim.entries, true);
    const mine = new Map(rows.filter((r) => r.enterprise_id === caller.id).map((r) => [r.id, r]));
    const missing: Issue[] = [];
    const conflicts: Issue[] = [];
    claim.entries.forEach((id, i) => {
      const e = mine.get(id);
      if (!e) return missing.push({ path: `entries[${i}]`, rule: 'exists', expected: 'an entry of your ledger', actual: String(id) });
      if (e.claimable_fen <= e.claimed_fen) {
        conflicts.push({ path: `entries[${i}]`, rule: 'claimable', expected: 'an entry with an amount claimable and not claimed yet', actual: `${e.status}: claimable ${fenToYuan(e.claimable_fen)}, claimed ${fenToYuan(e.claimed_fen)}` });
      } else if (claim.period < e.month) {
        conflicts.push({ path: `entries[${i}]`, rule: 'period', expected: `a period not before the export month ${e.month}`, actual: claim.period });
      }
    });
    refuse(missing, conflicts);
    const items = claim.entries.map((id) => {
      const e = mine.get(id)!;
      return { entry: e, amount: e.claimable_fen - e.claimed_fen };
    });
    const total = items.reduce((a, i) => a + i.amount, 0);
    for (const { entry } of items) await save(trx, repo, settle({ ...entry, claimed_fen: entry.claimable_fen }, now));
    const id = await repo.insertClaim(trx, { enterprise_id: caller.id, period: claim.period, amount_fen: total, created_at: now }, items.map((i) => ({ ledger_id: i.entry.id, amount_fen: i.amount })));
    await ctx.audit.append(trx, [{
      actor: actorOf(caller),
      action: 'refund.claim',
      subject: `refund-claim:${id}`,
      enterpriseId: caller.id,
      detail: { period: claim.period, amountFen: total, entries: items.map((i) => ({ id: i.entry.id, amountFen: i.amount })) },
      at: now,
    }]);
    return { id, period: claim.period, amount: fenToYuan(total), entries: items.map((i) => ({ id: i.entry.id, amount: fenToYuan(i.amount) })) };
  });
}
