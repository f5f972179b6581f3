/**
 * The authorization matrix through the real API, on every database of the run. Written as data:
 *
 * - SENDERS: which roles send which message type. Every demo role × every import message type is
 *   sent; the senders' messages are accepted (202), every other role's refused with 403 and
 *   customs' -10101, and nothing is stored.
 * - MATRIX: rows { method, path, role, expect } over two tenants — the demo zone's e-commerce
 *   enterprise and agent (A), and a second approved pair filed by the operator (B) — for the
 *   message views, raw bytes, envelope, receipts feed, stock and webhooks. Paths name the objects
 *   they touch as {placeholders}; listings say which objects must and must not appear.
 *
 * The runner sets the tenants up, resolves the placeholders and checks each row: zero cross-tenant
 * reads or writes, each refusal a clear 403 or 404. To cover a new endpoint, add rows.
 */
import { execFileSync } from 'node:child_process';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES, buildDocument } from '../../src/ceb/index.ts';
import { signCeb } from '../../src/ceb/dsig.ts';
import { cancelMessage, refundMessage } from '../../src/demo/aftersales.ts';
import { arrivalList } from '../../src/demo/arrival.ts';
import { DEMO_PARTIES, PLACEHOLDER_SIGNATURE, makeFlow, wrapMessage, type Flow, type Parties, type Party } from '../../src/demo/flows.ts';
import { SANDBOX_KEYS_DIR } from '../../src/demo/keys.ts';
import { usccCheckChar } from '../../src/modules/enterprises/index.ts';
import { cstTime14 } from '../../src/platform/time.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';
import { tempDir } from '../support/db.ts';

// --- who ------------------------------------------------------------------------------------------

