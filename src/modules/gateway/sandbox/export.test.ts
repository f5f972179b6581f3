/**
 * The sandbox customs as the export unified system (DXPEDCCEB0000003): receipt sequences of the
 * export declarations, the release after the arrival (CEB507) and the close after the departure
 * (CEB509), the 9710/9810 value limit, and cancels. Summaries (CEB701/792): summary.test.ts.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CUSTOMS_EXPORT_DXP_ID, CUSTOMS_IMPORT_DXP_ID, buildDxpMsg, openEnvelope, parseDocument, records, str } from '../../../ceb/index.ts';
import type { CebNode, Envelope } from '../../../ceb/index.ts';
import { openDb, type Db } from '../../../db/index.ts';
import { cstDate, cstTime14 } from '../../../platform/time.ts';
import { fenToYuan, toRmbFen, yuanToFen } from '../../tax/index.ts';
import { freshPostgresDatabase, tempDir } from '../../../../test/support/db.ts';
import { validateWithXsd } from '../../../../test/support/xmllint.ts';
import { DEMO_EXPORT_PARTIES as P, arrivalMessage, departureMessage, exportCancelMessage, makeExportFlow, stableGuid, waybillListMessage, wrapExport } from '../../../demo/export.ts';
import type { ExportFlow, ExportFlowOptions } from '../../../demo/export.ts';
import { SandboxCustoms } from './index.ts';

const pgUrl = inject('pgUrl');
const SENDER = 'DXPENT0000011006';

interface Got {
  type: string;
  env: Envelope;
  envelope: string;
  xml: string;
  nodes: CebNode[];
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function database(kind: 'sqlite' | 'postgres'): Promise<Db> {
  const dir = tempDir();
  cleanups.push(() => dir.cleanup());
  if (kind === 'sqlite') {
    const db = await openDb({ dataDir: dir.path });
    cleanups.push(() => db.close());
    return db;
  }
  const fresh = await freshPostgresDatabase(pgUrl as string);
  const db = await openDb({ url: fresh.url, dataDir: dir.path });
  cleanups.push(() => fresh.drop(), () => db.close());
  return db;
}

/** A running sandbox that collects what it delivers, parsed. */
async function harness(db: Db) {
  const sandbox = new SandboxCustoms({ db: db.kysely, delayMs: 1, pollMs: 5, log: { warn: () => {}, error: () => {} } });
  const got: Got[] = [];
  cleanups.push(() => sandbox.stop());
  await sandbox.start(async (bytes) => {
    const outer = parseDocument(bytes);
    if (!outer.ok) throw new Error('receipt envelope does not parse');
    const env = openEnvelope(outer.doc);
    const inner = parseDocument(env.data);
    if (!inner.ok) throw new Error(`receipt does not parse: ${JSON.stringify(inner.issues)}`);
    got.push({ type: inner.doc.root, env, envelope: bytes.toString('utf8'), xml: env.data.toString('utf8'), nodes: records(inner.doc.def, inner.doc.body).map((r) => r.node) });
  });
  let seq = 0;
  const send = (xml: string, receiver = CUSTOMS_EXPORT_DXP_ID) => {
    const msgType = /<ceb:(CEB\d{3}Message)/.exec(xml)![1];
    const copMsgId = `exp-${process.pid}-${++seq}`;
    return sandbox.send({ copMsgId, messageType: msgType, envelope: buildDxpMsg({ copMsgId, senderId: SENDER, receiverId: receiver, msgType, data: Buffer.from(xml) }) });
  };
  /**
   * Waits until `n` return nodes in all have come (documents group the nodes due together, so
   * nodes are what a test can count), and a little longer for any that should not come.
   */
  const waitFor = async (n: number) => {
    const until = Date.now() + 10_000;
    const count = () => got.reduce((k, g) => k + g.nodes.length, 0);
    while (count() < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 60));
    return got;
  };
  return { sandbox, got, send, waitFor };
}

const NOW = new Date();
let serial = 0;
const flow = (opts: Partial<ExportFlowOptions> = {}): ExportFlow => makeExportFlow(P, { mode: '9610', seed: 7 + serial, serial: 500_000_000_000 + ++serial, now: NOW, ...opts });
const ceb603 = (...flows: ExportFlow[]) => wrapExport('CEB603Message', flows.map((f) => f.inventory), P.agent, undefined, { sign: true });
const arrival = (...flows: ExportFlow[]) => arrivalMessage(P.site, flows);
const departure = (...flows: ExportFlow[]) => departureMessage(P.logistics, flows);
const headOf = (f: ExportFlow) => f.inventory.InventoryHead as Record<string, string>;

