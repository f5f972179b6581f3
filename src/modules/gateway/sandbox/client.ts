/**
 * The platform's side of the sandbox customs worker: a CustomsTransport whose send() is
 * answered by the worker, and whose receipts arrive from it in batches.
 */
import { Worker } from 'node:worker_threads';
import type { CustomsTransport, InboundHandler, OutboundMessage } from '../transport.ts';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.ts';
import { AppError } from '../../../platform/errors.ts';
import { loadScenarios, type ScenarioRule } from './scenarios.ts';

export interface SandboxWorkerOptions extends WorkerConfig {
  log: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

export class SandboxWorker implements CustomsTransport {
  readonly name = 'sandbox';
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private deliver: InboundHandler | null = null;
  private stopped: (() => void) | null = null;
  private stopping = false;
  private rules: readonly ScenarioRule[];

  constructor(private readonly opts: SandboxWorkerOptions) {
    // Refuse a bad scenarios file at start-up, in the platform's own thread.
    this.rules = opts.rules ?? (opts.scenariosFile ? loadScenarios(opts.scenariosFile) : []);
  }

  /** The scenario rules in force. */
  scenarios(): readonly ScenarioRule[] {
    return this.rules;
  }

  /** Replaces the rules in the running worker (and in the next one, should it restart). Messages are handled in order, so every later send sees them. */
  setScenarios(rules: readonly ScenarioRule[]): void {
    this.rules = rules;
    this.post({ kind: 'scenarios', rules });
  }

  private boot(): Promise<void> {
    if (this.ready) return this.ready;
    const { log, ...rest } = this.opts;
    const config: WorkerConfig = { ...rest, rules: this.rules };
    const worker = new Worker(new URL('../../../platform/worker-boot.js', import.meta.url), { workerData: { entry: new URL('./worker.ts', import.meta.url).href, config } });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        switch (m.kind) {
          case 'ready':
            resolve();
            break;
          case 'sent': {
            const w = this.waiting.get(m.id);
            this.waiting.delete(m.id);
            if (m.error === null) w?.resolve();
            else w?.reject(new Error(m.error));
            break;
          }
          case 'deliver':
            void this.onDeliver(m.batchId, m.payloads);
            break;
          case 'log':
            log[m.level](m.obj, m.msg);
            break;
          case 'stopped':
            this.stopped?.();
            break;
        }
      });
      // A worker that died fails what it had in hand (the outbox retries it) and is started anew on the next send.
      const died = (err: Error) => {
        if (this.worker !== worker) return;
        log.error({ err }, 'sandbox customs worker failed');
        reject(err);
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
        this.worker = null;
        this.ready = null;
        if (this.deliver && !this.stopping) void this.boot().then(() => this.post({ kind: 'start' }), () => undefined);
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`sandbox customs worker exited (code ${code})`)));
    });
    return this.ready;
  }

  private post(m: ToWorker) {
    this.worker?.postMessage(m);
  }

  private async onDeliver(batchId: number, payloads: string[]) {
    const deliver = this.deliver;
    const results = await Promise.allSettled(payloads.map((p) => (deliver ? deliver(Buffer.from(p, 'utf8'), 'sandbox') : Promise.reject(new Error('not started')))));
    this.post({
      kind: 'delivered',
      batchId,
      // A 4xx AppError means the platform will never take this receipt: the sandbox stops sending it.
      results: results.map((r) => (r.status === 'fulfilled' ? null : { error: String((r.reason as Error)?.message ?? r.reason), refused: r.reason instanceof AppError && r.reason.status < 500 })),
    });
  }

  async send(message: OutboundMessage): Promise<void> {
    await this.boot();
    const id = ++this.seq;
    const done = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.post({ kind: 'send', id, message });
    return done;
  }

  async start(deliver: InboundHandler): Promise<void> {
    this.deliver = deliver;
    await this.boot();
    this.post({ kind: 'start' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.worker) return;
    await this.ready?.catch(() => undefined);
    const stopped = new Promise<void>((r) => (this.stopped = r));
    this.post({ kind: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    await w?.terminate();
  }
}
