/**
 * Statistical monitoring through the real API on every database of the run: the figures move as
 * flows go through the sandbox customs (counts, value, mode, direction, countries, HS chapters,
 * release, rejection with its reason, latency), the live stream sends a first snapshot and a
 * changed one, the public status page carries no enterprise data, and only the operator and
 * regulators read statistics.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PARTIES, makeFlow, wrapMessage, type Flow } from '../../src/demo/flows.ts';
import { arrivalList } from '../../src/demo/arrival.ts';
import { DEMO_EXPORT_PARTIES, makeExportFlow } from '../../src/demo/export.ts';
import { toRmbFen, yuanToFen } from '../../src/modules/tax/index.ts';
import type { Snapshot } from '../../src/modules/statistics/index.ts';
import { databases, eventually, startPlatform, type Platform } from '../support/platform.ts';
import { exporter } from '../support/exports.ts';

type Role = 'ebp' | 'payment' | 'logistics' | 'agent' | 'warehouse';
type Line = Record<string, string>;

const linesOf = (inventory: unknown) => (inventory as { InventoryList: Line[] }).InventoryList;
const headOf = (inventory: unknown) => (inventory as { InventoryHead: Line }).InventoryHead;
const find = <T extends Record<string, unknown>>(list: T[], key: keyof T, value: string) => list.find((x) => x[key] === value);
const countIn = <T extends Record<string, unknown>>(list: T[], key: keyof T, value: string) => Number(find(list, key, value)?.count ?? 0);

/** Reads Server-Sent Events from a fetch body: each `data:` payload, parsed. */
function events(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(ms = 15_000): Promise<Snapshot | null> {
      const deadline = Date.now() + ms;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) return JSON.parse(data) as Snapshot;
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no event in time');
        const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event in time')), left))]);
        if (chunk.done) return null;
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}