/** returnStatus sequence per value of a key field, across all receipts of a type. */
function byKey(got: Got[], type: string, key: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of got.filter((x) => x.type === type)) for (const n of g.nodes) (out[str(n[key])] ??= []).push(str(n.returnStatus));
  return out;
}
const nodesOf = (got: Got[], type: string) => got.filter((g) => g.type === type).flatMap((g) => g.nodes);
const invtNoOf = (got: Got[], copNo: string) => str(nodesOf(got, 'CEB604Message').find((n) => n.copNo === copNo && str(n.invtNo))?.invtNo);
const infoOf = (got: Got[], type: string, key: string, value: string, status: string) =>
  str(nodesOf(got, type).find((n) => n[key] === value && n.returnStatus === status)?.returnInfo);
const states = async (db: Db) =>
  Object.fromEntries((await db.kysely.selectFrom('sandbox_export_inventories').select(['cop_no', 'state']).execute()).map((r) => [r.cop_no, r.state]));

function expectValid(got: Got[]) {
  for (const g of got) {
    const inner = validateWithXsd(g.xml, 'export');
    expect(inner.ok, `${g.type}: ${inner.errors}`).toBe(true);
    expect(validateWithXsd(g.envelope, 'dxp-terminal').ok).toBe(true);
    expect([g.env.senderId, g.env.receiverIds, g.env.msgType]).toEqual([CUSTOMS_EXPORT_DXP_ID, [SENDER], g.type]);
    expect(g.xml).toMatch(/<CEB\d{3}Message xmlns="http:\/\/www.chinaport.gov.cn\/ceb" guid="[0-9a-f-]{36}" version="1.0">/);
  }
}

async function retailExport(db: Db) {
  const { got, send, waitFor } = await harness(db);
  const f = flow();
  const h = headOf(f);
  await send(wrapExport('CEB303Message', [f.order], P.ebp));
  await send(wrapExport('CEB403Message', [f.collection!], P.payment));
  await send(wrapExport('CEB505Message', [f.waybill], P.logistics), CUSTOMS_IMPORT_DXP_ID); // either address reaches the export system
  await send(ceb603(f));
  await waitFor(8);
  expect(byKey(got, 'CEB304Message', 'orderNo')).toEqual({ [f.orderNo]: ['2', '120'] });
  expect(byKey(got, 'CEB404Message', 'orderNo')).toEqual({ [f.orderNo]: ['2', '120'] });
  expect(byKey(got, 'CEB506Message', 'logisticsNo')).toEqual({ [f.logisticsNo]: ['2', '120'] });
  expect(byKey(got, 'CEB604Message', 'copNo')).toEqual({ [f.copNo]: ['2', '120'] }); // waits for its parcel
  const [accepted, entered] = nodesOf(got, 'CEB604Message');
  const year = cstDate(new Date()).slice(0, 4);
  expect(accepted).toMatchObject({ agentCode: P.agent.code, ebcCode: h.ebcCode, ebpCode: h.ebpCode, orderNo: f.orderNo, statisticsFlag: 'B', invtNo: '' });
  expect(accepted.preNo).toMatch(new RegExp(`^P${cstDate(new Date())}\\d{9}$`));
  expect(accepted.returnInfo).toBe(`清单新增申报成功[${h.guid}][电商企业编码：${h.ebcCode}订单编号：${f.orderNo}]`);
  expect(entered).toMatchObject({ preNo: accepted.preNo, returnInfo: '[Code:1800;Desc:逻辑校验通过]' });
  expect(entered.invtNo).toMatch(new RegExp(`^2924${year}E\\d{11}$`));
  expect(nodesOf(got, 'CEB304Message')[0].returnInfo).toBe(`订单新增申报成功[${(f.order.OrderHead as CebNode).guid}]`);
  expect(nodesOf(got, 'CEB404Message')[0].payNo).toBe(f.collection!.payNo);

  await send(arrival(f));
  await waitFor(8 + 3);
  expect(byKey(got, 'CEB508Message', 'operatorCode')).toEqual({ [P.site.code]: ['2', '399'] });
  expect(byKey(got, 'CEB604Message', 'copNo')[f.copNo]).toEqual(['2', '120', '800']);
  expect(infoOf(got, 'CEB604Message', 'copNo', f.copNo, '800')).toBe('[Code:2600;Desc:放行]');
  expect(await states(db)).toEqual({ [f.copNo]: 'departing' });

  await send(departure(f));
  await waitFor(11 + 3);
  expect(byKey(got, 'CEB510Message', 'logisticsCode')).toEqual({ [P.logistics.code]: ['2', '399'] });
  expect(byKey(got, 'CEB604Message', 'copNo')[f.copNo]).toEqual(['2', '120', '800', '899']);
  expect(infoOf(got, 'CEB604Message', 'copNo', f.copNo, '899')).toBe('[Code:2700;Desc:结关]');
  expect(new Set(nodesOf(got, 'CEB604Message').slice(1).map((n) => n.invtNo))).toEqual(new Set([entered.invtNo]));
  expect(await states(db)).toEqual({ [f.copNo]: 'closed' });
  expect(got).toHaveLength(14);
  expectValid(got);
}

