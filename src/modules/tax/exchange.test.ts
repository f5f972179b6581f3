import { describe, expect, it } from 'vitest';
import { toRmbFen } from './exchange.ts';

describe('toRmbFen (customs monthly rates, integer arithmetic, one rounding)', () => {
  it('converts worked examples exactly', () => {
    expect(toRmbFen('100', '142')).toBe(10_000); // RMB at rate 1
    expect(toRmbFen('703.50', '502')).toBe(499_963); // 703.50 × 7.1068 = 4,999.6338
    expect(toRmbFen('123.455', '502')).toBe(87_737); // 877.369994, rounded once (not 123.46 × 7.1068)
    expect(toRmbFen('0.005', '502')).toBe(4); // 0.035534 yuan
    expect(toRmbFen('1000', '116')).toBe(4_781); // 1,000 yen × 0.047812 = 47.812
    expect(toRmbFen('12.34567', '303', { '303': '9.0912' })).toBe(11_224); // 112.2378… with a table of one's own
  });

  it('answers null for a currency without a rate and refuses what is not an amount', () => {
    expect(toRmbFen('1', '999')).toBeNull();
    expect(() => toRmbFen('1.234567', '502')).toThrow(/at most 5 decimals/);
    expect(() => toRmbFen('abc', '502')).toThrow();
  });
});
