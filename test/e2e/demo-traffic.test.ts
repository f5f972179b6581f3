/** `npm start -- --demo-traffic`: the demo zone's enterprises keep sending flows that customs clears. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickKind, startDemoTraffic } from '../../src/demo/traffic.ts';
import { startPlatform, type Platform } from '../support/platform.ts';

describe('demo traffic', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform('sqlite');
  }, 60_000);
  afterAll(async () => p?.close());

  it('mixes imports, sandbox rejections and the export modes', () => {
    const kinds = Array.from({ length: 1000 }, (_, i) => pickKind(i / 1000));
    const label = (k: ReturnType<typeof pickKind>) => (k.dir === 'import' ? `${k.dir}-${k.mode}-${k.prefix}` : `${k.dir}-${k.mode}`);
    const seen = new Set(kinds.map(label));
    for (const want of ['import-9610-DEMO', 'import-1210-DEMO', 'import-9610-REJECT', 'import-9610-INSPECT', 'export-9610', 'export-9710', 'export-9810']) expect(seen).toContain(want);
    expect(kinds.filter((k) => k.dir === 'import' && k.prefix === 'DEMO').length).toBeGreaterThan(500);
  });

  it('keeps at most maxInFlight flows in progress, skipping the rest', async () => {
    const traffic = startDemoTraffic({ url: p.url, dataDir: p.dataDir, perMinute: 6000, maxInFlight: 2, seed: 777 });
    let most = 0;
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      most = Math.max(most, traffic.counts().inFlight);
      await new Promise((r) => setTimeout(r, 5));
    }
    await traffic.stop();
    expect(most).toBe(2);
    expect(traffic.counts().skipped).toBeGreaterThan(0);
    expect(traffic.counts().failed).toBe(0);
    // Two applicants wait in the operator's review queue.
    const pending = (await p.request('GET', '/api/v1/enterprises?status=pending', { key: p.key('operator') })).json() as { enterprises: Array<{ name: string }> };
    expect(pending.enterprises.map((e) => e.name).sort()).toEqual(['义乌陆港国际货运代理有限公司', '宁波甬跨优品电子商务有限公司']);
  }, 30_000);

  it('sends complete flows through the API that customs releases, without a failed request', async () => {
    const traffic = startDemoTraffic({ url: p.url, dataDir: p.dataDir, perMinute: 600, seed: 4242 });
    const counts = async () => {
      const rows = await p.app.db.kysely.selectFrom('declarations').select(['message_type', 'status']).execute();
      return { released: rows.filter((r) => (r.message_type === 'CEB621Message' || r.message_type === 'CEB603Message') && ['released', 'closed'].includes(r.status)).length };
    };
    await expect.poll(async () => (await counts()).released, { timeout: 45_000, interval: 500 }).toBeGreaterThanOrEqual(5);
    await traffic.stop();
    expect(traffic.counts().started).toBeGreaterThanOrEqual(5);
    expect(traffic.counts().failed).toBe(0);
    // Two applicants wait in the operator's review queue.
    const pending = (await p.request('GET', '/api/v1/enterprises?status=pending', { key: p.key('operator') })).json() as { enterprises: Array<{ name: string }> };
    expect(pending.enterprises.map((e) => e.name).sort()).toEqual(['义乌陆港国际货运代理有限公司', '宁波甬跨优品电子商务有限公司']);
  }, 60_000);
});
