/**
 * Drains the outbox to the customs transport: oldest first, a bounded number in flight,
 * exponential backoff with jitter on failure. A message is marked sent only after the
 * transport accepted it; a crash in between means it is sent again, with the same CopMsgId.
 */
import type { DeclarationsService } from '../declarations/index.ts';
import type { OutboxRepository } from './outbox.repository.ts';
import type { CustomsTransport } from './transport.ts';
import { Pump } from '../../platform/pump.ts';
import { retryConflicts } from '../../platform/retry.ts';

export interface ForwarderOptions {
  batch: number;
  concurrency: number;
  /** Attempts before a message is given up (default: never — customs may be down for days). */
  maxAttempts: number;
  /** Idle poll interval; new messages wake the forwarder at once. */
  pollMs: number;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export function backoffMs(attempts: number): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempts - 1), 10 * 60_000);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

export class Forwarder {
  private readonly pump: Pump;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly declarations: DeclarationsService,
    private readonly transport: CustomsTransport,
    private readonly opts: ForwarderOptions,
  ) {
    this.pump = new Pump(() => this.forwardDue(), opts.pollMs, (err) => opts.log.error({ err }, 'outbox pass failed'));
  }

  start() {
    this.pump.start();
  }

  stop() {
    return this.pump.stop();
  }

  /** Run a pass now (or right after the current one). */
  kick() {
    this.pump.kick();
  }

  /** Forwards one batch of due messages; true when there may be more. */
  async forwardDue(): Promise<boolean> {
    const now = Date.now();
    const due = await this.outbox.claimDue(now, this.opts.batch);
    if (!due.length) return false;
    const sent: Array<{ id: number; messageId: number }> = [];
    const messages = new Map((await this.declarations.forwardable(due.map((d) => d.message_id))).map((m) => [m.id, m]));
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const row = due[next++];
        try {
          const m = messages.get(row.message_id);
          if (!m) throw new Error(`message ${row.message_id} is missing`);
          await this.transport.send({ copMsgId: m.copMsgId, messageType: m.messageType, envelope: this.declarations.envelope(m) });
          sent.push({ id: row.id, messageId: row.message_id });
        } catch (err) {
          const attempts = row.attempts + 1;
          const dead = attempts >= this.opts.maxAttempts;
          const msg = (err as Error).message ?? String(err);
          this.opts.log.warn({ messageId: row.message_id, attempts, err: msg }, dead ? 'giving up forwarding' : 'forwarding failed; will retry');
          await this.outbox.retryLater(row.id, attempts, Date.now() + backoffMs(attempts), msg, dead);
          if (dead) await this.declarations.markFailed(row.message_id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, due.length) }, worker));
    if (sent.length) {
      const at = Date.now();
      await retryConflicts(() =>
        this.outbox.kysely.transaction().execute(async (trx) => {
          await this.outbox.markSent(trx, sent.map((s) => s.id), at);
          await this.declarations.markForwarded(trx, sent.map((s) => s.messageId), at);
        }),
      );
    }
    return due.length === this.opts.batch;
  }
}
