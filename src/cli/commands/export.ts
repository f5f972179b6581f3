/**
 * `silkgate export`: runs complete export flows against a platform's demo zone — order (or B2B
 * order, or overseas-warehouse booking), collection, waybill, inventory, arrival at the site,
 * release, departure, close — then, with --summarise, confirms the summary the platform proposes
 * and follows it to customs' declaration (CEB792) and the tax-refund ledger.
 */
import { DEMO_EXPORT_PARTIES, arrivalMessage, departureMessage, exportDocuments, makeExportFlows, type ExportMode } from '../../demo/export.ts';
import { CliError, apiError, type Client, type Context, type Values } from '../client.ts';

export const summary = 'Send complete demo export flows (order → departure → summary → declaration)';
export const usage = `Usage: silkgate export [--flows N] [--mode 9610|1210|9710|9810] [--prefix P] [--summarise]

Builds N consistent export flows (default 1) with the demo zone's enterprises and sends them:
the order (9610/1210: the platform's; 9710: the exporter's B2B order; 9810: the exporter's
overseas-warehouse booking), the collection (not for 9810), the waybill (logistics), the
goods on the special zone's account book first for 1210, the
inventory (declaration agent, signed by the platform with the agent's key); once customs took the
inventory in, the supervision site reports the parcels arrived (CEB507) and, after release, the
logistics company reports their departure (CEB509); customs then closes the inventories (899).
--summarise then confirms the summary groups the platform proposes (CEB701) and waits for the
customs declarations (CEB792), printing declaration numbers and the refund ledger's entries.

Options:
  --flows N       How many flows (default 1, at most 200)
  --mode M        9610 (retail, default), 1210, 9710 (B2B direct) or 9810 (overseas warehouse)
  --prefix P      Order number prefix (default EXDEMO); the sandbox picks scenarios by it
  --seed S        Generator seed (default: from the clock)
  --summarise     Summarise the closed inventories into customs declarations
  --timeout S     Seconds to wait for each stage (default 60)`;

