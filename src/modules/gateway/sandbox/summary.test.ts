/**
 * 清单核放、汇总申报 in the sandbox customs: a CEB701 is answered 2 → 120 (CEB702 with the sumNo),
 * then one CEB792 per declaration linking every inventory line to a declaration item; what
 * customs cannot summarize is refused with the invtNos and why.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CUSTOMS_EXPORT_DXP_ID, buildDxpMsg, openEnvelope, parseDocument, records, str } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import { openDb, type Db } from '../../../db/index.ts';
import { cstDate, cstTime14 } from '../../../platform/time.ts';
import { freshPostgresDatabase, tempDir } from '../../../../test/support/db.ts';
import { validateWithXsd } from '../../../../test/support/xmllint.ts';
import { DEMO_EXPORT_PARTIES as P, arrivalMessage, departureMessage, exportCancelMessage, makeExportFlows, summaryApplyRecord, wrapExport } from '../../../demo/export.ts';
import type { ExportFlow } from '../../../demo/export.ts';
import { SandboxCustoms } from './index.ts';
import { MAX_ITEMS_PER_DECLARATION, summarize } from './summary.ts';
import type { InventoryFacts } from './summary.ts';

const pgUrl = inject('pgUrl');
const SENDER = 'DXPENT0000011006';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function database(kind: 'sqlite' | 'postgres'): Promise<Db> {
  const dir = tempDir();
  cleanups.push(() => dir.cleanup());
  const fresh = kind === 'postgres' ? await freshPostgresDatabase(pgUrl as string) : null;
  const db = await openDb({ url: fresh?.url, dataDir: dir.path });
  cleanups.push(() => fresh?.drop(), () => db.close());
  return db;
}

interface Got {
  type: string;
  xml: string;
  nodes: CebNode[];
}

async function harness(db: Db) {
  const sandbox = new SandboxCustoms({ db: db.kysely, delayMs: 1, pollMs: 5, log: { warn: () => {}, error: () => {} } });
  const got: Got[] = [];
  cleanups.push(() => sandbox.stop());
  await sandbox.start(async (bytes) => {
    const outer = parseDocument(bytes);
    if (!outer.ok) throw new Error('receipt envelope does not parse');
    const env = openEnvelope(outer.doc);
    expect([env.senderId, env.receiverIds]).toEqual([CUSTOMS_EXPORT_DXP_ID, [SENDER]]);
    const inner = parseDocument(env.data);
    if (!inner.ok) throw new Error(`receipt does not parse: ${JSON.stringify(inner.issues)}`);
    got.push({ type: inner.doc.root, xml: env.data.toString('utf8'), nodes: records(inner.doc.def, inner.doc.body).map((r) => r.node) });
  });
  let seq = 0;
  const send = (xml: string) => {
    const msgType = /<ceb:(CEB\d{3}Message)/.exec(xml)![1];
    const copMsgId = `sum-${process.pid}-${++seq}`;
    return sandbox.send({ copMsgId, messageType: msgType, envelope: buildDxpMsg({ copMsgId, senderId: SENDER, receiverId: CUSTOMS_EXPORT_DXP_ID, msgType, data: Buffer.from(xml) }) });
  };
  /** Waits until `n` return nodes (SummaryResults for a CEB792) in all have come, and a little longer. */
  const waitFor = async (n: number) => {
    const until = Date.now() + 10_000;
    const count = () => got.reduce((k, g) => k + g.nodes.length, 0);
    while (count() < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 60));
  };
  return { got, send, waitFor };
}

