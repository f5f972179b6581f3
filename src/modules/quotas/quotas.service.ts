/**
 * Personal limits of cross-border retail import (spec §5.2): 5,000 yuan per transaction, 26,000
 * yuan per buyer ID number and calendar year. A declaration reserves its amount inside the
 * caller's transaction, consumes it when released by customs (800) and gives it back on
 * rejection, cancel or return. The annual counter can never be overspent, whatever runs
 * concurrently: the only write that raises it is a conditional UPDATE (see the repository).
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { HoldState, QuotaHold, QuotasRepository } from './quotas.repository.ts';

/** 5,000.00 yuan: the single-transaction limit (customs -621005). */
export const QUOTA_SINGLE_LIMIT_FEN = 500_000;
/** 26,000.00 yuan: the annual limit per buyer ID number and calendar year (customs -621018). */
export const QUOTA_ANNUAL_LIMIT_FEN = 2_600_000;

export interface ReserveInput {
  declarationId: number;
  /** The buyer's (订购人) ID number; only its SHA-256 is stored. */
  idNumber: string;
  /** Calendar year the purchase counts in. */
  year: number;
  amountFen: number;
  /** A single indivisible item over 5,000 yuan: allowed (taxed in full) within the annual limit. */
  singleItemOverLimit?: boolean;
}

export type QuotaRefusalCode = '-621005' | '-621018';

export type ReserveResult = { ok: true; remainingFen: number } | { ok: false; code: QuotaRefusalCode; message: string; remainingFen: number };

export interface QuotaUsage {
  reservedFen: number;
  consumedFen: number;
  remainingFen: number;
}

/** What consume()/release() found and did: `changed` is false for a repeat or when nothing is held. */
export interface HoldChange {
  changed: boolean;
  /** The hold's state afterwards; null when the declaration never reserved anything. */
  state: HoldState | null;
}

/** SHA-256 (hex) of the normalised ID number: surrounding blanks trimmed, a final check letter x upper-cased. */
export function buyerKey(idNumber: string): string {
  const normalised = idNumber.trim().toUpperCase();
  if (!normalised) throw new TypeError('buyerKey: empty ID number');
  return crypto.createHash('sha256').update(normalised, 'utf8').digest('hex');
}

/** 120000 → "1200.00" */
function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

const remainingOf = (c: { reservedFen: number; consumedFen: number } | undefined) =>
  Math.max(0, QUOTA_ANNUAL_LIMIT_FEN - (c ? c.reservedFen + c.consumedFen : 0));

function assertInput(i: ReserveInput): void {
  if (!Number.isSafeInteger(i.declarationId) || i.declarationId <= 0) throw new RangeError(`reserve: bad declarationId ${i.declarationId}`);
  if (!Number.isSafeInteger(i.amountFen) || i.amountFen < 0) throw new RangeError(`reserve: amountFen must be a non-negative integer, got ${i.amountFen}`);
  if (!Number.isInteger(i.year) || i.year < 1900 || i.year > 9999) throw new RangeError(`reserve: bad year ${i.year}`);
}

const MAX_RACES = 5;

