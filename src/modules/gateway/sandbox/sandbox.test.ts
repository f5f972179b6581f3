import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildDocument, buildDxpMsg, headOf, openEnvelope, parseDocument, recordElementName, records, str } from '../../../ceb/index.ts';
import type { CebNode, Envelope } from '../../../ceb/index.ts';
import { openDb, type Db } from '../../../db/index.ts';
import { cstDate } from '../../../platform/time.ts';
import { computeRetailImportTax, defaultRate, fenToYuan } from '../../tax/index.ts';
import { freshPostgresDatabase, tempDir } from '../../../../test/support/db.ts';
import { sharedDir, validateWithXsd } from '../../../../test/support/xmllint.ts';
import { SandboxCustoms, loadScenarios, type SandboxOptions } from './index.ts';

const pgUrl = inject('pgUrl');
const SENDER = 'DXPENT0000530815';
const sample = (code: string) => readFileSync(join(sharedDir(), 'ceb', 'samples', 'import', `CEB${code}Message.xml`));

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

async function sqliteDb(): Promise<Db> {
  const dir = tempDir();
  const db = await openDb({ dataDir: dir.path });
  cleanups.push(() => dir.cleanup(), () => db.close());
  return db;
}

async function postgresDb(url: string): Promise<Db> {
  const fresh = await freshPostgresDatabase(url);
  const dir = tempDir();
  const db = await openDb({ url: fresh.url, dataDir: dir.path });
  cleanups.push(() => fresh.drop(), () => dir.cleanup(), () => db.close());
  return db;
}

const quiet = { warn: () => {}, error: () => {} };

/** A running sandbox that collects what it delivers, parsed. */
async function harness(db: Db, opts: Partial<SandboxOptions> = {}, deliverHook?: (g: Got) => void) {
  const sandbox = new SandboxCustoms({ db: db.kysely, delayMs: 1, pollMs: 5, log: quiet, ...opts });
  const got: Got[] = [];
  cleanups.push(() => sandbox.stop());
  await sandbox.start(async (bytes, source) => {
    expect(source).toBe('sandbox');
    const outer = parseDocument(bytes);
    if (!outer.ok) throw new Error('receipt envelope does not parse');
    const env = openEnvelope(outer.doc);
    const inner = parseDocument(env.data);
    if (!inner.ok) throw new Error(`receipt does not parse: ${JSON.stringify(inner.issues)}`);
    const g = { type: inner.doc.root, env, envelope: bytes.toString('utf8'), xml: env.data.toString('utf8'), nodes: records(inner.doc.def, inner.doc.body).map((r) => r.node) };
    deliverHook?.(g);
    got.push(g);
  });
  const waitFor = async (n: number, settleMs = 60) => {
    const until = Date.now() + 10_000;
    while (got.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, settleMs)); // and nothing more arrives
    return got;
  };
  return { sandbox, got, waitFor };
}

let seq = 0;
function envelope(ceb: string | Buffer, msgType: string, copMsgId = `cop-${process.pid}-${++seq}`) {
  const envelope = buildDxpMsg({ copMsgId, senderId: SENDER, receiverId: 'DXPEDCCEB0000002', msgType, data: Buffer.from(ceb) });
  return { copMsgId, messageType: msgType, envelope };
}

/** The first `count` records of an official sample, edited. */
function fixture(code: string, edit: (head: CebNode, i: number) => void, count = 1): string {
  const r = parseDocument(sample(code));
  if (!r.ok) throw new Error('sample does not parse');
  const name = recordElementName(r.doc.def);
  const all = r.doc.body[name];
  const list = structuredClone((Array.isArray(all) ? all : [all]).slice(0, count)) as CebNode[];
  list.forEach((rec, i) => edit(headOf(rec), i));
  return buildDocument(r.doc.def, { ...r.doc.body, [name]: list }, { prefix: 'ceb' });
}

const statuses = (docs: Got[]) => docs.map((d) => d.nodes.map((n) => str(n.returnStatus)));
/** returnStatus sequence per value of a key field, across all receipts of a type. */
function byKey(got: Got[], type: string, key: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of got.filter((x) => x.type === type)) for (const n of g.nodes) (out[str(n[key])] ??= []).push(str(n.returnStatus));
  return out;
}

