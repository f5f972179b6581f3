/**
 * The export tax-refund ledger through the real API on every database of the run. Declarations
 * enter the ledger as the summaries module hands them over (the service, in a transaction of the
 * platform's database); everything else goes over HTTP: the operator's rate table, the demo
 * e-commerce enterprise's purchase invoices, 9810 sales and claims, the ledger as JSON, CSV and
 * monthly totals, and what another enterprise, a bank and the regulators see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usccCheckChar } from '../../src/modules/enterprises/index.ts';
import type { DeclarationResult, DeclaredItem, EntryView } from '../../src/modules/refunds/index.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

type Who = 'operator' | 'ebc' | 'ebp' | 'bank' | 'customs' | 'logistics';
interface Refusal { error: { code: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> } }

const uscc = (first17: string) => first17 + usccCheckChar(first17);
const SILK_MILL = uscc('91330683MA2B7K3F0');
const TEA_FARM = uscc('91330106MA27Q8L2X');
const FURNITURE = uscc('91330523MA2D1N6H0');
const PHONE_MAKER = uscc('91440300MA5F2P8K1');

const item = (invtNo: string, gnum: number, gseqno: number, gcode: string, gname: string, itemNo: string, qty: string, unit: string, currency: string, totalPrice: string, tradeMode: DeclaredItem['tradeMode'], country: string): DeclaredItem =>
  ({ invtNo, gnum, gseqno, gcode, gname, itemNo, qty, unit, currency, totalPrice, tradeMode, country });

/** Independent RFC 4180 reader for the bureau's CSV (quoted fields, doubled quotes, CRLF). */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

const fen = (yuan: string) => Math.round(Number(yuan) * 100);