export class QuotasService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: QuotasRepository,
  ) {}

  /**
   * Reserves `amountFen` of the buyer's annual limit for a declaration, inside the caller's
   * transaction (it commits or rolls back with it). Idempotent per declaration: a declaration that
   * already holds a reservation (or has consumed it) gets ok again without counting twice; a
   * released one is reserved afresh. A refusal leaves nothing behind.
   */
  async reserve(trx: Kysely<Database>, input: ReserveInput): Promise<ReserveResult> {
    assertInput(input);
    const key = buyerKey(input.idNumber);
    const { declarationId, year, amountFen } = input;

    for (let attempt = 1; ; attempt++) {
      const existing = await this.repo.hold(trx, declarationId);
      if (existing && existing.state !== 'released') return this.okFor(trx, existing);

      if (amountFen > QUOTA_SINGLE_LIMIT_FEN && !input.singleItemOverLimit) {
        const remainingFen = remainingOf(await this.repo.counter(trx, key, year));
        return {
          ok: false,
          code: '-621005',
          remainingFen,
          message:
            `订购人单次交易金额 ${yuan(amountFen)} 元超过跨境电商零售进口单次交易限值 ${yuan(QUOTA_SINGLE_LIMIT_FEN)} 元，年度剩余额度 ${yuan(remainingFen)} 元 ` +
            `(single transaction limit exceeded: ${yuan(amountFen)} yuan over the ${yuan(QUOTA_SINGLE_LIMIT_FEN)} yuan limit; ${yuan(remainingFen)} yuan of the annual limit remaining)`,
        };
      }

      const now = Date.now();
      // Take the declaration first: a concurrent reserve of the same declaration waits here, then
      // sees the hold and answers ok without touching the counter.
      const claimed = await this.repo.claim(trx, { declarationId, buyerKey: key, year, amountFen }, now);
      if (!claimed) {
        if (attempt >= MAX_RACES) throw new Error(`reserve: declaration ${declarationId} keeps changing under a concurrent transaction`);
        continue; // someone else holds it now: read it again
      }

      await this.repo.ensureCounter(trx, key, year, now);
      if (await this.repo.addReserved(trx, key, year, amountFen, QUOTA_ANNUAL_LIMIT_FEN, now)) {
        return { ok: true, remainingFen: remainingOf(await this.repo.counter(trx, key, year)) };
      }

      await this.repo.unclaim(trx, declarationId, claimed === 'revived' ? existing : undefined, now);
      const remainingFen = remainingOf(await this.repo.counter(trx, key, year));
      return {
        ok: false,
        code: '-621018',
        remainingFen,
        message:
          `订购人年度跨境电商零售进口个人额度不足，剩余额度 ${yuan(remainingFen)} 元 ` +
          `(annual personal limit exceeded: ${yuan(remainingFen)} yuan remaining)`,
      };
    }
  }

  /** Customs released the declaration (800): its reservation becomes consumption. Idempotent. */
  consume(trx: Kysely<Database>, declarationId: number): Promise<HoldChange> {
    return this.move(trx, declarationId, 'consumed', ['reserved']);
  }

  /**
   * The declaration will not (or no longer) count: rejected, cancelled, or returned before or after
   * release. Gives back whatever it reserved or consumed. Idempotent.
   */
  release(trx: Kysely<Database>, declarationId: number): Promise<HoldChange> {
    return this.move(trx, declarationId, 'released', ['reserved', 'consumed']);
  }

  /** The buyer's counters for a year (read outside any transaction unless one is given). */
  async usage(idNumber: string, year: number, ex: Kysely<Database> = this.db): Promise<QuotaUsage> {
    const c = await this.repo.counter(ex, buyerKey(idNumber), year);
    return { reservedFen: c?.reservedFen ?? 0, consumedFen: c?.consumedFen ?? 0, remainingFen: remainingOf(c) };
  }

  /** The hold of a declaration, if it ever reserved (buyerKey, never the ID number). */
  hold(declarationId: number, ex: Kysely<Database> = this.db): Promise<QuotaHold | undefined> {
    return this.repo.hold(ex, declarationId);
  }

  private async okFor(trx: Kysely<Database>, h: QuotaHold): Promise<ReserveResult> {
    return { ok: true, remainingFen: remainingOf(await this.repo.counter(trx, h.buyerKey, h.year)) };
  }

  private async move(trx: Kysely<Database>, declarationId: number, to: HoldState, from: HoldState[]): Promise<HoldChange> {
    for (let attempt = 1; attempt <= MAX_RACES; attempt++) {
      const h = await this.repo.hold(trx, declarationId);
      if (!h) return { changed: false, state: null };
      if (!from.includes(h.state)) return { changed: false, state: h.state };
      const now = Date.now();
      // The hold's own conditional update decides between concurrent movers; only the winner shifts the counter.
      if (await this.repo.moveHold(trx, h, to, now)) {
        await this.repo.shift(trx, h, to, now);
        return { changed: true, state: to };
      }
    }
    throw new Error(`quota hold of declaration ${declarationId} keeps changing under a concurrent transaction`);
  }
}
