/**
 * Folder exchange through a real platform: the forwarded DxpMsg lands atomically in the out
 * folder, once per CopMsgId; a receipt dropped into the in folder (slowly, as a client writing in
 * place would) is relayed and moved to processed/; garbage goes to failed/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMS_IMPORT_DXP_ID, openEnvelope, parseDocument } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../../demo/flows.ts';
import { tempDir } from '../../../../test/support/db.ts';
import { eventually, startPlatform, type Platform } from '../../../../test/support/platform.ts';
import { orderReceipt, type Shown } from '../../../../test/support/customs.ts';
import { envelopeFileName } from './folder.ts';



const files = (dir: string) => fs.readdirSync(dir).filter((f) => !f.startsWith('.'));

describe('folder exchange', () => {
  const dir = tempDir('silkgate-folder-');
  const outDir = path.join(dir.path, 'out');
  const inDir = path.join(dir.path, 'in');
  const processed = path.join(dir.path, 'processed');
  const failed = path.join(dir.path, 'failed');
  let p: Platform;
  let orderXml = '';
  let orderId = 0;
  let order: CebNode;

  beforeAll(async () => {
    p = await startPlatform('sqlite', { SILKGATE_TRANSPORT: 'folder', SILKGATE_FOLDER_OUT: outDir, SILKGATE_FOLDER_IN: inDir });
    order = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 31 }).order;
    orderXml = wrapMessage('CEB311Message', [order], DEMO_PARTIES.ebp);
  });

  afterAll(async () => {
    await p?.close();
    dir.cleanup();
  });

  const show = async (id: number) => (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key('ebp') })).json() as Shown;

  it('writes one DxpMsg file per message, whose Data is the exact bytes sent', async () => {
    const res = await p.request('POST', '/api/v1/messages', { key: p.key('ebp'), body: orderXml });
    expect(res.status, res.text).toBe(202);
    orderId = (res.json() as { id: number }).id;
    const shown = await eventually(async () => {
      const s = await show(orderId);
      return s.status === 'forwarded' && s;
    }, 10_000, 'forwarded');

    expect(files(outDir)).toEqual([envelopeFileName({ messageType: 'CEB311Message', copMsgId: shown.copMsgId })]);
    expect(fs.readdirSync(outDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const doc = parseDocument(fs.readFileSync(path.join(outDir, files(outDir)[0])));
    if (!doc.ok) throw new Error('the out file is not a valid DxpMsg');
    const env = openEnvelope(doc.doc);
    expect(env.data.equals(Buffer.from(orderXml))).toBe(true);
    expect(env).toMatchObject({ copMsgId: shown.copMsgId, msgType: 'CEB311Message', receiverIds: [CUSTOMS_IMPORT_DXP_ID] });
  });

  it('hands a CopMsgId over once, even after the client took the file away', async () => {
    const shown = await show(orderId);
    const envelope = (await p.request('GET', `/api/v1/messages/${orderId}/envelope`, { key: p.key('ebp') })).text;
    const name = envelopeFileName({ messageType: 'CEB311Message', copMsgId: shown.copMsgId });
    fs.renameSync(path.join(outDir, name), path.join(dir.path, name)); // the customs client picked it up
    await p.app.transport.send({ copMsgId: shown.copMsgId, messageType: 'CEB311Message', envelope });
    expect(files(outDir)).toEqual([]);
    // A CopMsgId that is not a safe file name still gets its own file.
    expect(envelopeFileName({ messageType: 'CEB311Message', copMsgId: 'a/b' })).not.toBe(envelopeFileName({ messageType: 'CEB311Message', copMsgId: 'a_b' }));
  });

  it('relays a receipt written slowly into the in folder, then moves it to processed/', async () => {
    const bytes = orderReceipt(order, '120');
    const file = path.join(inDir, 'CEB312_receipt.xml');
    // Written in place in small pieces, slower than one scan: never read half-way.
    const pieces = 8;
    const size = Math.ceil(bytes.length / pieces);
    for (let i = 0; i < pieces; i++) {
      fs.appendFileSync(file, bytes.subarray(i * size, (i + 1) * size));
      await new Promise((r) => setTimeout(r, 120));
    }
    const shown = await eventually(async () => {
      const s = await show(orderId);
      return s.records[0].status === 'customs-accepted' && s;
    }, 10_000, 'customs-accepted');
    expect(shown.receipts.map((r) => [r.messageType, r.returnStatus])).toEqual([['CEB312Message', '120']]);
    await eventually(async () => files(inDir).length === 0, 5_000, 'in folder emptied');
    expect(files(processed)).toEqual(['CEB312_receipt.xml']);
    expect(fs.readFileSync(path.join(processed, 'CEB312_receipt.xml')).equals(bytes)).toBe(true);
    expect(files(failed)).toEqual([]);
  });

  it('moves a file that is no receipt to failed/, and skips temp and dot files', async () => {
    fs.writeFileSync(path.join(inDir, 'garbage.xml'), 'this is not XML');
    fs.writeFileSync(path.join(inDir, 'incoming.xml.tmp'), '<half');
    fs.writeFileSync(path.join(inDir, '.hidden.xml'), '<half');
    await eventually(async () => files(failed).includes('garbage.xml'), 5_000, 'garbage in failed/');
    expect(fs.readdirSync(inDir).sort()).toEqual(['.hidden.xml', 'incoming.xml.tmp']);
    expect(files(processed)).toEqual(['CEB312_receipt.xml']);
  });

  it('has no customs receipt endpoint without SILKGATE_CUSTOMS_TOKEN', async () => {
    const res = await p.request('POST', '/api/v1/customs/receipts', { body: orderReceipt(order, '2') });
    expect(res.status).toBe(404);
  });
});
