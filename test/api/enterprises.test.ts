/** Filing (备案) over HTTP: application, review, history, documents, delegations, consents, audit — on every database of the run. */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage, type Party } from '../../src/demo/flows.ts';
import { databases, startPlatform, type Platform } from '../support/platform.ts';

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
interface EnterpriseBody {
  id: number;
  code: string;
  name: string;
  uscc: string;
  dxpId: string;
  roles: string[];
  status: string;
  contacts: Array<{ name: string; phone: string; email: string; role: string }>;
}
interface Filed {
  enterprise: EnterpriseBody;
  apiKey: string;
  keyId: number;
  scopes: string[];
}
interface HistoryBody {
  history: Array<{ action: string; from: string | null; to: string | null; reason: string | null; actor: string | null; changes: Record<string, { before: unknown; after: unknown }>; at: string }>;
}

/** GB 32100-2015 check character, written from the standard (not taken from the code under test). */
function usccCheck(first17: string): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + alphabet.indexOf(c) * weights[i], 0);
  return alphabet[(31 - (sum % 31)) % 31];
}

let serial = 0;
/** A complete, valid filing with codes no other test uses. */
function newFiling(role = 'ebp') {
  serial += 1;
  const n = String(serial).padStart(5, '0');
  const body17 = `91330100MA2T${n}`;
  return {
    code: `3301T${n}`,
    name: `杭州测试${n}跨境贸易有限公司`,
    uscc: body17 + usccCheck(body17),
    dxpId: `DXPENT${9_000_000_000 + serial}`,
    roles: [role],
    contacts: [{ name: '李娜', phone: '0571-8800 1234', email: `filing${n}@example.com`, role: '业务联系人' }],
  };
}

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(2000), Buffer.from('\n%%EOF\n')]);
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), crypto.randomBytes(500)]);

