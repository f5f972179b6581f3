import { describe, expect, it } from 'vitest';
import { computeRetailImportTax, defaultRate, fenToYuan, splitProRata, yuanToFen, type TaxRate } from './index.ts';

const vatOnly = (): TaxRate => ({ vat: 0.13, consumption: 0, duty: 0 });
const cosmetics = (): TaxRate => ({ vat: 0.13, consumption: 0.15, duty: 0 });

function one(totalPrice: string, rateOf: (g: string) => TaxRate, extra: Partial<{ freight: string; insuredFee: string; singleItemOverLimit: boolean }> = {}) {
  return computeRetailImportTax({ lines: [{ gnum: 1, gcode: '3304990000', totalPrice }], freight: '0', insuredFee: '0', rateOf, ...extra });
}

describe('yuanToFen / fenToYuan', () => {
  it('parses decimals exactly', () => {
    expect(yuanToFen('1000')).toBe(100000);
    expect(yuanToFen('1000.00')).toBe(100000);
    expect(yuanToFen('12.3')).toBe(1230);
    expect(yuanToFen('.5')).toBe(50);
    expect(yuanToFen('0.1')).toBe(10);
    expect(yuanToFen(' 19050 ')).toBe(1905000);
    expect(yuanToFen('0.29')).toBe(29); // 0.29 * 100 = 28.999999999999996 in floats
  });

  it('rounds half up beyond the fen', () => {
    expect(yuanToFen('0.005')).toBe(1);
    expect(yuanToFen('0.00499')).toBe(0);
    expect(yuanToFen('12.345')).toBe(1235);
    expect(yuanToFen('12.34499')).toBe(1234);
    expect(yuanToFen('1.995')).toBe(200);
    expect(yuanToFen('-1.005')).toBe(-101);
  });

  it('refuses what is not a decimal', () => {
    for (const bad of ['', '.', 'abc', '1e3', '1,000.00', '1.2.3']) expect(() => yuanToFen(bad)).toThrow(/decimal/);
  });

  it('formats with two decimals', () => {
    expect(fenToYuan(9100)).toBe('91.00');
    expect(fenToYuan(5)).toBe('0.05');
    expect(fenToYuan(0)).toBe('0.00');
    expect(fenToYuan(-123)).toBe('-1.23');
    expect(fenToYuan(12353)).toBe('123.53');
  });
});

describe('defaultRate', () => {
  it('is VAT 13 % with 15 % consumption tax only for HS 3303/3304', () => {
    expect(defaultRate('8541401000')).toEqual({ vat: 0.13, consumption: 0, duty: 0 });
    expect(defaultRate('3303000000')).toEqual({ vat: 0.13, consumption: 0.15, duty: 0 });
    expect(defaultRate('3304990099')).toEqual({ vat: 0.13, consumption: 0.15, duty: 0 });
    expect(defaultRate('3305100000').consumption).toBe(0);
  });
});

