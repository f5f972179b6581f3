/**
 * AMQP (RabbitMQ) gateway, as DxpMsg exchanges route them (spec transports.md §2.4): the
 * default exchange with routing key = queue name, no custom headers needed by the other side.
 *
 * Out: each DxpMsg is published to the send queue — persistent, `messageId` = CopMsgId,
 * `type` = MsgType, content type application/xml, mandatory — on a confirm channel; send()
 * resolves only once the broker confirmed it (a nack, a return or a lost channel is a failed
 * attempt the outbox retries). Delivery is at least once: a retry after a lost confirm can put
 * the same envelope on the queue twice, byte-identical and with the same messageId, for the
 * receiver to deduplicate on CopMsgId; this process never republishes a CopMsgId it saw confirmed.
 *
 * In: receipts are consumed from the receive queue with a prefetch window; each is acked only
 * after `deliver` resolved. A receipt the platform refuses (an AppError 4xx: it will never be
 * accepted) is moved to `<receive queue>.failed` and acked; any other failure is nacked back
 * onto the queue after `requeueDelayMs`, so a broken database does not spin.
 *
 * All three queues are declared durable. A dropped connection is reported and re-established
 * with exponential backoff (the consumer with it); sends in between fail fast and are retried
 * by the outbox.
 */
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { AppError } from '../../../platform/errors.ts';
import type { CustomsTransport, InboundHandler, OutboundMessage } from '../transport.ts';

export interface AmqpOptions {
  url: string;
  sendQueue: string;
  receiveQueue: string;
  /** Receipts delivered but not yet acknowledged (default 32). */
  prefetch?: number;
  /** Wait before a receipt that could not be handled goes back onto the queue (default 1000 ms). */
  requeueDelayMs?: number;
  /** Reconnect backoff: first and longest wait (default 250 ms and 30 s). */
  reconnectMs?: { min: number; max: number };
  /** A send fails when the broker has not confirmed it within this time (default 30 s). */
  confirmTimeoutMs?: number;
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

interface Session {
  conn: ChannelModel;
  pub: ConfirmChannel;
  /** MessageIds the broker returned as unroutable; their confirm follows the return. */
  returned: Set<string>;
  /** The receipts consumer, once asked for (one per session). */
  consumer: Promise<{ ch: Channel; consumerTag: string }> | null;
}

/** CopMsgIds confirmed recently, bounded (oldest forgotten first). */
class Recent {
  private readonly set = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string) {
    return this.set.has(k);
  }
  add(k: string) {
    this.set.add(k);
    if (this.set.size > this.max) this.set.delete(this.set.values().next().value!);
  }
}

