import { describe, expect, it } from 'vitest';
import { MAX_ITEMS, groupKey, itemKey, proposeGroups, type Candidate, type CandidateLine } from './grouping.ts';

const line = (gnum: number, gcode: string, over: Partial<CandidateLine> = {}): CandidateLine => ({ gnum, gcode, gname: `品名${gcode}`, itemName: `Item ${gcode}`, unit: '011', currency: '502', country: '502', ...over });
let next = 1;
const inv = (over: Partial<Candidate> = {}): Candidate => {
  const id = next++;
  return {
    declarationId: id,
    invtNo: `29242026E${String(id).padStart(11, '0')}`,
    logisticsNo: `SF${id}`,
    customsCode: '2924',
    portCode: '2924',
    ebcCode: '3301966A01',
    ebcName: '杭州海淘优选贸易有限公司',
    agentCode: '3301980A02',
    ownerCode: '3301966A01',
    tradeMode: '9610',
    trafMode: '5',
    country: '502',
    ieDate: '20261103',
    statisticsFlag: 'B',
    lines: [line(1, '6704200000')],
    ...over,
  };
};

describe('summary grouping', () => {
  it('puts inventories together only when consignor, customs, port, trade mode, transport, country and month agree', () => {
    const base = inv();
    const same = inv({ ieDate: '20261129' });
    const others = [
      inv({ ebcCode: '3301966A09' }),
      inv({ customsCode: '2925' }),
      inv({ portCode: '2901' }),
      inv({ tradeMode: '9710' }),
      inv({ trafMode: '2' }),
      inv({ country: '303' }),
      inv({ ieDate: '20261201' }),
    ];
    const groups = proposeGroups([base, same, ...others], '1', '0');
    expect(groups).toHaveLength(1 + others.length);
    const first = groups.find((g) => g.inventories.includes(base))!;
    expect(first.inventories).toEqual([base, same]);
    expect(first.period).toBe('2026-11');
    for (const o of others) expect(groups.find((g) => g.inventories.includes(o))!.inventories).toEqual([o]);
  });

  it('leaves A-flag (简化申报) inventories out', () => {
    const a = inv({ statisticsFlag: 'A' });
    expect(proposeGroups([a], '1', '0')).toEqual([]);
  });

  it('splits by producer with summaryFlag 2 only', () => {
    const x = inv({ ownerCode: '3301960F01' });
    const y = inv({ ownerCode: '3301960F02' });
    expect(proposeGroups([x, y], '1', '0')).toHaveLength(1);
    const byProducer = proposeGroups([x, y], '2', '0');
    expect(byProducer.map((g) => g.ownerCode).sort()).toEqual(['3301960F01', '3301960F02']);
    expect(groupKey(x, '2', '0')).not.toBe(groupKey(y, '2', '0'));
  });

  it('merges lines into items by HS code, country, currency and unit, and by name with itemNameFlag 1', () => {
    const a = line(1, '6704200000', { itemName: 'Lace front wig' });
    const b = line(2, '6704200000', { itemName: 'Bob wig' });
    expect(itemKey(a, '0')).toBe(itemKey(b, '0'));
    expect(itemKey(a, '1')).not.toBe(itemKey(b, '1'));
    expect(itemKey(a, '0')).not.toBe(itemKey(line(1, '6704200000', { currency: '142' }), '0'));
    const g = proposeGroups([inv({ lines: [a, b] })], '1', '1');
    expect(g[0].items).toBe(2);
    expect(proposeGroups([inv({ lines: [a, b] })], '1', '0')[0].items).toBe(1);
  });

  it(`splits a group whose lines would make more than ${MAX_ITEMS} declaration items, never splitting an inventory`, () => {
    // 60 inventories of one distinct HS code each: 50 items fit in the first part, 10 go to a second.
    const many = Array.from({ length: 60 }, (_, i) => inv({ lines: [line(1, String(6700000000 + i))] }));
    const parts = proposeGroups(many, '1', '0');
    expect(parts.map((p) => p.inventories.length)).toEqual([MAX_ITEMS, 60 - MAX_ITEMS]);
    expect(parts.map((p) => p.items)).toEqual([MAX_ITEMS, 60 - MAX_ITEMS]);
    expect(parts[1].key).toBe(`${parts[0].key}#2`);
    expect(parts.flatMap((p) => p.inventories)).toEqual(many);
  });
});
