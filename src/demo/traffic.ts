/**
 * Demo traffic (`npm start -- --demo-traffic[=N]`): the demo zone's enterprises keep sending
 * complete flows through the platform's own HTTP API, about N a minute (default 30), so a newcomer
 * sees receipts arrive and the dashboard move. A mix: retail imports (9610 with the parcel's
 * arrival, 1210 from bonded stock), some the sandbox rejects or sends to review or inspection,
 * and exports (9610, 9710, 9810) through arrival and departure. Inventories are signed with the
 * sandbox keys of src/demo/keys, as an enterprise's own system would. Two applicants file for
 * the operator's review queue.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_PARTIES, flowMessages, makeFlow, type Flow } from './flows.ts';
import { arrivalList } from './arrival.ts';
import { DEMO_EXPORT_PARTIES, arrivalMessage, departureMessage, exportDocuments, makeExportFlow, type ExportMode } from './export.ts';
import { demoSign } from './keys.ts';
import { usccCheckChar } from '../modules/enterprises/index.ts';

/** Applicants waiting for the operator's review (备案审核), so the queue has something in it. */
const APPLICANTS = [
  { code: '3302966B11', name: '宁波甬跨优品电子商务有限公司', uscc17: '91330201MA2H7B11X', dxpId: 'DXPENT0000021001', roles: ['ebc'], contact: { name: '周敏', phone: '0574-87651234', email: 'filing@yongkua.example.com', role: '关务负责人' } },
  { code: '3318980L21', name: '义乌陆港国际货运代理有限公司', uscc17: '91330782MA2E8L21Y', dxpId: 'DXPENT0000021002', roles: ['logistics'], contact: { name: '吴强', phone: '0579-85121234', email: 'filing@luganglogistics.example.com', role: '业务联系人' } },
];

export interface TrafficOptions {
  /** The platform's address, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Where demo-credentials.json is. */
  dataDir: string;
  perMinute?: number;
  log?: { info(msg: string): void; warn(msg: string): void };
  seed?: number;
  /** Flows in progress at most (default half a minute's worth, at least 20): when the platform falls behind, flows are skipped, not piled up. */
  maxInFlight?: number;
}

export interface Traffic {
  stop(): Promise<void>;
  /** Flows started, how many failed to be sent (a refusal by customs is not a failure), skipped (too many in progress), in progress now. */
  counts(): { started: number; failed: number; skipped: number; inFlight: number };
}

type Kind = { dir: 'import'; mode: '9610' | '1210'; prefix: string } | { dir: 'export'; mode: ExportMode };

/** What the next flow is: most are plain imports; a few take the sandbox's other paths; a quarter export. */
export function pickKind(r: number): Kind {
  if (r < 0.45) return { dir: 'import', mode: '9610', prefix: 'DEMO' };
  if (r < 0.6) return { dir: 'import', mode: '1210', prefix: 'DEMO' };
  if (r < 0.66) return { dir: 'import', mode: '9610', prefix: 'REJECT' };
  if (r < 0.7) return { dir: 'import', mode: '9610', prefix: 'REVIEW' };
  if (r < 0.75) return { dir: 'import', mode: '9610', prefix: 'INSPECT' };
  if (r < 0.85) return { dir: 'export', mode: '9610' };
  if (r < 0.93) return { dir: 'export', mode: '9710' };
  return { dir: 'export', mode: '9810' };
}

const FINAL = ['released', 'closed', 'rejected'];

