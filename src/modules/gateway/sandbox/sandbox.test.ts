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
import { demoSign } from '../../../demo/keys.ts';
import { signCeb } from '../../../ceb/dsig.ts';
import { CertFactory } from '../../../../test/support/certs.ts';

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
/** The envelope customs gets; an inventory is signed for real (the samples' signatures are placeholders) unless `raw`. */
function envelope(ceb: string | Buffer, msgType: string, copMsgId = `cop-${process.pid}-${++seq}`, raw = false) {
  const data = msgType === 'CEB621Message' && !raw ? signedInventory(ceb) : Buffer.from(ceb);
  const envelope = buildDxpMsg({ copMsgId, senderId: SENDER, receiverId: 'DXPEDCCEB0000002', msgType, data });
  return { copMsgId, messageType: msgType, envelope };
}

/** The same inventory without its signature, signed with the declaration agent's sandbox key. */
function signedInventory(ceb: string | Buffer): Buffer {
  const r = parseDocument(Buffer.from(ceb));
  if (!r.ok) return Buffer.from(ceb);
  const { Signature: _placeholder, ...body } = r.doc.body;
  return Buffer.from(demoSign(buildDocument(r.doc.def, body, { prefix: 'ceb' }), '3301980A02'));
}

/** The first `count` records of an official sample, edited. */
function fixture(code: string, edit: (head: CebNode, i: number, record: CebNode) => void, count = 1): string {
  const r = parseDocument(sample(code));
  if (!r.ok) throw new Error('sample does not parse');
  const name = recordElementName(r.doc.def);
  const all = r.doc.body[name];
  const list = structuredClone((Array.isArray(all) ? all : [all]).slice(0, count)) as CebNode[];
  list.forEach((rec, i) => edit(headOf(rec), i, rec));
  return buildDocument(r.doc.def, { ...r.doc.body, [name]: list }, { prefix: 'ceb' });
}

/** Bonded (1210) inventories are released without an arrival list; the official sample's are 9610. */
const bonded = (h: CebNode) => void (h.tradeMode = '1210');

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
  // The sample inventories (9610) name parcels L…007 and L…008: the arrival list names them too.
  const arrival = fixture('711', (_h, _i, rec) => {
    rec.DeliveryList = ['L201603081138007', 'L201603081138008'].map((logisticsNo, k) => ({ gnum: String(k + 1), logisticsNo }));
  });
  for (const code of ['311', '411', '511', '513', '621', '623', '625', '711']) {
    sent.push(envelope(code === '711' ? arrival : sample(code), `CEB${code}Message`));
    await sandbox.send(sent[sent.length - 1]);
  }
  await sandbox.send(sent[4]); // a retried CopMsgId schedules nothing new
  const got = await waitFor(19);
  expect(got).toHaveLength(19);
  const of = (t: string) => got.filter((g) => g.type === t);
  const each = (n: number, seqs: string[]) => seqs.map((s) => Array(n).fill(s));
  expect(statuses(of('CEB312Message'))).toEqual(each(6, ['2', '120']));
  expect(statuses(of('CEB412Message'))).toEqual(each(10, ['2', '120']));
  expect(statuses(of('CEB512Message'))).toEqual(each(6, ['2', '120']));
  expect(statuses(of('CEB514Message'))).toEqual(each(10, ['2', '399']));
  expect(statuses(of('CEB622Message'))).toEqual(each(10, ['2', '120', '800', '899']));
  // The samples cancel and return inventories this customs never took in.
  expect(statuses(of('CEB624Message'))).toEqual(each(10, ['2', '100']));
  expect(statuses(of('CEB626Message'))).toEqual(each(10, ['2', '100']));
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
  const cancel = of('CEB624Message')[1].nodes[0];
  expect(cancel).toMatchObject({ copNo: 'NBBH20160308001', preNo: 'B20160308000000001', invtNo: '150201613031520001' });
  expect(cancel.returnInfo).toBe('[Code:1300;Desc:审核不通过],清单[150201613031520001]不存在');
  const refund = of('CEB626Message')[1].nodes[0];
  expect(refund.preNo).toMatch(/^T\d{17}$/);
  expect(refund.invtNo).toBeUndefined(); // the sample's invtNo has 17 characters: not echoed
  expect(refund.returnInfo).toBe('[Code:1300;Desc:审核不通过],清单[15003213300400111]不存在');
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
      bonded(h);
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
    const mixed = fixture('621', (h, i) => {
      h.copNo = ['PLAIN-A', 'REVIEW-B', 'REJECT-C'][i];
      bonded(h);
    }, 3);
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
    const msg = envelope(fixture('621', (h) => {
      h.copNo = 'ONCE-1';
      bonded(h);
    }), 'CEB621Message');
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
    const numbered = (copNo: (i: number) => string, count: number) =>
      fixture('621', (h, i) => {
        h.copNo = copNo(i);
        bonded(h);
      }, count);
    await sandbox.send(envelope(numbered((i) => `SER-${i}`, 2), 'CEB621Message'));
    await sandbox.send(envelope(numbered(() => 'SER-9', 1), 'CEB621Message'));
    const got = await waitFor(4 + 1 + 4 + 1);
    const entered = got.filter((g) => g.type === 'CEB622Message').flatMap((g) => g.nodes).filter((n) => n.returnStatus === '120');
    expect(entered.map((n) => [n.copNo, str(n.preNo).slice(-9), str(n.invtNo).slice(-9)])).toEqual([
      ['SER-0', '000000001', '000000001'],
      ['SER-1', '000000002', '000000002'],
      ['SER-9', '000000003', '000000003'],
    ]);
  });
});