async function eitherOrder(db: Db) {
  const { got, send, waitFor } = await harness(db);
  const [early, gone, late] = [flow(), flow(), flow()];
  await send(arrival(early)); // arrives before its inventory is declared
  await send(arrival(gone));
  await send(departure(gone)); // arrived and departed before its inventory
  await send(ceb603(early));
  await send(ceb603(gone));
  await send(ceb603(late));
  await send(departure(late)); // departs before it arrives: released and closed with its arrival
  await waitFor(4 * 2 + 3 + 4 + 2);
  expect(byKey(got, 'CEB604Message', 'copNo')).toEqual({ [early.copNo]: ['2', '120', '800'], [gone.copNo]: ['2', '120', '800', '899'], [late.copNo]: ['2', '120'] });
  await send(arrival(late));
  await send(departure(early));
  await waitFor(17 + 2 + 2 + 2 + 1);
  expect(byKey(got, 'CEB604Message', 'copNo')).toEqual({
    [early.copNo]: ['2', '120', '800', '899'],
    [gone.copNo]: ['2', '120', '800', '899'],
    [late.copNo]: ['2', '120', '800', '899'],
  });
  expect(Object.values(await states(db))).toEqual(['closed', 'closed', 'closed']);
  expectValid(got);
}

describe.each(['sqlite', 'postgres'] as const)('SandboxCustoms — export (%s)', (kind) => {
  it.skipIf(kind === 'postgres' && pgUrl === null)('answers a 9610 order, collection, waybill and inventory; releases on arrival, closes on departure', async () => {
    await retailExport(await database(kind));
  });

  it.skipIf(kind === 'postgres' && pgUrl === null)('takes the arrival and the departure before or after the inventory', async () => {
    await eitherOrder(await database(kind));
  });
});

it.skipIf(pgUrl === null)('never strands an inventory when it, its arrival and its departure are accepted concurrently (PostgreSQL)', async () => {
  const db = await database('postgres');
  const [x, y, z] = [0, 1, 2].map(() => new SandboxCustoms({ db: db.kysely, delayMs: 1, log: { warn: () => {}, error: () => {} } }));
  const envelope = (xml: string, copMsgId: string) => {
    const msgType = /<ceb:(CEB\d{3}Message)/.exec(xml)![1];
    return { copMsgId, messageType: msgType, envelope: buildDxpMsg({ copMsgId, senderId: SENDER, receiverId: CUSTOMS_EXPORT_DXP_ID, msgType, data: Buffer.from(xml) }) };
  };
  for (let k = 0; k < 15; k++) {
    const f = flow();
    await Promise.all([x.send(envelope(ceb603(f), `race-i-${k}`)), y.send(envelope(arrival(f), `race-a-${k}`)), z.send(envelope(departure(f), `race-d-${k}`))]);
  }
  expect(Object.values(await states(db))).toEqual(Array(15).fill('closed'));
});