describe.each(databases())('export tax-refund ledger on %s', (kind) => {
  let p: Platform;
  const keys = {} as Record<Who, string>;
  const ids = {} as Record<'ebc' | 'ebp', number>;

  const get = (who: Who, path: string) => p.request('GET', path, { key: keys[who] });
  const send = (who: Who, method: string, path: string, body: unknown, type = 'application/json') =>
    p.request(method, path, { key: keys[who], body: typeof body === 'string' && type !== 'application/json' ? body : JSON.stringify(body), type });
  const declare = (r: DeclarationResult) => p.app.db.kysely.transaction().execute((trx) => p.app.refunds.declared(trx, r, Date.now()));
  const ledger = async (who: Who, query = '') => {
    const res = await get(who, `/api/v1/refunds/ledger?limit=1000${query}`);
    expect(res.status, res.text).toBe(200);
    return (res.json() as { items: EntryView[] }).items;
  };
  const entry = async (invtNo: string, gnum: number) => (await ledger('ebc')).find((e) => e.invtNo === invtNo && e.gnum === gnum)!;
  const refused = (res: { status: number; json: () => unknown; text: string }, status: number) => {
    expect(res.status, res.text).toBe(status);
    return (res.json() as Refusal).error.issues;
  };

  const retail = (): DeclarationResult => ({
    enterpriseId: ids.ebc, ebcCode: '3301966A01', customsCode: '2924', sumNo: '2924202503140001', declSeqNo: '292420250314000001', entryId: '292420250000012345', opDate: '20250314103000123',
    items: [
      item('29242025E000000101', 1, 1, '6704200000', '真人发假发', 'WIG-NAT-18', '20', '011', '502', '1280.00', '9610', '502'),
      item('29242025E000000102', 1, 1, '6704200000', '真人发假发', 'WIG-NAT-18', '10', '011', '502', '640.00', '9610', '502'),
      item('29242025E000000102', 2, 2, '6505009900', '针织棒球帽', 'CAP-KN-01', '30', '007', '331', '300.00', '9610', '331'),
    ],
  });
  const overseas = (entryId: string | null): DeclarationResult => ({
    enterpriseId: ids.ebc, ebcCode: '3301966A01', customsCode: '2924', sumNo: '2924202504100002', declSeqNo: '292420250410000002', entryId, opDate: '20250410093000000',
    items: [
      item('29242025E000000201', 1, 1, '9403609999', '实木餐桌', 'TBL-OAK-160', '7', '011', '303', '2100.00', '9810', '303'),
      item('29242025E000000201', 2, 2, '9405409000', 'LED吸顶灯', 'LED-CL-36W', '40', '007', '303', '520.00', '9810', '303'),
    ],
  });
  const direct = (): DeclarationResult => ({
    enterpriseId: ids.ebc, ebcCode: '3301966A01', customsCode: '2924', sumNo: '2924202504220003', declSeqNo: '292420250422000003', entryId: '292420250000034567', opDate: '20250422150000000',
    items: [
      item('29242025E000000301', 1, 1, '6214100000', '桑蚕丝围巾', 'SILK-SC-90', '100', '015', '502', '3200.00', '9710', '304'),
      item('29242025E000000302', 1, 1, '6214100000', '桑蚕丝围巾', 'SILK-SC-90', '50', '015', '502', '1600.00', '9710', '304'),
      item('29242025E000000302', 2, 2, '0902109000', '龙井绿茶', 'TEA-LJ-250', '20', '035', '502', '600.00', '9710', '304'),
    ],
  });
  const phones = (): DeclarationResult => ({
    enterpriseId: ids.ebp, ebcCode: '3301964J31', customsCode: '2924', sumNo: '2924202504250004', declSeqNo: '292420250425000004', entryId: '292420250000045678', opDate: '20250425110000000',
    items: [item('29242025E000000401', 1, 1, '8517130000', '智能手机', 'PH-X1', '5', '001', '502', '400.00', '9710', '133')],
  });

  beforeAll(async () => {
    p = await startPlatform(kind);
    for (const who of ['operator', 'ebc', 'ebp', 'bank', 'customs', 'logistics'] as Who[]) keys[who] = p.key(who);
    ids.ebc = (await p.app.enterprises.byCode('3301966A01'))!.id;
    ids.ebp = (await p.app.enterprises.byCode('3301964J31'))!.id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it('serves the seeded rate table to anyone authenticated; only the operator replaces it, every bad line named', async () => {
    expect((await p.request('GET', '/api/v1/refund-rates')).status).toBe(401);
    const res = await get('logistics', '/api/v1/refund-rates');
    expect(res.status, res.text).toBe(200);
    const table = res.json() as { items: Array<{ hs: string; rate: number; validFrom: string }> };
    expect(table.items).toContainEqual({ hs: '6704', rate: 13, validFrom: '2019-04-01' });
    expect(table.items).toContainEqual({ hs: '0902', rate: 0, validFrom: '2019-04-01' });

    const csv = 'hs,rate,validFrom\r\n' + table.items.map((r) => `${r.hs},${r.rate},${r.validFrom}`).join('\r\n') + '\r\n9405,9,2025-06-01\r\n';
    expect((await send('ebc', 'PUT', '/api/v1/refund-rates', csv, 'text/csv')).status).toBe(403);
    expect((await send('customs', 'PUT', '/api/v1/refund-rates', csv, 'text/csv')).status).toBe(403);
    const bad = refused(await send('operator', 'PUT', '/api/v1/refund-rates', csv + '94,13,2019-04-01\r\n6214,13%,2019-04-01\r\n', 'text/csv'), 400);
    const last = table.items.length + 3; // header, the rows, the 9405 row, then the bad ones
    expect(bad.map((i) => `${i.path} ${i.rule}`)).toEqual([`line ${last}.hs pattern`, `line ${last + 1}.rate format`]);
    expect((await get('logistics', '/api/v1/refund-rates')).json()).toEqual(res.json());

    const ok = await send('operator', 'PUT', '/api/v1/refund-rates', csv, 'text/csv');
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json()).toMatchObject({ rows: table.items.length + 1, before: table.items.length, total: table.items.length + 1 });
    const audit = await p.app.db.kysely.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'config.refund_rates').orderBy('seq').execute();
    expect(audit.map((a) => a.actor)).toEqual(['system', 'enterprise:SGZONE0001']);
  });

  it('takes declarations into the ledger once, with the rate in force on the export date', async () => {
    await declare(retail());
    await declare(overseas(null));
    await declare(direct());
    await declare(phones());
    await declare(direct()); // a repeated result changes nothing
    await declare(overseas('292420250000023456')); // customs' entryId arrives later
    const mine = await ledger('ebc');
    expect(mine).toHaveLength(8);
    const wig = mine.find((e) => e.invtNo === '29242025E000000101')!;
    // 1,280.00 USD at 7.1068 = 9,096.704 → 9,096.70
    expect(wig).toMatchObject({ regime: 'exempt', status: 'exempt', rate: null, month: '2025-03', fob: '1280.00', fobRmb: '9096.70', entryId: '292420250000012345', flags: [] });
    expect(mine.find((e) => e.currency === '331')).toMatchObject({ fobRmb: null, flags: ['no-exchange-rate'] });
    const lamp = mine.find((e) => e.gcode === '9405409000')!;
    expect(lamp).toMatchObject({ regime: 'refund', status: 'awaiting-invoice', rate: 13, entryId: '292420250000023456', month: '2025-04' });
    expect(mine.find((e) => e.gcode === '0902109000')).toMatchObject({ rate: 0, status: 'awaiting-invoice' });

    // A later change of the table does not alter entries already declared.
    const table = (await get('operator', '/api/v1/refund-rates')).json() as { items: Array<{ hs: string; rate: number; validFrom: string }> };
    const lowered = table.items.map((r) => (r.hs === '6214' ? { ...r, rate: 9 } : r));
    expect((await send('operator', 'PUT', '/api/v1/refund-rates', lowered)).status).toBe(200);
    expect((await entry('29242025E000000301', 1)).rate).toBe(13);
  });

  it('registers purchase invoices against the caller\'s refund entries and refuses the rest, changing nothing', async () => {
    const silk = { invoiceCode: '3300231130', invoiceNo: '04512876', invoiceDate: '2025-04-18', sellerTaxId: SILK_MILL, sellerName: '嵊州市华丝丝绸有限公司', amount: '3900.00', taxAmount: '507.00',
      items: [{ entryId: '292420250000034567', gseqno: 1, qty: '150', amount: '3900.00' }] };
    const post = (who: Who, body: unknown) => send(who, 'POST', '/api/v1/refunds/invoices', body);

    expect(refused(await post('ebc', { ...silk, amount: '3800.00' }), 400)).toContainEqual(expect.objectContaining({ path: 'items', rule: 'sum' }));
    expect(refused(await post('ebc', { ...silk, sellerTaxId: SILK_MILL.slice(0, 17) + (SILK_MILL[17] === '0' ? '1' : '0') }), 400)[0]).toMatchObject({ path: 'sellerTaxId', rule: 'uscc-check-digit' });
    const tooMany = refused(await post('ebc', { ...silk, amount: '3926.00', items: [{ ...silk.items[0], qty: '151', amount: '3926.00' }] }), 409);
    expect(tooMany[0]).toMatchObject({ path: 'items[0].qty', rule: 'exported', actual: '151' });
    expect(tooMany[0].expected).toContain('at most 150');
    const exempt = { ...silk, items: [{ entryId: '292420250000012345', gseqno: 1, qty: '30', amount: '3900.00' }] };
    expect(refused(await post('ebc', exempt), 409)[0]).toMatchObject({ path: 'items[0]', rule: 'regime' });
    const theirs = { ...silk, items: [{ entryId: '292420250000045678', gseqno: 1, qty: '5', amount: '3900.00' }] };
    expect(refused(await post('ebc', theirs), 404)[0]).toMatchObject({ path: 'items[0]', rule: 'exists' });
    expect((await post('customs', silk)).status).toBe(403);
    expect((await post('ebc', { ...silk, remark: 'x' })).status).toBe(400);
    expect((await entry('29242025E000000301', 1)).invoicedQty).toBe('0');

    const res = await post('ebc', silk);
    expect(res.status, res.text).toBe(201);
    // The declaration item spans two inventory lines: 100 and 50 units, amount and VAT shared by quantity.
    expect((res.json() as { parts: unknown[] }).parts).toEqual([
      { item: 0, ledgerId: (await entry('29242025E000000301', 1)).id, qty: '100', amount: '2600.00', tax: '338.00' },
      { item: 0, ledgerId: (await entry('29242025E000000302', 1)).id, qty: '50', amount: '1300.00', tax: '169.00' },
    ]);
    expect(await entry('29242025E000000301', 1)).toMatchObject({ refundable: '338.00', claimable: '338.00', status: 'claimable', rate: 13 });
    expect(refused(await post('ebc', silk), 409)[0]).toMatchObject({ path: 'invoiceNo', rule: 'unique' });

    // 全电 invoice (20 digits, no code) for the tea, at 0 %: nothing to refund.
    const tea = { invoiceNo: '25332000000123456789', invoiceDate: '2025-04-20', sellerTaxId: TEA_FARM, sellerName: '杭州西湖龙井茶业有限公司', amount: '480.00', taxAmount: '43.20',
      items: [{ declSeqNo: '292420250422000003', invtNo: '29242025E000000302', gnum: 2, qty: '20', amount: '480.00' }] };
    expect((await post('ebc', tea)).status).toBe(201);
    expect(await entry('29242025E000000302', 2)).toMatchObject({ invoiceAmount: '480.00', refundable: '0.00', status: 'no-refund' });

    // 9810: 7,692.31 × 13 % = 1,000.0003 → 1,000.00 for the tables; 1,800.00 × 13 % = 234.00 for the lamps; claimable once sold.
    const furniture = { invoiceCode: '033002300111', invoiceNo: '00876543', invoiceDate: '2025-04-02', sellerTaxId: FURNITURE, sellerName: '浙江安吉森林家具有限公司', amount: '9492.31', taxAmount: '1234.00',
      items: [
        { declSeqNo: '292420250410000002', invtNo: '29242025E000000201', gnum: 1, qty: '7', amount: '7692.31' },
        { entryId: '292420250000023456', gseqno: 2, qty: '40', amount: '1800.00' },
      ] };
    expect((await post('ebc', furniture)).status).toBe(201);
    expect(await entry('29242025E000000201', 1)).toMatchObject({ refundable: '1000.00', claimable: '0.00', status: 'awaiting-sale' });
    expect(await entry('29242025E000000201', 2)).toMatchObject({ refundable: '234.00', status: 'awaiting-sale' });

    // The other enterprise's phone: no rate for 8517 on its export date until the operator adds one.
    const phone = { invoiceCode: '4400231130', invoiceNo: '11223344', invoiceDate: '2025-04-15', sellerTaxId: PHONE_MAKER, sellerName: '深圳市华通电子有限公司', amount: '1500.00', taxAmount: '195.00',
      items: [{ entryId: '292420250000045678', gseqno: 1, qty: '5', amount: '1500.00' }] };
    expect(refused(await post('ebp', phone), 409)[0]).toMatchObject({ path: 'items[0]', rule: 'refund-rate' });
    const table = (await get('operator', '/api/v1/refund-rates')).json() as { items: unknown[] };
    expect((await send('operator', 'PUT', '/api/v1/refund-rates', [...table.items, { hs: '8517', rate: 13, validFrom: '2019-04-01' }])).status).toBe(200);
    const ok = await post('ebp', phone);
    expect(ok.status, ok.text).toBe(201);
    expect((ok.json() as { entries: EntryView[] }).entries[0]).toMatchObject({ rate: 13, refundable: '195.00', status: 'claimable', flags: [] });

    const actions = await p.app.db.kysely.selectFrom('audit_log').select('actor').where('action', '=', 'refund.invoice').execute();
    expect(actions.map((a) => a.actor).sort()).toEqual(['enterprise:3301964J31', 'enterprise:3301966A01', 'enterprise:3301966A01', 'enterprise:3301966A01']);
  });

  it('makes a 9810 refund claimable as the overseas stock is sold', async () => {
    const sale = { invtNo: '29242025E000000201', gnum: 1, qty: '3', saleDate: '2025-05-06', orderNo: 'AMZ-113-4829371-0038211', amount: '899.00', currency: '502' };
    const post = (who: Who, body: unknown) => send(who, 'POST', '/api/v1/refunds/sales', body);
    const first = await post('ebc', sale);
    expect(first.status, first.text).toBe(201);
    expect(first.json()).toMatchObject({ created: true, sale: { claimableAdded: '428.57' }, entry: { soldQty: '3', claimable: '428.57', status: 'claimable' } });
    const again = await post('ebc', sale);
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ created: false, entry: { soldQty: '3', claimable: '428.57' } });
    expect(refused(await post('ebc', { ...sale, qty: '2' }), 409)[0]).toMatchObject({ path: 'qty', rule: 'same-sale', actual: '2' });
    const over = refused(await post('ebc', { ...sale, orderNo: 'AMZ-113-4829371-0038299', qty: '5' }), 409)[0];
    expect(over).toMatchObject({ path: 'qty', rule: 'exported', actual: '5' });
    expect(over.expected).toBe('at most 4 (exported 7, sold before 3)');
    expect(refused(await post('ebc', { ...sale, orderNo: 'AMZ-EARLY', saleDate: '2025-04-01' }), 409)[0]).toMatchObject({ path: 'saleDate', rule: 'after-export' });
    expect(refused(await post('ebc', { ...sale, invtNo: '29242025E000000301', orderNo: 'B2B-1' }), 409)[0]).toMatchObject({ rule: 'trade-mode' });
    expect(refused(await post('ebp', { ...sale, orderNo: 'AMZ-OTHER' }), 404)[0]).toMatchObject({ path: 'gnum', rule: 'exists' });
    expect((await entry('29242025E000000201', 1)).soldQty).toBe('3');

    const lamps = await post('ebc', { invtNo: '29242025E000000201', itemNo: 'LED-CL-36W', qty: '40', saleDate: '2025-05-08', orderNo: 'EBAY-23-10455-88213' });
    expect(lamps.status, lamps.text).toBe(201);
    expect(lamps.json()).toMatchObject({ sale: { gnum: 2, claimableAdded: '234.00' }, entry: { claimable: '234.00', status: 'claimable' } });
    const sales = await p.app.db.kysely.selectFrom('audit_log').select('action').where('action', '=', 'refund.sale').execute();
    expect(sales).toHaveLength(2);
  });

  it('claims open amounts in a batch, all or nothing, and the rest of the stock later', async () => {
    const post = (who: Who, body: unknown) => send(who, 'POST', '/api/v1/refunds/claims', body);
    const silk1 = await entry('29242025E000000301', 1);
    const silk2 = await entry('29242025E000000302', 1);
    const table = await entry('29242025E000000201', 1);
    const wig = await entry('29242025E000000101', 1);
    const tea = await entry('29242025E000000302', 2);
    const phone = (await ledger('ebp'))[0];

    const closed = refused(await post('ebc', { entries: [silk1.id, wig.id, tea.id], period: '2025-05' }), 409);
    expect(closed.map((i) => `${i.path} ${i.rule}`)).toEqual(['entries[1] claimable', 'entries[2] claimable']);
    expect(refused(await post('ebc', { entries: [silk1.id, phone.id], period: '2025-05' }), 404)[0]).toMatchObject({ path: 'entries[1]', rule: 'exists' });
    expect(refused(await post('ebc', { entries: [silk1.id], period: '2025-03' }), 409)[0]).toMatchObject({ rule: 'period' });
    expect((await post('customs', { entries: [silk1.id], period: '2025-05' })).status).toBe(403);
    expect((await entry('29242025E000000301', 1)).claimed).toBe('0.00');

    const res = await post('ebc', { entries: [silk1.id, silk2.id, table.id], period: '2025-05' });
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toMatchObject({ period: '2025-05', amount: '935.57', entries: [{ id: silk1.id, amount: '338.00' }, { id: silk2.id, amount: '169.00' }, { id: table.id, amount: '428.57' }] });
    expect(await entry('29242025E000000301', 1)).toMatchObject({ claimed: '338.00', open: '0.00', status: 'claimed' });
    expect(await entry('29242025E000000201', 1)).toMatchObject({ claimed: '428.57', status: 'awaiting-sale' });
    expect(refused(await post('ebc', { entries: [table.id], period: '2025-05' }), 409)[0]).toMatchObject({ rule: 'claimable' });

    const rest = await send('ebc', 'POST', '/api/v1/refunds/sales', { invtNo: '29242025E000000201', gnum: 1, qty: '4', saleDate: '2025-06-12', orderNo: 'AMZ-113-5561200-0091822' });
    expect(rest.json()).toMatchObject({ sale: { claimableAdded: '571.43' }, entry: { claimable: '1000.00', soldQty: '7' } });
    const lamp = await entry('29242025E000000201', 2);
    expect((await post('ebc', { entries: [table.id, lamp.id], period: '2025-06' })).json()).toMatchObject({ amount: '805.43' });
    expect(await entry('29242025E000000201', 1)).toMatchObject({ claimed: '1000.00', status: 'claimed' });
    expect(await p.app.db.kysely.selectFrom('audit_log').select('action').where('action', '=', 'refund.claim').execute()).toHaveLength(2);
  });

  it('shows each enterprise its own ledger, regulators everyone\'s, paged and filtered', async () => {
    const all = await ledger('ebc');
    expect(all).toHaveLength(8);
    expect(all.every((e) => e.enterpriseId === ids.ebc)).toBe(true);
    expect(await ledger('ebp')).toHaveLength(1);
    expect(await ledger('bank')).toHaveLength(0); // a consent to share messages is not one to share the tax ledger
    expect(await ledger('customs')).toHaveLength(9);
    expect(await ledger('customs', `&enterpriseId=${ids.ebp}`)).toHaveLength(1);
    expect(refused(await get('ebc', `/api/v1/refunds/ledger?enterpriseId=${ids.ebp}`), 403)[0]).toMatchObject({ path: 'enterpriseId' });
    expect((await ledger('ebc', '&month=2025-04&regime=refund')).map((e) => e.invtNo + '/' + e.gnum).sort())
      .toEqual(['29242025E000000201/1', '29242025E000000201/2', '29242025E000000301/1', '29242025E000000302/1', '29242025E000000302/2']);
    expect((await ledger('ebc', '&status=claimed')).map((e) => e.invtNo + '/' + e.gnum).sort()).toEqual(['29242025E000000201/1', '29242025E000000201/2', '29242025E000000301/1', '29242025E000000302/1']);
    expect((await ledger('ebc', '&entryId=292420250000023456')).length).toBe(2);
    expect((await get('ebc', '/api/v1/refunds/ledger?month=2025-13')).status).toBe(400);

    const paged: EntryView[] = [];
    for (let after = '0'; ;) {
      const page = (await get('ebc', `/api/v1/refunds/ledger?limit=3&after=${after}`)).json() as { items: EntryView[]; next: string };
      if (!page.items.length) break;
      paged.push(...page.items);
      after = page.next;
    }
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('gives the tax bureau a CSV per month and totals by month that agree with the ledger', async () => {
    const res = await fetch(`${p.url}/api/v1/refunds/ledger.csv?month=2025-04`, { headers: { authorization: `Bearer ${keys.ebc}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = readCsv(new TextDecoder().decode(bytes));
    expect(header[0]).toBe('报关单号 entryId');
    const col = (name: string) => header.findIndex((h) => h.endsWith(` ${name}`));
    const april = await ledger('ebc', '&month=2025-04');
    expect(rows).toHaveLength(april.length);
    expect(rows.map((r) => r[col('entryId')])).toEqual([...rows.map((r) => r[col('entryId')])].sort());
    expect(rows.every((r) => r[col('regime')] === '退税')).toBe(true);
    const sumCsv = (name: string) => rows.reduce((a, r) => a + fen(r[col(name)]), 0);
    const sumLedger = (k: keyof EntryView, list = april) => list.reduce((a, e) => a + fen(String(e[k] ?? '0')), 0);
    expect(sumCsv('refundable')).toBe(sumLedger('refundable'));
    expect(sumCsv('claimed')).toBe(sumLedger('claimed'));
    expect(sumCsv('claimed')).toBe(fen('338.00') + fen('169.00') + fen('1000.00') + fen('234.00'));
    expect(rows.find((r) => r[col('invtNo')] === '29242025E000000302' && r[col('gnum')] === '2')![col('rate')]).toBe('0.00');

    const march = readCsv((await get('ebc', '/api/v1/refunds/ledger.csv?month=2025-03')).text).slice(1);
    expect(march.map((r) => r[col('regime')])).toEqual(['免税', '免税', '免税']);
    expect(march.find((r) => r[col('currency')] === '331')![col('FOB RMB')]).toBe('');
    expect((await get('ebc', '/api/v1/refunds/ledger.csv')).status).toBe(400);

    const totals = await get('ebc', '/api/v1/refunds/totals?from=2025-03&to=2025-05');
    expect(totals.status, totals.text).toBe(200);
    const months = (totals.json() as { months: Array<Record<string, string | number>> }).months;
    expect(months.map((m) => m.month)).toEqual(['2025-03', '2025-04', '2025-05']);
    const marchEntries = await ledger('ebc', '&month=2025-03');
    expect(months[0]).toMatchObject({ entries: 3, exemptEntries: 3, fobRmbMissing: 1, refundFobRmb: '0.00' });
    expect(fen(months[0].exemptFobRmb as string)).toBe(sumLedger('fobRmb', marchEntries));
    expect(months[1]).toMatchObject({ entries: 5, refundEntries: 5, exemptFobRmb: '0.00' });
    expect(fen(months[1].refundFobRmb as string)).toBe(sumLedger('fobRmb'));
    for (const k of ['refundable', 'claimable', 'claimed'] as const) expect(fen(months[1][k] as string)).toBe(sumLedger(k));
    expect(months[2]).toMatchObject({ entries: 0, refundable: '0.00' });
    const everyone = (await get('customs', '/api/v1/refunds/totals?from=2025-04&to=2025-04')).json() as { months: Array<{ entries: number; refundable: string }> };
    expect(everyone.months[0].entries).toBe(6);
    expect(fen(everyone.months[0].refundable)).toBe(sumLedger('refundable') + fen('195.00'));
    expect((await get('ebc', '/api/v1/refunds/totals?from=2025-05&to=2025-03')).status).toBe(400);
    expect((await get('logistics', `/api/v1/refunds/totals?from=2025-03&to=2025-05`)).json()).toMatchObject({ months: [{ entries: 0 }, { entries: 0 }, { entries: 0 }] });
  });
});