// --- arrival (9610), cancel and return: rules that span messages --------------------------------

/** An inventory of the official sample: 9610 (direct purchase) unless told, for parcel `parcel`. */
const parcelInventory = (copNo: string, parcel: string, mode: '9610' | '1210' = '9610') =>
  envelope(
    fixture('621', (h) => {
      h.copNo = copNo;
      h.orderNo = `order-${copNo}`;
      h.logisticsNo = parcel;
      h.tradeMode = mode;
    }),
    'CEB621Message',
  );
/** A CEB711 arrival list naming `parcels`. */
const arrivalList = (copNo: string, parcels: string[]) =>
  envelope(
    fixture('711', (h, _i, rec) => {
      h.copNo = copNo;
      rec.DeliveryList = parcels.map((logisticsNo, k) => ({ gnum: String(k + 1), logisticsNo }));
    }),
    'CEB711Message',
  );
const cancelOf = (copNo: string, invtNo: string) =>
  envelope(
    fixture('623', (h) => {
      h.copNo = copNo;
      h.invtNo = invtNo;
    }),
    'CEB623Message',
  );
/** A CEB625 for `lines` ([gnum, qty]) of the sample inventory (gnum 1 qty 100, gnum 2 qty 200). */
const returnOf = (copNo: string, invtNo: string, lines: Array<[string, string]>) =>
  envelope(
    fixture('625', (h, _i, rec) => {
      h.copNo = copNo;
      h.invtNo = invtNo;
      rec.InvtRefundList = lines.map(([gnum, qty]) => ({ gnum, gcode: '8541401000', gname: '小米盒子', qty, unit: '007' }));
    }),
    'CEB625Message',
  );
/** The invtNo customs gave the inventory `copNo` (first seen on its 120). */
const invtNoOf = (got: Got[], copNo: string) =>
  str(got.filter((g) => g.type === 'CEB622Message').flatMap((g) => g.nodes).find((n) => n.copNo === copNo && n.invtNo)?.invtNo);
const infoOf = (got: Got[], type: string, copNo: string, status: string) =>
  str(got.filter((g) => g.type === type).flatMap((g) => g.nodes).find((n) => n.copNo === copNo && n.returnStatus === status)?.returnInfo);
const states = async (db: Db) =>
  Object.fromEntries((await db.kysely.selectFrom('sandbox_inventories').select(['cop_no', 'state']).execute()).map((r) => [r.cop_no, r.state]));