describe('SandboxCustoms — 9710/9810 over 5,000 RMB', () => {
  /** A B2B inventory whose lines total `amounts` (yuan, in `currency`). */
  const b2b = (mode: '9710' | '9810', amounts: string[], currency = '142') => {
    const f = flow({ mode, lines: amounts.length });
    const lines = f.inventory.InventoryList as CebNode[];
    lines.forEach((l, i) => Object.assign(l, { currency, qty: '1', qty1: l.unit1 === '035' ? l.qty1 : '1', price: amounts[i], totalPrice: amounts[i] }));
    return f;
  };

  it('refuses a B2B consignment over 5,000 RMB (or in a currency without a rate); accepts one at the limit', async () => {
    const { got, send, waitFor } = await harness(await database('sqlite'));
    const at = b2b('9710', ['3000', '2000']);
    const over = b2b('9710', ['3000', '2000.01']);
    const usd = b2b('9810', ['704'], '502'); // 704 USD at 7.1068
    const unknown = b2b('9810', ['10'], '999');
    const retail = flow({ mode: '9610' });
    Object.assign((retail.inventory.InventoryList as CebNode[])[0], { currency: '142', totalPrice: '8000' }); // 9610 has no such limit
    for (const f of [at, over, usd, unknown, retail]) await send(ceb603(f));
    await waitFor(5 * 2);
    expect(byKey(got, 'CEB604Message', 'copNo')).toEqual({
      [at.copNo]: ['2', '120'],
      [over.copNo]: ['2', '100'],
      [usd.copNo]: ['2', '100'],
      [unknown.copNo]: ['2', '100'],
      [retail.copNo]: ['2', '120'],
    });
    const usdFen = toRmbFen('704', '502')!;
    expect(usdFen).toBeGreaterThan(500_000);
    expect(infoOf(got, 'CEB604Message', 'copNo', over.copNo, '100')).toBe('[Code:1300;Desc:单票货值超过5000元人民币，应以报关单方式申报],监管方式9710，货值人民币5000.01元');
    expect(infoOf(got, 'CEB604Message', 'copNo', usd.copNo, '100')).toBe(`[Code:1300;Desc:单票货值超过5000元人民币，应以报关单方式申报],监管方式9810，货值人民币${fenToYuan(usdFen)}元`);
    expect(infoOf(got, 'CEB604Message', 'copNo', unknown.copNo, '100')).toBe('[Code:1300;Desc:币制[999]无海关月度汇率，无法折算货值],第1项');
    // A refused inventory never gets an invtNo.
    for (const f of [over, usd, unknown]) expect(nodesOf(got, 'CEB604Message').filter((n) => n.copNo === f.copNo).map((n) => n.invtNo)).toEqual(['', '']);
    expect(yuanToFen('5000')).toBe(500_000);
    expectValid(got);
  });

  it('refuses a generated over-limit 9810 consignment', async () => {
    const { got, send, waitFor } = await harness(await database('sqlite'));
    const f = flow({ mode: '9810', minRmbFen: 800_000 });
    await send(ceb603(f));
    await waitFor(2);
    expect(byKey(got, 'CEB604Message', 'copNo')).toEqual({ [f.copNo]: ['2', '100'] });
    expect(infoOf(got, 'CEB604Message', 'copNo', f.copNo, '100')).toMatch(/^\[Code:1300;Desc:单票货值超过5000元人民币，应以报关单方式申报\],监管方式9810，货值人民币\d+\.\d{2}元$/);
  });
});