describe.each(databases())('statistics on %s', (kind) => {
  let p: Platform;
  let closed = false;
  let seed = 41_000;

  beforeAll(async () => {
    p = await startPlatform(kind);
  });
  afterAll(async () => {
    if (!closed) await p.close();
  });

  const stats = async (role: 'customs' | 'commerce' | 'operator' = 'customs', window = '1h') => {
    const res = await p.request('GET', `/api/v1/statistics?window=${window}`, { key: p.key(role) });
    expect(res.status, res.text).toBe(200);
    return res.json() as Snapshot;
  };
  const send = async (role: Role, xml: string) => {
    const res = await p.request('POST', '/api/v1/messages', { key: p.key(role), body: xml });
    expect(res.status, res.text).toBe(202);
    return (res.json() as { id: number }).id;
  };
  const recordStatus = async (role: Role, id: number) => ((await p.request('GET', `/api/v1/messages/${id}`, { key: p.key(role) })).json() as { records: Array<{ status: string }> }).records[0].status;

  /** A complete 9610 parcel: order, payment, waybill, inventory, then the site's arrival list; resolves once the inventory is closed (899). */
  const importFlow = async (f: Flow) => {
    await send('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    await send('payment', wrapMessage('CEB411Message', [f.payment], DEMO_PARTIES.payment));
    await send('logistics', wrapMessage('CEB511Message', [f.waybill], DEMO_PARTIES.logistics));
    const inventory = await send('agent', wrapMessage('CEB621Message', [f.inventory], DEMO_PARTIES.agent));
    await eventually(async () => (await recordStatus('agent', inventory)) === 'customs-accepted', 15_000, 'inventory 120');
    await send('warehouse', arrivalList(DEMO_PARTIES.warehouse, headOf(f.inventory), [f.logisticsNo]));
    await eventually(async () => (await recordStatus('agent', inventory)) === 'closed', 15_000, 'inventory 899');
  };

  it('counts a 9610 flow: records by type and direction, the inventory by mode with its value, origins, HS chapters, release, latency', async () => {
    const before = await stats();
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++, lines: 3 });
    await importFlow(f);
    const after = await eventually(async () => {
      const s = await stats();
      return s.totals.released > before.totals.released && s;
    }, 10_000, 'the release counted');

    // Order, payment, waybill, inventory and the arrival list (CEB711): five import records.
    expect(after.totals.declarations - before.totals.declarations).toBe(5);
    expect(countIn(after.byDirection, 'direction', 'import') - countIn(before.byDirection, 'direction', 'import')).toBe(5);
    expect(countIn(after.byDirection, 'direction', 'export')).toBe(countIn(before.byDirection, 'direction', 'export'));
    for (const type of ['CEB311Message', 'CEB411Message', 'CEB511Message', 'CEB621Message', 'CEB711Message']) {
      expect(countIn(after.byType, 'type', type) - countIn(before.byType, 'type', type), type).toBe(1);
    }
    const lines = linesOf(f.inventory);
    const value = lines.reduce((a, l) => a + yuanToFen(l.totalPrice), 0);
    expect(value).toBeGreaterThan(0);
    const mode = (s: Snapshot) => find(s.byMode, 'mode', '9610')!;
    expect(mode(after).count - mode(before).count).toBe(1);
    expect(mode(after).valueFen - mode(before).valueFen).toBe(value);
    expect(after.totals.valueFen - before.totals.valueFen).toBe(value);
    expect(after.totals.inventories - before.totals.inventories).toBe(1);
    // The series adds up to the totals.
    expect(after.series).toHaveLength(60);
    expect(after.series.reduce((a, x) => a + x.declarations, 0)).toBe(after.totals.declarations);
    expect(after.series.reduce((a, x) => a + x.valueFen, 0)).toBe(after.totals.valueFen);
    // Each origin country once per inventory, valued at its lines; each line under its HS chapter.
    for (const country of new Set(lines.map((l) => l.country))) {
      const v = lines.filter((l) => l.country === country).reduce((a, l) => a + yuanToFen(l.totalPrice), 0);
      const o = (s: Snapshot) => find(s.topOrigins, 'country', country) ?? { count: 0, valueFen: 0 };
      expect(o(after).count - o(before).count, country).toBe(1);
      expect(o(after).valueFen - o(before).valueFen, country).toBe(v);
    }
    for (const chapter of new Set(lines.map((l) => l.gcode.slice(0, 2)))) {
      const n = lines.filter((l) => l.gcode.startsWith(chapter)).length;
      expect(countIn(after.topHsChapters, 'chapter', chapter) - countIn(before.topHsChapters, 'chapter', chapter), chapter).toBe(n);
    }
    // Released once, though 800 and 899 both came. A status is counted as a record moves to it: 800 and 899 in one
    // receipts batch move it to closed at once.
    expect(after.totals.released - before.totals.released).toBe(1);
    expect(countIn(after.byStatus, 'status', 'closed') - countIn(before.byStatus, 'status', 'closed')).toBe(1);
    expect(countIn(after.byStatus, 'status', 'released') - countIn(before.byStatus, 'status', 'released')).toBeLessThanOrEqual(1);
    expect(after.totals.releaseRate).toBeGreaterThan(0);
    // Each of the five records got a first answer from customs.
    expect(after.latency.count - before.latency.count).toBe(5);
    expect(after.latency.p50Ms).not.toBeNull();
    expect(after.latency.p50Ms!).toBeLessThanOrEqual(after.latency.p99Ms!);
    expect(after.queueDepth).toBeGreaterThanOrEqual(0);

    // Coarser windows hold the same flow: per hour over a day, per day over a week and a month.
    for (const [window, points] of [['24h', 24], ['7d', 7], ['30d', 30]] as const) {
      const s = await stats('commerce', window);
      expect(s.series, window).toHaveLength(points);
      expect(s.totals.declarations, window).toBeGreaterThanOrEqual(after.totals.declarations);
      expect(find(s.byMode, 'mode', '9610')!.valueFen, window).toBeGreaterThanOrEqual(value);
    }
  });

  it('counts a rejection under its reason, and the rejection rate', async () => {
    const before = await stats('operator');
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++, orderNoPrefix: 'REJECT' });
    const order = await send('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    await eventually(async () => (await recordStatus('ebp', order)) === 'rejected', 15_000, 'order 100');
    const after = await stats('operator');
    expect(after.totals.rejected - before.totals.rejected).toBe(1);
    const reason = (s: Snapshot) => s.topRejections.find((r) => r.code === '100' && r.reason === '电商平台企业未在海关备案')?.count ?? 0;
    expect(reason(after) - reason(before)).toBe(1);
    expect(after.totals.rejectionRate).toBeGreaterThan(0);
    expect(after.totals.releaseRate! + after.totals.rejectionRate!).toBeCloseTo(1, 10);
  });

  it('counts an export flow as export, by its mode, destination and value in RMB', async () => {
    const before = await stats();
    const ex = exporter(() => p);
    const f = makeExportFlow(DEMO_EXPORT_PARTIES, { mode: '9710', seed: seed++ });
    const inventory = await ex.declare(f);
    await eventually(async () => (await ex.statusOf('agent', inventory)) === 'customs-accepted', 15_000, 'export inventory 120');
    const after = await stats();
    const records = f.collection ? 4 : 3;
    expect(countIn(after.byDirection, 'direction', 'export') - countIn(before.byDirection, 'direction', 'export')).toBe(records);
    expect(countIn(after.byDirection, 'direction', 'import')).toBe(countIn(before.byDirection, 'direction', 'import'));
    const lines = linesOf(f.inventory);
    const value = lines.reduce((a, l) => a + toRmbFen(l.totalPrice, l.currency)!, 0);
    const mode = (s: Snapshot) => find(s.byMode, 'mode', '9710')!;
    expect(mode(after).count - mode(before).count).toBe(1);
    expect(mode(after).valueFen - mode(before).valueFen).toBe(value);
    for (const country of new Set(lines.map((l) => l.country))) {
      expect(countIn(after.topDestinations, 'country', country) - countIn(before.topDestinations, 'country', country), country).toBe(1);
    }
  });

  it('streams a first snapshot at once and a changed one after new data, to a console session', async () => {
    const cred = p.creds.find((c) => c.role === 'customs')!;
    const login = await fetch(`${p.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: cred.username, password: cred.password }) });
    expect(login.status).toBe(201);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const ac = new AbortController();
    const res = await fetch(`${p.url}/api/v1/statistics/stream?window=1h`, { headers: { cookie }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = events(res.body!);
    const first = (await stream.next())!;
    expect(first.window).toBe('1h');
    const f = makeFlow(DEMO_PARTIES, { mode: '9610', seed: seed++ });
    await send('ebp', wrapMessage('CEB311Message', [f.order], DEMO_PARTIES.ebp));
    let later = (await stream.next())!;
    while (later.totals.declarations === first.totals.declarations) later = (await stream.next())!;
    expect(later.totals.declarations).toBe(first.totals.declarations + 1);
    expect(p.app.statistics.watching).toBe(1);
    await stream.cancel();
    ac.abort();
    // The client went: the platform stops sending to it.
    await eventually(async () => p.app.statistics.watching === 0, 5000, 'the stream to end');
    // Refused like the snapshot: an enterprise that is not a regulator, a bad window.
    expect((await p.request('GET', '/api/v1/statistics/stream', { key: p.key('ebp') })).status).toBe(403);
    expect((await p.request('GET', '/api/v1/statistics/stream?window=2h', { key: p.key('customs') })).status).toBe(400);
  });

  it('ends a stream once its session is logged out, and caps the streams an enterprise holds open', async () => {
    const cred = p.creds.find((c) => c.role === 'commerce')!;
    const login = await fetch(`${p.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: cred.username, password: cred.password }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const watched = await fetch(`${p.url}/api/v1/statistics/stream`, { headers: { cookie } });
    const session = events(watched.body!);
    expect((await session.next())!.window).toBe('1h');
    // Still logged in: the check keeps the stream.
    await p.app.statistics.recheck();
    expect(p.app.statistics.watching).toBe(1);
    expect((await fetch(`${p.url}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } })).status).toBe(204);
    await p.app.statistics.recheck();
    await eventually(async () => p.app.statistics.watching === 0, 5000, 'the logged-out stream to end');
    let last: Snapshot | null;
    do last = await session.next(2000);
    while (last !== null);

    // Ten streams of one enterprise at most; the eleventh is refused until one closes. Another enterprise still gets one.
    // Opened with node:http, one connection each, gone with its stream (a dropped fetch leaves a pooled one that slows closing).
    const open = (role: 'operator' | 'customs') =>
      new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${p.url}/api/v1/statistics/stream`, { headers: { authorization: `Bearer ${p.key(role)}` }, agent: false }, resolve).on('error', reject));
    const streams: http.IncomingMessage[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await open('customs');
      expect(res.statusCode).toBe(200);
      streams.push(res);
    }
    const refused = await open('customs');
    expect(refused.statusCode).toBe(429);
    const body = JSON.parse((await refused.toArray()).join('')) as { error: { issues: unknown[] } };
    expect(body.error.issues).toEqual([{ path: '', rule: 'streams.enterprise', expected: 'at most 10 open streams', actual: '10' }]);
    const other = await open('operator');
    expect(other.statusCode).toBe(200);
    streams.push(other);
    streams[0].destroy();
    await eventually(async () => p.app.statistics.watching === 10, 5000, 'the dropped stream to end');
    const again = await open('customs');
    expect(again.statusCode).toBe(200);
    streams.push(again);
    for (const s of streams) s.destroy();
    await eventually(async () => p.app.statistics.watching === 0, 5000, 'every stream to end');
  });

  it('answers the public status without a credential, with no enterprise data', async () => {
    const res = await p.request('GET', '/api/v1/status');
    expect(res.status).toBe(200);
    const s = res.json() as { database: string; uptimeSeconds: number; queueDepth: number; declarationsLastHour: number; declarationsPerMinute: Array<{ t: string; count: number }>; latency: Record<'last5m' | 'last1h', { p50Ms: number | null; p99Ms: number | null; count: number }> };
    expect(s.database).toBe(kind);
    expect(s.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(s.declarationsPerMinute).toHaveLength(60);
    expect(s.declarationsPerMinute.reduce((a, x) => a + x.count, 0)).toBe(s.declarationsLastHour);
    // Everything the tests above sent, within the hour: the 9610 flow's five, the REJECT order, the export documents, the streamed order.
    expect(s.declarationsLastHour).toBe((await stats()).totals.declarations);
    expect(s.latency.last1h.count).toBeGreaterThan(0);
    expect(s.latency.last1h.p50Ms!).toBeLessThanOrEqual(s.latency.last1h.p99Ms!);
    for (const e of p.creds) {
      expect(res.text).not.toContain(e.code);
      expect(res.text).not.toContain(e.username);
    }
    for (const party of Object.values(DEMO_PARTIES)) expect(res.text).not.toContain(party.name);
  });

  it('lets the operator and regulators read, refuses other enterprises and a bad window', async () => {
    for (const role of ['operator', 'customs', 'commerce'] as const) await stats(role);
    const refused = await p.request('GET', '/api/v1/statistics', { key: p.key('ebp') });
    expect(refused.status).toBe(403);
    expect((refused.json() as { error: { message: string } }).error.message).toMatch(/operator and the regulators/);
    expect((await p.request('GET', '/api/v1/statistics')).status).toBe(401);
    const bad = await p.request('GET', '/api/v1/statistics?window=2h', { key: p.key('customs') });
    expect(bad.status).toBe(400);
    expect((bad.json() as { error: { issues: unknown[] } }).error.issues).toEqual([{ path: 'window', rule: 'enum', expected: '1h | 24h | 7d | 30d', actual: '2h' }]);
  });

  it('ends open streams when the platform closes', async () => {
    const res = await fetch(`${p.url}/api/v1/statistics/stream?window=24h`, { headers: { authorization: `Bearer ${p.key('operator')}` } });
    const stream = events(res.body!);
    expect((await stream.next())!.window).toBe('24h');
    const started = Date.now();
    closed = true;
    await p.close();
    expect(Date.now() - started).toBeLessThan(5000);
    let last: Snapshot | null | undefined;
    do last = await stream.next(2000);
    while (last !== null);
  });
});
