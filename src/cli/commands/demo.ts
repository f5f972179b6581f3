/**
 * `silkgate demo`: runs complete, consistent retail-import flows against a platform's demo zone —
 * order, payment, waybill, inventory (and the bonded stock or the arrival list it needs) — and
 * follows each inventory to its customs release. `--write DIR` only writes the messages as files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_PARTIES, flowMessages, makeFlow } from '../../demo/flows.ts';
import { arrivalList } from '../../demo/arrival.ts';
import { CliError, apiError, type Client, type Context, type Values } from '../client.ts';

export const summary = 'Send complete demo flows (order → release) to the demo zone';
export const usage = `Usage: silkgate demo [--flows N] [--mode 9610|1210] [--prefix P] [--write DIR]

Builds N consistent flows (default 1) with the demo zone's enterprises and sends them in order:
order (e-commerce platform), payment, waybill, then the inventory (declaration agent), which the
platform signs with the agent's key it holds (POST /api/v1/signatures) before it is submitted; for
1210 the warehouse first puts the goods in bonded stock, for 9610 the warehouse reports the parcel
arrived. --write signs the inventories with the agent's sandbox key (src/demo/keys) instead.
Follows each inventory until customs releases it (800) or refuses it, printing the path.
The sandbox customs picks a scenario from the order number's start: --prefix REVIEW, INSPECT,
REJECT… (see docs/sandbox.md).

Options:
  --flows N       How many flows (default 1)
  --mode M        9610 (direct purchase, default) or 1210 (bonded)
  --prefix P      Order number prefix (default DEMO)
  --seed S        Generator seed (default: from the clock)
  --write DIR     Write the messages to DIR as XML files instead of sending them
  --timeout S     Seconds to wait for the releases (default 60)`;

export const options = {
  flows: { type: 'string' },
  mode: { type: 'string' },
  prefix: { type: 'string' },
  seed: { type: 'string' },
  write: { type: 'string' },
  timeout: { type: 'string' },
} as const;

interface View {
  status: string;
  records: Array<{ status: string; returnStatus: string | null; returnInfo: string | null; invtNo: string | null }>;
}

const xml = (s: string) => new TextEncoder().encode(s);

/** Signing as a service: the platform signs with the key it holds for the caller and answers the signed XML. */
async function signByPlatform(c: Client, body: string): Promise<{ xml: string; serial: string }> {
  const r = await c.send('POST', '/api/v1/signatures', xml(body), 'application/xml');
  if (r.status !== 200) throw apiError(r);
  const signed = String(r.body);
  return { xml: signed, serial: /<ds:KeyName>([^<]*)<\/ds:KeyName>/.exec(signed)?.[1] ?? '?' };
}

async function post(c: Client, body: string): Promise<number> {
  const r = await c.send('POST', '/api/v1/messages', xml(body), 'application/xml');
  if (r.status !== 202 && r.status !== 200) throw apiError(r);
  return (r.body as { id: number }).id;
}

async function waitFor(c: Client, id: number, done: (v: View) => boolean, deadline: number): Promise<View> {
  for (;;) {
    const v = await c.json<View>(`/api/v1/messages/${id}`);
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function run(ctx: Context, _positionals: string[], values: Values): Promise<number> {
  const n = Number(values.flows ?? 1);
  const mode = String(values.mode ?? '9610');
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError('--flows: a whole number from 1 to 1000', 2);
  if (mode !== '9610' && mode !== '1210') throw new CliError('--mode: 9610 or 1210', 2);
  const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000_007;
  const flows = Array.from({ length: n }, (_, i) => makeFlow(DEMO_PARTIES, { mode, seed: seed + i, orderNoPrefix: String(values.prefix ?? 'DEMO') }));

  if (typeof values.write === 'string') {
    fs.mkdirSync(values.write, { recursive: true });
    flows.forEach((f, i) => {
      // Named so that submitting the folder in name order sends the order before its payment.
      Object.entries(flowMessages(f)).forEach(([kind, body], k) => fs.writeFileSync(path.join(values.write as string, `${String(i + 1).padStart(3, '0')}-${k + 1}-${kind}.xml`), body));
    });
    console.log(`wrote ${flows.length * 4} messages to ${values.write} (submit them with: silkgate submit --auto-role ${values.write})`);
    return 0;
  }

  const as = (role: string) => ctx.client(ctx.keyFor(role));
  const deadline = Date.now() + Number(values.timeout ?? 60) * 1000;
  let failed = 0;
  for (const [i, f] of flows.entries()) {
    const m = flowMessages(f, false);
    const tag = `flow ${i + 1} (${mode}, order ${f.orderNo})`;
    if (mode === '1210') {
      const lines = f.inventory.InventoryList as Array<Record<string, string>>;
      const emsNo = (f.inventory.InventoryHead as Record<string, string>).emsNo;
      const items = lines.map((l) => ({ emsNo, itemRecordNo: l.itemRecordNo, ownerCode: DEMO_PARTIES.ebc.code, qty: l.qty, gcode: l.gcode, name: l.gname, ref: f.orderNo }));
      const r = await as('warehouse').send('POST', '/api/v1/stock/in', xml(JSON.stringify({ items })), 'application/json');
      if (r.status >= 300) throw apiError(r);
    }
    const orderId = await post(as('ebp'), m.order);
    const ids = [await post(as('payment'), m.payment), await post(as('logistics'), m.waybill)];
    const signed = await signByPlatform(as('agent'), m.inventory);
    const invId = await post(as('agent'), signed.xml);
    console.log(`${tag}: order #${orderId}, payment #${ids[0]}, waybill #${ids[1]}, inventory #${invId} (signed by the platform, certificate ${signed.serial})`);
    let arrived = mode !== '9610';
    const inv = await waitFor(as('agent'), invId, (v) => {
      const s = v.records[0].status;
      return ['released', 'closed', 'rejected'].includes(s) || (!arrived && s === 'customs-accepted');
    }, deadline);
    if (!arrived && inv.records[0].status === 'customs-accepted') {
      const arrival = await post(as('warehouse'), arrivalList(DEMO_PARTIES.warehouse, f.inventory.InventoryHead as Record<string, string>, [f.logisticsNo]));
      console.log(`${tag}: customs took the inventory in (120); the warehouse reports the parcel arrived (CEB711 #${arrival})`);
      arrived = true;
    }
    const end = await waitFor(as('agent'), invId, (v) => ['released', 'closed', 'rejected'].includes(v.records[0].status), deadline);
    const r = end.records[0];
    if (r.status === 'rejected' || !['released', 'closed'].includes(r.status)) failed++;
    console.log(`${tag}: inventory ${r.status}${r.invtNo ? ` (invtNo ${r.invtNo})` : ''} — [${r.returnStatus ?? ''}] ${r.returnInfo ?? ''}`);
  }
  console.log(`\n${flows.length - failed} of ${flows.length} released. Follow the receipts: silkgate receipts --as agent`);
  return failed ? 1 : 0;
}
