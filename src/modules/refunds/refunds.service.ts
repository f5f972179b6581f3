/**
 * The export tax-refund ledger: refund rates (operator), declarations entering the ledger (from
 * the summaries module, in its transaction), purchase invoices, 9810 sales and claims (the
 * exporting enterprise, see writes.ts), and the ledger as JSON, CSV and monthly totals.
 */
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { Caller } from '../../platform/access.ts';
import type { AuditLog } from '../audit/index.ts';
import { fenToYuan, toRmbFen, yuanToFen } from '../tax/index.ts';
import { parseRatesCsv } from './rates.parse.ts';
import type { EntryRow, LedgerFilter, NewEntry, RefundsRepository } from './refunds.repository.ts';
import { bpToPercent, dateOfC17, monthsBetween, parseQty, pickRate, prefixesOf, regimeOf, statusOf, type RateRowLike } from './rules.ts';
import { ledgerCsv } from './views.ts';
import { fileClaim, registerInvoice, reportSale, type WriteContext } from './writes.ts';
import type { ClaimInput, InvoiceInput, SaleInput } from './input.ts';
import { cstDate } from '../../platform/time.ts';

/** An inventory line of a summary declaration, as customs' result (CEB792) and the inventory give it. */
export interface DeclaredItem {
  invtNo: string;
  gnum: number;
  gseqno: number;
  gcode: string;
  gname: string;
  itemNo: string;
  qty: string;
  unit: string;
  currency: string;
  totalPrice: string;
  tradeMode: '9610' | '1210' | '9710' | '9810';
  country: string;
}

/** A summary declaration customs has made (CEB792), for the exporting enterprise. */
export interface DeclarationResult {
  enterpriseId: number;
  ebcCode: string;
  customsCode: string;
  sumNo: string;
  declSeqNo: string;
  entryId: string | null;
  /** C17 yyyyMMddHHmmssSSS, China time. */
  opDate: string;
  items: DeclaredItem[];
}

export interface RateView {
  hs: string;
  rate: number;
  validFrom: string;
}

export interface MonthTotalsView {
  month: string;
  entries: number;
  exemptEntries: number;
  refundEntries: number;
  exemptFobRmb: string;
  refundFobRmb: string;
  /** Entries whose currency had no exchange rate: their FOB is missing from the RMB sums. */
  fobRmbMissing: number;
  refundable: string;
  claimable: string;
  claimed: string;
}

const DEFAULT_RATES = new URL('./data/default-refund-rates.csv', import.meta.url);
const CSV_PAGE = 1000;
export const MAX_TOTAL_MONTHS = 120;

export class RefundsService {
  private readonly ctx: WriteContext;

  constructor(
    private readonly repo: RefundsRepository,
    private readonly audit: AuditLog,
    private readonly now: () => number = Date.now,
  ) {
    this.ctx = { repo, audit, now };
  }

  // --- rates --------------------------------------------------------------------------------------

  /** Loads the shipped table when the rate table is empty (first start); true when it did. */
  async ensureDefaultRates(): Promise<boolean> {
    if ((await this.repo.rateCount()) > 0) return false;
    const rows = parseRatesCsv(fs.readFileSync(DEFAULT_RATES, 'utf8'));
    await this.repo.db.transaction().execute(async (trx) => {
      if ((await this.repo.rateCount(trx)) > 0) return;
      await this.repo.writeRates(trx, rows, this.now(), false);
      await this.audit.append(trx, [{ actor: 'system', action: 'config.refund_rates', subject: 'refunds:rates', detail: { seeded: true, rows: rows.length } }]);
    });
    return true;
  }

  async listRates(): Promise<{ count: number; updatedAt: string | null; items: RateView[] }> {
    const rows = await this.repo.rates();
    const latest = rows.reduce((m, r) => Math.max(m, r.updatedAt), 0);
    return { count: rows.length, updatedAt: latest ? new Date(latest).toISOString() : null, items: rows.map((r) => ({ hs: r.hsPrefix, rate: bpToPercent(r.rateBp), validFrom: r.validFrom })) };
  }

  /** The table becomes exactly `rows`, in one transaction with its audit entry. Entries already in the ledger keep their rate. */
  async replaceRates(rows: RateRowLike[], actor: string): Promise<{ rows: number; before: number; total: number }> {
    return this.repo.db.transaction().execute(async (trx) => {
      const before = await this.repo.rateCount(trx);
      await this.repo.writeRates(trx, rows, this.now(), true);
      const total = await this.repo.rateCount(trx);
      await this.audit.append(trx, [{ actor, action: 'config.refund_rates', subject: 'refunds:rates', detail: { rows: rows.length, before, total } }]);
      return { rows: rows.length, before, total };
    });
  }

  // --- declarations -------------------------------------------------------------------------------