describe('computeRetailImportTax — within limits (duty 0, 70 %)', () => {
  it('1,000.00 at VAT 13 % → VAT 91.00', () => {
    const r = one('1000.00', vatOnly);
    expect(r.lines[0]).toMatchObject({ dutiableFen: 100000, customsTaxFen: 0, vatFen: 9100, consumptionFen: 0 });
    expect(r.totals.totalFen).toBe(9100);
  });

  it('1,000.00 at VAT 13 % + consumption 15 % → CT 123.53, VAT 107.06', () => {
    const r = one('1000.00', cosmetics);
    expect(fenToYuan(r.lines[0].consumptionFen)).toBe('123.53');
    expect(fenToYuan(r.lines[0].vatFen)).toBe('107.06');
    expect(fenToYuan(r.totals.totalFen)).toBe('230.59');
  });

  it('410.00 VAT-only → 37.31 (the CEB816 mock)', () => {
    expect(fenToYuan(one('410.00', vatOnly).totals.vatFen)).toBe('37.31');
  });

  it('rounds each tax half up to the fen, decided exactly', () => {
    // 5.00 × 13 % × 70 % = 0.455 exactly → 0.46; 4.99 → 0.45409 → 0.45
    expect(one('5.00', vatOnly).lines[0].vatFen).toBe(46);
    expect(one('4.99', vatOnly).lines[0].vatFen).toBe(45);
    // 0.50 × 9.1 % = 0.0455 → 0.05; 0.49 → 0.04459 → 0.04
    expect(one('0.50', vatOnly).lines[0].vatFen).toBe(5);
    expect(one('0.49', vatOnly).lines[0].vatFen).toBe(4);
    // 8.50 / 0.85 × 15 % × 70 % = 1.05 exactly; 0.85 → 0.105 → 0.11 (half up, not banker's)
    expect(one('0.85', cosmetics).lines[0].consumptionFen).toBe(11);
  });

  it('adds freight and insurance pro rata by line value, exactly', () => {
    const r = computeRetailImportTax({
      lines: [
        { gnum: 1, gcode: '8541401000', totalPrice: '100' },
        { gnum: 2, gcode: '8541401000', totalPrice: '100' },
        { gnum: 3, gcode: '8541401000', totalPrice: '100' },
      ],
      freight: '10.00',
      insuredFee: '0.01',
      rateOf: defaultRate,
    });
    // 1001 fen over equal weights: 333 each + 2 leftover fen to the first lines.
    expect(r.lines.map((l) => l.dutiableFen)).toEqual([10334, 10334, 10333]);
    expect(r.totals.dutiableFen).toBe(30000 + 1001);
    expect(r.totals.vatFen).toBe(r.lines.reduce((a, l) => a + l.vatFen, 0));
  });

  it('uneven split still adds up', () => {
    const r = computeRetailImportTax({
      lines: [
        { gnum: 1, gcode: '8541401000', totalPrice: '20' },
        { gnum: 2, gcode: '3304990000', totalPrice: '12' },
        { gnum: 3, gcode: '8541401000', totalPrice: '0.07' },
      ],
      freight: '500',
      insuredFee: '200',
      rateOf: defaultRate,
    });
    const shares = r.lines.map((l, i) => l.dutiableFen - [2000, 1200, 7][i]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(70000);
    expect(r.lines[1].consumptionFen).toBeGreaterThan(0);
    expect(r.totals.totalFen).toBe(r.totals.vatFen + r.totals.consumptionFen);
  });
});

describe('computeRetailImportTax — single item over the limit (levied in full)', () => {
  it('duty, CT and VAT at full rates, each base on the rounded taxes before it', () => {
    const r = one('6000.00', () => ({ vat: 0.13, consumption: 0.15, duty: 0.1 }), { singleItemOverLimit: true });
    // duty 600.00; CT = 6600 / 0.85 × 15 % = 1164.705… → 1164.71; VAT = (6600 + 1164.71) × 13 % = 1009.4123 → 1009.41
    expect(r.lines[0]).toMatchObject({ customsTaxFen: 60000, consumptionFen: 116471, vatFen: 100941 });
    expect(r.totals.totalFen).toBe(60000 + 116471 + 100941);
  });

  it('VAT-only goods pay the full 13 %', () => {
    expect(one('5200.00', vatOnly, { singleItemOverLimit: true }).totals.vatFen).toBe(67600);
  });
});

describe('splitProRata', () => {
  it('always adds up and favours the largest remainders', () => {
    expect(splitProRata(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(splitProRata(10, [1, 2])).toEqual([3, 7]);
    expect(splitProRata(7, [0, 0])).toEqual([4, 3]);
    expect(splitProRata(0, [5, 5])).toEqual([0, 0]);
    expect(splitProRata(5, [])).toEqual([]);
    for (let amount = 0; amount < 200; amount += 7) {
      const parts = splitProRata(amount, [3, 17, 29, 0, 51]);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(amount);
    }
  });

  it('refuses rates outside [0, 1)', () => {
    expect(() => one('1', () => ({ vat: 1.3, consumption: 0, duty: 0 }))).toThrow(/VAT rate/);
  });
});
