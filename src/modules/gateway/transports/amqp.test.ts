/**
 * AMQP gateway through a real platform and a real RabbitMQ (test/support/rabbitmq.ts starts a
 * throwaway node unless SILKGATE_TEST_AMQP_URL is given; SILKGATE_TEST_AMQP=0 skips): the
 * forwarded DxpMsg is on the send queue, persistent, with messageId = CopMsgId; a receipt
 * published on the receive queue is relayed and acked, a refused one parked; after the broker
 * closed every connection the transport reconnects and still forwards and relays.
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEnvelope, parseDocument } from '../../../ceb/index.ts';
import type { CebNode } from '../../../ceb/index.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../../../demo/flows.ts';
import { eventually, startPlatform, type Platform } from '../../../../test/support/platform.ts';
import { orderReceipt, type Shown } from '../../../../test/support/customs.ts';
import { amqpTestMode, startRabbitMQ, type Rabbit } from '../../../../test/support/rabbitmq.ts';



const mode = amqpTestMode();
// rabbitmqctl boots an Erlang VM per call: seconds each on a busy machine.
const SLOW = { timeout: 60_000 };

describe.skipIf(mode === 'skip')('AMQP gateway (RabbitMQ)', () => {
  const run = randomUUID().slice(0, 8);
  const sendQueue = `silkgate.test.${run}.to-customs`;
  const receiveQueue = `silkgate.test.${run}.from-customs`;
  const failedQueue = `${receiveQueue}.failed`;
  let rabbit: Rabbit;
  let p: Platform;
  let conn: ChannelModel | null = null;
  let ch: Channel;

  /** The test's own connection, playing customs. */
  const connect = async () => {
    conn = await amqp.connect(rabbit.url);
    conn.on('error', () => undefined); // closed by the broker on purpose below
    ch = await conn.createChannel();
    ch.on('error', () => undefined);
  };

  beforeAll(async () => {
    rabbit = await startRabbitMQ();
    if (rabbit.startMs > 40_000) console.warn(`RabbitMQ took ${Math.round(rabbit.startMs / 1000)} s to start`);
    p = await startPlatform('sqlite', { SILKGATE_TRANSPORT: 'amqp', SILKGATE_AMQP_URL: rabbit.url, SILKGATE_AMQP_SEND_QUEUE: sendQueue, SILKGATE_AMQP_RECEIVE_QUEUE: receiveQueue });
    await connect();
  }, 120_000);

  afterAll(async () => {
    await p?.close();
    if (conn) {
      if (mode === 'external') for (const q of [sendQueue, receiveQueue, failedQueue]) await ch.deleteQueue(q).catch(() => undefined);
      await conn.close().catch(() => undefined);
    }
    await rabbit?.stop();
  }, 60_000);

  const show = async (id: number) => (await p.request('GET', `/api/v1/messages/${id}`, { key: p.key('ebp') })).json() as Shown;
  const submit = async (seed: number) => {
    const order = makeFlow(DEMO_PARTIES, { mode: '9610', seed }).order;
    const xml = wrapMessage('CEB311Message', [order], DEMO_PARTIES.ebp);
    const res = await p.request('POST', '/api/v1/messages', { key: p.key('ebp'), body: xml });
    expect(res.status, res.text).toBe(202);
    return { order, xml, id: (res.json() as { id: number }).id };
  };
  const take = (queue: string, what: string) => eventually(async () => (await ch.get(queue, { noAck: true })) || undefined, 15_000, what) as Promise<GetMessage>;
  const expectForwarded = async (sent: { xml: string; id: number }) => {
    const shown = await eventually(async () => {
      const s = await show(sent.id);
      return s.status === 'forwarded' && s;
    }, 15_000, 'forwarded');
    const msg = await take(sendQueue, 'the DxpMsg on the send queue');
    expect(msg.properties).toMatchObject({ messageId: shown.copMsgId, deliveryMode: 2, contentType: 'application/xml', type: 'CEB311Message' });
    const doc = parseDocument(msg.content);
    if (!doc.ok) throw new Error('the send queue holds an invalid DxpMsg');
    const env = openEnvelope(doc.doc);
    expect(env.copMsgId).toBe(shown.copMsgId);
    expect(env.data.equals(Buffer.from(sent.xml))).toBe(true);
  };
  const expectAcked = async () => {
    if (!rabbit.own) return;
    await eventually(async () => {
      const c = await rabbit.queueCounts(receiveQueue);
      return c?.ready === 0 && c.unacked === 0;
    }, 20_000, 'receive queue drained and acked');
  };

  let first: { order: CebNode; xml: string; id: number };

  it('publishes each DxpMsg to the durable send queue, persistent, messageId = CopMsgId, after a confirm', async () => {
    first = await submit(51);
    await expectForwarded(first);
    expect((await ch.checkQueue(sendQueue)).messageCount).toBe(0); // exactly one message
    const probe = await conn!.createChannel();
    probe.on('error', () => undefined);
    await expect(probe.assertQueue(sendQueue, { durable: false })).rejects.toThrow(/PRECONDITION_FAILED/);
  });

  it('relays a receipt from the receive queue and acks it; parks a refused one', SLOW, async () => {
    ch.sendToQueue(receiveQueue, orderReceipt(first.order, '120'), { persistent: true, messageId: 'receipt-1', contentType: 'application/xml' });
    const shown = await eventually(async () => {
      const s = await show(first.id);
      return s.records[0].status === 'customs-accepted' && s;
    }, 10_000, 'customs-accepted');
    expect(shown.receipts.map((r) => [r.messageType, r.returnStatus])).toEqual([['CEB312Message', '120']]);

    ch.sendToQueue(receiveQueue, Buffer.from('not a receipt'), { persistent: true, messageId: 'garbage-1' });
    const parked = await take(failedQueue, 'the refused receipt parked');
    expect(parked.content.toString()).toBe('not a receipt');
    expect(parked.properties.messageId).toBe('garbage-1');
    expect(String(parked.properties.headers?.['x-silkgate-error'])).toMatch(/not valid/);
    await expectAcked();
  });

  it.skipIf(mode === 'external')('reconnects after the broker closed every connection, then forwards and relays again', SLOW, async () => {
    await rabbit.closeAllConnections('silkgate test: connection drop');
    await connect(); // ours was closed too
    await eventually(async () => (await ch.checkQueue(receiveQueue)).consumerCount === 1, 15_000, 'the platform consuming again');

    const second = await submit(52);
    await expectForwarded(second);
    ch.sendToQueue(receiveQueue, orderReceipt(second.order, '120'), { persistent: true, messageId: 'receipt-2', contentType: 'application/xml' });
    await eventually(async () => (await show(second.id)).records[0].status === 'customs-accepted', 10_000, 'receipt after reconnect');
    await expectAcked();
  });

  it('fails a send the broker cannot route (send queue deleted), then declares the queue again', async () => {
    await ch.deleteQueue(sendQueue);
    const m = { copMsgId: `test-${run}-unroutable`, messageType: 'CEB311Message', envelope: '<DxpMsg/>' };
    await expect(p.app.transport.send(m)).rejects.toThrow(/does not exist/);
    await eventually(async () => {
      await p.app.transport.send(m);
      return true;
    }, 15_000, 'a send after the queue was declared again');
    const msg = await take(sendQueue, 'the retried message');
    expect(msg.properties.messageId).toBe(m.copMsgId);
  });
});
