/** Export flows through a running platform: declare the documents, then arrival, release, departure, close. */
import { expect } from 'vitest';
import { DEMO_EXPORT_PARTIES as P, arrivalMessage, departureMessage, wrapExport, type ExportFlow } from '../../src/demo/export.ts';
import { eventually, type Platform } from './platform.ts';

export type ExportRole = 'ebp' | 'ebc' | 'payment' | 'logistics' | 'agent' | 'warehouse' | 'overseas';

export interface ShownMessage {
  status: string;
  records: Array<{ status: string; preNo: string | null; invtNo: string | null; returnStatus: string | null; returnInfo: string | null }>;
  receipts: Array<{ messageType: string; returnStatus: string; returnInfo: string }>;
}

/** `platform` is read at each call: describe blocks start theirs in beforeAll. */
export function exporter(platform: () => Platform) {
  const send = async (role: ExportRole, xml: string) => {
    const p = platform();
    const res = await p.request('POST', '/api/v1/messages', { key: p.key(role), body: xml });
    expect(res.status, res.text).toBe(202);
    return (res.json() as { id: number }).id;
  };
  const show = async (role: ExportRole, id: number) => (await platform().request('GET', `/api/v1/messages/${id}`, { key: platform().key(role) })).json() as ShownMessage;
  const statusOf = async (role: ExportRole, id: number) => (await show(role, id)).records[0].status;

  /** Order (platform, exporter or overseas warehouse by mode), collection, waybill and the signed inventory; the inventory's message id. */
  const declare = async (f: ExportFlow): Promise<number> => {
    const orderBy: ExportRole = f.mode === '9610' || f.mode === '1210' ? 'ebp' : f.mode === '9810' ? 'overseas' : 'ebc';
    const orderSender = { ebp: P.ebp, ebc: P.ebc, overseas: P.overseas }[orderBy as 'ebp' | 'ebc' | 'overseas'];
    await send(orderBy, wrapExport('CEB303Message', [f.order], orderSender));
    if (f.collection) await send('payment', wrapExport('CEB403Message', [f.collection], P.payment));
    await send('logistics', wrapExport('CEB505Message', [f.waybill], P.logistics));
    // The inventory waits on the platform until its documents are at 120; the caller need not.
    return send('agent', wrapExport('CEB603Message', [f.inventory], P.agent, undefined, { sign: true }));
  };

  /** Arrival, release, departure, close, checking that customs holds each stage until the site or the carrier reports. */
  const clear = async (flows: ExportFlow[], invIds: number[]) => {
    for (const id of invIds) await eventually(async () => (await statusOf('agent', id)) === 'customs-accepted', 15_000, 'inventory 120');
    await new Promise((r) => setTimeout(r, 300));
    for (const id of invIds) expect(await statusOf('agent', id)).toBe('customs-accepted');
    const arrival = await send('warehouse', arrivalMessage(P.site, flows));
    for (const id of invIds) await eventually(async () => (await statusOf('agent', id)) === 'released', 15_000, 'inventory 800');
    await new Promise((r) => setTimeout(r, 300));
    for (const id of invIds) expect(await statusOf('agent', id)).toBe('released');
    const departure = await send('logistics', departureMessage(P.logistics, flows));
    for (const id of invIds) await eventually(async () => (await statusOf('agent', id)) === 'closed', 15_000, 'inventory 899');
    return { arrival, departure };
  };

  return { send, show, statusOf, declare, clear };
}
