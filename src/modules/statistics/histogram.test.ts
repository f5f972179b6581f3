import { describe, expect, it } from 'vitest';
import { boundsOf, bucketOf, percentile, representative, summarize, STEPS } from './histogram.ts';
import { rejectionReason } from './facts.ts';

/** Exact nearest-rank quantile of a list. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

function histogramOf(values: number[]): Map<number, number> {
  const h = new Map<number, number>();
  for (const v of values) h.set(bucketOf(v), (h.get(bucketOf(v)) ?? 0) + 1);
  return h;
}

describe('latency histogram', () => {
  it('puts each value in the bucket whose bounds hold it', () => {
    for (const v of [0, 0.4, 1, 1.5, 2, 3, 7, 8, 100, 999, 1000, 1024, 65_000, 3_600_000]) {
      const [low, high] = boundsOf(bucketOf(v));
      expect(v >= low && v < high, `${v} in [${low}, ${high})`).toBe(true);
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(1);
    expect(bucketOf(2)).toBe(STEPS + 1);
  });

  it('reads percentiles within the stated error of the exact nearest-rank value', () => {
    // A deterministic spread of latencies from 1 ms to about 30 s.
    const values: number[] = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      values.push(Math.round(Math.exp((x / 2 ** 31) * Math.log(30_000))));
    }
    const h = histogramOf(values);
    for (const q of [0.5, 0.9, 0.99, 1]) {
      const got = percentile(h, q)!;
      const want = exact(values, q);
      // ±4.4 % of the bucket's geometric middle, plus the rounding to whole ms.
      expect(Math.abs(got - want), `q=${q}: ${got} vs ${want}`).toBeLessThanOrEqual(want * (2 ** (1 / (2 * STEPS)) - 1) + 0.5);
    }
  });

  it('orders p50 ≤ p99, answers null when empty, and counts', () => {
    expect(summarize(new Map())).toEqual({ p50Ms: null, p99Ms: null, count: 0 });
    const h = histogramOf([5, 5, 5, 5, 5, 5, 5, 5, 5, 5000]);
    const s = summarize(h);
    expect(s.count).toBe(10);
    expect(s.p50Ms).toBe(Math.round(representative(bucketOf(5))));
    // Ten values: the 99th percentile is the largest.
    expect(s.p99Ms).toBe(Math.round(representative(bucketOf(5000))));
    expect(s.p50Ms!).toBeLessThanOrEqual(s.p99Ms!);
  });
});

describe('rejection reasons', () => {
  it("keys a customs refusal by its status and Desc, a processing error by its code, the platform's by the reason after the code", () => {
    expect(rejectionReason('100', '[Code:1300;Desc:订购人身份信息校验不通过]')).toBe('100|订购人身份信息校验不通过');
    expect(rejectionReason('-301010', '订单报文处理失败，订单号已存在')).toBe('-301010|订单报文处理失败');
    expect(rejectionReason('-621903', '清单[COP2924000000012345] [-621903] 订单与清单的订购人不一致 (buyer differs)；支付金额不符')).toBe('-621903|订单与清单的订购人不一致');
    expect(rejectionReason('-621905', '清单[X1] [-621905] 保税库存不足: 账册[T2924W000123]料号[A1]申报3，可用1')).toBe('-621905|保税库存不足');
    expect(rejectionReason('100', '收件地址不详')).toBe('100|收件地址不详');
    expect(rejectionReason('-621902', '清单[C1] [-621902] 订单(CEB311)[order|3301964J31|YG1]已被海关退单: [Code:1300;Desc:电商平台企业未在海关备案] (the order was rejected by customs)')).toBe('-621902|订单已被海关退单');
    // Record numbers do not split one reason into many.
    expect(rejectionReason('100', '运单20251206000123不存在')).toBe(rejectionReason('100', '运单20251206000999不存在'));
    expect([...rejectionReason('100', '很'.repeat(200)).split('|')[1]]).toHaveLength(60);
  });
});