type Line = Record<string, string>;
const linesOf = (f: ExportFlow) => f.inventory.InventoryList as Line[];
const headOf = (f: ExportFlow) => f.inventory.InventoryHead as Line;
const many = <T>(v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]) as T[];
const grams = (kg: string) => Math.round(Number(kg) * 1000);
const nodesOf = (got: Got[], type: string) => got.filter((g) => g.type === type).flatMap((g) => g.nodes);
const summaryReturns = (got: Got[], copNo: string) => nodesOf(got, 'CEB702Message').filter((n) => n.copNo === copNo);
const results = (got: Got[], sumNo: string) => nodesOf(got, 'CEB792Message').filter((r) => (r.SummaryResultHead as Line).sumNo === sumNo);
const invtNoOf = (got: Got[], f: ExportFlow) => str(nodesOf(got, 'CEB604Message').find((n) => n.copNo === f.copNo && str(n.invtNo))?.invtNo);
/** A copy of a line as line `gnum`, with other fields changed. */
const lineLike = (l: Line, gnum: number, change: Partial<Line> = {}): Line => ({ ...structuredClone(l), gnum: String(gnum), ...change });

const apply = (copNo: string, invtNos: string[], flags: { summaryFlag?: '1' | '2'; itemNameFlag?: '0' | '1' } = {}) =>
  summaryApplyRecord({ customsCode: '2924', copNo, agent: P.agent, ebc: P.ebc, declAgent: P.agent, invtNos, summaryFlag: flags.summaryFlag ?? '1', itemNameFlag: flags.itemNameFlag ?? '1' });
const ceb701 = (record: CebNode) => wrapExport('CEB701Message', [record], P.agent, undefined, { sign: true });

/** gseqno must be the same exactly for lines that share the grouping key, numbered 1..n in order of first appearance. */
function expectItems(rows: Line[], lines: Line[], keyOf: (l: Line) => string) {
  const first = new Map<string, number>();
  lines.forEach((l) => first.set(keyOf(l), first.get(keyOf(l)) ?? first.size + 1));
  expect(rows.map((r) => Number(r.gseqno))).toEqual(lines.map((l) => first.get(keyOf(l))));
}

