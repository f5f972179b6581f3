import { describe, expect, it } from 'vitest';
import type { AppError } from '../../platform/errors.ts';
import { BOM, csvField, csvLine, parseCsv, textField } from '../../platform/csv.ts';
import { parseRatesCsv, parseRatesJson } from './rates.parse.ts';
import { allocate, chinaDate, claimableOf, dateOfC17, formatQty, monthsBetween, parseQty, percentToBp, pickRate, refundOf, statusOf, type StatusInput } from './rules.ts';

const Q = 100_000; // micro-units in one unit

describe('refund of an entry', () => {
  it('is the invoice amount times the rate: 10,000.00 × 13 % = 1,300.00, within the VAT of 1,300.00', () => {
    expect(refundOf(1_000_000, 130_000, 1300)).toBe(130_000);
  });

  it('is capped at the invoice VAT: a 3 % invoice (VAT 300.00 on 10,000.00) refunds 300.00 at a 13 % rate', () => {
    expect(refundOf(1_000_000, 30_000, 1300)).toBe(30_000);
  });

  it('rounds half up to the fen: 0.50 × 9 % = 0.045 → 0.05; 0.49 × 9 % = 0.0441 → 0.04', () => {
    expect(refundOf(50, 7, 900)).toBe(5);
    expect(refundOf(49, 7, 900)).toBe(4);
  });

  it('is nothing at a 0 % rate (tea)', () => {
    expect(refundOf(2_345_600, 304_928, 0)).toBe(0);
  });

  it('stays exact beyond 2^53 in the product: 90 billion yuan × 13 %', () => {
    const amount = 9_000_000_000_000; // 90,000,000,000.00 yuan in fen
    expect(refundOf(amount, amount, 1300)).toBe(1_170_000_000_000);
  });
});

describe('claimable part of a 9810 refund', () => {
  it('follows the quantity sold: 3 of 7 units of a 1,000.00 refund → 428.57, the last 4 get the remainder 571.43', () => {
    const first = claimableOf('9810', 100_000, 3 * Q, 7 * Q);
    expect(first).toBe(42_857);
    const all = claimableOf('9810', 100_000, 7 * Q, 7 * Q);
    expect(all).toBe(100_000);
    expect(all - first).toBe(57_143);
  });

  it('rounds down before the last sale: 5 of 7 of 1,000.00 → 714.28 (714.2857…)', () => {
    expect(claimableOf('9810', 100_000, 5 * Q, 7 * Q)).toBe(71_428);
  });

  it('is nothing before any sale, and all of it for a 9710 export whatever is sold', () => {
    expect(claimableOf('9810', 100_000, 0, 7 * Q)).toBe(0);
    expect(claimableOf('9710', 100_000, 0, 7 * Q)).toBe(100_000);
  });
});

describe('status of an entry', () => {
  const base: StatusInput = { regime: 'refund', tradeMode: '9810', invoiceAmountFen: 0, refundableFen: 0, claimableFen: 0, claimedFen: 0, soldQty: 0, qty: 7 * Q };
  it('walks awaiting-invoice → awaiting-sale → claimable → claimed for 9810', () => {
    expect(statusOf({ ...base, regime: 'exempt', tradeMode: '9610' })).toBe('exempt');
    expect(statusOf(base)).toBe('awaiting-invoice');
    const invoiced = { ...base, invoiceAmountFen: 769_231, refundableFen: 100_000 };
    expect(statusOf(invoiced)).toBe('awaiting-sale');
    const sold = { ...invoiced, soldQty: 3 * Q, claimableFen: 42_857 };
    expect(statusOf(sold)).toBe('claimable');
    expect(statusOf({ ...sold, claimedFen: 42_857 })).toBe('awaiting-sale');
    expect(statusOf({ ...sold, soldQty: 7 * Q, claimableFen: 100_000, claimedFen: 100_000 })).toBe('claimed');
  });

  it('is no-refund when invoiced at a 0 % rate, claimable at once for 9710', () => {
    expect(statusOf({ ...base, tradeMode: '9710', invoiceAmountFen: 500_000 })).toBe('no-refund');
    expect(statusOf({ ...base, tradeMode: '9710', invoiceAmountFen: 500_000, refundableFen: 65_000, claimableFen: 65_000 })).toBe('claimable');
  });
});

describe('allocation of an invoice item over the inventory lines of a declaration item', () => {
  it('fills the lines in order up to their free quantity', () => {
    expect(allocate(5 * Q, [3 * Q, 4 * Q])).toEqual([3 * Q, 2 * Q]);
    expect(allocate(3 * Q, [0, 4 * Q])).toEqual([0, 3 * Q]);
  });
  it('refuses more than the lines have free', () => {
    expect(allocate(8 * Q, [3 * Q, 4 * Q])).toBeNull();
  });
});

