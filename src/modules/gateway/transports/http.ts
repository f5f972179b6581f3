/**
 * HTTP gateway: POSTs each DxpMsg to the configured customs endpoint (SILKGATE_CUSTOMS_URL), with
 * `x-cop-msg-id` for the other side to deduplicate retries on and, when SILKGATE_CUSTOMS_TOKEN is
 * set, `Authorization: Bearer <token>`. Any non-2xx answer, network error or timeout is a failed
 * attempt (the outbox retries with the same envelope). Receipts come back through the platform's
 * own inbound endpoint, POST /api/v1/customs/receipts (customs.routes.ts).
 */
import type { CustomsTransport, OutboundMessage } from '../transport.ts';

export class HttpTransport implements CustomsTransport {
  readonly name = 'http';

  constructor(private readonly opts: { url: string; timeoutMs?: number; token?: string }) {}

  async send(m: OutboundMessage): Promise<void> {
    const res = await fetch(this.opts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/xml; charset=utf-8',
        'x-cop-msg-id': m.copMsgId,
        ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
      },
      body: m.envelope,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
    });
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new Error(`customs endpoint answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
