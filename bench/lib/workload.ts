/**
 * The benchmark's workload: complete import (or, with mode `export`, 9610 export) flows turned
 * into CEB messages (bytes ready to send), grouped K records per message: orders first, then
 * payments (collections) and waybills in a shuffled mix, inventories last (the platform refuses a
 * payment for an order it has not seen).
 */
import { DEMO_PARTIES, makeFlows, mulberry32, wrapMessage } from '../../src/demo/flows.ts';
import { demoSign } from '../../src/demo/keys.ts';
import type { Flow, ImportRoot, Parties, Party } from '../../src/demo/flows.ts';
import { DEMO_EXPORT_PARTIES, makeExportFlows, wrapExport, type ExportFlow, type ExportRoot } from '../../src/demo/export.ts';
import type { CebNode } from '../../src/ceb/index.ts';

export type SenderRole = 'ebp' | 'payment' | 'logistics' | 'agent';

export interface BenchMessage {
  root: ImportRoot | ExportRoot;
  role: SenderRole;
  records: number;
  body: Buffer;
}

export interface Workload {
  flows: number;
  /** Orders (shuffled), then payments and waybills (shuffled): a payment follows its order. */
  documents: BenchMessage[];
  /** How many of `documents` are orders: the driver waits for them before sending the rest. */
  orderCount: number;
  /** Inventories, sent after every document was acknowledged. */
  inventories: BenchMessage[];
  bytes: number;
  generateMs: number;
}

const KINDS: Array<{ root: ImportRoot; role: SenderRole; pick: (f: Flow) => Flow['order'] }> = [
  { root: 'CEB311Message', role: 'ebp', pick: (f) => f.order },
  { root: 'CEB411Message', role: 'payment', pick: (f) => f.payment },
  { root: 'CEB511Message', role: 'logistics', pick: (f) => f.waybill },
  { root: 'CEB621Message', role: 'agent', pick: (f) => f.inventory },
];

const EXPORT_KINDS: Array<{ root: ExportRoot; role: SenderRole; pick: (f: ExportFlow) => CebNode }> = [
  { root: 'CEB303Message', role: 'ebp', pick: (f) => f.order },
  { root: 'CEB403Message', role: 'payment', pick: (f) => f.collection! },
  { root: 'CEB505Message', role: 'logistics', pick: (f) => f.waybill },
  { root: 'CEB603Message', role: 'agent', pick: (f) => f.inventory },
];

export function buildWorkload(opts: { flows: number; recordsPerMessage: number; mode: '9610' | '1210' | 'mixed' | 'export'; seed: number; sign: 'all' | 'inventory'; parties?: Parties }): Workload {
  const t0 = performance.now();
  if (opts.mode === 'export') return exportWorkload(opts, t0);
  const parties = opts.parties ?? DEMO_PARTIES;
  const now = new Date();
  const flows: Flow[] = [];
  if (opts.mode === 'mixed') {
    const a = makeFlows(parties, Math.ceil(opts.flows / 2), { mode: '9610', seed: opts.seed, now, orderNoPrefix: 'BZ' });
    // Consecutive serials across both batches keep logisticsNo / copNo / payTransactionId unique too.
    const serial = a.length ? Number(a[0].orderNo.slice(-12)) + a.length : undefined;
    const b = makeFlows(parties, Math.floor(opts.flows / 2), { mode: '1210', seed: opts.seed + 1, now, orderNoPrefix: 'BB', serial });
    for (let i = 0; i < a.length; i++) {
      flows.push(a[i]);
      if (i < b.length) flows.push(b[i]);
    }
  } else {
    flows.push(...makeFlows(parties, opts.flows, { mode: opts.mode, seed: opts.seed, now, orderNoPrefix: 'BM' }));
  }

  const k = opts.recordsPerMessage;
  const byKind = KINDS.map(({ root, role, pick }) => {
    const sender: Party = parties[role];
    // Signed with the sender's sandbox key (registered in the demo zone): CEB621 always, the others with --sign all.
    const signOthers = opts.sign === 'all' && root !== 'CEB621Message';
    const out: BenchMessage[] = [];
    for (let i = 0; i < flows.length; i += k) {
      const records = flows.slice(i, i + k).map(pick);
      const xml = wrapMessage(root, records, sender);
      out.push({ root, role, records: records.length, body: Buffer.from(signOthers ? demoSign(xml, sender.code) : xml) });
    }
    return out;
  });
  const documents = [...shuffle(byKind[0], opts.seed), ...shuffle([...byKind[1], ...byKind[2]], opts.seed + 1)];
  const inventories = byKind[3];
  const bytes = [...documents, ...inventories].reduce((s, m) => s + m.body.length, 0);
  return { flows: flows.length, documents, orderCount: byKind[0].length, inventories, bytes, generateMs: performance.now() - t0 };
}

/** 9610 retail export flows (the demo zone's parties); every inventory signed, the others with --sign all. */
function exportWorkload(opts: { flows: number; recordsPerMessage: number; seed: number; sign: 'all' | 'inventory' }, t0: number): Workload {
  const flows = makeExportFlows(DEMO_EXPORT_PARTIES, opts.flows, { mode: '9610', seed: opts.seed, orderNoPrefix: 'BX' });
  const parties = { ebp: DEMO_EXPORT_PARTIES.ebp, payment: DEMO_EXPORT_PARTIES.payment, logistics: DEMO_EXPORT_PARTIES.logistics, agent: DEMO_EXPORT_PARTIES.agent };
  const k = opts.recordsPerMessage;
  const byKind = EXPORT_KINDS.map(({ root, role, pick }) => {
    const out: BenchMessage[] = [];
    for (let i = 0; i < flows.length; i += k) {
      const records = flows.slice(i, i + k).map(pick);
      const sign = root === 'CEB603Message' || opts.sign === 'all';
      out.push({ root, role, records: records.length, body: Buffer.from(wrapExport(root, records, parties[role], undefined, { sign })) });
    }
    return out;
  });
  const documents = [...shuffle(byKind[0], opts.seed), ...shuffle([...byKind[1], ...byKind[2]], opts.seed + 1)];
  const inventories = byKind[3];
  const bytes = [...documents, ...inventories].reduce((s, m) => s + m.body.length, 0);
  return { flows: flows.length, documents, orderCount: byKind[0].length, inventories, bytes, generateMs: performance.now() - t0 };
}

function shuffle<T>(list: T[], seed: number): T[] {
  const rnd = mulberry32(seed ^ 0x51f15e);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}