async function arrivalGating(db: Db) {
  const { sandbox, got, waitFor } = await harness(db);
  await sandbox.send(parcelInventory('W-1', 'PARCEL-A'));
  await sandbox.send(parcelInventory('REVIEW-W', 'PARCEL-R'));
  await sandbox.send(parcelInventory('INSPECT-W', 'PARCEL-I'));
  await sandbox.send(parcelInventory('B-1', 'PARCEL-B', '1210'));
  await sandbox.send(arrivalList('ARR-E', ['PARCEL-E'])); // the parcel arrives before its inventory
  await sandbox.send(parcelInventory('E-1', 'PARCEL-E'));
  await waitFor(2 + 3 + 2 + 5 + 2 + 5);
  expect(byKey(got, 'CEB622Message', 'copNo')).toEqual({
    'W-1': ['2', '120'],
    'REVIEW-W': ['2', '120', '300'], // manual review is on the documents; release waits for the parcel
    'INSPECT-W': ['2', '120'], // inspection needs the parcel
    'B-1': ['2', '120', '800', '899'], // 1210: bonded goods are already in the zone
    'E-1': ['2', '120', '800', '899'],
  });
  expect(await states(db)).toEqual({ 'W-1': 'waiting', 'REVIEW-W': 'waiting', 'INSPECT-W': 'waiting', 'B-1': 'cleared', 'E-1': 'cleared' });

  // One arrival list releases every inventory waiting for its parcels.
  await sandbox.send(arrivalList('ARR-2', ['PARCEL-A', 'PARCEL-R', 'PARCEL-I', 'PARCEL-UNKNOWN']));
  await waitFor(19 + 8);
  expect(got).toHaveLength(27);
  expect(byKey(got, 'CEB622Message', 'copNo')).toEqual({
    'W-1': ['2', '120', '800', '899'],
    'REVIEW-W': ['2', '120', '300', '800', '899'],
    'INSPECT-W': ['2', '120', '500', '800', '899'],
    'B-1': ['2', '120', '800', '899'],
    'E-1': ['2', '120', '800', '899'],
  });
  expect(byKey(got, 'CEB712Message', 'copNo')).toEqual({ 'ARR-E': ['2', '399'], 'ARR-2': ['2', '399'] });
  const released = got.filter((g) => g.type === 'CEB622Message').flatMap((g) => g.nodes).filter((n) => n.returnStatus === '800');
  for (const n of released) expect(n.invtNo).toBe(invtNoOf(got, str(n.copNo)));
  const taxed = got.filter((g) => g.type === 'CEB816Message').flatMap((g) => g.nodes.map((t) => str((t.TaxHeadRd as CebNode).invtNo)));
  expect(taxed.sort()).toEqual(released.map((n) => str(n.invtNo)).sort());
  expect(Object.values(await states(db))).toEqual(Array(5).fill('cleared'));
  expectValid(got);
}

describe('SandboxCustoms — arrival of 9610 parcels (CEB711)', () => {
  it('releases a 9610 inventory only once an arrival list names its parcel, in either order (SQLite)', async () => {
    await arrivalGating(await sqliteDb());
  });

  it.skipIf(pgUrl === null)('releases a 9610 inventory only once an arrival list names its parcel, in either order (PostgreSQL)', async () => {
    await arrivalGating(await postgresDb(pgUrl as string));
  });

  it('plans the release in the transaction that records the arrival, so a restart keeps it', async () => {
    const db = await sqliteDb();
    const clock = 1_750_000_000_000;
    const before = new SandboxCustoms({ db: db.kysely, delayMs: 100, log: quiet, now: () => clock });
    await before.send(parcelInventory('D-1', 'PARCEL-D'));
    await before.send(arrivalList('ARR-D', ['PARCEL-D']));
    const rows = await db.kysely.selectFrom('sandbox_events').select(['due_at', 'payload']).orderBy('id').execute();
    const planned = rows.map((r) => {
      const outer = parseDocument(Buffer.from(r.payload));
      if (!outer.ok) throw new Error('event payload does not parse');
      return [openEnvelope(outer.doc).msgType, r.due_at - clock];
    });
    expect(planned).toEqual([
      ['CEB622Message', 100], // the inventory: 2, 120, then nothing
      ['CEB622Message', 200],
      ['CEB712Message', 100], // the arrival list: 2, 399 …
      ['CEB712Message', 200],
      ['CEB622Message', 300], // … and the release, one step after the inventory's 120
      ['CEB816Message', 300],
      ['CEB622Message', 800], // 899
    ]);
    const { waitFor } = await harness(db);
    const got = await waitFor(7);
    expect(byKey(got, 'CEB622Message', 'copNo')).toEqual({ 'D-1': ['2', '120', '800', '899'] });
    expectValid(got);
  });

  it.skipIf(pgUrl === null)('never strands an inventory when it and its arrival list are accepted concurrently (PostgreSQL)', async () => {
    const db = await postgresDb(pgUrl as string);
    const a = new SandboxCustoms({ db: db.kysely, delayMs: 1, log: quiet });
    const b = new SandboxCustoms({ db: db.kysely, delayMs: 1, log: quiet });
    for (let k = 0; k < 20; k++) await Promise.all([a.send(parcelInventory(`RACE-${k}`, `PARCEL-RACE-${k}`)), b.send(arrivalList(`ARR-RACE-${k}`, [`PARCEL-RACE-${k}`]))]);
    expect(Object.values(await states(db))).toEqual(Array(20).fill('cleared'));
  });
});