function expectValid(got: Got[]) {
  for (const g of got) {
    const inner = validateWithXsd(g.xml, 'import');
    expect(inner.ok, `${g.type}: ${inner.errors}`).toBe(true);
    const outer = validateWithXsd(g.envelope, 'dxp-terminal');
    expect(outer.ok, outer.errors).toBe(true);
    expect(g.env.senderId).toBe('DXPEDCCEB0000002');
    expect(g.env.receiverIds).toEqual([SENDER]);
    expect(g.env.msgType).toBe(g.type);
    expect(g.xml).toMatch(/<CEB\d{3}Message xmlns="http:\/\/www.chinaport.gov.cn\/ceb" guid="[0-9a-f-]{36}" version="1.0">/);
  }
}

async function coreSequence(db: Db) {
  const { sandbox, waitFor } = await harness(db);
  const sent = [];
  for (const code of ['311', '411', '511', '513', '621', '623', '625', '711']) {
    sent.push(envelope(sample(code), `CEB${code}Message`));
    await sandbox.send(sent[sent.length - 1]);
  }
  await sandbox.send(sent[4]); // a retried CopMsgId schedules nothing new
  const got = await waitFor(21);
  expect(got).toHaveLength(21);
  const of = (t: string) => got.filter((g) => g.type === t);
  const each = (n: number, seqs: string[]) => seqs.map((s) => Array(n).fill(s));
  expect(statuses(of('CEB312Message'))).toEqual(each(6, ['2', '120']));
  expect(statuses(of('CEB412Message'))).toEqual(each(10, ['2', '120']));
  expect(statuses(of('CEB512Message'))).toEqual(each(6, ['2', '120']));
  expect(statuses(of('CEB514Message'))).toEqual(each(10, ['2', '399']));
  expect(statuses(of('CEB622Message'))).toEqual(each(10, ['2', '120', '800', '899']));
  expect(statuses(of('CEB624Message'))).toEqual(each(10, ['2', '120', '399']));
  expect(statuses(of('CEB626Message'))).toEqual(each(10, ['2', '120', '399']));
  expect(statuses(of('CEB712Message'))).toEqual(each(1, ['2', '399']));

  const order = of('CEB312Message')[0].nodes[0];
  expect(order).toMatchObject({ ebpCode: '1105910159', orderNo: 'order20160321116421002', returnInfo: '订单新增申报成功[4CDE1CFD-EDED-46B1-946C-B8022E42FC94]' });
  expect(of('CEB312Message')[1].nodes[0].returnInfo).toBe('[Code:1800;Desc:逻辑校验通过]');
  expect(of('CEB514Message')[0].nodes[0].logisticsStatus).toBe('R');

  // Inventories: preNo from the start, invtNo from 120 on, both stable per record.
  const inv = of('CEB622Message');
  const year = cstDate(new Date()).slice(0, 4);
  for (let r = 0; r < 10; r++) {
    const [accepted, entered, released, closed] = inv.map((d) => d.nodes[r]);
    expect(accepted.preNo).toMatch(new RegExp(`^B${cstDate(new Date())}\\d{9}$`));
    expect(accepted.invtNo).toBeUndefined();
    expect(accepted.returnInfo).toMatch(/^清单新增申报成功\[4CDE1CFD-EDED-46B1-946C-B8022E42FC94\]\[电商企业编码：1101110325订单编号：order20160308113400\d\d\]$/);
    expect(entered.invtNo).toMatch(new RegExp(`^3700${year}I\\d{9}$`));
    expect([entered.preNo, released.preNo, closed.preNo]).toEqual(Array(3).fill(accepted.preNo));
    expect([released.invtNo, closed.invtNo]).toEqual([entered.invtNo, entered.invtNo]);
    expect([released.returnInfo, closed.returnInfo]).toEqual(['[Code:2600;Desc:放行]', '[Code:2700;Desc:结关]']);
    expect(accepted.copNo).toMatch(/^NBBH2016030800[56]$/);
  }
  expect(new Set(inv[0].nodes.map((n) => n.preNo)).size).toBe(10);
  expect(new Set(inv[1].nodes.map((n) => n.invtNo)).size).toBe(10);

  // The tax bill comes with the release, one Tax per inventory, computed by the tax engine.
  const [bill] = of('CEB816Message');
  expect(got.indexOf(bill)).toBeGreaterThan(got.indexOf(inv[2]));
  expect(bill.nodes).toHaveLength(10);
  const expected = computeRetailImportTax({
    lines: [
      { gnum: 1, gcode: '8541401000', totalPrice: '20' },
      { gnum: 2, gcode: '8541401000', totalPrice: '12' },
    ],
    freight: '500',
    insuredFee: '200',
    rateOf: defaultRate,
  });
  bill.nodes.forEach((tax, r) => {
    const head = tax.TaxHeadRd as CebNode;
    expect(head).toMatchObject({ invtNo: inv[1].nodes[r].invtNo, taxNo: `${inv[1].nodes[r].invtNo}_0`, status: '1', customsCode: '3700', assureCode: 'ass201603081155' });
    expect(head.valueAddedTax).toBe(fenToYuan(expected.totals.vatFen));
    expect([head.customsTax, head.consumptionTax]).toEqual(['0.00', '0.00']);
    const lines = tax.TaxListRd as CebNode[];
    expect(lines.map((l) => [l.gnum, l.taxPrice, l.valueAddedTax])).toEqual(expected.lines.map((l) => [String(l.gnum), fenToYuan(l.dutiableFen), fenToYuan(l.vatFen)]));
  });
  expect(expected.totals.vatFen).toBe(6661); // 457.50 × 9.1 % + 274.50 × 9.1 %

  // Cancel / return / arrival echo what the tables require.
  const cancel = of('CEB624Message')[2].nodes[0];
  expect(cancel).toMatchObject({ copNo: 'NBBH20160308001', preNo: 'B20160308000000001', invtNo: '150201613031520001' });
  expect(cancel.returnInfo).toBe('[Code:2300;Desc:审核通过],撤单申请审核通过,清单[150201613031520001]已成功撤单');
  const refund = of('CEB626Message')[2].nodes[0];
  expect(refund.preNo).toMatch(/^T\d{17}$/);
  expect(refund.invtNo).toBeUndefined(); // the sample's invtNo has 17 characters: not echoed
  expect(refund.returnInfo).toBe('[Code:2300;Desc:审核通过],退货申请审核通过');
  expect(of('CEB712Message')[1].nodes[0]).toMatchObject({ copNo: 'NBBH20160308005', preNo: 'B20160308000000005', rkdNo: '010220160308000005' });
  expectValid(got);
}

