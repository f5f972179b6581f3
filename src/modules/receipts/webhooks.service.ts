/**
 * Webhooks: each stored receipt becomes one delivery per active webhook of its enterprises (the
 * sender, and the enterprise an agent declared for), written in the receipt's transaction (a
 * durable outbox). The dispatcher POSTs it signed with HMAC-SHA256, retries with exponential
 * backoff, and gives up after `maxAttempts`.
 * Each delivery has a stable id, so a receiver can drop repeats.
 */
import crypto from 'node:crypto';
import type { AuditLog } from '../audit/index.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { Pump } from '../../platform/pump.ts';
import { safeUrl, withoutUrl } from '../../platform/security.ts';

export interface WebhookView {
  id: number;
  url: string;
  active: boolean;
  createdAt: string;
}

export interface DispatcherOptions {
  pollMs: number;
  /** First retry delay; each further attempt doubles it, up to an hour. */
  backoffBaseMs: number;
  batch: number;
  maxAttempts: number;
  timeoutMs: number;
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

export const SIGNATURE_HEADER = 'x-silkgate-signature';
export const DELIVERY_HEADER = 'x-silkgate-delivery';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp lets receivers refuse replays. */
export function signPayload(secret: string, body: string, timestamp: number): string {
  const mac = crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export function verifySignature(secret: string, body: string, header: string, toleranceSec = 300, now = Date.now()): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(now / 1000 - t) > toleranceSec) return false;
  const expected = Buffer.from(signPayload(secret, body, t).slice(-64), 'hex');
  return crypto.timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

export function webhookBackoffMs(attempts: number, baseMs = 1000): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 3600_000);
}

