import { describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow } from '../../demo/flows.ts';
import type { CebNode } from '../../ceb/index.ts';
import { match, units, fromUnits } from './rules.ts';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
function docs(seed = 1) {
  const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed, lines: 2 });
  return { inventory: clone(f.inventory), order: clone(f.order), payment: clone(f.payment), waybill: clone(f.waybill) };
}
const head = (n: CebNode, name: string) => n[name] as Record<string, string>;

describe('三单比对 rules', () => {
  it('a consistent flow has no finding', () => {
    for (let seed = 1; seed < 30; seed++) expect(match(docs(seed))).toEqual([]);
  });

  it('acturalPaid must be goodsValue + freight + taxTotal − discount', () => {
    const d = docs();
    head(d.order, 'OrderHead').discount = '1.5';
    const f = match(d);
    expect(f.map((x) => x.rule)).toContain('order-arithmetic');
    expect(f.find((x) => x.rule === 'order-arithmetic')!.rightValue).toBe(fromUnits(units(head(d.order, 'OrderHead').acturalPaid) - units('1.5')));
  });

  it('acturalPaid must equal the payment, naming both documents and values', () => {
    const d = docs();
    head(d.payment, 'PaymentHead').amountPaid = '1.00';
    const [f] = match(d);
    expect(f).toMatchObject({ rule: 'paid-equals-payment', left: 'CEB311 acturalPaid', right: 'CEB411 amountPaid', rightValue: '1.00', leftValue: head(d.order, 'OrderHead').acturalPaid });
    expect(f.message).toContain('CEB411 amountPaid is "1.00"');
  });

  it('the buyer must be the payer', () => {
    const d = docs();
    head(d.payment, 'PaymentHead').payerName = '王五';
    head(d.payment, 'PaymentHead').payerIdNumber = '110101199001011237';
    expect(match(d).filter((x) => x.rule === 'buyer-is-payer').map((x) => x.right)).toEqual(['CEB411 payerName', 'CEB411 payerIdNumber']);
  });

  it('order consignee must equal the waybill consignee', () => {
    const d = docs();
    head(d.waybill, 'LogisticsHead').consigneeAddress = '浙江省杭州市西湖区文三路1号';
    const [f] = match(d);
    expect(f).toMatchObject({ rule: 'consignee', left: 'CEB311 consigneeAddress', right: 'CEB511 consigneeAddress', rightValue: '浙江省杭州市西湖区文三路1号' });
  });

  it('inventory lines map one-to-one to order lines by gnum with consistent names', () => {
    const d = docs();
    const lines = d.inventory.InventoryList as Array<Record<string, string>>;
    lines[1].gnum = '9';
    lines[0].itemName = '别的东西';
    const f = match(d).filter((x) => x.rule === 'lines');
    expect(f.map((x) => x.left)).toEqual(['CEB621 line 1 itemName', 'CEB621 line 9', 'CEB621 lines']);
  });

  it('ID type must be 1 on order, payment and inventory', () => {
    const d = docs();
    head(d.payment, 'PaymentHead').payerIdType = '2';
    expect(match(d).map((x) => x.left)).toEqual(['CEB411 payerIdType']);
  });

  it('unconfirmed rules can be switched off', () => {
    const d = docs();
    head(d.inventory, 'InventoryHead').buyerTelephone = '13900000000';
    (d.inventory.InventoryList as Array<Record<string, string>>)[0].qty = '99';
    expect(match(d).map((x) => x.rule).sort()).toEqual(['inventory-buyer', 'line-amounts']);
    expect(match(d, new Set(['inventory-buyer', 'line-amounts']))).toEqual([]);
  });

  it('compares amounts exactly, whatever the decimals', () => {
    expect(units('12.50')).toBe(units('12.5'));
    expect(units('0.00001')).toBe(1n);
    expect(fromUnits(units('100') - units('0.5'))).toBe('99.5');
  });
});