describe('SandboxCustoms — core sequences', () => {
  it('answers every import declaration of the official samples (SQLite)', async () => {
    await coreSequence(await sqliteDb());
  });

  it.skipIf(pgUrl === null)('answers every import declaration of the official samples (PostgreSQL)', async () => {
    await coreSequence(await postgresDb(pgUrl as string));
  });
});

describe('SandboxCustoms — scenarios', () => {
  const inventory = (copNo: string, orderNo = `order-${copNo}`) =>
    fixture('621', (h) => {
      h.copNo = copNo;
      h.orderNo = orderNo;
    });

  it('drives inventories through review, inspection, rejection and negative codes', async () => {
    const db = await sqliteDb();
    const { sandbox, waitFor } = await harness(db);
    for (const copNo of ['OK-1', 'REVIEW-1', 'inspect-1', 'REJECT-1', 'NEG-1', 'SILENT-1']) await sandbox.send(envelope(inventory(copNo), 'CEB621Message'));
    const got = await waitFor(4 + 5 + 5 + 2 + 1 + 3);
    const seqs = byKey(got, 'CEB622Message', 'copNo');
    expect(seqs).toEqual({
      'OK-1': ['2', '120', '800', '899'],
      'REVIEW-1': ['2', '120', '300', '800', '899'],
      'inspect-1': ['2', '120', '500', '800', '899'],
      'REJECT-1': ['2', '100'],
      'NEG-1': ['-621004'],
    });
    const nodes = got.filter((g) => g.type === 'CEB622Message').flatMap((g) => g.nodes);
    const info = (copNo: string, status: string) => nodes.find((n) => n.copNo === copNo && n.returnStatus === status)!;
    expect(info('REVIEW-1', '300').returnInfo).toBe('[Code:2200;Desc:人工审核]');
    expect(info('inspect-1', '500').returnInfo).toBe('[Code:2400;Desc:查验]');
    expect(info('REJECT-1', '100').returnInfo).toBe('[Code:1300;Desc:订购人身份信息校验不通过]');
    expect(info('REJECT-1', '100')).not.toHaveProperty('invtNo');
    expect(info('NEG-1', '-621004').preNo).toMatch(/^B\d{17}$/);
    expect(got.filter((g) => g.type === 'CEB816Message')).toHaveLength(3); // released: OK, REVIEW, INSPECT
    const inbox = await db.kysely.selectFrom('sandbox_inbox').select('cop_msg_id').execute();
    expect(inbox).toHaveLength(6); // SILENT was accepted, just never answered
    expectValid(got);
  });

  it('applies the prefixes to orders, payments and waybills (case-insensitive, first key wins)', async () => {
    const { sandbox, waitFor } = await harness(await sqliteDb());
    await sandbox.send(envelope(fixture('311', (h) => void (h.orderNo = 'REJECT-O1')), 'CEB311Message'));
    await sandbox.send(envelope(fixture('311', (h) => void (h.orderNo = 'neg-O2')), 'CEB311Message'));
    await sandbox.send(envelope(fixture('411', (h) => void (h.payTransactionId = 'NEG-P1')), 'CEB411Message'));
    await sandbox.send(envelope(fixture('511', (h) => void (h.logisticsNo = 'reject-L1')), 'CEB511Message'));
    const got = await waitFor(2 + 1 + 1 + 2);
    expect(byKey(got, 'CEB312Message', 'orderNo')).toEqual({ 'REJECT-O1': ['2', '100'], 'neg-O2': ['-301010'] });
    expect(byKey(got, 'CEB412Message', 'payTransactionId')).toEqual({ 'NEG-P1': ['-401010'] });
    expect(byKey(got, 'CEB512Message', 'logisticsNo')).toEqual({ 'reject-L1': ['2', '100'] });
    const waybill = got.find((g) => g.type === 'CEB512Message' && g.nodes[0].returnStatus === '100')!;
    expect(waybill.nodes[0].returnInfo).toBe('收件地址不详');
    expect(got.find((g) => g.type === 'CEB312Message' && g.nodes[0].returnStatus === '-301010')!.nodes[0].returnInfo).toMatch(/订单号已存在/);
    expectValid(got);
  });

  it('answers each record of a mixed message on its own path, grouped per step', async () => {
    const { sandbox, waitFor } = await harness(await sqliteDb());
    const mixed = fixture('621', (h, i) => void (h.copNo = ['PLAIN-A', 'REVIEW-B', 'REJECT-C'][i]), 3);
    await sandbox.send(envelope(mixed, 'CEB621Message'));
    const got = await waitFor(5 + 2);
    expect(byKey(got, 'CEB622Message', 'copNo')).toEqual({
      'PLAIN-A': ['2', '120', '800', '899'],
      'REVIEW-B': ['2', '120', '300', '800', '899'],
      'REJECT-C': ['2', '100'],
    });
    expect(got.filter((g) => g.type === 'CEB622Message').map((g) => g.nodes.length)).toEqual([3, 3, 2, 1, 1, 1]);
    expectValid(got);
  });

  it('DELAY makes every step ten times slower', async () => {
    const db = await sqliteDb();
    const sandbox = new SandboxCustoms({ db: db.kysely, delayMs: 200, log: quiet, now: () => 1_000_000 });
    await sandbox.send(envelope(fixture('311', (h) => void (h.orderNo = 'DELAY-1')), 'CEB311Message'));
    await sandbox.send(envelope(fixture('311', (h) => void (h.orderNo = 'FAST-1')), 'CEB311Message'));
    const rows = await db.kysely.selectFrom('sandbox_events').select(['due_at', 'created_at']).orderBy('id').execute();
    expect(rows.map((r) => r.due_at - r.created_at)).toEqual([2000, 4000, 200, 400]);
  });

  it('DOWN refuses the first three attempts of a CopMsgId, then accepts once', async () => {
    const db = await sqliteDb();
    const { sandbox, waitFor } = await harness(db);
    const msg = envelope(fixture('311', (h) => void (h.orderNo = 'DOWN-1')), 'CEB311Message');
    for (let i = 0; i < 3; i++) await expect(sandbox.send(msg)).rejects.toThrow('sandbox customs unreachable (scenario DOWN)');
    await sandbox.send(msg);
    await sandbox.send(msg); // a retry after acceptance is a no-op, not a fourth failure
    const got = await waitFor(2);
    expect(byKey(got, 'CEB312Message', 'orderNo')).toEqual({ 'DOWN-1': ['2', '120'] });
    const other = envelope(fixture('311', (h) => void (h.orderNo = 'DOWN-2')), 'CEB311Message');
    await expect(sandbox.send(other)).rejects.toThrow(/scenario DOWN/);
  });

  it('follows a scenarios file before the built-in prefixes', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const file = join(dir.path, 'scenarios.json');
    writeFileSync(file, JSON.stringify([
      { match: { field: 'orderNo', prefix: 'VIP' }, scenario: 'review' },
      { match: { field: 'copNo', prefix: 'REJECT', messageType: 'CEB621Message' }, scenario: 'normal' },
    ]));
    const { sandbox, waitFor } = await harness(await sqliteDb(), { scenariosFile: file });
    await sandbox.send(envelope(inventory('C-1', 'vip-0001'), 'CEB621Message'));
    await sandbox.send(envelope(inventory('REJECT-BUT-FINE'), 'CEB621Message'));
    const got = await waitFor(5 + 4 + 2);
    expect(byKey(got, 'CEB622Message', 'copNo')).toEqual({ 'C-1': ['2', '120', '300', '800', '899'], 'REJECT-BUT-FINE': ['2', '120', '800', '899'] });
  });

  it('validates scenario files with messages that say what is wrong', () => {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const write = (name: string, text: string) => {
      writeFileSync(join(dir.path, name), text);
      return join(dir.path, name);
    };
    expect(() => loadScenarios(join(dir.path, 'missing.json'))).toThrow(/cannot read/);
    expect(() => loadScenarios(write('a.json', '{oops'))).toThrow(/not valid JSON/);
    expect(() => loadScenarios(write('b.json', '{}'))).toThrow(/must be a JSON array/);
    expect(() => loadScenarios(write('c.json', '[{"match":{"field":"orderNo","prefix":"X"},"scenario":"revew"}]'))).toThrow(/rule 1: "scenario" must be one of normal, reject/);
    expect(() => loadScenarios(write('d.json', '[{"match":{"field":"orderNo"},"scenario":"review"}]'))).toThrow(/rule 1: "match.prefix"/);
    expect(() => loadScenarios(write('e.json', '[{"match":{"field":"orderNo","prefix":"X","type":"y"},"scenario":"review"}]'))).toThrow(/unknown key "match.type"/);
    expect(() => loadScenarios(write('f.json', '[{"match":{"field":"orderNo","prefix":"X","messageType":"CEB999Message"},"scenario":"review"}]'))).toThrow(/messageType/);
    expect(loadScenarios(write('g.json', '[{"match":{"field":"ebcCode","prefix":"11"},"scenario":"silent"}]'))).toEqual([{ match: { field: 'ebcCode', prefix: '11' }, scenario: 'silent' }]);
    expect(() => new SandboxCustoms({ db: null as never, delayMs: 1, scenariosFile: write('h.json', '[1]') })).toThrow(/rule 1: must be an object/);
  });
});

