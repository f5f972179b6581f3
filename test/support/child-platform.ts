/**
 * Runs the platform as a real child process (`node --import tsx src/main.ts`), so a test can
 * SIGKILL it at any instant and start it again on the same data dir / database, exactly as an
 * operator would after a crash. Each start gets a fresh port; the data dir and database stay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoCredential } from '../../src/modules/enterprises/index.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface ChildPlatformOptions {
  /** SILKGATE_DATA_DIR: SQLite files, demo-credentials.json, and the child's log (platform.log). */
  dataDir: string;
  /** SILKGATE_DATABASE_URL (PostgreSQL); unset means the embedded SQLite in dataDir. */
  databaseUrl?: string;
  /** More environment (SILKGATE_SANDBOX_DELAY_MS…); every other SILKGATE_* of this process is dropped. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export interface HttpResult {
  status: number;
  text: string;
  headers: Headers;
  json<T = unknown>(): T;
}

export interface RequestOptions {
  key?: string;
  body?: string | Buffer;
  type?: string;
  timeoutMs?: number;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? res(port) : rej(new Error('no free port'))));
    });
  });
}

export class ChildPlatform {
  url = '';
  credentials: DemoCredential[] = [];
  readonly logFile: string;
  private child: ChildProcess | null = null;
  private exit: Exit | null = null;
  private exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private starts = 0;

  constructor(readonly opts: ChildPlatformOptions) {
    this.logFile = join(opts.dataDir, 'platform.log');
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.exit === null;
  }

  /**
   * Spawns the platform and resolves once /healthz answers 200 and the demo credentials are
   * readable. `env` adds to (and overrides) the options' env for this start only.
   */
  async start(env: Record<string, string> = {}): Promise<this> {
    if (this.running) throw new Error('the platform is already running');
    const port = await freePort();
    const childEnv: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SILKGATE_')) childEnv[k] = v;
    Object.assign(childEnv, {
      PORT: String(port),
      HOST: '127.0.0.1',
      SILKGATE_DATA_DIR: this.opts.dataDir,
      SILKGATE_LOG_LEVEL: 'warn',
      ...(this.opts.databaseUrl ? { SILKGATE_DATABASE_URL: this.opts.databaseUrl } : {}),
      ...this.opts.env,
      ...env,
    });
    this.starts++;
    appendFileSync(this.logFile, `\n=== start #${this.starts} on port ${port} at ${new Date().toISOString()} ===\n`);
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.exit = null;
    this.exited = new Promise<Exit>((res) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        res(this.exit);
      });
      child.once('error', (err) => {
        this.exit = { code: -1, signal: null };
        appendFileSync(this.logFile, `spawn error: ${String(err)}\n`);
        res(this.exit);
      });
    });
    this.url = `http://127.0.0.1:${port}`;

    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    const credFile = join(this.opts.dataDir, 'demo-credentials.json');
    for (;;) {
      if (this.exit) throw new Error(`the platform exited during start-up (${JSON.stringify(this.exit)}):\n${this.logTail()}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`the platform did not become healthy within ${this.opts.startTimeoutMs ?? 30_000} ms:\n${this.logTail()}`);
      }
      if ((await this.healthy()) && existsSync(credFile)) {
        try {
          this.credentials = JSON.parse(readFileSync(credFile, 'utf8')) as DemoCredential[];
          return this;
        } catch {
          // being written
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  key(role: DemoCredential['role']): string {
    const c = this.credentials.find((x) => x.role === role);
    if (!c) throw new Error(`no demo credential for role ${role}`);
    return c.apiKey;
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': opts.type ?? 'application/xml' } : {}),
      },
      body: typeof opts.body === 'string' || opts.body === undefined ? opts.body : new Uint8Array(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, json: <T>() => JSON.parse(text) as T };
  }

  /** SIGSTOP: freezes every thread of the platform at once, so its state can be inspected from outside. */
  pause(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }

  /** Sends SIGKILL now (synchronously: nothing more runs in the child after this returns to the event loop). */
  killNow(): void {
    if (this.running) this.child!.kill('SIGKILL');
  }

  /** SIGKILL and wait until the process is gone. */
  async kill(): Promise<Exit> {
    this.killNow();
    return this.exited;
  }

  /** Graceful stop (SIGTERM: drain, close the database); SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.killNow(), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** Starts a platform child on `opts.dataDir` (and database); call kill()/stop()/start() on it. */
export function startChildPlatform(opts: ChildPlatformOptions): Promise<ChildPlatform> {
  return new ChildPlatform(opts).start();
}