describe('SandboxCustoms — export cancel (CEB605)', () => {
  it('cancels an inventory that has not departed, once; never releases or closes it afterwards', async () => {
    const db = await database('sqlite');
    const { got, send, waitFor } = await harness(db);
    const [released, waiting, departed] = [flow(), flow(), flow()];
    for (const f of [released, waiting, departed]) await send(ceb603(f));
    await send(arrival(released, departed));
    await send(departure(departed));
    await waitFor(3 + 2 + 4 + 2 * 2 + 2);
    const no = Object.fromEntries([released, waiting, departed].map((f) => [f.copNo, invtNoOf(got, f.copNo)]));
    const unknown = `${no[released.copNo].slice(0, 9)}99999999999`;
    const cancel = (f: ExportFlow, invtNo: string) => send(exportCancelMessage(f, invtNo, P.agent));
    await cancel(released, no[released.copNo]);
    await cancel(waiting, no[waiting.copNo]);
    await cancel(departed, no[departed.copNo]);
    await cancel(released, unknown);
    await waitFor(15 + 3 + 3 + 2 + 2);
    await cancel(released, no[released.copNo]); // again
    await send(arrival(waiting)); // too late: cancelled
    await send(departure(released)); // too late: cancelled
    await waitFor(25 + 1 + 2 + 2);
    expect(byKey(got, 'CEB606Message', 'invtNo')).toEqual({
      [no[released.copNo]]: ['2', '120', '399', '-605004'],
      [no[waiting.copNo]]: ['2', '120', '399'],
      [no[departed.copNo]]: ['2', '100'],
      [unknown]: ['2', '100'],
    });
    expect(infoOf(got, 'CEB606Message', 'invtNo', no[released.copNo], '399')).toBe(`[Code:2300;Desc:审核通过],撤单申请审核通过,清单[${no[released.copNo]}]已成功撤单`);
    expect(infoOf(got, 'CEB606Message', 'invtNo', no[departed.copNo], '100')).toBe(`[Code:1300;Desc:审核不通过],清单[${no[departed.copNo]}]已离境，不能撤单`);
    expect(infoOf(got, 'CEB606Message', 'invtNo', unknown, '100')).toBe(`[Code:1300;Desc:审核不通过],清单[${unknown}]不存在`);
    expect(infoOf(got, 'CEB606Message', 'invtNo', no[released.copNo], '-605004')).toBe(`撤销申请单报文处理失败，清单[${no[released.copNo]}]已撤单，不能重复撤单`);
    expect(byKey(got, 'CEB604Message', 'copNo')).toEqual({
      [released.copNo]: ['2', '120', '800'],
      [waiting.copNo]: ['2', '120'],
      [departed.copNo]: ['2', '120', '800', '899'],
    });
    expect(await states(db)).toEqual({ [released.copNo]: 'cancelled', [waiting.copNo]: 'cancelled', [departed.copNo]: 'closed' });
    expectValid(got);
  });
});