export class WebhooksService {
  private activeCache = new Map<number, Array<{ id: number }>>();
  private pendingKick = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit?: AuditLog,
  ) {}

  /** A webhook is configuration: its registration and removal are audited (the URL without credentials or query). */
  private async record(trx: Kysely<Database>, actor: string, action: string, enterpriseId: number, id: number, url: string) {
    const u = new URL(url);
    await this.audit?.append(trx, [{ actor, action, subject: `webhook:${id}`, enterpriseId, detail: { url: `${u.origin}${u.pathname}` } }]);
  }

  async register(enterpriseId: number, url: string, actor = 'system'): Promise<WebhookView & { secret: string }> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AppError('INVALID_REQUEST', 'url is not a URL.', [{ path: 'url', rule: 'url', expected: 'an absolute http(s) URL', actual: String(url) }]);
    }
    if (!/^https?:$/.test(parsed.protocol)) {
      throw new AppError('INVALID_REQUEST', 'Webhooks are delivered over HTTP(S).', [{ path: 'url', rule: 'url', expected: 'http: or https:', actual: parsed.protocol }]);
    }
    const secret = `whsec_${crypto.randomBytes(24).toString('base64url')}`;
    const now = Date.now();
    const row = await this.db.transaction().execute(async (trx) => {
      const r = await trx.insertInto('webhooks').values({ enterprise_id: enterpriseId, url: parsed.toString(), secret, active: 1, created_at: now }).returning('id').executeTakeFirstOrThrow();
      await this.record(trx, actor, 'webhook.registered', enterpriseId, r.id, parsed.toString());
      return r;
    });
    this.activeCache.delete(enterpriseId);
    return { id: row.id, url: parsed.toString(), active: true, createdAt: new Date(now).toISOString(), secret };
  }

  async list(enterpriseId: number): Promise<WebhookView[]> {
    const rows = await this.db.selectFrom('webhooks').select(['id', 'url', 'active', 'created_at']).where('enterprise_id', '=', enterpriseId).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, url: r.url, active: r.active === 1, createdAt: new Date(r.created_at).toISOString() }));
  }

  async deactivate(enterpriseId: number, id: number, actor = 'system'): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const hook = await trx.selectFrom('webhooks').select('url').where('id', '=', id).where('enterprise_id', '=', enterpriseId).where('active', '=', 1).executeTakeFirst();
      if (!hook) throw new AppError('NOT_FOUND', `No active webhook ${id} of yours.`);
      await trx.updateTable('webhooks').set({ active: 0 }).where('id', '=', id).execute();
      await this.record(trx, actor, 'webhook.removed', enterpriseId, id, hook.url);
    });
    this.activeCache.delete(enterpriseId);
  }

  /** Recent deliveries of a webhook of this enterprise; another's webhook answers 404, like a missing one. */
  async deliveries(enterpriseId: number, webhookId: number, limit = 100) {
    const own = await this.db.selectFrom('webhooks').select('id').where('id', '=', webhookId).where('enterprise_id', '=', enterpriseId).executeTakeFirst();
    if (!own) throw new AppError('NOT_FOUND', `No webhook ${webhookId} of yours.`);
    return this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.delivery_id', 'd.receipt_id', 'd.status', 'd.attempts', 'd.response_status', 'd.last_error', 'd.created_at', 'd.delivered_at'])
      .where('w.id', '=', webhookId)
      .where('w.enterprise_id', '=', enterpriseId)
      .orderBy('d.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Called inside the receipts' transaction: one delivery per receipt and active webhook. */
  async enqueue(trx: Kysely<Database>, receipts: Array<{ enterpriseId: number; receiptId: number }>, now: number): Promise<void> {
    const rows: Array<{ webhook_id: number; receipt_id: number; delivery_id: string; status: 'pending'; attempts: number; next_at: number; created_at: number }> = [];
    for (const r of receipts) {
      let hooks = this.activeCache.get(r.enterpriseId);
      if (!hooks) {
        hooks = await trx.selectFrom('webhooks').select('id').where('enterprise_id', '=', r.enterpriseId).where('active', '=', 1).execute();
        this.activeCache.set(r.enterpriseId, hooks);
      }
      for (const h of hooks) rows.push({ webhook_id: h.id, receipt_id: r.receiptId, delivery_id: crypto.randomUUID(), status: 'pending', attempts: 0, next_at: now, created_at: now });
    }
    for (let i = 0; i < rows.length; i += 200) {
      await trx.insertInto('webhook_deliveries').values(rows.slice(i, i + 200)).onConflict((oc) => oc.columns(['webhook_id', 'receipt_id']).doNothing()).execute();
    }
    if (rows.length) this.pendingKick = true;
  }

  /** After the receipts' transaction committed: new deliveries go out now, not at the next poll. */
  committed() {
    if (!this.pendingKick) return;
    this.pendingKick = false;
    this.kick();
  }

  // --- dispatcher -------------------------------------------------------------------------------

  private pump: Pump | null = null;

  start(opts: DispatcherOptions) {
    this.pump = new Pump(() => this.dispatchDue(opts), opts.pollMs, (err) => opts.log.error({ err }, 'webhook pass failed'));
    this.pump.start();
  }

  async stop() {
    await this.pump?.stop();
  }

  kick() {
    this.pump?.kick();
  }

  async dispatchDue(opts: DispatcherOptions): Promise<boolean> {
    const now = Date.now();
    const due = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .innerJoin('receipts as r', 'r.id', 'd.receipt_id')
      .select(['d.id', 'd.delivery_id', 'd.attempts', 'w.url', 'w.secret', 'w.active', 'r.id as receiptId', 'r.message_id', 'r.declaration_id', 'r.message_type', 'r.return_status', 'r.return_info', 'r.return_time', 'r.xml', 'r.received_at'])
      .where('d.status', '=', 'pending')
      .where('d.next_at', '<=', now)
      .orderBy('d.next_at')
      .limit(opts.batch)
      .execute();
    await Promise.all(due.map(async (d) => {
      const body = JSON.stringify({
        id: d.delivery_id,
        event: 'receipt',
        receipt: {
          id: d.receiptId,
          messageId: d.message_id,
          declarationId: d.declaration_id,
          messageType: d.message_type,
          returnStatus: d.return_status,
          returnInfo: d.return_info,
          returnTime: d.return_time,
          receivedAt: new Date(d.received_at).toISOString(),
          xml: d.xml,
        },
      });
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(d.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            [SIGNATURE_HEADER]: signPayload(d.secret, body, Math.floor(Date.now() / 1000)),
            [DELIVERY_HEADER]: d.delivery_id,
            'user-agent': 'Silkgate-Webhooks/1',
          },
          body,
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (err) {
        error = (err as Error).message;
      }
      const attempts = d.attempts + 1;
      if (!error) {
        await this.db.updateTable('webhook_deliveries').set({ status: 'delivered', attempts, response_status: status, delivered_at: Date.now(), last_error: null }).where('id', '=', d.id).execute();
      } else {
        const dead = attempts >= opts.maxAttempts;
        // A webhook URL may carry its receiver's secret (user:password@, ?token=): never in the log.
        if (dead) opts.log.warn({ delivery: d.delivery_id, url: safeUrl(d.url), error: withoutUrl(error, d.url) }, 'webhook delivery given up');
        await this.db
          .updateTable('webhook_deliveries')
          .set({ status: dead ? 'dead' : 'pending', attempts, response_status: status, last_error: error.slice(0, 1000), next_at: Date.now() + webhookBackoffMs(attempts, opts.backoffBaseMs) })
          .where('id', '=', d.id)
          .execute();
      }
    }));
    return due.length === opts.batch;
  }
}