async function summaries(db: Db) {
  const { got, send, waitFor } = await harness(db);
  const [a, b, c, simple, waiting] = makeExportFlows(P, 5, { mode: '9610', seed: 31, lines: 2 });
  const [a1, a2] = linesOf(a);
  // b repeats a's first item, and the same goods under another item name; c names one item twice.
  (b.inventory as CebNode).InventoryList = [lineLike(a1, 1), lineLike(a1, 2, { itemNo: `${a1.itemNo}-G`, itemName: `${a1.itemName}（礼盒装）` }), lineLike(linesOf(b)[0], 3)];
  (c.inventory as CebNode).InventoryList = [lineLike(a2, 1), lineLike(a2, 2, { itemNo: `${a2.itemNo}-G`, itemName: `${a2.itemName}（礼盒装）` })];
  headOf(simple).statisticsFlag = 'A';
  for (const f of [a, b, c, simple, waiting]) await send(wrapExport('CEB603Message', [f.inventory], P.agent, undefined, { sign: true }));
  await send(arrivalMessage(P.site, [a, b, c, simple]));
  await send(departureMessage(P.logistics, [a]));
  await waitFor(4 + 3 * 3 + 2 + 2 + 2);
  const [na, nb, nc, ns, nw] = [a, b, c, simple, waiting].map((f) => invtNoOf(got, f));
  const unknown = `${na.slice(0, 9)}99999999999`;

  // Refused: naming an inventory not released, a simplified (A) one and an unknown one.
  await send(ceb701(apply('HZSQ-REFUSED', [nw, ns, unknown, na])));
  await waitFor(19 + 2);
  expect(summaryReturns(got, 'HZSQ-REFUSED').map((n) => n.returnStatus)).toEqual(['2', '100']);
  expect(summaryReturns(got, 'HZSQ-REFUSED')[1].returnInfo).toBe(
    `[Code:1300;Desc:审核不通过],清单[${nw}]未放行；清单[${ns}]为简化申报（统计标志A），不参与汇总申报；清单[${unknown}]不存在`,
  );
  expect(summaryReturns(got, 'HZSQ-REFUSED').map((n) => n.sumNo)).toEqual([undefined, undefined]);

  // a and b, grouped by item name.
  const applied = apply('HZSQ-AB', [na, nb]);
  await send(ceb701(applied));
  await waitFor(21 + 3);
  const [accepted, entered] = summaryReturns(got, 'HZSQ-AB');
  expect([accepted.returnStatus, entered.returnStatus, accepted.sumNo]).toEqual(['2', '120', undefined]);
  expect(accepted).toMatchObject({ agentCode: P.agent.code, ebcCode: P.ebc.code, msgSeqNo: '1', returnInfo: `汇总申请单新增申报成功[${(applied.SummaryApplyHead as Line).guid}]` });
  const day = cstDate(new Date());
  expect(entered.sumNo).toMatch(new RegExp(`^S${day}\\d{9}$`));
  expect(entered.preNo).toBe(accepted.preNo);
  const [ab] = results(got, str(entered.sumNo));
  const head = ab.SummaryResultHead as Line;
  expect(head).toMatchObject({
    customsCode: '2924', decState: 'A', msgCount: '1', msgSeqNo: '1',
    agentCode: P.agent.code, agentName: P.agent.name, ebcCode: P.ebc.code, ebcName: P.ebc.name, declAgentCode: P.agent.code, declAgentName: P.agent.name,
  });
  expect(head.opDate).toMatch(new RegExp(`^${day}\\d{9}$`));
  expect(head.declSeqNo).toMatch(new RegExp(`^E${day.slice(0, 4)}\\d{13}$`));
  expect(head.entryId).toMatch(new RegExp(`^2924${day.slice(0, 4)}0\\d{9}$`));
  expect(grams(head.grossWeight)).toBe(grams(headOf(a).grossWeight) + grams(headOf(b).grossWeight));
  expect(grams(head.netWeight)).toBe(grams(headOf(a).netWeight) + grams(headOf(b).netWeight));
  const rows = many<Line>(ab.SummaryResultList);
  const sent = [...linesOf(a).map((l) => [na, a.logisticsNo, l] as const), ...linesOf(b).map((l) => [nb, b.logisticsNo, l] as const)];
  expect(rows.map((r) => [r.invtNo, r.logisticsNo, r.gnum, r.gcode])).toEqual(sent.map(([n, p, l]) => [n, p, l.gnum, l.gcode]));
  const byName = (l: Line) => [l.gcode, l.unit, l.country, l.currency, l.itemName].join('|');
  expectItems(rows, sent.map(([, , l]) => l), byName);
  expect(rows[2].gseqno).toBe(rows[0].gseqno); // b's first line is a's first item
  expect(rows[3].gseqno).not.toBe(rows[0].gseqno); // same goods, another item name

  // Again naming a: already summarized. Cancelling b: summarized, so no.
  await send(ceb701(apply('HZSQ-AGAIN', [na])));
  await send(exportCancelMessage(b, nb, P.agent));
  await waitFor(24 + 2 + 2);
  expect(summaryReturns(got, 'HZSQ-AGAIN')[1].returnInfo).toBe(`[Code:1300;Desc:审核不通过],清单[${na}]已汇总（汇总申请编号${entered.sumNo}）`);
  expect(nodesOf(got, 'CEB606Message').map((n) => n.returnStatus)).toEqual(['2', '100']);
  expect(nodesOf(got, 'CEB606Message')[1].returnInfo).toBe(`[Code:1300;Desc:审核不通过],清单[${nb}]已汇总申报（汇总申请编号${entered.sumNo}），不能撤单`);

  // By time: what is left released and B of this ebc (c), grouped by HS classification.
  const window = summaryApplyRecord({ customsCode: '2924', copNo: 'HZSQ-WINDOW', agent: P.agent, ebc: P.ebc, declAgent: P.agent, invtNos: ['-'], summaryFlag: '1', itemNameFlag: '0' });
  Object.assign(window.SummaryApplyHead as Line, { startTime: cstTime14(new Date(Date.now() - 3_600_000)), endTime: cstTime14(new Date(Date.now() + 3_600_000)) });
  delete window.SummaryApplyList;
  await send(ceb701(window));
  await waitFor(28 + 3);
  const [, windowed] = summaryReturns(got, 'HZSQ-WINDOW');
  expect(windowed.returnStatus).toBe('120');
  const [cRows] = results(got, str(windowed.sumNo)).map((r) => many<Line>(r.SummaryResultList));
  expect(cRows.map((r) => [r.invtNo, r.gnum, r.gseqno])).toEqual([[nc, '1', '1'], [nc, '2', '1']]);

  for (const g of got) expect(validateWithXsd(g.xml, 'export').ok, `${g.type}: ${validateWithXsd(g.xml, 'export').errors}`).toBe(true);
}