async function cancels(db: Db) {
  const { sandbox, got, waitFor } = await harness(db);
  await sandbox.send(parcelInventory('C-1', 'PARCEL-C1', '1210'));
  await sandbox.send(parcelInventory('C-2', 'PARCEL-C2')); // 9610, still waiting for its parcel
  await waitFor(5 + 2);
  const [c1, c2] = [invtNoOf(got, 'C-1'), invtNoOf(got, 'C-2')];
  const unknown = `${c1.slice(0, 9)}999999999`;
  await sandbox.send(cancelOf('X-C-1', c1));
  await sandbox.send(cancelOf('X-UNKNOWN', unknown));
  await sandbox.send(cancelOf('X-C-2', c2));
  await sandbox.send(cancelOf('X-AGAIN', c1));
  await sandbox.send(arrivalList('ARR-C2', ['PARCEL-C2'])); // too late: C-2 was cancelled
  await waitFor(7 + 3 + 2 + 3 + 1 + 2);
  expect(got).toHaveLength(18);
  expect(byKey(got, 'CEB624Message', 'copNo')).toEqual({ 'X-C-1': ['2', '120', '399'], 'X-UNKNOWN': ['2', '100'], 'X-C-2': ['2', '120', '399'], 'X-AGAIN': ['-623004'] });
  expect(infoOf(got, 'CEB624Message', 'X-C-1', '399')).toBe(`[Code:2300;Desc:审核通过],撤单申请审核通过,清单[${c1}]已成功撤单`);
  expect(infoOf(got, 'CEB624Message', 'X-UNKNOWN', '100')).toBe(`[Code:1300;Desc:审核不通过],清单[${unknown}]不存在`);
  expect(infoOf(got, 'CEB624Message', 'X-AGAIN', '-623004')).toBe(`撤销申请单报文处理失败，清单[${c1}]已撤单，不能重复撤单`);
  expect(byKey(got, 'CEB622Message', 'copNo')['C-2']).toEqual(['2', '120']);
  expect(got.filter((g) => g.type === 'CEB816Message').flatMap((g) => g.nodes)).toHaveLength(1); // C-1 only
  expect(await states(db)).toEqual({ 'C-1': 'cancelled', 'C-2': 'cancelled' });
  expectValid(got);
}

/** Returns on a clock the test moves: releases happen at T0, the returns days later. */
async function returns(db: Db) {
  let clock = Date.parse('2026-03-02T02:00:00Z');
  const { sandbox, got, waitFor } = await harness(db, { now: () => clock });
  const settle = async (n: number) => {
    clock += 1000; // everything sent so far falls due
    return waitFor(n);
  };
  for (const copNo of ['R-1', 'R-2', 'R-3']) await sandbox.send(parcelInventory(copNo, `PARCEL-${copNo}`, '1210'));
  await sandbox.send(parcelInventory('R-4', 'PARCEL-R-4')); // 9610, never arrives
  await settle(3 * 5 + 2);
  const [r1, r2, r3, r4] = ['R-1', 'R-2', 'R-3', 'R-4'].map((c) => invtNoOf(got, c));
  const unknown = `${r1.slice(0, 9)}999999999`;

  clock += 86_400_000; // a day after the release
  await sandbox.send(returnOf('T-EARLY', r4, [['1', '1']]));
  await sandbox.send(returnOf('T-OK', r1, [['1', '100'], ['2', '50']]));
  await sandbox.send(returnOf('T-MORE', r2, [['2', '150'], ['2', '50.5']]));
  await sandbox.send(returnOf('T-GNUM', r3, [['3', '1']]));
  await sandbox.send(returnOf('T-NONE', unknown, [['1', '1']]));
  await sandbox.send(returnOf('T-AGAIN', r1, [['1', '1']]));
  await sandbox.send(cancelOf('X-RETURNED', r1));
  await settle(17 + 2 + 3 + 2 + 2 + 2 + 2 + 1);
  clock += 28 * 86_400_000; // 29 days after the release: still in time
  await sandbox.send(returnOf('T-IN-TIME', r3, [['2', '200']]));
  clock += 2 * 86_400_000; // 31 days after the release
  await sandbox.send(returnOf('T-LATE', r2, [['1', '1']]));
  await settle(31 + 3 + 2);
  expect(got).toHaveLength(36);

  expect(byKey(got, 'CEB626Message', 'copNo')).toEqual({
    'T-EARLY': ['2', '100'],
    'T-OK': ['2', '120', '399'],
    'T-MORE': ['2', '100'],
    'T-GNUM': ['2', '100'],
    'T-NONE': ['2', '100'],
    'T-AGAIN': ['2', '100'],
    'T-IN-TIME': ['2', '120', '399'],
    'T-LATE': ['2', '100'],
  });
  const why = (copNo: string) => infoOf(got, 'CEB626Message', copNo, '100');
  expect(why('T-EARLY')).toBe(`[Code:1300;Desc:审核不通过],清单[${r4}]未放行，不能退货`);
  expect(why('T-MORE')).toBe('[Code:1300;Desc:审核不通过],第2项退货数量200.5大于申报数量200');
  expect(why('T-GNUM')).toBe(`[Code:1300;Desc:审核不通过],清单[${r3}]没有第3项商品`);
  expect(why('T-NONE')).toBe(`[Code:1300;Desc:审核不通过],清单[${unknown}]不存在`);
  expect(why('T-AGAIN')).toBe(`[Code:1300;Desc:审核不通过],清单[${r1}]已退货，不能重复退货`);
  expect(why('T-LATE')).toBe(`[Code:1300;Desc:审核不通过],清单[${r2}]超过退货期限（放行后30日）`);
  expect(infoOf(got, 'CEB626Message', 'T-OK', '399')).toBe('[Code:2300;Desc:审核通过],退货申请审核通过');
  expect(got.filter((g) => g.type === 'CEB626Message').flatMap((g) => g.nodes).find((n) => n.copNo === 'T-OK')!.invtNo).toBe(r1);
  expect(byKey(got, 'CEB624Message', 'copNo')).toEqual({ 'X-RETURNED': ['-623010'] });
  expect(await states(db)).toEqual({ 'R-1': 'returned', 'R-2': 'cleared', 'R-3': 'returned', 'R-4': 'waiting' });
  expectValid(got);
}