describe.each(databases())('filing API on %s', (kind) => {
  let p: Platform;
  let seed = 7000;
  const call = (method: string, path: string, key?: string, body?: unknown) =>
    p.request(method, path, { key, ...(body !== undefined ? { body: JSON.stringify(body), type: 'application/json' } : {}) });
  const op = () => p.key('operator');
  const apply = async (role = 'ebp') => {
    const f = newFiling(role);
    const res = await call('POST', '/api/v1/filings', undefined, f);
    expect(res.status, res.text).toBe(201);
    return { f, ...(res.json() as Filed) };
  };
  const review = (id: number, decision: string, reason?: string, key = op()) => call('POST', `/api/v1/enterprises/${id}/review`, key, { decision, ...(reason !== undefined ? { reason } : {}) });
  const history = async (id: number, key = op()) => (await call('GET', `/api/v1/enterprises/${id}/history`, key)).json() as HistoryBody;
  const enterprises = async () => Number((await p.app.db.kysely.selectFrom('enterprises').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  /** A CEB311 of the filed platform itself (it is the order's ebpCode and the message's sender). */
  const orderOf = (e: { code: string; name: string; dxpId: string }) => {
    const party: Party = { code: e.code, name: e.name, dxpId: e.dxpId };
    return wrapMessage('CEB311Message', [makeFlow({ ...DEMO_PARTIES, ebp: party }, { mode: '9610', seed: seed++ }).order], party);
  };
  const declare = (key: string, xml: string) => p.request('POST', '/api/v1/messages', { key, body: xml });

  beforeAll(async () => {
    p = await startPlatform(kind, { SILKGATE_MAX_DOCUMENT_BYTES: String(64 * 1024) });
  });
  afterAll(() => p.close());

  it('seeds a demo zone of approved enterprises with valid USCCs, one per role', async () => {
    const res = await call('GET', '/api/v1/enterprises?limit=500', op());
    const { enterprises: list } = res.json() as { enterprises: EnterpriseBody[] };
    const roles = ['operator', 'ebp', 'ebc', 'payment', 'logistics', 'warehouse', 'agent', 'overseas', 'bank', 'customs', 'commerce'];
    for (const role of roles) {
      const e = list.find((x) => x.roles.includes(role));
      expect(e, role).toBeDefined();
      expect(e!.status).toBe('approved');
      expect(e!.uscc[17]).toBe(usccCheck(e!.uscc.slice(0, 17)));
    }
    expect(p.creds.map((c) => c.role).sort()).toEqual([...roles].sort());
  });

  it('runs a filing from application to declaring: pending cannot declare, documents, approval', async () => {
    const { f, enterprise, apiKey, scopes } = await apply('ebp');
    expect(enterprise).toMatchObject({ code: f.code, uscc: f.uscc, dxpId: f.dxpId, roles: ['ebp'], status: 'pending', contacts: f.contacts });
    expect(scopes.sort()).toEqual(['manage', 'read']);

    // The applicant follows its own filing with the key it got…
    const own = await call('GET', `/api/v1/enterprises/${enterprise.id}`, apiKey);
    expect(own.status).toBe(200);
    expect((own.json() as EnterpriseBody).status).toBe('pending');
    // …but does not declare while pending, whatever the key's scopes.
    const early = await declare(apiKey, orderOf(enterprise));
    expect(early.status).toBe(403);
    expect((early.json() as ErrorBody).error.message).toContain('pending');

    // Qualification documents: stored bytes, and their SHA-256.
    const up = await p.request('POST', `/api/v1/enterprises/${enterprise.id}/documents?kind=business-licence&filename=${encodeURIComponent('营业执照.pdf')}`, { key: apiKey, body: PDF, type: 'application/pdf' });
    expect(up.status, up.text).toBe(201);
    const doc = up.json() as { id: number; sha256: string; size: number; filename: string; contentType: string };
    expect(doc.sha256).toBe(crypto.createHash('sha256').update(PDF).digest('hex'));
    expect(doc).toMatchObject({ size: PDF.length, filename: '营业执照.pdf', contentType: 'application/pdf' });
    const listed = (await call('GET', `/api/v1/enterprises/${enterprise.id}/documents`, op())).json() as { documents: Array<{ id: number; sha256: string }> };
    expect(listed.documents).toEqual([expect.objectContaining({ id: doc.id, sha256: doc.sha256 })]);
    const down = await fetch(`${p.url}/api/v1/enterprises/${enterprise.id}/documents/${doc.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const bytes = Buffer.from(await down.arrayBuffer());
    expect(bytes.equals(PDF)).toBe(true);
    expect(down.headers.get('x-content-sha256')).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect(down.headers.get('content-type')).toBe('application/pdf');

    const approved = await review(enterprise.id, 'approve');
    expect(approved.status, approved.text).toBe(200);
    expect((approved.json() as EnterpriseBody).status).toBe('approved');

    // The filing key stays read+manage: declaring needs a key with "declare" (made here as a console session would).
    const still = await declare(apiKey, orderOf(enterprise));
    expect(still.status).toBe(403);
    expect((still.json() as ErrorBody).error.message).toContain('declare');
    const declareKey = await p.app.enterprises.issueKey(enterprise.id, 'declaring', ['declare', 'read']);
    const sent = await declare(declareKey, orderOf(enterprise));
    expect(sent.status, sent.text).toBe(202);

    const h = await history(enterprise.id, apiKey);
    expect(h.history.map((e) => e.action)).toEqual(['applied', 'document-added', 'approved']);
    expect(h.history[0]).toMatchObject({ to: 'pending', actor: `enterprise:${f.code}` });
    expect(h.history[0].changes.uscc).toEqual({ before: null, after: f.uscc });
    expect(h.history[2]).toMatchObject({ from: 'pending', to: 'approved', actor: 'enterprise:SGZONE0001' });
  });

  it('rejects with a reason; the applicant edits and is pending again; approved it changes only contacts', async () => {
    const { enterprise, apiKey } = await apply('logistics');
    const noReason = await review(enterprise.id, 'reject');
    expect(noReason.status).toBe(400);
    expect((noReason.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'reason', rule: 'required' })]);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}`, op())).json()).toMatchObject({ status: 'pending' });

    const rejected = await review(enterprise.id, 'reject', '营业执照已过期');
    expect((rejected.json() as EnterpriseBody).status).toBe('rejected');

    const edited = await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, apiKey, { name: `${enterprise.name}（更正）` });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.json()).toMatchObject({ status: 'pending', name: `${enterprise.name}（更正）` });

    expect((await review(enterprise.id, 'approve')).status).toBe(200);
    const locked = await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, apiKey, { name: '别的名字有限公司' });
    expect(locked.status).toBe(403);
    expect((locked.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'name', rule: 'approved-filing' })]);
    const contacts = [{ name: '赵强', phone: '13800000000', email: 'zhao@example.com', role: '法定代表人' }];
    const moved = await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, apiKey, { contacts });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.json()).toMatchObject({ status: 'approved', contacts });
    // The operator may change anything.
    const renamed = await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, op(), { name: '杭州更名物流有限公司' });
    expect(renamed.json()).toMatchObject({ name: '杭州更名物流有限公司', status: 'approved' });

    const h = (await history(enterprise.id, apiKey)).history;
    expect(h.map((e) => e.action)).toEqual(['applied', 'rejected', 'resubmitted', 'approved', 'updated', 'updated']);
    expect(h[1]).toMatchObject({ from: 'pending', to: 'rejected', reason: '营业执照已过期' });
    expect(h[2]).toMatchObject({ from: 'rejected', to: 'pending', changes: { name: { before: enterprise.name, after: `${enterprise.name}（更正）` } } });
    expect(h[4].changes.contacts.after).toEqual(contacts);
    expect(h[5]).toMatchObject({ actor: 'enterprise:SGZONE0001', changes: { name: { before: `${enterprise.name}（更正）`, after: '杭州更名物流有限公司' } } });
    for (const e of h) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  });

  it('does not decide on a filing edited after the operator read it (basedOn), nor change an approved customs code', async () => {
    const { enterprise, apiKey } = await apply('payment');
    const read = (await call('GET', `/api/v1/enterprises/${enterprise.id}`, op())).json() as EnterpriseBody & { updatedAt: string };
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, apiKey, { name: `${enterprise.name}（改）` })).status).toBe(200);
    const stale = await call('POST', `/api/v1/enterprises/${enterprise.id}/review`, op(), { decision: 'approve', basedOn: read.updatedAt });
    expect(stale.status).toBe(409);
    expect((stale.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'basedOn', rule: 'stale', actual: read.updatedAt })]);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}`, op())).json()).toMatchObject({ status: 'pending' });
    const fresh = (await call('GET', `/api/v1/enterprises/${enterprise.id}`, op())).json() as { updatedAt: string };
    const ok = await call('POST', `/api/v1/enterprises/${enterprise.id}/review`, op(), { decision: 'approve', basedOn: fresh.updatedAt });
    expect(ok.status, ok.text).toBe(200);
    const recode = await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, op(), { code: 'ZZ00000001' });
    expect(recode.status).toBe(409);
    expect((recode.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: 'code', rule: 'identity' })]);
  });

  it('refuses transitions the lifecycle does not have, with 409 naming from and to', async () => {
    const { enterprise, apiKey } = await apply('payment');
    for (const [decision, to] of [['suspend', 'suspended'], ['reinstate', 'approved'], ['revoke', 'revoked']]) {
      const res = await review(enterprise.id, decision, 'x');
      expect(res.status, decision).toBe(409);
      expect((res.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'decision', rule: 'transition', actual: `pending → ${to}` });
    }
    expect((await review(enterprise.id, 'approve')).status).toBe(200);
    expect(((await review(enterprise.id, 'approve')).json() as ErrorBody).error.issues[0].actual).toBe('approved → approved');
    expect((await review(enterprise.id, 'reject', 'late')).status).toBe(409);
    expect((await review(enterprise.id, 'revoke', '违规经营')).status).toBe(200);
    for (const decision of ['approve', 'reinstate', 'suspend']) {
      const res = await review(enterprise.id, decision, 'x');
      expect(res.status, decision).toBe(409);
      expect((res.json() as ErrorBody).error.issues[0].actual.startsWith('revoked → ')).toBe(true);
    }
    // Only the operator reviews, and never its own filing; a revoked enterprise's keys stop.
    expect((await review(enterprise.id, 'approve', undefined, p.key('customs'))).status).toBe(403);
    const self = (p.creds.find((c) => c.role === 'operator')!);
    const opId = ((await call('GET', '/api/v1/enterprises?role=operator', op())).json() as { enterprises: EnterpriseBody[] }).enterprises.find((e) => e.code === self.code)!.id;
    expect((await review(opId, 'suspend', 'x')).status).toBe(403);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}`, apiKey)).status).toBe(401);
  });

  it('suspends at once: a suspended enterprise reads but does not declare; reinstated it declares; revoked it is locked out', async () => {
    const created = await call('POST', '/api/v1/enterprises', op(), newFiling('ebp'));
    expect(created.status, created.text).toBe(201);
    const { enterprise, apiKey, scopes } = created.json() as Filed;
    expect(enterprise.status).toBe('approved');
    expect(scopes.sort()).toEqual(['declare', 'manage', 'read']);
    expect((await declare(apiKey, orderOf(enterprise))).status).toBe(202);

    expect((await review(enterprise.id, 'suspend', '抽查未通过')).status).toBe(200);
    const refused = await declare(apiKey, orderOf(enterprise));
    expect(refused.status).toBe(403);
    expect((refused.json() as ErrorBody).error.message).toContain('suspended');
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}`, apiKey)).json()).toMatchObject({ status: 'suspended' });
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}/history`, apiKey)).status).toBe(200);
    expect((await call('GET', '/api/v1/keys', apiKey)).status).toBe(200);
    expect((await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, apiKey, { contacts: newFiling().contacts })).status).toBe(403);

    expect((await review(enterprise.id, 'reinstate')).status).toBe(200);
    expect((await declare(apiKey, orderOf(enterprise))).status).toBe(202);

    expect((await review(enterprise.id, 'revoke', '注销')).status).toBe(200);
    expect((await declare(apiKey, orderOf(enterprise))).status).toBe(401);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}`, apiKey)).status).toBe(401);
    expect((await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, op(), { name: '复活有限公司' })).status).toBe(409);
  });

  it('refuses a code, USCC or DXP id already filed with 409 naming the field, and stores nothing', async () => {
    const { f, enterprise } = await apply('warehouse');
    for (const field of ['code', 'uscc', 'dxpId'] as const) {
      const other = { ...newFiling('warehouse'), [field]: f[field] };
      const before = await enterprises();
      const res = await call('POST', '/api/v1/filings', undefined, other);
      expect(res.status, field).toBe(409);
      expect((res.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: field, rule: 'unique', actual: f[field] })]);
      expect(await enterprises()).toBe(before);
    }
    const second = await apply('warehouse');
    const clash = await call('PATCH', `/api/v1/enterprises/${second.enterprise.id}`, second.apiKey, { dxpId: f.dxpId });
    expect(clash.status).toBe(409);
    expect((clash.json() as ErrorBody).error.issues[0].path).toBe('dxpId');
    expect(((await call('GET', `/api/v1/enterprises/${enterprise.id}`, op())).json() as EnterpriseBody).dxpId).toBe(f.dxpId);
  });

  it('verifies the USCC check character and the other identity fields', async () => {
    const f = newFiling('ebc');
    const right = f.uscc[17];
    const wrong = '0123456789ABCDEFGHJKLMNPQRTUWXY'.split('').find((c) => c !== right)!;
    const before = await enterprises();
    const res = await call('POST', '/api/v1/filings', undefined, { ...f, uscc: f.uscc.slice(0, 17) + wrong });
    expect(res.status).toBe(400);
    const issue = (res.json() as ErrorBody).error.issues[0];
    expect(issue).toMatchObject({ path: 'uscc', rule: 'uscc-check-digit', actual: wrong });
    expect(issue.expected).toContain(right);

    const bad = await call('POST', '/api/v1/filings', undefined, { ...f, code: 'short', roles: ['operator'], uscc: 'I1330100MA2T000010' });
    expect(bad.status).toBe(400);
    expect((bad.json() as ErrorBody).error.issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['code pattern', 'uscc uscc-format', 'roles[0] role']);
    expect(await enterprises()).toBe(before);
    // A status sent along is not part of a filing: the application is pending all the same.
    const sneaky = await call('POST', '/api/v1/filings', undefined, { ...f, status: 'approved' });
    expect(sneaky.status).toBe(400);
    expect((sneaky.json() as ErrorBody).error.issues).toEqual([expect.objectContaining({ path: '/status', rule: 'additionalProperties' })]);
    // The real code of a well-known company passes: the check is the standard's, not the demo's.
    expect((await call('POST', '/api/v1/filings', undefined, { ...newFiling('ebc'), uscc: '9144030071526726XG' })).status).toBe(201);
  });

  it('shows a filing to itself, the operator and regulators only; lists filter by status and role', async () => {
    const { enterprise, apiKey } = await apply('agent');
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}`, p.key('ebp'))).status).toBe(404);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}/history`, p.key('ebp'))).status).toBe(404);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}`, p.key('customs'))).status).toBe(200);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}/documents`, p.key('commerce'))).status).toBe(200);
    // Regulators read and change nothing.
    expect((await call('PATCH', `/api/v1/enterprises/${enterprise.id}`, p.key('customs'), { name: '海关改名有限公司' })).status).toBe(403);

    const mine = (await call('GET', '/api/v1/enterprises', apiKey)).json() as { enterprises: EnterpriseBody[]; total: number };
    expect(mine.enterprises.map((e) => e.id)).toEqual([enterprise.id]);
    const pending = (await call('GET', '/api/v1/enterprises?status=pending&limit=500', op())).json() as { enterprises: EnterpriseBody[]; total: number };
    expect(pending.enterprises.length).toBeGreaterThan(0);
    expect(pending.enterprises.every((e) => e.status === 'pending')).toBe(true);
    expect(pending.enterprises.map((e) => e.id)).toContain(enterprise.id);
    const agents = (await call('GET', '/api/v1/enterprises?role=agent&limit=500', op())).json() as { enterprises: EnterpriseBody[] };
    expect(agents.enterprises.every((e) => e.roles.includes('agent'))).toBe(true);
    const page = (await call('GET', '/api/v1/enterprises?limit=2&offset=1', op())).json() as { enterprises: EnterpriseBody[]; total: number };
    expect(page.enterprises).toHaveLength(2);
    expect(page.total).toBe(await enterprises());
  });

  it('accepts only documents whose bytes are of the declared type, within the size limit', async () => {
    const { enterprise, apiKey } = await apply('overseas');
    const upload = (body: Buffer, type: string, key = apiKey, id = enterprise.id) =>
      p.request('POST', `/api/v1/enterprises/${id}/documents?kind=business-licence&filename=scan`, { key, body, type });
    expect((await upload(PNG, 'image/png')).status).toBe(201);
    const mismatch = await upload(PNG, 'application/pdf');
    expect(mismatch.status).toBe(415);
    expect((mismatch.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'body', rule: 'magic-bytes' });
    expect((await upload(Buffer.from('GIF89a....'), 'image/gif')).status).toBe(415);
    const big = await upload(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(70 * 1024)]), 'application/pdf');
    expect(big.status).toBe(413);
    expect((await upload(PDF, 'application/pdf', p.key('ebp'))).status).toBe(404);
    expect((await upload(PDF, 'application/pdf', p.key('customs'))).status).toBe(403);
    const docs = (await call('GET', `/api/v1/enterprises/${enterprise.id}/documents`, apiKey)).json() as { documents: unknown[] };
    expect(docs.documents).toHaveLength(1);
    expect((await call('GET', `/api/v1/enterprises/${enterprise.id}/documents/999999`, apiKey)).status).toBe(404);
  });

  it('delegates declarations to an approved agent and revokes the delegation at once', async () => {
    const ebcKey = p.key('ebc');
    const agent = await p.app.enterprises.byCode(DEMO_PARTIES.agent.code);
    // The demo zone's delegation: the e-commerce enterprise lets the agent send inventories, cancels and returns.
    expect(await p.app.enterprises.delegated(agent!.id, DEMO_PARTIES.ebc.code, 'CEB621Message')).toBe(true);
    expect(await p.app.enterprises.delegated(agent!.id, DEMO_PARTIES.ebc.code, 'CEB711Message')).toBe(false);
    expect(await p.app.enterprises.delegated(agent!.id, DEMO_PARTIES.ebp.code, 'CEB621Message')).toBe(false);

    const validTo = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const notAgent = await call('POST', '/api/v1/delegations', ebcKey, { agentCode: DEMO_PARTIES.logistics.code, scope: ['CEB711Message'], validTo });
    expect(notAgent.status).toBe(400);
    expect((notAgent.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'agentCode', rule: 'role' });
    expect((await call('POST', '/api/v1/delegations', ebcKey, { agentCode: DEMO_PARTIES.agent.code, scope: ['CEB311Message'], validTo })).status).toBe(400);
    const past = await call('POST', '/api/v1/delegations', ebcKey, { agentCode: DEMO_PARTIES.agent.code, scope: ['CEB711Message'], validTo: new Date(Date.now() - 1000).toISOString() });
    expect((past.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'validTo', rule: 'after' });

    const made = await call('POST', '/api/v1/delegations', ebcKey, { agentCode: DEMO_PARTIES.agent.code, scope: ['CEB711Message'], validTo });
    expect(made.status, made.text).toBe(201);
    const d = made.json() as { id: number; inForce: boolean; agent: { code: string } };
    expect(d).toMatchObject({ inForce: true, agent: { code: DEMO_PARTIES.agent.code } });
    expect(await p.app.enterprises.delegated(agent!.id, DEMO_PARTIES.ebc.code, 'CEB711Message')).toBe(true);

    const seen = (await call('GET', '/api/v1/delegations', p.key('agent'))).json() as { delegations: Array<{ id: number }> };
    expect(seen.delegations.map((x) => x.id)).toContain(d.id);
    expect(((await call('GET', '/api/v1/delegations', p.key('payment'))).json() as { delegations: unknown[] }).delegations).toEqual([]);

    expect((await call('DELETE', `/api/v1/delegations/${d.id}`, p.key('agent'))).status).toBe(403);
    expect((await call('DELETE', `/api/v1/delegations/${d.id}`, p.key('payment'))).status).toBe(404);
    const revoked = await call('DELETE', `/api/v1/delegations/${d.id}`, ebcKey);
    expect(revoked.status).toBe(200);
    expect(revoked.json()).toMatchObject({ inForce: false });
    expect(await p.app.enterprises.delegated(agent!.id, DEMO_PARTIES.ebc.code, 'CEB711Message')).toBe(false);
    expect((await call('DELETE', `/api/v1/delegations/${d.id}`, ebcKey)).status).toBe(409);

    // A pending enterprise grants nothing.
    const { apiKey } = await apply('ebc');
    expect((await call('POST', '/api/v1/delegations', apiKey, { agentCode: DEMO_PARTIES.agent.code, scope: ['CEB621Message'], validTo })).status).toBe(403);
  });

  it('shares data with a bank by consent, in force at once and withdrawn at once', async () => {
    const bankKey = p.key('bank');
    const ebc = await p.app.enterprises.byCode(DEMO_PARTIES.ebc.code);
    const ebp = await p.app.enterprises.byCode(DEMO_PARTIES.ebp.code);
    const bank = await p.app.enterprises.authenticate(`Bearer ${bankKey}`);
    expect([...(bank!.shared?.get(ebc!.id) ?? [])].sort()).toEqual(['messages', 'receipts', 'stock']);
    expect(bank!.shared?.has(ebp!.id)).toBe(false);

    const validTo = new Date(Date.now() + 90 * 24 * 3600 * 1000).toISOString();
    const notBank = await call('POST', '/api/v1/consents', p.key('ebp'), { bankCode: DEMO_PARTIES.payment.code, scope: ['receipts'], validTo });
    expect((notBank.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'bankCode', rule: 'role' });
    const given = await call('POST', '/api/v1/consents', p.key('ebp'), { bankCode: bank!.code, scope: ['receipts'], validTo });
    expect(given.status, given.text).toBe(201);
    const c = given.json() as { id: number };
    expect([...((await p.app.enterprises.authenticate(`Bearer ${bankKey}`))!.shared?.get(ebp!.id) ?? [])]).toEqual(['receipts']);
    const listed = (await call('GET', '/api/v1/consents', bankKey)).json() as { consents: Array<{ id: number }> };
    expect(listed.consents.map((x) => x.id)).toContain(c.id);

    expect((await call('DELETE', `/api/v1/consents/${c.id}`, bankKey)).status).toBe(403);
    expect((await call('DELETE', `/api/v1/consents/${c.id}`, p.key('ebp'))).status).toBe(200);
    expect((await p.app.enterprises.authenticate(`Bearer ${bankKey}`))!.shared?.has(ebp!.id)).toBe(false);
  });

  it('writes every change to the audit log, whose chain verifies', async () => {
    const { enterprise } = await apply('ebc');
    await review(enterprise.id, 'reject', '材料不全');
    const entries = async (action: string) => ((await call('GET', `/api/v1/audit?action=${action}&limit=1000`, op())).json() as { entries: Array<{ subject: string; actor: string; detail: Record<string, unknown> }> }).entries;
    expect((await entries('filing.applied')).some((e) => e.subject === `enterprise:${enterprise.code}`)).toBe(true);
    const rejected = (await entries('filing.rejected')).find((e) => e.subject === `enterprise:${enterprise.code}`);
    expect(rejected).toMatchObject({ actor: 'enterprise:SGZONE0001', detail: { from: 'pending', to: 'rejected', reason: '材料不全' } });
    for (const action of ['filing.approved', 'filing.suspended', 'filing.reinstated', 'filing.revoked', 'filing.updated', 'document.added', 'delegation.granted', 'delegation.revoked', 'consent.granted', 'consent.revoked', 'key.issued']) {
      expect((await entries(action)).length, action).toBeGreaterThan(0);
    }
    const verify = await call('GET', '/api/v1/audit/verify', op());
    expect(verify.json()).toMatchObject({ ok: true });
  });
});