export const options = {
  flows: { type: 'string' },
  mode: { type: 'string' },
  prefix: { type: 'string' },
  seed: { type: 'string' },
  summarise: { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

interface View {
  records: Array<{ status: string; returnStatus: string | null; returnInfo: string | null; invtNo: string | null }>;
}
interface SummaryView {
  id: number;
  copNo: string;
  status: string;
  sumNo: string | null;
  returnInfo: string | null;
  declarations: Array<{ declSeqNo: string; entryId: string | null; items: Array<{ gseqno: number; gcode: string; lines: unknown[] }> }>;
}

interface LedgerEntry {
  id: number;
  declSeqNo: string;
  entryId: string | null;
  gseqno: number;
  gcode: string;
  gname: string;
  fob: string;
  currency: string;
  fobRmb: string | null;
  regime: string;
  rate: number | null;
  status: string;
}

const MODES: readonly ExportMode[] = ['9610', '1210', '9710', '9810'];
const bytes = (s: string) => new TextEncoder().encode(s);
const P = DEMO_EXPORT_PARTIES;

async function post(c: Client, body: string, path = '/api/v1/messages', type = 'application/xml'): Promise<{ id: number; body: unknown }> {
  const r = await c.send('POST', path, bytes(body), type);
  if (r.status >= 300) throw apiError(r);
  return { id: (r.body as { id: number }).id, body: r.body };
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, deadline: number): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function run(ctx: Context, _positionals: string[], values: Values): Promise<number> {
  const n = Number(values.flows ?? 1);
  const mode = String(values.mode ?? '9610') as ExportMode;
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new CliError('--flows: a whole number from 1 to 200', 2);
  if (!MODES.includes(mode)) throw new CliError(`--mode: one of ${MODES.join(', ')}`, 2);
  const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000_007;
  const timeoutMs = Number(values.timeout ?? 60) * 1000;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new CliError('--seed: a whole number, 0 or more', 2);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 3_600_000) throw new CliError('--timeout: seconds, from 1 to 3600', 2);
  // One consignment: the parcels share destination and master bill, so they summarise together.
  const flows = makeExportFlows(P, n, { mode, seed, orderNoPrefix: String(values.prefix ?? 'EXDEMO') });
  const as = (role: string) => ctx.client(ctx.keyFor(role));
  const show = (id: number) => as('agent').json<View>(`/api/v1/messages/${id}`);

  const inventories: number[] = [];
  if (mode === '1210') {
    // 特殊区域出口: the goods are on the special zone's account book before they are sold abroad.
    const items = flows.flatMap((f) => {
      const h = f.inventory.InventoryHead as Record<string, string>;
      return (f.inventory.InventoryList as Array<Record<string, string>>).map((l) => ({ emsNo: h.emsNo, itemRecordNo: l.itemRecordNo, ownerCode: P.ebc.code, qty: l.qty, gcode: l.gcode, name: l.gname, ref: f.orderNo }));
    });
    const r = await as('warehouse').send('POST', '/api/v1/stock/in', bytes(JSON.stringify({ items })), 'application/json');
    if (r.status >= 300) throw apiError(r);
    console.log(`the zone's warehouse books ${items.length} line(s) onto its account book (POST /api/v1/stock/in)`);
  }
  for (const [i, f] of flows.entries()) {
    const d = exportDocuments(f);
    const ids = [await post(as(d.order.role), d.order.xml)];
    if (d.collection) ids.push(await post(as(d.collection.role), d.collection.xml));
    ids.push(await post(as(d.waybill.role), d.waybill.xml));
    const signed = await as('agent').send('POST', '/api/v1/signatures', bytes(d.inventory), 'application/xml');
    if (signed.status !== 200) throw apiError(signed);
    const inv = await post(as('agent'), String(signed.body));
    inventories.push(inv.id);
    console.log(`flow ${i + 1} (${mode}, order ${f.orderNo}): ${ids.map((x) => `#${x.id}`).join(', ')}, inventory #${inv.id} (signed by the platform)`);
  }

  // The site reports the parcels arrived once customs has taken the inventories in; departure follows release.
  let deadline = Date.now() + timeoutMs;
  const taken = await Promise.all(inventories.map((id) => until(() => show(id), (v) => ['customs-accepted', 'released', 'closed', 'rejected'].includes(v.records[0].status), deadline)));
  const live = flows.filter((_, i) => taken[i].records[0].status !== 'rejected');
  for (const [i, v] of taken.entries()) if (v.records[0].status === 'rejected') console.log(`flow ${i + 1}: refused — [${v.records[0].returnStatus}] ${v.records[0].returnInfo}`);
  if (!live.length) return 1;
  const arrival = await post(as('warehouse'), arrivalMessage(P.site, live));
  console.log(`the supervision site reports ${live.length} parcel(s) arrived (CEB507 #${arrival.id})`);
  deadline = Date.now() + timeoutMs;
  const released = await Promise.all(inventories.map((id) => until(() => show(id), (v) => ['released', 'closed', 'rejected'].includes(v.records[0].status), deadline)));
  const out = live.filter((f) => released[flows.indexOf(f)].records[0].status !== 'rejected');
  if (out.length) {
    const departure = await post(as('logistics'), departureMessage(P.logistics, out));
    console.log(`the logistics company reports ${out.length} parcel(s) departed (CEB509 #${departure.id})`);
  }
  deadline = Date.now() + timeoutMs;
  let failed = 0;
  for (const [i, id] of inventories.entries()) {
    const v = await until(() => show(id), (x) => ['closed', 'rejected'].includes(x.records[0].status), deadline);
    const r = v.records[0];
    if (r.status !== 'closed') failed++;
    console.log(`flow ${i + 1}: inventory ${r.status}${r.invtNo ? ` (invtNo ${r.invtNo})` : ''} — [${r.returnStatus ?? ''}] ${r.returnInfo ?? ''}`);
  }
  if (!values.summarise) {
    console.log(`\n${inventories.length - failed} of ${inventories.length} closed. Summarise them: silkgate export --summarise, or GET /api/v1/summaries/proposals`);
    return failed ? 1 : 0;
  }

  const proposals = await as('agent').json<{ groups: Array<{ key: string; inventories: Array<{ invtNo: string }>; items: number }> }>('/api/v1/summaries/proposals');
  const mine = new Set(released.map((v) => v.records[0].invtNo).filter(Boolean));
  const groups = proposals.groups.filter((g) => g.inventories.some((x) => mine.has(x.invtNo)));
  const declared: string[] = [];
  for (const g of groups) {
    const invtNos = g.inventories.map((x) => x.invtNo).filter((x) => mine.has(x));
    const sent = await post(as('agent'), JSON.stringify({ key: g.key, invtNos }), '/api/v1/summaries', 'application/json');
    const s = sent.body as SummaryView;
    console.log(`summary ${s.copNo}: ${invtNos.length} inventories, ${g.items} declaration item(s), sent as CEB701 #${(sent.body as { messageId: number }).messageId}`);
    deadline = Date.now() + timeoutMs;
    const end = await until(() => as('agent').json<SummaryView>(`/api/v1/summaries/${s.id}`), (x) => ['declared', 'refused', 'failed'].includes(x.status), deadline);
    if (end.status !== 'declared') {
      failed++;
      console.log(`summary ${s.copNo}: ${end.status} ${end.returnInfo ?? ''}`);
      continue;
    }
    for (const d of end.declarations) {
      console.log(`summary ${s.copNo} (sumNo ${end.sumNo}): declaration ${d.declSeqNo}, 报关单号 ${d.entryId ?? '(pending)'}, ${d.items.length} item(s)`);
      declared.push(d.declSeqNo);
    }
  }
  // The exporter's refund ledger: one entry per declared line.
  const ledger = await as('ebc').json<{ items: LedgerEntry[] }>('/api/v1/refunds/ledger?limit=500');
  for (const e of ledger.items.filter((x) => declared.includes(x.declSeqNo))) {
    console.log(`ledger #${e.id}: 报关单 ${e.entryId ?? e.declSeqNo} item ${e.gseqno} ${e.gcode} ${e.gname} — FOB ${e.fob} (${e.currency}) = ${e.fobRmb ?? '?'} RMB, ${e.regime === 'exempt' ? '免税 exempt' : `退税 ${e.rate ?? '?'}%`}, ${e.status}`);
  }
  if (mode === '9710' || mode === '9810') console.log('\nRegister the purchase invoices (POST /api/v1/refunds/invoices) to make the refunds claimable — docs/refunds.md');
  return failed ? 1 : 0;
}