describe('SandboxCustoms — transport behaviour', () => {
  it('is idempotent on CopMsgId: the same message twice yields one sequence', async () => {
    const db = await sqliteDb();
    const { sandbox, waitFor } = await harness(db);
    const msg = envelope(fixture('621', (h) => void (h.copNo = 'ONCE-1')), 'CEB621Message');
    await Promise.all([sandbox.send(msg), sandbox.send(msg)]);
    await sandbox.send(msg);
    const got = await waitFor(5, 100);
    expect(got).toHaveLength(5);
    expect(byKey(got, 'CEB622Message', 'copNo')).toEqual({ 'ONCE-1': ['2', '120', '800', '899'] });
    const counters = await db.kysely.selectFrom('sandbox_counters').selectAll().orderBy('name').execute();
    expect(counters.map((c) => [c.name.replace(/\d{4}$/, 'YYYY'), c.value])).toEqual([['invtNo:3700:YYYY', 1], ['preNo', 1]]);
  });

  it('answers a schema fault with a CEB900 carrying the original message', async () => {
    const { sandbox, waitFor } = await harness(await sqliteDb());
    const broken = fixture('311', (h) => void delete h.orderNo);
    const msg = envelope(broken, 'CEB311Message');
    await sandbox.send(msg);
    await sandbox.send(envelope('<not xml', 'Whatever'));
    await sandbox.send(envelope(sample('312'), 'CEB312Message')); // a receipt is no declaration
    const got = await waitFor(3);
    expect(got.map((g) => g.type)).toEqual(['CEB900Message', 'CEB900Message', 'CEB900Message']);
    const [fault, unreadable, wrongType] = got.map((g) => g.nodes[0]);
    expect(fault).toMatchObject({ returnStatus: '-2', oriCopMsgId: msg.copMsgId, oriMessageType: 'CEB311Message', oriBizMessage: broken });
    expect(fault.returnInfo).toMatch(/^报文校验不通过：.*orderNo/);
    expect(unreadable).toMatchObject({ returnStatus: '-1', oriMessageType: 'Unknown', oriBizMessage: '<not xml' });
    expect(wrongType.returnInfo).toMatch(/import declaration/);
    expectValid(got);
  });

  it('refuses an envelope that is not a DxpMsg', async () => {
    const sandbox = new SandboxCustoms({ db: (await sqliteDb()).kysely, delayMs: 1, log: quiet });
    await expect(sandbox.send({ copMsgId: 'x', messageType: 'CEB311Message', envelope: sample('311').toString() })).rejects.toThrow(/refused the envelope/);
  });

  // Receipts due together are delivered together; one that fails is retried on a later pass,
  // so it may arrive after a later one (the platform's lifecycle is monotonic, as customs' is not ordered).
  it('keeps a receipt whose delivery failed pending and retries it', async () => {
    let failures = 2;
    const { sandbox, waitFor } = await harness(await sqliteDb(), {}, () => {
      if (failures-- > 0) throw new Error('platform busy');
    });
    await sandbox.send(envelope(fixture('311', (h) => void (h.orderNo = 'RETRY-1')), 'CEB311Message'));
    const got = await waitFor(2);
    expect(byKey(got, 'CEB312Message', 'orderNo')['RETRY-1'].sort()).toEqual(['120', '2']);
  });

  it('numbers preNo and invtNo from shared counters across messages', async () => {
    const { sandbox, waitFor } = await harness(await sqliteDb());
    await sandbox.send(envelope(fixture('621', (h, i) => void (h.copNo = `SER-${i}`), 2), 'CEB621Message'));
    await sandbox.send(envelope(fixture('621', (h) => void (h.copNo = 'SER-9')), 'CEB621Message'));
    const got = await waitFor(4 + 1 + 4 + 1);
    const entered = got.filter((g) => g.type === 'CEB622Message').flatMap((g) => g.nodes).filter((n) => n.returnStatus === '120');
    expect(entered.map((n) => [n.copNo, str(n.preNo).slice(-9), str(n.invtNo).slice(-9)])).toEqual([
      ['SER-0', '000000001', '000000001'],
      ['SER-1', '000000002', '000000002'],
      ['SER-9', '000000003', '000000003'],
    ]);
  });
});