export function startDemoTraffic(opts: TrafficOptions): Traffic {
  const perMinute = opts.perMinute ?? 30;
  const creds = JSON.parse(fs.readFileSync(path.join(opts.dataDir, 'demo-credentials.json'), 'utf8')) as Array<{ role: string; apiKey: string }>;
  const keyOf = (role: string) => {
    const k = creds.find((c) => c.role === role)?.apiKey;
    if (!k) throw new Error(`demo-credentials.json has no ${role}`);
    return k;
  };
  let seed = opts.seed ?? Date.now() % 1_000_000_007;
  let stopped = false;
  let started = 0;
  let failed = 0;
  let skipped = 0;
  const maxInFlight = opts.maxInFlight ?? Math.max(20, Math.ceil(perMinute / 2));
  const running = new Set<Promise<void>>();

  async function send(role: string, method: string, p: string, body: string, type = 'application/xml'): Promise<{ id: number }> {
    const res = await fetch(opts.url + p, { method, headers: { authorization: `Bearer ${keyOf(role)}`, 'content-type': type }, body });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p} as ${role}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as { id: number };
  }
  async function statusOf(role: string, id: number): Promise<string> {
    const res = await fetch(`${opts.url}/api/v1/messages/${id}`, { headers: { authorization: `Bearer ${keyOf(role)}` } });
    if (!res.ok) throw new Error(`GET /api/v1/messages/${id}: ${res.status}`);
    return ((await res.json()) as { records: Array<{ status: string }> }).records[0].status;
  }
  /** Polls until the status is one of `want` (or final), at most a few minutes. */
  async function until(role: string, id: number, want: string[]): Promise<string> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const s = await statusOf(role, id);
      if (want.includes(s) || FINAL.includes(s) || stopped || Date.now() > deadline) return s;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async function importFlow(f: Flow, mode: '9610' | '1210') {
    const m = flowMessages(f, false);
    if (mode === '1210') {
      const head = f.inventory.InventoryHead as Record<string, string>;
      const items = (f.inventory.InventoryList as Array<Record<string, string>>).map((l) => ({ emsNo: head.emsNo, itemRecordNo: l.itemRecordNo, ownerCode: DEMO_PARTIES.ebc.code, qty: l.qty, gcode: l.gcode, name: l.gname, ref: f.orderNo }));
      await send('warehouse', 'POST', '/api/v1/stock/in', JSON.stringify({ items }), 'application/json');
    }
    await send('ebp', 'POST', '/api/v1/messages', m.order);
    await send('payment', 'POST', '/api/v1/messages', m.payment);
    await send('logistics', 'POST', '/api/v1/messages', m.waybill);
    const inv = await send('agent', 'POST', '/api/v1/messages', demoSign(m.inventory, DEMO_PARTIES.agent.code));
    if (mode !== '9610') return;
    // Customs takes a 9610 inventory in (120); the parcel's arrival at the site lets it be released.
    if ((await until('agent', inv.id, ['customs-accepted'])) !== 'customs-accepted' || stopped) return;
    await send('warehouse', 'POST', '/api/v1/messages', arrivalList(DEMO_PARTIES.warehouse, f.inventory.InventoryHead as Record<string, string>, [f.logisticsNo]));
  }

  async function exportFlow(mode: ExportMode, flowSeed: number) {
    const f = makeExportFlow(DEMO_EXPORT_PARTIES, { mode, seed: flowSeed, orderNoPrefix: 'EXDEMO' });
    const d = exportDocuments(f);
    await send(d.order.role, 'POST', '/api/v1/messages', d.order.xml);
    if (d.collection) await send(d.collection.role, 'POST', '/api/v1/messages', d.collection.xml);
    await send(d.waybill.role, 'POST', '/api/v1/messages', d.waybill.xml);
    const inv = await send('agent', 'POST', '/api/v1/messages', demoSign(d.inventory, DEMO_EXPORT_PARTIES.agent.code));
    if ((await until('agent', inv.id, ['customs-accepted'])) === 'rejected' || stopped) return;
    await send('warehouse', 'POST', '/api/v1/messages', arrivalMessage(DEMO_EXPORT_PARTIES.site, [f]));
    if ((await until('agent', inv.id, ['released'])) !== 'released' || stopped) return;
    await send('logistics', 'POST', '/api/v1/messages', departureMessage(DEMO_EXPORT_PARTIES.logistics, [f]));
  }

  /** Files the demo applicants once; an applicant already filed answers 409, which is fine. */
  async function fileApplicants() {
    for (const a of APPLICANTS) {
      const body = JSON.stringify({ code: a.code, name: a.name, uscc: a.uscc17 + usccCheckChar(a.uscc17), dxpId: a.dxpId, roles: a.roles, contacts: [a.contact] });
      const res = await fetch(`${opts.url}/api/v1/filings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (res.status !== 201 && res.status !== 409) opts.log?.warn(`demo traffic: filing ${a.code} answered ${res.status} ${(await res.text()).slice(0, 200)}`);
      else await res.body?.cancel();
    }
  }

  function next() {
    if (stopped) return;
    // Each flow in progress polls its status: their number is bounded however slow the platform gets.
    if (running.size >= maxInFlight) {
      skipped++;
      return;
    }
    const s = seed++;
    const kind = pickKind(((s * 2654435761) >>> 0) / 2 ** 32);
    started++;
    const run = kind.dir === 'import' ? importFlow(makeFlow(DEMO_PARTIES, { mode: kind.mode, seed: s, orderNoPrefix: kind.prefix }), kind.mode) : exportFlow(kind.mode, s);
    const task = run.catch((err: unknown) => {
      failed++;
      if (!stopped) opts.log?.warn(`demo traffic: ${err instanceof Error ? err.message : String(err)}`);
    });
    running.add(task);
    void task.finally(() => running.delete(task));
  }

  const timer = setInterval(next, Math.max(50, Math.round(60_000 / perMinute)));
  opts.log?.info(`demo traffic: about ${perMinute} flows a minute (imports 9610/1210 incl. REJECT/REVIEW/INSPECT, exports 9610/9710/9810)`);
  void fileApplicants().catch((err: unknown) => opts.log?.warn(`demo traffic: filing: ${err instanceof Error ? err.message : String(err)}`));
  next();
  return {
    counts: () => ({ started, failed, skipped, inFlight: running.size }),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