  /**
   * A summary declaration's items enter the ledger, inside the caller's transaction. Idempotent on
   * (declSeqNo, invtNo, gnum): a repeated result changes nothing, except that an entry declared
   * before customs assigned the entryId gains it. The refund rate is the one in force on the
   * export date, kept on the entry.
   */
  async declared(trx: Kysely<Database>, result: DeclarationResult, now: number): Promise<void> {
    // A result whose opDate is not a time (the XSD checks only its length) must not stop the
    // receipts it came with: the entry takes the day it arrived, flagged.
    const opDate = dateOfC17(result.opDate);
    const date = opDate ?? cstDate(new Date(now)).replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
    const refundCodes = result.items.filter((i) => regimeOf(i.tradeMode) === 'refund').flatMap((i) => prefixesOf(i.gcode));
    const rates = await this.repo.ratesOf(trx, refundCodes);
    const rows = result.items.map((it): NewEntry => {
      const regime = regimeOf(it.tradeMode);
      const qty = parseQty(it.qty);
      if (qty === null) throw new Error(`refunds: qty "${it.qty}" of ${it.invtNo}/${it.gnum} is not a quantity`);
      const fobRmb = toRmbFen(it.totalPrice, it.currency);
      const rate = regime === 'refund' ? (pickRate(rates, it.gcode, date)?.rateBp ?? null) : null;
      const flags = [fobRmb === null ? 'no-exchange-rate' : '', regime === 'refund' && rate === null ? 'no-refund-rate' : '', opDate ? '' : 'bad-op-date'].filter(Boolean);
      const status = statusOf({ regime, tradeMode: it.tradeMode, invoiceAmountFen: 0, refundableFen: 0, claimableFen: 0, claimedFen: 0, soldQty: 0, qty });
      return {
        enterprise_id: result.enterpriseId,
        ebc_code: result.ebcCode,
        customs_code: result.customsCode,
        sum_no: result.sumNo,
        decl_seq_no: result.declSeqNo,
        entry_id: result.entryId,
        op_date: result.opDate,
        export_date: date,
        month: date.slice(0, 7),
        invt_no: it.invtNo,
        gnum: it.gnum,
        gseqno: it.gseqno,
        gcode: it.gcode,
        gname: it.gname,
        item_no: it.itemNo,
        qty,
        unit: it.unit,
        currency: it.currency,
        fob_fen: yuanToFen(it.totalPrice),
        fob_rmb_fen: fobRmb,
        trade_mode: it.tradeMode,
        country: it.country,
        regime,
        rate_bp: rate,
        status,
        flags: flags.join(','),
        created_at: now,
        updated_at: now,
      };
    });
    await this.repo.upsertEntries(trx, rows);
  }

  // --- the exporting enterprise's changes ---------------------------------------------------------

  registerInvoice(caller: Caller, body: InvoiceInput) {
    return registerInvoice(this.ctx, caller, body);
  }

  reportSale(caller: Caller, body: SaleInput) {
    return reportSale(this.ctx, caller, body);
  }

  fileClaim(caller: Caller, body: ClaimInput) {
    return fileClaim(this.ctx, caller, body);
  }

  // --- reading ------------------------------------------------------------------------------------

  ledger(filter: LedgerFilter, after: number, limit: number): Promise<EntryRow[]> {
    return this.repo.ledger(filter, after, limit);
  }

  /** The month's entries as the tax bureau's CSV. */
  async ledgerCsv(enterpriseIds: number[] | null, month: string): Promise<string> {
    const all: EntryRow[] = [];
    for (let after = 0; ; ) {
      const page = await this.repo.ledger({ enterpriseIds, month }, after, CSV_PAGE);
      all.push(...page);
      if (page.length < CSV_PAGE) break;
      after = page[page.length - 1].id;
    }
    return ledgerCsv(all);
  }

  /** Every month from `from` to `to`, months without entries included (zeros). */
  async totals(enterpriseIds: number[] | null, from: string, to: string): Promise<MonthTotalsView[]> {
    const rows = await this.repo.totals(enterpriseIds, from, to);
    return monthsBetween(from, to).map((month) => {
      const of = (regime: string) => rows.find((r) => r.month === month && r.regime === regime);
      const ex = of('exempt');
      const re = of('refund');
      const sum = (k: 'refundableFen' | 'claimableFen' | 'claimedFen') => (ex?.[k] ?? 0) + (re?.[k] ?? 0);
      return {
        month,
        entries: (ex?.entries ?? 0) + (re?.entries ?? 0),
        exemptEntries: ex?.entries ?? 0,
        refundEntries: re?.entries ?? 0,
        exemptFobRmb: fenToYuan(ex?.fobRmbFen ?? 0),
        refundFobRmb: fenToYuan(re?.fobRmbFen ?? 0),
        fobRmbMissing: (ex?.fobRmbMissing ?? 0) + (re?.fobRmbMissing ?? 0),
        refundable: fenToYuan(sum('refundableFen')),
        claimable: fenToYuan(sum('claimableFen')),
        claimed: fenToYuan(sum('claimedFen')),
      };
    });
  }
}