describe('SandboxCustoms — cancel (CEB623) and return (CEB625)', () => {
  it('cancels only an inventory it holds, once (SQLite)', async () => {
    await cancels(await sqliteDb());
  });

  it.skipIf(pgUrl === null)('cancels only an inventory it holds, once (PostgreSQL)', async () => {
    await cancels(await postgresDb(pgUrl as string));
  });

  it('accepts a return only after release, within 30 days, up to the declared quantities (SQLite)', async () => {
    await returns(await sqliteDb());
  });

  it.skipIf(pgUrl === null)('accepts a return only after release, within 30 days, up to the declared quantities (PostgreSQL)', async () => {
    await returns(await postgresDb(pgUrl as string));
  });
});

describe('SandboxCustoms — signatures', () => {
  it('refuses an inventory whose signature fails (-621028 / -621029) or whose certificate is not the sandbox CA\'s', async () => {
    const db = await sqliteDb();
    const { sandbox, waitFor } = await harness(db);
    const inv = (copNo: string) => fixture('621', (h) => {
      h.copNo = copNo;
      bonded(h);
    });
    // The official sample's placeholder signature: its digest is not that of the content.
    await sandbox.send(envelope(inv('SIG-PLACEHOLDER'), 'CEB621Message', undefined, true));
    // A value changed after signing.
    const good = signedInventory(inv('SIG-TAMPERED')).toString('utf8');
    await sandbox.send(envelope(good.replace('<ceb:copNo>SIG-TAMPERED<', '<ceb:copNo>SIG-TAMPERES<'), 'CEB621Message', undefined, true));
    // A valid signature by a certificate of another CA.
    const certs = new CertFactory();
    cleanups.push(() => certs.remove());
    const other = certs.issue('/C=CN/O=杭州关通报关代理有限公司/CN=3301980A02', { self: true });
    const parsed = parseDocument(Buffer.from(inv('SIG-FOREIGN-CA')));
    if (!parsed.ok) throw new Error('fixture');
    const { Signature: _s, ...body } = parsed.doc.body;
    const foreign = signCeb(buildDocument(parsed.doc.def, body, { prefix: 'ceb' }), { algorithm: 'sm2-sm3', privateKeyPem: other.keyPem, certificateDer: other.der });
    await sandbox.send(envelope(foreign, 'CEB621Message', undefined, true));
    // And a good one.
    await sandbox.send(envelope(inv('SIG-GOOD'), 'CEB621Message'));
    const got = await waitFor(7, 100);
    expect(byKey(got, 'CEB622Message', 'copNo')).toEqual({
      'SIG-PLACEHOLDER': ['-621028'],
      'SIG-TAMPERES': ['-621028'],
      'SIG-FOREIGN-CA': ['-621029'],
      'SIG-GOOD': ['2', '120', '800', '899'],
    });
    const infos = got.flatMap((g) => g.nodes).filter((n) => str(n.returnStatus) === '-621029').map((n) => str(n.returnInfo));
    expect(infos.some((i) => i.includes('沙箱证书中心'))).toBe(true);
    expectValid(got);
  });
});
