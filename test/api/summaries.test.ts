/**
 * Summary declaration through the API: which inventories are proposed and to whom, the refusals
 * of a confirmation (unknown group, a stranger inventory, a role that sends no CEB701, a second
 * confirmation of the same inventories), a partial confirmation, and the settling of a
 * confirmation a stopped process left half done.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXPORT_PARTIES as P, makeExportFlow, makeExportFlows, summaryApplyRecord, wrapExport } from '../../src/demo/export.ts';
import { exporter } from '../support/exports.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';
import { tempDir } from '../support/db.ts';

interface Group {
  key: string;
  ebcCode: string;
  tradeMode: string;
  period: string;
  items: number;
  inventories: Array<{ invtNo: string }>;
}
interface ErrorBody {
  error: { code: string; returnStatus?: string; issues: Array<{ path: string; rule: string; actual: string }> };
}

describe.each(databases())('summary declaration on %s', { timeout: 90_000 }, (kind) => {
  let p: Platform;
  const x = exporter(() => p);
  /** invtNos of three B-flag parcels of one consignment, and of one A-flag parcel. */
  let consignment: string[] = [];
  let simplified = '';

  const call = async <T>(role: Parameters<Platform['key']>[0], method: string, path: string, body?: unknown) => {
    const res = await p.request(method, path, { key: p.key(role), ...(body !== undefined ? { body: JSON.stringify(body), type: 'application/json' } : {}) });
    return { status: res.status, body: res.json() as T, text: res.text };
  };
  const proposals = async (role: Parameters<Platform['key']>[0] = 'agent') => (await call<{ groups: Group[] }>(role, 'GET', '/api/v1/summaries/proposals')).body.groups;
  const groupOf = (groups: Group[], invtNo: string) => groups.find((g) => g.inventories.some((i) => i.invtNo === invtNo));

  beforeAll(async () => {
    p = await startPlatform(kind);
    const flows = [...makeExportFlows(P, 3, { mode: '9610', seed: 41 }), makeExportFlow(P, { mode: '9610', seed: 42, statisticsFlag: 'A' })];
    const ids = [];
    for (const f of flows) ids.push(await x.declare(f));
    await x.clear(flows, ids);
    const invtNos = await Promise.all(ids.map(async (id) => (await x.show('agent', id)).records[0].invtNo!));
    consignment = invtNos.slice(0, 3);
    simplified = invtNos[3];
  }, 120_000);
  afterAll(async () => {
    await p.close();
  });

  it('proposes the closed B-flag parcels of one consignment as one group, to the agent, the consignor and regulators', async () => {
    const groups = await proposals();
    const g = groupOf(groups, consignment[0])!;
    expect(g.inventories.map((i) => i.invtNo).sort()).toEqual([...consignment].sort());
    expect(g).toMatchObject({ ebcCode: P.ebc.code, tradeMode: '9610' });
    // 简化申报 (A) parcels are statistics only: never summarised.
    expect(groupOf(groups, simplified)).toBeUndefined();
    expect(groupOf(await proposals('ebc'), consignment[0])?.key).toBe(g.key);
    expect(groupOf(await proposals('customs'), consignment[0])?.key).toBe(g.key);
    expect(groupOf(await proposals('logistics'), consignment[0])).toBeUndefined();
  });

  it('refuses a confirmation that cannot stand, changing nothing', async () => {
    const g = groupOf(await proposals(), consignment[0])!;
    const unknown = await call<ErrorBody>('agent', 'POST', '/api/v1/summaries', { key: `${g.key}-none` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.issues[0]).toMatchObject({ path: 'key', rule: 'proposed' });
    const stranger = await call<ErrorBody>('agent', 'POST', '/api/v1/summaries', { key: g.key, invtNos: [consignment[0], simplified] });
    expect(stranger.status).toBe(400);
    expect(stranger.body.error.issues).toEqual([expect.objectContaining({ path: 'invtNos', rule: 'in-group', actual: simplified })]);
    const platform = await call<ErrorBody>('ebp', 'POST', '/api/v1/summaries', { key: g.key });
    expect(platform.status).toBe(403);
    expect(platform.body.error.returnStatus).toBe('-10101');
    expect((await call<{ summaries: unknown[] }>('agent', 'GET', '/api/v1/summaries')).body.summaries).toEqual([]);
    expect(groupOf(await proposals(), consignment[0])!.inventories).toHaveLength(3);
  });

  it('confirms part of a group; the rest stays proposed; the same parcels cannot be confirmed twice', async () => {
    const g = groupOf(await proposals(), consignment[0])!;
    const two = consignment.slice(0, 2);
    const sent = await call<{ id: number; status: string; copNo: string; inventories: Array<{ invtNo: string }> }>('agent', 'POST', '/api/v1/summaries', { key: g.key, invtNos: two });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.body.status).toBe('sent');
    expect(sent.body.inventories.map((i) => i.invtNo).sort()).toEqual([...two].sort());
    const left = groupOf(await proposals(), consignment[2])!;
    expect(left.inventories.map((i) => i.invtNo)).toEqual([consignment[2]]);
    const again = await call<ErrorBody>('agent', 'POST', '/api/v1/summaries', { key: g.key, invtNos: two });
    expect(again.status).toBe(400);

    const done = await eventually(async () => {
      const s = await call<{ status: string; sumNo: string; declarations: Array<{ entryId: string; items: Array<{ lines: Array<{ invtNo: string }> }> }> }>('agent', 'GET', `/api/v1/summaries/${sent.body.id}`);
      return s.body.status === 'declared' && s.body;
    }, 20_000, 'CEB792');
    expect(done.declarations.flatMap((d) => d.items.flatMap((i) => i.lines.map((l) => l.invtNo))).filter((n, i, a) => a.indexOf(n) === i).sort()).toEqual([...two].sort());
    // The consignor sees the request the agent made in its name.
    const mine = (await call<{ summaries: Array<{ id: number; ebcCode: string }> }>('ebc', 'GET', '/api/v1/summaries')).body.summaries;
    expect(mine.map((s) => s.id)).toContain(sent.body.id);
  });

  it('settles a confirmation a stopped process left half done: the request linked if stored, the parcels freed if not', async () => {
    const db = p.app.db.kysely;
    const g = groupOf(await proposals(), consignment[2])!;
    const decl = await db.selectFrom('declarations').select(['id', 'invt_no']).where('invt_no', '=', consignment[2]).where('message_type', '=', 'CEB603Message').executeTakeFirstOrThrow();
    const ebc = await p.app.enterprises.byCode(P.ebc.code);
    const agent = await p.app.enterprises.byCode(P.agent.code);
    const long = Date.now() - 3_600_000;
    const { id } = await db.insertInto('summaries').values({
      enterprise_id: ebc!.id, declarant_id: agent!.id, group_key: g.key, ebc_code: P.ebc.code, agent_code: P.agent.code, customs_code: '2924', port_code: '2924',
      trade_mode: '9610', traf_mode: '5', country: '502', owner_code: '', period: g.period, summary_flag: '1', item_name_flag: '0', cop_no: 'SUM20000101999999',
      message_id: null, status: 'preparing', sum_no: null, return_info: null, created_at: long, updated_at: long,
    }).returning('id').executeTakeFirstOrThrow();
    // As a confirmation claims an inventory: its summary item, and the candidate taken.
    await db.insertInto('summary_items').values({ summary_id: id, declaration_id: decl.id, invt_no: consignment[2], active: 1 }).execute();
    await db.updateTable('summary_candidates').set({ taken: 1 }).where('declaration_id', '=', decl.id).execute();
    expect(groupOf(await proposals(), consignment[2])).toBeUndefined();

    const settled = await p.app.summaries.recover();
    expect(settled).toEqual({ linked: 0, failed: 1 });
    expect((await db.selectFrom('summaries').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('failed');
    expect(groupOf(await proposals(), consignment[2])?.inventories.map((i) => i.invtNo)).toEqual([consignment[2]]);
    // A recent one is another process's confirmation in flight: left alone.
    expect(await p.app.summaries.recover(24 * 3_600_000)).toEqual({ linked: 0, failed: 0 });

    // Stopped after ingest stored the request: the summary is linked to it and follows its receipts.
    const copNo = 'SUM20000101999998';
    const messageId = await x.send('agent', wrapExport('CEB701Message', [summaryApplyRecord({ customsCode: '2924', copNo, agent: P.agent, ebc: P.ebc, declAgent: P.agent, invtNos: [consignment[2]], summaryFlag: '1', itemNameFlag: '0' })], P.agent, undefined, { sign: true }));
    const { id: stored } = await db.insertInto('summaries').values({
      enterprise_id: ebc!.id, declarant_id: agent!.id, group_key: g.key, ebc_code: P.ebc.code, agent_code: P.agent.code, customs_code: '2924', port_code: '2924',
      trade_mode: '9610', traf_mode: '5', country: '502', owner_code: '', period: g.period, summary_flag: '1', item_name_flag: '0', cop_no: copNo,
      message_id: null, status: 'preparing', sum_no: null, return_info: null, created_at: long, updated_at: long,
    }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('summary_items').values({ summary_id: stored, declaration_id: decl.id, invt_no: consignment[2], active: 1 }).execute();
    await db.updateTable('summary_candidates').set({ taken: 1 }).where('declaration_id', '=', decl.id).execute();
    expect(await p.app.summaries.recover()).toEqual({ linked: 1, failed: 0 });
    expect(groupOf(await proposals(), consignment[2])).toBeUndefined();
    const linked = await eventually(async () => {
      const s = await call<{ status: string; messageId: number; declarations: unknown[] }>('agent', 'GET', `/api/v1/summaries/${stored}`);
      return s.body.status === 'declared' && s.body;
    }, 20_000, 'the linked request declared');
    expect(linked.messageId).toBe(messageId);
    expect(linked.declarations).toHaveLength(1);
  });
});

describe.each(databases())('a summary customs refuses, on %s', { timeout: 90_000 }, (kind) => {
  let p: Platform;
  const x = exporter(() => p);
  const rules = tempDir('silkgate-scenarios-');

  beforeAll(async () => {
    // The sandbox refuses every summary request (CEB702 100), as customs does one naming parcels it cannot summarise.
    const file = path.join(rules.path, 'scenarios.json');
    fs.writeFileSync(file, JSON.stringify([{ match: { field: 'copNo', prefix: 'SUM', messageType: 'CEB701Message' }, scenario: 'reject' }]));
    p = await startPlatform(kind, { SILKGATE_SANDBOX_SCENARIOS: file });
  });
  afterAll(async () => {
    await p.close();
    rules.cleanup();
  });

  it('marks the request refused with customs\' reason and proposes its parcels again', async () => {
    const f = makeExportFlow(P, { mode: '9610', seed: 77 });
    const id = await x.declare(f);
    await x.clear([f], [id]);
    const invtNo = (await x.show('agent', id)).records[0].invtNo!;
    const groups = async () => ((await p.request('GET', '/api/v1/summaries/proposals', { key: p.key('agent') })).json() as { groups: Group[] }).groups;
    const g = (await groups()).find((x) => x.inventories.some((i) => i.invtNo === invtNo))!;
    const sent = await p.request('POST', '/api/v1/summaries', { key: p.key('agent'), body: JSON.stringify({ key: g.key }), type: 'application/json' });
    expect(sent.status, sent.text).toBe(202);
    const summaryId = (sent.json() as { id: number }).id;
    const refused = await eventually(async () => {
      const s = (await p.request('GET', `/api/v1/summaries/${summaryId}`, { key: p.key('agent') })).json() as { status: string; returnInfo: string; inventories: Array<{ standing: boolean }> };
      return s.status === 'refused' && s;
    }, 20_000, 'the refusal');
    expect(refused.returnInfo).toBeTruthy();
    expect(refused.inventories).toEqual([expect.objectContaining({ standing: false })]);
    expect((await groups()).some((x) => x.inventories.some((i) => i.invtNo === invtNo))).toBe(true);
  });
});