describe('refund rate lookup', () => {
  const rows = [
    { hsPrefix: '6704', validFrom: '2018-11-01', rateBp: 1600 },
    { hsPrefix: '6704', validFrom: '2019-04-01', rateBp: 1300 },
    { hsPrefix: '670420', validFrom: '2024-01-01', rateBp: 900 },
  ];
  it('takes the longest prefix in force on the export date, its latest row', () => {
    expect(pickRate(rows, '6704200000', '2023-06-01')?.rateBp).toBe(1300);
    expect(pickRate(rows, '6704200000', '2024-02-01')?.rateBp).toBe(900);
    expect(pickRate(rows, '6704110000', '2024-02-01')?.rateBp).toBe(1300);
    expect(pickRate(rows, '6704200000', '2019-01-01')?.rateBp).toBe(1600);
  });
  it('finds none before the first row, or for another code', () => {
    expect(pickRate(rows, '6704200000', '2018-01-01')).toBeNull();
    expect(pickRate(rows, '0902109000', '2024-01-01')).toBeNull();
  });
});

describe('units and dates', () => {
  it('reads quantities with up to five decimals and writes them shortest', () => {
    expect(parseQty('2.5')).toBe(250_000);
    expect(parseQty('0.00001')).toBe(1);
    expect(parseQty('1.123456')).toBeNull();
    expect(parseQty('-1')).toBeNull();
    expect(formatQty(250_000)).toBe('2.5');
    expect(formatQty(700_000)).toBe('7');
    expect(formatQty(1)).toBe('0.00001');
  });
  it('reads percent with two decimals as basis points', () => {
    expect(percentToBp('13')).toBe(1300);
    expect(percentToBp('9.5')).toBe(950);
    expect(percentToBp('0')).toBe(0);
    expect(percentToBp('13.125')).toBeNull();
  });
  it('takes the export date from a C17 opDate, which is China time already', () => {
    expect(dateOfC17('20250131235959999')).toBe('2025-01-31');
    expect(dateOfC17('20250231000000000')).toBeNull();
    expect(dateOfC17('2025013123595999')).toBeNull();
  });
  it('counts months across a year end and tells the China date of an instant', () => {
    expect(monthsBetween('2024-11', '2025-02')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
    expect(chinaDate(Date.UTC(2025, 0, 31, 16, 30))).toBe('2025-02-01');
  });
});

describe('CSV', () => {
  it('quotes a field only when RFC 4180 requires it, and reads back what it wrote', () => {
    expect(csvField('假发 wig')).toBe('假发 wig');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('the "best" cap')).toBe('"the ""best"" cap"');
    expect(csvField(null)).toBe('');
    const fields = ['line\nbreak', 'comma, here', 'quote "q"', '', '13.00'];
    const parsed = parseCsv(BOM + csvLine(fields) + csvLine(['x']));
    expect(parsed).toEqual({ ok: true, records: [{ line: 1, fields }, { line: 3, fields: ['x'] }] });
  });
  it('reads LF endings, skips blank lines but counts them', () => {
    expect(parseCsv('a,b\n\nc,d\n')).toEqual({ ok: true, records: [{ line: 1, fields: ['a', 'b'] }, { line: 3, fields: ['c', 'd'] }] });
  });
  it('names the line of an unclosed quote', () => {
    expect(parseCsv('a,b\n"c,d\n')).toMatchObject({ ok: false, line: 2 });
  });
  it('makes formulas inert in free text', () => {
    expect(textField('=HYPERLINK("x")')).toBe('\'=HYPERLINK("x")');
    expect(textField('真人发假发')).toBe('真人发假发');
  });
});

describe('rate table import', () => {
  const issues = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as AppError).issues;
    }
    throw new Error('not refused');
  };

  it('reads a CSV in any column order', () => {
    expect(parseRatesCsv('rate,hs,validFrom\r\n13,6704,2019-04-01\r\n0,0902,2019-04-01\r\n')).toEqual([
      { hsPrefix: '6704', validFrom: '2019-04-01', rateBp: 1300 },
      { hsPrefix: '0902', validFrom: '2019-04-01', rateBp: 0 },
    ]);
  });

  it('names every bad line, field and rule', () => {
    const csv = 'hs,rate,validFrom\n6704,13,2019-04-01\n67,13,2019-04-01\n6505,0.13,2019-04-01\n9403,18,2019-02-30\n6704,9,2019-04-01\n';
    expect(issues(() => parseRatesCsv(csv)).map((i) => `${i.path} ${i.rule}`)).toEqual([
      'line 3.hs pattern',
      'line 4.rate percent',
      'line 5.rate range',
      'line 5.validFrom date',
      'line 6.hs unique',
    ]);
  });

  it('refuses an unknown header and an empty table', () => {
    expect(issues(() => parseRatesCsv('hs,rate,from\n6704,13,2019-04-01\n')).map((i) => i.rule)).toContain('column');
    expect(issues(() => parseRatesCsv('hs,rate,validFrom\n'))[0].rule).toBe('minRows');
    expect(issues(() => parseRatesJson([]))[0].rule).toBe('minRows');
  });

  it('reads JSON rows, numbered from 1, and refuses unknown fields', () => {
    expect(parseRatesJson([{ hs: '9405', rate: 13, validFrom: '2019-04-01' }, { hs: '9405', rate: '9.5', validFrom: '2025-01-01' }]).map((r) => r.rateBp)).toEqual([1300, 950]);
    expect(issues(() => parseRatesJson([{ hs: '9405', rate: 13, validFrom: '2019-04-01', note: 'x' }]))[0]).toMatchObject({ path: 'row 1.note', rule: 'additionalProperties' });
  });
});
