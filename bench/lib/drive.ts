/**
 * Sends messages over C concurrent keep-alive connections (one undici Pool) and records each
 * request's acknowledgement latency: from the moment it is handed to the connection until the
 * 2xx status line and headers arrive.
 */
import { Pool } from 'undici';
import type { BenchMessage } from './workload.ts';

export interface SendStats {
  messages: number;
  records: number;
  /** 202 = accepted, 200 = a repeat (should be 0 in a clean run). */
  status: Map<number, number>;
  errors: number;
  /** Latencies of acknowledged (2xx) requests, ms. */
  latencies: number[];
  seconds: number;
}

export interface ErrorSample {
  root: string;
  status: number | string;
  body: string;
}

export class Driver {
  readonly pool: Pool;
  readonly errorSamples: ErrorSample[] = [];
  /** First few 2xx answers, to show what the platform returns. */
  readonly okSamples: string[] = [];

  constructor(
    url: string,
    connections: number,
    private readonly keys: Record<string, string>,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  }

  /** Sends all `messages` with up to `concurrency` in flight; resolves when every one is answered. */
  async send(messages: BenchMessage[], concurrency: number): Promise<SendStats> {
    const stats: SendStats = { messages: 0, records: 0, status: new Map(), errors: 0, latencies: [], seconds: 0 };
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < messages.length) {
        const m = messages[next++];
        const start = performance.now();
        try {
          const res = await this.pool.request({
            path: '/api/v1/messages',
            method: 'POST',
            headers: { authorization: `Bearer ${this.keys[m.role]}`, 'content-type': 'application/xml' },
            body: m.body,
          });
          const latency = performance.now() - start;
          stats.status.set(res.statusCode, (stats.status.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 200 && res.statusCode < 300) {
            stats.latencies.push(latency);
            stats.messages++;
            stats.records += m.records;
            if (this.okSamples.length < 3) this.okSamples.push(await res.body.text());
            else await res.body.dump();
          } else {
            stats.errors++;
            const body = await res.body.text();
            if (this.errorSamples.length < 5) this.errorSamples.push({ root: m.root, status: res.statusCode, body: body.slice(0, 1500) });
          }
        } catch (err) {
          stats.errors++;
          if (this.errorSamples.length < 5) this.errorSamples.push({ root: m.root, status: 'network', body: (err as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, worker));
    stats.seconds = (performance.now() - t0) / 1000;
    return stats;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Merges phase statistics (wall time adds up: the phases run one after the other). */
export function merge(parts: SendStats[]): SendStats {
  const out: SendStats = { messages: 0, records: 0, status: new Map(), errors: 0, latencies: [], seconds: 0 };
  for (const p of parts) {
    out.messages += p.messages;
    out.records += p.records;
    out.errors += p.errors;
    out.seconds += p.seconds;
    for (const l of p.latencies) out.latencies.push(l);
    for (const [k, v] of p.status) out.status.set(k, (out.status.get(k) ?? 0) + v);
  }
  return out;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
