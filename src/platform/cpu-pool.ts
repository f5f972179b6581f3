/**
 * A small pool of worker threads for CPU-heavy, pure work (parsing and validating XML,
 * later verifying signatures), so the HTTP loop and the database work never queue behind it.
 * Tasks are plain functions registered by name in the worker entry; arguments and results are
 * structured-cloned. Expected failures (AppError) cross the thread boundary as themselves.
 */
import os from 'node:os';
import { Worker, type MessagePort } from 'node:worker_threads';
import { AppError, type ErrorCode } from './errors.ts';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; app?: { code: ErrorCode; message: string; issues: AppError['issues'] }; message?: string };

/** Where to run CPU-heavy tasks: a pool of threads, or inline (tests, one-core machines). */
export interface Cpu {
  run<T>(task: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export class CpuPool implements Cpu {
  private readonly workers: Array<{ worker: Worker; busy: number; ids: Set<number> }> = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closing = false;

  constructor(
    private readonly entry: URL,
    size = Math.max(1, os.availableParallelism() - 1),
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** A worker thread; one that dies fails only its own tasks and is replaced. */
  private spawn() {
    // The boot file registers the TypeScript loader in the new thread, then imports the entry.
    const worker = new Worker(new URL('./worker-boot.js', import.meta.url), { workerData: { entry: this.entry.href } });
    worker.unref();
    const slot = { worker, busy: 0, ids: new Set<number>() };
    worker.on('message', (r: Reply) => {
      slot.busy--;
      slot.ids.delete(r.id);
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (!p) return;
      if (r.ok) p.resolve(r.value);
      else if (r.app) p.reject(new AppError(r.app.code, r.app.message, r.app.issues));
      else p.reject(new Error(r.message));
    });
    const died = (err: Error) => {
      const at = this.workers.indexOf(slot);
      if (at < 0) return;
      for (const id of slot.ids) {
        this.pending.get(id)?.reject(err);
        this.pending.delete(id);
      }
      if (this.closing) this.workers.splice(at, 1);
      else this.workers[at] = this.spawn();
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`CPU worker exited (code ${code})`)));
    return slot;
  }

  run<T>(task: string, ...args: unknown[]): Promise<T> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = ++this.seq;
    slot.busy++;
    slot.ids.add(id);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.worker.postMessage({ id, task, args });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers.length = 0;
  }
}

/** Runs tasks in the calling thread: same interface, no threads. */
export class InlineCpu implements Cpu {
  constructor(private readonly tasks: Record<string, (...args: never[]) => unknown>) {}

  async run<T>(task: string, ...args: unknown[]): Promise<T> {
    const fn = this.tasks[task] as (...a: unknown[]) => unknown;
    if (!fn) throw new Error(`unknown task ${task}`);
    return fn(...args) as T;
  }

  async close(): Promise<void> {}
}

/** Worker side: answers task requests with the registered functions. */
export function serveTasks(port: MessagePort, tasks: Record<string, (...args: never[]) => unknown>) {
  port.on('message', async (m: { id: number; task: string; args: unknown[] }) => {
    try {
      const fn = tasks[m.task] as (...a: unknown[]) => unknown;
      if (!fn) throw new Error(`unknown task ${m.task}`);
      port.postMessage({ id: m.id, ok: true, value: await fn(...m.args) });
    } catch (err) {
      if (err instanceof AppError) port.postMessage({ id: m.id, ok: false, app: { code: err.code, message: err.message, issues: err.issues } });
      else port.postMessage({ id: m.id, ok: false, message: (err as Error)?.message ?? String(err) });
    }
  });
}