const DEMO_ROLES = ['operator', 'ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'bank', 'customs', 'commerce'] as const;
type DemoRole = (typeof DEMO_ROLES)[number];
/**
 * The demo zone's enterprises; the second tenant (ebcB delegates its inventories to agentB); an
 * applicant still pending; the demo agent with a read-only and a declare-only key.
 */
type Principal = DemoRole | 'ebcB' | 'agentB' | 'pending' | 'agentRead' | 'agentDeclare';
const PRINCIPALS: Principal[] = [...DEMO_ROLES, 'ebcB', 'agentB', 'pending', 'agentRead', 'agentDeclare'];

// --- who sends what ---------------------------------------------------------------------------------

const IMPORT_TYPES = ['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB513Message', 'CEB621Message', 'CEB623Message', 'CEB625Message', 'CEB711Message'] as const;
type ImportType = (typeof IMPORT_TYPES)[number];

/** The zone's policy, as the tests expect it: sender roles of each import message type. */
const SENDERS: Record<ImportType, DemoRole[]> = {
  CEB311Message: ['ebp'],
  CEB411Message: ['payment'],
  CEB511Message: ['logistics'],
  CEB513Message: ['logistics'],
  CEB621Message: ['agent', 'ebc'],
  CEB623Message: ['agent', 'ebc'],
  CEB625Message: ['agent', 'ebc'],
  CEB711Message: ['warehouse'],
};

// --- who reads and changes what ---------------------------------------------------------------------

interface Row {
  method: 'GET' | 'POST' | 'DELETE';
  /** With {placeholders}: {A.inventory} → a message id, {id:agentB} → an enterprise id… (see `fixtures`). */
  path: string;
  role: Principal;
  expect: number;
  /** JSON body, with {placeholders}. */
  body?: string;
  /** For listings (`items` of the answer): objects that must appear, and objects that must not. */
  present?: string[];
  absent?: string[];
}

type Expectations = Partial<Record<Principal, number>> & { others: number };
/** One row per principal: the listed ones get their status, every other principal `others`. */
const rows = (method: Row['method'], path: string, expect: Expectations, extra: Partial<Row> = {}): Row[] =>
  PRINCIPALS.map((role) => ({ method, path, role, expect: expect[role] ?? expect.others, ...extra }));
/** Listing rows: what each principal must see and must not see. */
const listing = (path: string, status: Expectations, sees: Partial<Record<Principal, string[]>>, all: string[]): Row[] =>
  rows('GET', path, status).map((r) => (r.expect === 200 ? { ...r, present: sees[r.role] ?? [], absent: all.filter((x) => !(sees[r.role] ?? []).includes(x)) } : r));

/** Those who read everything: the operator and regulators. Refused outright: the pending applicant and a key without the read scope. */
const READ_ALL = { operator: 200, customs: 200, commerce: 200 } as const;
const NO_READ = { pending: 403, agentDeclare: 403 } as const;
const STOCK_NOT_SHOWN = { ebp: 403, payment: 403, logistics: 403, agent: 403, agentRead: 403, agentB: 403, overseas: 403 } as const;
const RECEIPTS = ['A.agentReceipt', 'A.ebcReceipt', 'B.receipt'];
const STOCK = ['A.stock', 'B.stock'];
const WEBHOOKS = ['A.webhook', 'B.webhook'];

const MATRIX: Row[] = [
  // Messages: the sender's own, a bank's by the sender's consent (the demo ebc consents to the demo bank), everyone's for the operator and regulators.
  ...['', '/raw', '/envelope'].flatMap((view) => [
    ...rows('GET', `/api/v1/messages/{A.inventory}${view}`, { ...READ_ALL, ...NO_READ, agent: 200, agentRead: 200, others: 404 }),
    ...rows('GET', `/api/v1/messages/{A.ebcInventory}${view}`, { ...READ_ALL, ...NO_READ, ebc: 200, bank: 200, others: 404 }),
    ...rows('GET', `/api/v1/messages/{B.inventory}${view}`, { ...READ_ALL, ...NO_READ, agentB: 200, others: 404 }),
  ]),
  // Receipts feed.
  ...listing('/api/v1/receipts?limit=1000', { ...NO_READ, others: 200 }, {
    operator: RECEIPTS, customs: RECEIPTS, commerce: RECEIPTS,
    agent: ['A.agentReceipt'], agentRead: ['A.agentReceipt'], ebc: ['A.ebcReceipt'], bank: ['A.ebcReceipt'], agentB: ['B.receipt'],
  }, RECEIPTS),
  ...listing('/api/v1/receipts?limit=1000&enterpriseId={id:agentB}', { ...NO_READ, ...READ_ALL, agentB: 200, others: 403 }, {
    operator: ['B.receipt'], customs: ['B.receipt'], commerce: ['B.receipt'], agentB: ['B.receipt'],
  }, RECEIPTS),
  ...listing('/api/v1/receipts?limit=1000&enterpriseId={id:ebc}', { ...NO_READ, ...READ_ALL, ebc: 200, bank: 200, others: 403 }, {
    operator: ['A.ebcReceipt'], customs: ['A.ebcReceipt'], commerce: ['A.ebcReceipt'], ebc: ['A.ebcReceipt'], bank: ['A.ebcReceipt'],
  }, RECEIPTS),
  // Stock: warehouses what they keep, owners what they own, a bank by consent.
  ...listing('/api/v1/stock', { ...NO_READ, ...STOCK_NOT_SHOWN, others: 200 }, {
    operator: STOCK, customs: STOCK, commerce: STOCK, warehouse: STOCK, ebc: ['A.stock'], bank: ['A.stock'], ebcB: ['B.stock'],
  }, STOCK),
  ...rows('GET', '/api/v1/stock/{A.stock}', { ...NO_READ, ...STOCK_NOT_SHOWN, ...READ_ALL, warehouse: 200, ebc: 200, bank: 200, others: 404 }),
  ...rows('GET', '/api/v1/stock/{B.stock}', { ...NO_READ, ...STOCK_NOT_SHOWN, ...READ_ALL, warehouse: 200, ebcB: 200, others: 404 }),
  ...rows('POST', '/api/v1/stock/in', { warehouse: 200, others: 403 }, { body: '{"items":[{"emsNo":"{A.emsNo}","itemRecordNo":"{A.itemRecordNo}","ownerCode":"{code:ebc}","qty":"1"}]}' }),
  // Webhooks: an enterprise's own configuration; regulators and keys without the manage scope change nothing.
  ...rows('POST', '/api/v1/webhooks', { customs: 403, commerce: 403, pending: 403, agentRead: 403, agentDeclare: 403, others: 201 }, { body: '{"url":"http://127.0.0.1:9/matrix"}' }),
  ...listing('/api/v1/webhooks', { ...NO_READ, others: 200 }, { agent: ['A.webhook'], agentRead: ['A.webhook'], agentB: ['B.webhook'] }, WEBHOOKS),
  ...rows('GET', '/api/v1/webhooks/{B.webhook}/deliveries', { ...NO_READ, agentB: 200, others: 404 }),
  ...rows('DELETE', '/api/v1/webhooks/{B.webhook}', { customs: 403, commerce: 403, pending: 403, agentRead: 403, agentDeclare: 403, others: 404 }).filter((r) => r.role !== 'agentB'),
  { method: 'DELETE', path: '/api/v1/webhooks/{B.webhookToDelete}', role: 'agentB', expect: 204 },
  // Pre-check: for enterprises that declare; it reads other enterprises' documents only for a party.
  ...rows('POST', '/api/v1/precheck', { agent: 200, agentDeclare: 200, ebp: 200, customs: 403, commerce: 403, operator: 403, bank: 403, overseas: 403, pending: 403, agentRead: 403, others: 200 }, { body: '{A.inventoryXml}' }),
];

// --- messages -------------------------------------------------------------------------------------

/** The same message transmitted by `p`: its BaseTransfer rewritten (a signature no longer matches, which the role check never reaches). */
function transmittedBy(xml: string, p: Party): string {
  return xml.replace(/<ceb:BaseTransfer>[\s\S]*?<\/ceb:BaseTransfer>/, (bt) =>
    bt.replace(/(<ceb:copCode>)[^<]*/, `$1${p.code}`).replace(/(<ceb:copName>)[^<]*/, `$1${p.name}`).replace(/(<ceb:dxpId>)[^<]*/, `$1${p.dxpId}`));
}

/** 运单状态 (CEB513): the parcel of `f` signed for. */
function waybillStatus(f: Flow, logistics: Party): string {
  const guid = crypto.randomUUID().toUpperCase();
  const now = cstTime14(new Date());
  return buildDocument(MESSAGES.CEB513Message, {
    guid,
    version: '1.0',
    LogisticsStatus: [{ guid, appType: '1', appTime: now, appStatus: '2', logisticsCode: logistics.code, logisticsName: logistics.name, logisticsNo: f.logisticsNo, logisticsStatus: 'S', logisticsTime: now }],
    BaseTransfer: { copCode: logistics.code, copName: logistics.name, dxpMode: 'DXP', dxpId: logistics.dxpId },
  }, { prefix: 'ceb' });
}

/** An SM2 key and a certificate for `code` from the sandbox CA, as scripts/gen-demo-keys.sh makes them. */
function issueCertificate(dir: string, code: string, name: string): { privateKeyPem: string; certPem: string } {
  const file = (n: string) => path.join(dir, n);
  fs.writeFileSync(file('x509.cnf'), '[req]\ndistinguished_name = dn\nutf8 = yes\nstring_mask = utf8only\n[dn]\n[ee]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n');
  const distid = 'distid:1234567812345678';
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', file('key.pem'));
  ssl('req', '-new', '-config', file('x509.cnf'), '-key', file('key.pem'), '-sm3', '-sigopt', distid, '-utf8', '-subj', `/C=CN/O=${name}/CN=${code}/serialNumber=${code}`, '-out', file('req.csr'));
  ssl('x509', '-req', '-in', file('req.csr'), '-vfyopt', distid, '-CA', path.join(SANDBOX_KEYS_DIR, 'sandbox-ca.pem'), '-CAkey', path.join(SANDBOX_KEYS_DIR, 'sandbox-ca.key.pem'),
    '-sm3', '-sigopt', distid, '-extfile', file('x509.cnf'), '-extensions', 'ee', '-days', '30', '-set_serial', `0x${crypto.randomBytes(8).toString('hex')}`, '-out', file('cert.pem'));
  return { privateKeyPem: fs.readFileSync(file('key.pem'), 'utf8'), certPem: fs.readFileSync(file('cert.pem'), 'utf8') };
}

interface ErrorBody {
  error: { code: string; message: string; returnStatus?: string; returnInfo?: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
interface Shown {
  status: string;
  records: Array<{ status: string; invtNo: string | null }>;
  receipts: Array<{ id: number; messageType: string; returnStatus: string }>;
}

const uscc = (body17: string) => body17 + usccCheckChar(body17);
const TENANT_B = {
  ebcB: { code: '3302966B01', name: '宁波甬优跨境贸易有限公司', dxpId: 'DXPENT0000022002', uscc: uscc('91330200MA2B0B01X') },
  agentB: { code: '3302980B02', name: '宁波甬通报关代理有限公司', dxpId: 'DXPENT0000022006', uscc: uscc('91330200MA2B0B02X') },
} as const;
const EMS_B = 'T3102W000456';

describe.each(databases())('authorization matrix on %s', (kind) => {
  let p: Platform;
  let certDir: { path: string; cleanup(): void };
  const keys = {} as Record<Principal, string>;
  const parties = {} as Record<Principal, Party & { id: number }>;
  /** Placeholder → value (ids, codes, keys of listed objects). */
  const fixtures = new Map<string, string>();
  /** Released inventories, by declarant, for the cancels and returns its senders may send. */
  const released: Partial<Record<'agent' | 'ebc', Array<{ f: Flow; invtNo: string }>>> = {};
  let agentBKey: { algorithm: 'sm2-sm3'; privateKeyPem: string; certificateDer: Buffer };
  let seed = 7000;

  const resolve = (text: string) => text.replace(/\{([A-Za-z]+[.:][A-Za-z]+)\}/g, (m, name: string) => {
    const v = fixtures.get(name);
    if (v === undefined) throw new Error(`no fixture ${m}`);
    return v;
  });
  const call = (method: string, url: string, key: string | undefined, body?: string, type = 'application/json') =>
    p.request(method, url, { key, ...(body !== undefined ? { body, type } : {}) });
  const send = (who: Principal, xml: string) => call('POST', '/api/v1/messages', keys[who], xml, 'application/xml');
  const count = async () => Number((await p.app.db.kysely.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const show = async (who: Principal, id: number) => (await call('GET', `/api/v1/messages/${id}`, keys[who])).json() as Shown;
  const accepted = async (who: Principal, xml: string): Promise<number> => {
    const res = await send(who, xml);
    expect(res.status, `${who}: ${res.text}`).toBe(202);
    return (res.json() as { id: number }).id;
  };
  const until = (who: Principal, id: number, pred: (s: Shown) => boolean, what: string) =>
    eventually(async () => {
      const s = await show(who, id);
      return pred(s) && s;
    }, 30_000, what);

  /** A 1210 parcel with its documents and stock, declared by `declarant` (the agent for `parties.ebc`, or the ebc itself), through to release. */
  async function releasedFlow(who: 'agent' | 'ebc' | 'agentB', flowParties: Parties, emsNo?: string): Promise<{ f: Flow; id: number; invtNo: string }> {
    const f = makeFlow(flowParties, { mode: '1210', seed: seed++, ...(emsNo ? { emsNo } : {}) });
    const head = f.inventory.InventoryHead as Record<string, string>;
    const items = (f.inventory.InventoryList as Array<Record<string, string>>).map((l) => ({ emsNo: head.emsNo, itemRecordNo: l.itemRecordNo, ownerCode: flowParties.ebc.code, qty: l.qty }));
    const stocked = await call('POST', '/api/v1/stock/in', keys.warehouse, JSON.stringify({ items }));
    expect(stocked.status, stocked.text).toBe(200);
    await accepted('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    await accepted('payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment));
    await accepted('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics));
    const inventory = who === 'agentB' ? signCeb(wrapMessage('CEB621Message', [f.inventory], flowParties.agent, undefined, null), agentBKey) : wrapMessage('CEB621Message', [f.inventory], flowParties.agent);
    const id = await accepted(who, inventory);
    const s = await until(who, id, (x) => ['released', 'closed'].includes(x.records[0].status) && x.receipts.length > 0, `${who}'s inventory released`);
    return { f, id, invtNo: s.records[0].invtNo! };
  }

  beforeAll(async () => {
    p = await startPlatform(kind);
    certDir = tempDir('silkgate-authz-');
    for (const role of DEMO_ROLES) {
      const c = p.creds.find((x) => x.role === role);
      if (!c) throw new Error(`the demo zone has no ${role}`);
      const e = await p.app.enterprises.byCode(c.code);
      keys[role] = c.apiKey;
      parties[role] = { code: c.code, name: c.name, dxpId: c.dxpId, id: e!.id };
    }

    // The second tenant, filed by the operator; its e-commerce enterprise delegates its inventories to its own agent.
    const contacts = [{ name: '王敏', phone: '0574-87001234', email: 'filing@example.com', role: '业务联系人' }];
    for (const [who, e] of Object.entries(TENANT_B) as Array<['ebcB' | 'agentB', (typeof TENANT_B)['ebcB']]>) {
      const res = await call('POST', '/api/v1/enterprises', keys.operator, JSON.stringify({ ...e, roles: [who === 'ebcB' ? 'ebc' : 'agent'], contacts }));
      expect(res.status, res.text).toBe(201);
      const out = res.json() as { enterprise: { id: number }; apiKey: string };
      keys[who] = out.apiKey;
      parties[who] = { code: e.code, name: e.name, dxpId: e.dxpId, id: out.enterprise.id };
    }
    const validTo = new Date(Date.now() + 86_400_000).toISOString();
    const delegation = await call('POST', '/api/v1/delegations', keys.ebcB, JSON.stringify({ agentCode: TENANT_B.agentB.code, scope: ['CEB621Message', 'CEB623Message', 'CEB625Message'], validTo }));
    expect(delegation.status, delegation.text).toBe(201);
    const cert = issueCertificate(certDir.path, TENANT_B.agentB.code, TENANT_B.agentB.name);
    const registered = await call('POST', '/api/v1/certificates', keys.agentB, cert.certPem, 'application/x-pem-file');
    expect(registered.status, registered.text).toBe(201);
    agentBKey = { algorithm: 'sm2-sm3', privateKeyPem: cert.privateKeyPem, certificateDer: Buffer.from(new X509Certificate(cert.certPem).raw) };

    // An applicant (pending) and the demo agent's narrowed keys.
    const applied = await call('POST', '/api/v1/filings', undefined, JSON.stringify({ code: '3303964P01', name: '温州待审电商平台有限公司', dxpId: 'DXPENT0000033001', uscc: uscc('91330300MA2C0P01X'), roles: ['ebp'], contacts }));
    expect(applied.status, applied.text).toBe(201);
    keys.pending = (applied.json() as { apiKey: string }).apiKey;
    for (const [who, scopes] of [['agentRead', ['read']], ['agentDeclare', ['declare']]] as const) {
      const res = await call('POST', '/api/v1/keys', keys.agent, JSON.stringify({ label: who, scopes }));
      expect(res.status, res.text).toBe(201);
      keys[who] = (res.json() as { apiKey: string }).apiKey;
    }
    const agentParty = parties.agent;
    parties.agentRead = agentParty;
    parties.agentDeclare = agentParty;
    parties.pending = { code: '3303964P01', name: '温州待审电商平台有限公司', dxpId: 'DXPENT0000033001', id: 0 };

    for (const who of PRINCIPALS) {
      fixtures.set(`id:${who}`, String(parties[who].id));
      fixtures.set(`code:${who}`, parties[who].code);
    }

    // Webhooks first, so receipts have deliveries.
    for (const [who, name] of [['agent', 'A.webhook'], ['agentB', 'B.webhook'], ['agentB', 'B.webhookToDelete']] as const) {
      const res = await call('POST', '/api/v1/webhooks', keys[who], JSON.stringify({ url: `http://127.0.0.1:9/${name}` }));
      expect(res.status, res.text).toBe(201);
      fixtures.set(name, String((res.json() as { id: number }).id));
    }

    // Tenant A: two parcels declared by the agent for the demo ebc, two by the ebc itself; tenant B: one by agentB for ebcB.
    const selfDeclared: Parties = { ...DEMO_PARTIES, agent: DEMO_PARTIES.ebc };
    const tenantB: Parties = { ...DEMO_PARTIES, ebc: parties.ebcB, agent: parties.agentB };
    const [a1, a2, e1, e2, b1] = await Promise.all([
      releasedFlow('agent', DEMO_PARTIES),
      releasedFlow('agent', DEMO_PARTIES),
      releasedFlow('ebc', selfDeclared),
      releasedFlow('ebc', selfDeclared),
      releasedFlow('agentB', tenantB, EMS_B),
    ]);
    released.agent = [a1, a2];
    released.ebc = [e1, e2];
    const receiptOf = async (who: Principal, id: number) => String((await show(who, id)).receipts[0].id);
    fixtures.set('A.inventory', String(a1.id));
    fixtures.set('A.inventoryXml', wrapMessage('CEB621Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).inventory], DEMO_PARTIES.agent));
    fixtures.set('A.ebcInventory', String(e1.id));
    fixtures.set('B.inventory', String(b1.id));
    fixtures.set('A.agentReceipt', await receiptOf('agent', a1.id));
    fixtures.set('A.ebcReceipt', await receiptOf('ebc', e1.id));
    fixtures.set('B.receipt', await receiptOf('agentB', b1.id));
    const line = (f: Flow) => (f.inventory.InventoryList as Array<Record<string, string>>)[0].itemRecordNo;
    const ems = (f: Flow) => (f.inventory.InventoryHead as Record<string, string>).emsNo;
    fixtures.set('A.emsNo', ems(e1.f));
    fixtures.set('A.itemRecordNo', line(e1.f));
    fixtures.set('A.stock', `${ems(e1.f)}/${line(e1.f)}`);
    fixtures.set('B.stock', `${EMS_B}/${line(b1.f)}`);
  }, 180_000);

  afterAll(async () => {
    await p?.close();
    certDir?.cleanup();
  });

  describe('who sends which message type', () => {
    /** A message of `type` that `who` may send as it stands (fresh numbers; cancels and returns of its own released parcels). */
    const legit = async (type: ImportType, who: DemoRole): Promise<string> => {
      const f = makeFlow(who === 'ebc' ? { ...DEMO_PARTIES, agent: DEMO_PARTIES.ebc } : DEMO_PARTIES, { mode: '9610', seed: seed++ });
      switch (type) {
        case 'CEB311Message':
          return wrapMessage(type, [f.order], DEMO_PARTIES.ebp);
        case 'CEB411Message':
          // A payment names an order that must have been declared.
          await accepted('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
          return wrapMessage(type, [f.payment], DEMO_PARTIES.payment);
        case 'CEB511Message':
          return wrapMessage(type, [f.waybill], DEMO_PARTIES.logistics);
        case 'CEB513Message':
          return waybillStatus(f, DEMO_PARTIES.logistics);
        case 'CEB621Message':
          return wrapMessage(type, [f.inventory], who === 'ebc' ? DEMO_PARTIES.ebc : DEMO_PARTIES.agent);
        case 'CEB623Message': {
          const r = released[who === 'ebc' ? 'ebc' : 'agent']![0];
          return cancelMessage(r.f, r.invtNo, who === 'ebc' ? DEMO_PARTIES.ebc : DEMO_PARTIES.agent);
        }
        case 'CEB625Message': {
          const r = released[who === 'ebc' ? 'ebc' : 'agent']![1];
          return refundMessage(r.f, r.invtNo, who === 'ebc' ? DEMO_PARTIES.ebc : DEMO_PARTIES.agent);
        }
        case 'CEB711Message':
          return arrivalList(DEMO_PARTIES.warehouse, f.inventory.InventoryHead as Record<string, string>, [f.logisticsNo]);
      }
    };

    const SENDS = IMPORT_TYPES.flatMap((type) => DEMO_ROLES.map((role) => ({ type, role, expect: SENDERS[type].includes(role) ? 202 : 403 })));

    it.each(SENDS)('$type from $role → $expect', async ({ type, role, expect: status }) => {
      const sender = SENDERS[type].includes(role) ? role : SENDERS[type][0];
      const xml = await legit(type, sender);
      const body = role === sender ? xml : transmittedBy(xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, PLACEHOLDER_SIGNATURE), parties[role]);
      const before = await count();
      const res = await send(role, body);
      expect(res.status, res.text).toBe(status);
      if (status === 202) return;
      const err = (res.json() as ErrorBody).error;
      expect(err.returnStatus).toBe('-10101');
      expect(err.returnInfo).toMatch(/^企业类型不符/);
      // Declaring roles learn which type they may not send; the others are refused before the body is read.
      expect(err.issues).toEqual([expect.objectContaining({ rule: 'role', path: expect.stringMatching(new RegExp(`^(${type}|roles)$`)), actual: expect.stringContaining(role) })]);
      expect(await count()).toBe(before);
    });

    it('refuses enterprises that may not declare with a clear sentence, storing nothing', async () => {
      const before = await count();
      const order = wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).order], DEMO_PARTIES.ebp);
      const pending = await send('pending', transmittedBy(order, parties.pending));
      expect(pending.status).toBe(403);
      expect((pending.json() as ErrorBody).error.message).toMatch(/pending/);
      const readOnly = await send('agentRead', await legit('CEB621Message', 'agent'));
      expect(readOnly.status).toBe(403);
      expect((readOnly.json() as ErrorBody).error.message).toMatch(/"declare" scope/);
      const regulator = await send('customs', transmittedBy(order, parties.customs));
      expect((regulator.json() as ErrorBody).error.message).toMatch(/regulators read everything and change nothing/);
      expect(await count()).toBe(before);
      expect((await send('agentDeclare', await legit('CEB621Message', 'agent'))).status).toBe(202);
    });
  });

  describe('parties and delegations: no declaration in another tenant\'s name', () => {
    const inventoryFor = (ebc: Party, agent: Party) => makeFlow({ ...DEMO_PARTIES, ebc, agent }, { mode: '9610', seed: seed++ }).inventory;

    it('refuses an agent declaring for an e-commerce enterprise that did not delegate to it, naming the record; nothing is stored', async () => {
      const before = await count();
      const mixed = wrapMessage('CEB621Message', [inventoryFor(DEMO_PARTIES.ebc, DEMO_PARTIES.agent), inventoryFor(parties.ebcB, DEMO_PARTIES.agent)], DEMO_PARTIES.agent);
      const res = await send('agent', mixed);
      expect(res.status).toBe(403);
      expect((res.json() as ErrorBody).error.issues).toEqual([{ path: 'CEB621Message.Inventory[1].InventoryHead.ebcCode', rule: 'delegation', expected: expect.stringContaining(DEMO_PARTIES.agent.code), actual: parties.ebcB.code }]);

      const theirs = signCeb(wrapMessage('CEB621Message', [inventoryFor(DEMO_PARTIES.ebc, parties.agentB)], parties.agentB, undefined, null), agentBKey);
      const res2 = await send('agentB', theirs);
      expect(res2.status).toBe(403);
      expect((res2.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'CEB621Message.Inventory[0].InventoryHead.ebcCode', rule: 'delegation', actual: DEMO_PARTIES.ebc.code })]);
      expect(await count()).toBe(before);
    });

    it('refuses a record naming another declarant', async () => {
      const before = await count();
      const res = await send('agent', wrapMessage('CEB621Message', [inventoryFor(DEMO_PARTIES.ebc, parties.agentB)], DEMO_PARTIES.agent));
      expect(res.status).toBe(403);
      const err = (res.json() as ErrorBody).error;
      expect(err.code).toBe('SENDER_MISMATCH');
      expect(err.issues).toEqual([{ path: 'CEB621Message.Inventory[0].InventoryHead.agentCode', rule: 'party', expected: DEMO_PARTIES.agent.code, actual: parties.agentB.code }]);
      // An order in another platform's name, from the demo platform.
      const other = makeFlow({ ...DEMO_PARTIES, ebp: { ...DEMO_PARTIES.ebp, code: '3301964Z99' } }, { mode: '9610', seed: seed++ });
      const res2 = await send('ebp', wrapMessage('CEB311Message', [other.order], DEMO_PARTIES.ebp));
      expect((res2.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'CEB311Message.Order[0].OrderHead.ebpCode', rule: 'party' })]);
      expect(await count()).toBe(before);
    });

    it('refuses a cancel of tenant A\'s inventory by tenant B\'s agent', async () => {
      const before = await count();
      const r = released.agent![0];
      // The agent's cancel, as agentB would send it in its own name (refused before its signature is looked at).
      const cancel = cancelMessage(r.f, r.invtNo, DEMO_PARTIES.agent).replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, PLACEHOLDER_SIGNATURE);
      const res = await send('agentB', transmittedBy(cancel.replace(/(<ceb:agentCode>)[^<]*/, `$1${parties.agentB.code}`), parties.agentB));
      expect(res.status).toBe(403);
      expect((res.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'CEB623Message.InvtCancel[0].ebcCode', rule: 'delegation' })]);
      expect(await count()).toBe(before);
    });

    it('lets the pre-check refuse the same, without looking at anyone\'s documents', async () => {
      const res = await call('POST', '/api/v1/precheck', keys.agent, wrapMessage('CEB621Message', [inventoryFor(parties.ebcB, DEMO_PARTIES.agent)], DEMO_PARTIES.agent), 'application/xml');
      expect(res.status).toBe(200);
      const out = res.json() as { ok: boolean; records: Array<{ findings: Array<{ code: string; path?: string }> }> };
      expect(out.ok).toBe(false);
      expect(out.records[0].findings).toEqual([expect.objectContaining({ code: 'FORBIDDEN', path: 'CEB621Message.Inventory[0].InventoryHead.ebcCode' })]);
    });
  });

  describe('who reads and changes what', () => {
    it.each(MATRIX)('$method $path as $role → $expect', async (row) => {
      const body = row.body === undefined ? undefined : resolve(row.body);
      const res = await call(row.method, resolve(row.path), keys[row.role], body, body?.startsWith('<') ? 'application/xml' : 'application/json');
      expect(res.status, res.text).toBe(row.expect);
      if (row.expect >= 400) {
        const err = (res.json() as ErrorBody).error;
        expect(err.code).toBe(row.expect === 404 ? 'NOT_FOUND' : 'FORBIDDEN');
        expect(err.message.length).toBeGreaterThan(10);
      }
      if (row.present || row.absent) {
        const items = (res.json() as { items: Array<{ id?: number; emsNo?: string; itemRecordNo?: string }> }).items;
        const seen = new Set(items.map((i) => (i.emsNo ? `${i.emsNo}/${i.itemRecordNo}` : String(i.id))));
        for (const name of row.present ?? []) expect(seen.has(resolve(`{${name}}`)), `${row.role} sees ${name}`).toBe(true);
        for (const name of row.absent ?? []) expect(seen.has(resolve(`{${name}}`)), `${row.role} does not see ${name}`).toBe(false);
      }
    });

    it('lists in the receipts feed only what the caller may read', async () => {
      for (const who of PRINCIPALS.filter((x) => !['pending', 'agentDeclare', 'operator', 'customs', 'commerce'].includes(x))) {
        const items = ((await call('GET', '/api/v1/receipts?limit=1000', keys[who])).json() as { items: Array<{ enterpriseId: number | null }> }).items;
        const readable = new Set([parties[who].id, ...(who === 'bank' ? [parties.ebc.id] : [])]);
        expect(items.filter((i) => !readable.has(i.enterpriseId!)), who).toEqual([]);
      }
    });
  });

  describe('declarations in the audit log', () => {
    it('appends one declaration.accepted entry per accepted message, with the digest of the exact bytes, in an intact chain', async () => {
      const xml = wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).order, makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ }).order], DEMO_PARTIES.ebp);
      const id = await accepted('ebp', xml);
      expect((await send('ebp', xml)).status).toBe(200);
      const entries = (await p.app.audit.list({ action: 'declaration.accepted', limit: 1000 })).filter((e) => e.subject === `message:${id}`);
      expect(entries).toEqual([
        expect.objectContaining({
          actor: `enterprise:${DEMO_PARTIES.ebp.code}`,
          enterpriseId: parties.ebp.id,
          detail: expect.objectContaining({ messageType: 'CEB311Message', records: 2, sha256: crypto.createHash('sha256').update(xml).digest('hex'), via: 'key' }),
        }),
      ]);
      const refused = (await p.app.audit.list({ action: 'declaration.accepted', limit: 1000 })).length;
      expect((await send('customs', transmittedBy(xml, parties.customs))).status).toBe(403);
      expect((await p.app.audit.list({ action: 'declaration.accepted', limit: 1000 })).length).toBe(refused);
      expect((await p.app.audit.verify()).ok).toBe(true);
    });
  });
});