const errMsg = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class AmqpTransport implements CustomsTransport {
  readonly name = 'amqp';
  readonly failedQueue: string;
  private session: Session | null = null;
  private connecting: Promise<Session> | null = null;
  private deliver: InboundHandler | null = null;
  private stopped = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly confirmed = new Recent(10_000);
  private readonly handling = new Set<Promise<void>>();

  constructor(private readonly opts: AmqpOptions) {
    this.failedQueue = `${opts.receiveQueue}.failed`;
  }

  async send(m: OutboundMessage): Promise<void> {
    if (this.confirmed.has(m.copMsgId)) return;
    let p = this.inFlight.get(m.copMsgId);
    if (!p) {
      p = this.publish(m).finally(() => this.inFlight.delete(m.copMsgId));
      this.inFlight.set(m.copMsgId, p);
    }
    await p;
    this.confirmed.add(m.copMsgId);
  }

  private async publish(m: OutboundMessage): Promise<void> {
    const s = await this.open();
    const body = Buffer.from(m.envelope, 'utf8');
    await this.confirm(s, this.opts.sendQueue, body, { messageId: m.copMsgId, type: m.messageType, contentType: 'application/xml', contentEncoding: 'utf-8', timestamp: Math.floor(Date.now() / 1000), appId: 'silkgate' });
  }

  /** Publishes persistently through the default exchange and waits for the broker's confirm. */
  private confirm(s: Session, queue: string, body: Buffer, props: amqp.Options.Publish & { messageId: string }): Promise<void> {
    const timeoutMs = this.opts.confirmTimeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the broker did not confirm ${props.messageId} within ${timeoutMs} ms`)), timeoutMs);
      try {
        s.pub.publish('', queue, body, { ...props, persistent: true, mandatory: true }, (err) => {
          clearTimeout(timer);
          if (s.returned.delete(props.messageId)) reject(new Error(`queue ${queue} does not exist: the broker returned ${props.messageId}`));
          else if (err) reject(new Error(`the broker refused ${props.messageId}: ${errMsg(err)}`));
          else resolve();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  async start(deliver: InboundHandler): Promise<void> {
    this.deliver = deliver;
    this.stopped = false;
    try {
      await this.consume(await this.open());
    } catch (err) {
      // The platform starts anyway: sends fail (and are retried) until the broker is back.
      this.opts.log.error({ err: errMsg(err) }, 'AMQP broker unreachable; retrying');
      this.reconnectLater();
    }
  }

  private open(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    if (this.stopped) return Promise.reject(new Error('the AMQP transport is stopped'));
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<Session> {
    const conn = await amqp.connect(this.opts.url, { timeout: 10_000, clientProperties: { connection_name: 'silkgate' } });
    let closed = false;
    let s: Session | null = null;
    conn.on('error', (err) => this.opts.log.warn({ err: errMsg(err) }, 'AMQP connection error'));
    conn.on('blocked', (reason) => this.opts.log.warn({ reason }, 'AMQP broker blocks publishing (resource alarm)'));
    conn.on('close', () => {
      closed = true;
      if (s && this.session === s) this.lost(s);
    });
    try {
      const pub = await conn.createConfirmChannel();
      s = { conn, pub, returned: new Set(), consumer: null };
      const session = s;
      pub.on('error', (err) => this.opts.log.warn({ err: errMsg(err) }, 'AMQP channel error'));
      // A channel does not outlive its error: start over with a fresh connection.
      pub.on('close', () => void conn.close().catch(() => undefined));
      pub.on('return', (msg: ConsumeMessage) => {
        // The queue is gone (deleted by hand?): reconnecting declares it again.
        session.returned.add(String(msg.properties.messageId));
        this.opts.log.warn({ queue: msg.fields.routingKey }, 'AMQP message returned as unroutable; reconnecting');
        void conn.close().catch(() => undefined);
      });
      for (const q of [this.opts.sendQueue, this.opts.receiveQueue, this.failedQueue]) await pub.assertQueue(q, { durable: true });
      if (this.deliver) await this.consume(s);
      if (closed) throw new Error('the AMQP connection closed while it was being set up');
      this.session = s;
      this.failures = 0;
      return s;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  private consume(s: Session) {
    s.consumer ??= this.subscribe(s).catch((err) => {
      // Without its consumer the session is no good: start over.
      s.consumer = null;
      void s.conn.close().catch(() => undefined);
      throw err;
    });
    return s.consumer;
  }

  private async subscribe(s: Session) {
    const ch = await s.conn.createChannel();
    ch.on('error', (err) => this.opts.log.warn({ err: errMsg(err) }, 'AMQP channel error'));
    ch.on('close', () => void s.conn.close().catch(() => undefined));
    await ch.prefetch(this.opts.prefetch ?? 32);
    const { consumerTag } = await ch.consume(this.opts.receiveQueue, (msg) => {
      if (msg === null) {
        // The broker cancelled the consumer (the queue was deleted): reconnect, which declares it again.
        this.opts.log.warn({ queue: this.opts.receiveQueue }, 'AMQP consumer cancelled by the broker');
        void s.conn.close().catch(() => undefined);
        return;
      }
      const p = this.handle(ch, msg).finally(() => this.handling.delete(p));
      this.handling.add(p);
    }, { noAck: false });
    return { ch, consumerTag };
  }

  private async handle(ch: Channel, msg: ConsumeMessage) {
    const source = `amqp:${this.opts.receiveQueue}:${msg.properties.messageId ?? msg.fields.deliveryTag}`;
    // If the channel is gone, the broker has already put the message back: nothing to settle.
    const settle = (f: () => void) => {
      try {
        f();
      } catch (err) {
        this.opts.log.warn({ source, err: errMsg(err) }, 'AMQP receipt not settled; the broker will deliver it again');
      }
    };
    try {
      await this.deliver!(msg.content, source);
      settle(() => ch.ack(msg));
      return;
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        try {
          const s = await this.open();
          const { contentType, contentEncoding, type, timestamp, appId, correlationId, messageId, headers } = msg.properties;
          await this.confirm(s, this.failedQueue, msg.content, { contentType, contentEncoding, type, timestamp, appId, correlationId, messageId: String(messageId ?? ''), headers: { ...headers, 'x-silkgate-error': err.message.slice(0, 1000) } });
          this.opts.log.warn({ source, err: err.message }, `receipt refused; moved to ${this.failedQueue}`);
          settle(() => ch.ack(msg));
          return;
        } catch (parkErr) {
          this.opts.log.warn({ source, err: errMsg(parkErr) }, 'refused receipt could not be parked; requeued');
        }
      } else {
        this.opts.log.warn({ source, err: errMsg(err) }, 'receipt could not be handled; requeued');
      }
    }
    await sleep(this.opts.requeueDelayMs ?? 1000);
    settle(() => ch.nack(msg, false, true));
  }

  private lost(s: Session) {
    this.session = null;
    if (this.stopped) return;
    this.opts.log.warn({ queue: this.opts.receiveQueue }, 'AMQP connection lost; reconnecting');
    void s.conn.close().catch(() => undefined);
    this.reconnectLater();
  }

  private reconnectLater() {
    if (this.stopped || this.reconnectTimer || !this.deliver) return;
    const { min, max } = this.opts.reconnectMs ?? { min: 250, max: 30_000 };
    const waitMs = Math.round(Math.min(min * 2 ** this.failures++, max) * (0.8 + Math.random() * 0.4));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().then(
        async (s) => {
          await this.consume(s);
          this.opts.log.warn({ queue: this.opts.receiveQueue }, 'AMQP connection restored');
        },
      ).catch((err) => {
        this.opts.log.warn({ err: errMsg(err), failures: this.failures }, 'AMQP reconnect failed; retrying');
        this.reconnectLater();
      });
    }, waitMs);
    this.reconnectTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    await this.connecting?.catch(() => undefined);
    const s = this.session;
    this.session = null;
    if (!s) return;
    // No new receipts; let those being handled settle (their acks need the channel), then close.
    const sub = await s.consumer?.catch(() => null);
    if (sub) await sub.ch.cancel(sub.consumerTag).catch(() => undefined);
    await Promise.race([Promise.allSettled([...this.handling]), sleep(10_000)]);
    await s.conn.close().catch(() => undefined);
  }
}