describe.each(['sqlite', 'postgres'] as const)('SandboxCustoms — summary CEB701 → CEB702 + CEB792 (%s)', (kind) => {
  it.skipIf(kind === 'postgres' && pgUrl === null)('summarizes released B inventories into declaration items, and refuses the rest with reasons', async () => {
    await summaries(await database(kind));
  });
});

describe('SandboxCustoms — summary by consignor and producer', () => {
  it('makes one declaration (one CEB792) per producer under summaryFlag 2', async () => {
    const { got, send, waitFor } = await harness(await database('sqlite'));
    const flows = makeExportFlows(P, 3, { mode: '9610', seed: 77, lines: 1 });
    const owners = ['3301964C06', '3301964S07', '3301964C06'];
    flows.forEach((f, i) => Object.assign(headOf(f), { ownerCode: owners[i], ownerName: `生产销售单位${owners[i]}` }));
    await send(wrapExport('CEB603Message', flows.map((f) => f.inventory), P.agent, undefined, { sign: true }));
    await send(arrivalMessage(P.site, flows));
    await waitFor(3 * 3 + 2);
    const invtNos = flows.map((f) => invtNoOf(got, f));
    await send(ceb701(apply('HZSQ-OWNERS', invtNos, { summaryFlag: '2' })));
    await waitFor(11 + 2 + 2);
    const [, entered] = summaryReturns(got, 'HZSQ-OWNERS');
    const decls = results(got, str(entered.sumNo));
    expect(decls.map((d) => [(d.SummaryResultHead as Line).msgSeqNo, (d.SummaryResultHead as Line).msgCount])).toEqual([['1', '2'], ['2', '2']]);
    expect(decls.map((d) => many<Line>(d.SummaryResultList).map((r) => r.invtNo))).toEqual([[invtNos[0], invtNos[2]], [invtNos[1]]]);
    expect(new Set(decls.map((d) => (d.SummaryResultHead as Line).entryId)).size).toBe(2);
    expect(got.filter((g) => g.type === 'CEB792Message').map((g) => g.nodes.length)).toEqual([1, 1]); // one declaration per CEB792
    for (const g of got) expect(validateWithXsd(g.xml, 'export').ok).toBe(true);
  });
});

describe('summarize', () => {
  const facts = (gcodes: string[]): InventoryFacts => ({
    ownerCode: '3301966A01', tradeMode: '9610', trafMode: '5', portCode: '2924', country: '502', pod: 'USA', grossWeight: '1.5', netWeight: '1.25',
    lines: gcodes.map((gcode, i) => ({ gnum: String(i + 1), gcode, gname: '发制品', itemName: '', unit: '007', country: '502', currency: '502' })),
  });
  const codes = (from: number, n: number) => Array.from({ length: n }, (_, i) => `67041${String(from + i).padStart(5, '0')}`);

  it('starts another declaration rather than pass 50 items, keeping each inventory whole', () => {
    const inventories = [
      { invtNo: 'I1', logisticsNo: 'L1', facts: facts(codes(0, 30)) },
      { invtNo: 'I2', logisticsNo: 'L2', facts: facts([...codes(0, 10), ...codes(30, 20)]) },
      { invtNo: 'I3', logisticsNo: 'L3', facts: facts(codes(50, 1)) },
    ];
    const decls = summarize(inventories, { summaryFlag: '1', itemNameFlag: '0' });
    expect(decls.map((d) => [d.inventories.map((i) => i.invtNo), d.items])).toEqual([[['I1', 'I2'], MAX_ITEMS_PER_DECLARATION], [['I3'], 1]]);
    expect(decls[0].grossWeight).toBe('3');
    expect(decls[0].netWeight).toBe('2.5');
  });
});