describe('SandboxCustoms — export scenarios, master-bill lists and returns', () => {
  it('drives export records by key prefix like import ones', async () => {
    const { got, send, waitFor } = await harness(await database('sqlite'));
    const [review, inspect, reject, neg, silent] = ['REVIEW', 'INSPECT', 'REJECT', 'NEG', 'SILENT'].map((orderNoPrefix) => flow({ orderNoPrefix }));
    for (const f of [review, inspect, reject, neg, silent]) {
      await send(wrapExport('CEB303Message', [f.order], P.ebp));
      await send(ceb603(f));
    }
    await waitFor(7 + 8);
    await send(arrival(review, inspect, reject, neg));
    await waitFor(15 + 8 + 3);
    await send(departure(review, inspect));
    await waitFor(26 + 4 + 2);
    expect(byKey(got, 'CEB304Message', 'orderNo')).toEqual({ [review.orderNo]: ['2', '120'], [inspect.orderNo]: ['2', '120'], [reject.orderNo]: ['2', '100'], [neg.orderNo]: ['-303010'] });
    expect(byKey(got, 'CEB604Message', 'copNo')).toEqual({
      [review.copNo]: ['2', '120', '300', '800', '899'],
      [inspect.copNo]: ['2', '120', '500', '800', '899'], // inspection needs the goods: after the arrival
      [reject.copNo]: ['2', '100'],
      [neg.copNo]: ['-603004'],
    });
    expect(infoOf(got, 'CEB304Message', 'orderNo', reject.orderNo, '100')).toBe('[Code:1300;Desc:电商企业未在海关备案]');
    expect(infoOf(got, 'CEB604Message', 'copNo', reject.copNo, '100')).toBe('[Code:1300;Desc:商品编码与申报品名不符]');
    expect(infoOf(got, 'CEB604Message', 'copNo', review.copNo, '300')).toBe('[Code:2200;Desc:人工审核]');
    expect(infoOf(got, 'CEB604Message', 'copNo', inspect.copNo, '500')).toBe('[Code:2400;Desc:查验]');
    const negative = nodesOf(got, 'CEB604Message').find((n) => n.copNo === neg.copNo)!;
    expect([negative.invtNo, negative.returnInfo]).toEqual(['', '清单报文处理失败，清单已申报，不能重复申报']);
    expect(negative.preNo).toMatch(/^P\d{17}$/);
    expect(nodesOf(got, 'CEB604Message').some((n) => n.copNo === silent.copNo)).toBe(false);
    expectValid(got);
  });

  it('answers a master-bill list (607), an export return (213) and its tally list (215)', async () => {
    const { got, send, waitFor } = await harness(await database('sqlite'));
    const f = flow();
    const h = headOf(f);
    await send(ceb603(f));
    await waitFor(2);
    const invtNo = invtNoOf(got, f.copNo);
    await send(waybillListMessage(P.agent, [f], { [f.logisticsNo]: invtNo }, { copNo: 'ZF-0001' }));
    const when = cstTime14(new Date());
    const back = { billNo: f.shipment.billNo, ieFlag: 'I', trafMode: f.shipment.trafMode, trafName: f.shipment.trafName, voyageNo: f.shipment.voyageNo };
    const control = (guid: string) => ({ guid, appType: '1', appTime: when, appStatus: '2', customsCode: '2924' });
    const line = (f.inventory.InventoryList as CebNode[])[0];
    const refund = {
      InvtRefundHead: {
        ...control(stableGuid('213', f.copNo)), ebpCode: h.ebpCode, ebpName: h.ebpName, ebcCode: h.ebcCode, ebcName: h.ebcName,
        logisticsNo: `R${f.logisticsNo}`, logisticsCode: P.logistics.code, logisticsName: P.logistics.name, coElNo: 'REVIEW-TH0001', invtNo, tradeMode: '9610',
        agentCode: P.agent.code, agentName: P.agent.name, billNo: back.billNo, ieFlag: 'I', trafMode: back.trafMode, trafName: back.trafName,
        portCode: '2924', reason: '境外买家拒收退回', country: h.country, voyageNo: back.voyageNo,
      },
      InvtRefundList: [{ gnum: '1', gcode: line.gcode, gname: line.gname, gmodel: line.gmodel, qty: line.qty, qty1: line.qty1, unit: line.unit, unit1: line.unit1 }],
    };
    const tally = {
      ...control(stableGuid('215', f.copNo)), operatorCode: P.site.code, operatorName: P.site.name, logisticsCode: P.logistics.code, logisticsName: P.logistics.name,
      logisticsNo: `R${f.logisticsNo}`, invtNo, coElNo: 'LH0001', ...back,
    };
    await send(wrapExport('CEB213Message', [refund], P.ebc));
    await send(wrapExport('CEB215Message', [tally], P.site));
    await waitFor(2 + 2 + 4 + 2);
    expect(byKey(got, 'CEB608Message', 'copNo')).toEqual({ 'ZF-0001': ['2', '120'] });
    expect(nodesOf(got, 'CEB608Message')[0]).toMatchObject({ agentCode: P.agent.code, logisticsCode: P.logistics.code, billNo: f.shipment.billNo, msgSeqNo: '1' });
    expect(byKey(got, 'CEB214Message', 'coElNo')).toEqual({ 'REVIEW-TH0001': ['2', '120', '300', '800'] }); // coElNo is a business key too
    expect(nodesOf(got, 'CEB214Message')[0]).toMatchObject({ agentCode: P.agent.code, ebcCode: h.ebcCode, invtNo });
    expect(nodesOf(got, 'CEB214Message')[0].preNo).toMatch(/^B\d{17}$/);
    expect(byKey(got, 'CEB216Message', 'coElNo')).toEqual({ LH0001: ['2', '399'] });
    expect(nodesOf(got, 'CEB216Message')[1].returnInfo).toBe('[Code:2300;Desc:审核通过],退货理货明细单审核通过');
    expectValid(got);
  });
});

describe('SandboxCustoms — export format faults', () => {
  it('answers an export message that breaks the XSD with a CEB900 from the export system', async () => {
    const { got, send, waitFor } = await harness(await database('sqlite'));
    const f = flow();
    delete (f.order.OrderHead as CebNode).orderNo;
    await send(wrapExport('CEB303Message', [f.order], P.ebp));
    await waitFor(1);
    expect(got.map((g) => [g.type, g.env.senderId, g.nodes[0].returnStatus, g.nodes[0].oriMessageType])).toEqual([['CEB900Message', CUSTOMS_EXPORT_DXP_ID, '-2', 'CEB303Message']]);
    expect(got[0].nodes[0].returnInfo).toMatch(/^报文校验不通过：.*orderNo/);
    expect(validateWithXsd(got[0].xml, 'import').ok).toBe(true); // CEB900 is defined in the import XSD only
  });
});
