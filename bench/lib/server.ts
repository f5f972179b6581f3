/**
 * Starts the platform as a child process on a free port with a fresh data dir, waits for
 * /healthz, reads the demo credentials it writes, samples its memory, and stops it again.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Credential {
  role: string;
  code: string;
  name: string;
  dxpId: string;
  apiKey: string;
}

export interface RunningPlatform {
  url: string;
  pid: number;
  dataDir: string;
  logFile: string;
  credentials: Credential[];
  /** Highest VmRSS seen by the sampler, in kB. */
  peakSampledRssKb(): number;
  /** VmHWM (peak resident set) from /proc, in kB; null when unavailable. */
  vmHwmKb(): number | null;
  exited(): { code: number | null; signal: string | null } | null;
  logTail(lines?: number): string;
  stop(keepDir?: boolean): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** kB value of a field of /proc/<pid>/status (VmRSS, VmHWM); null when unavailable. */
export function procStatusKb(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export interface StartOptions {
  root: string;
  forwarding: 'on' | 'off';
  startTimeoutMs: number;
  keep?: boolean;
  databaseUrl?: string;
}

export async function startPlatform(opts: StartOptions): Promise<RunningPlatform> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'silkgate-bench-'));
  const logFile = join(dataDir, 'platform.log');
  const log = createWriteStream(logFile);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    SILKGATE_DATA_DIR: dataDir,
    SILKGATE_LOG_LEVEL: 'warn',
    SILKGATE_FORWARDING: opts.forwarding,
    SILKGATE_DEMO: 'on',
  };
  if (opts.databaseUrl) env.SILKGATE_DATABASE_URL = opts.databaseUrl;
  else delete env.SILKGATE_DATABASE_URL;

  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], { cwd: opts.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exit: { code: number | null; signal: string | null } | null = null;
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const pid = child.pid!;
  let peakRss = 0;
  const sampler = setInterval(() => {
    const kb = procStatusKb(pid, 'VmRSS');
    if (kb !== null && kb > peakRss) peakRss = kb;
  }, 200);
  sampler.unref();

  const url = `http://127.0.0.1:${port}`;
  const platform: RunningPlatform = {
    url,
    pid,
    dataDir,
    logFile,
    credentials: [],
    peakSampledRssKb: () => peakRss,
    vmHwmKb: () => procStatusKb(pid, 'VmHWM'),
    exited: () => exit,
    logTail: (lines = 30) => {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    stop: async (keepDir = false) => {
      clearInterval(sampler);
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitedPromise;
        clearTimeout(timer);
      }
      log.end();
      if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };

  try {
    const deadline = Date.now() + opts.startTimeoutMs;
    const credFile = join(dataDir, 'demo-credentials.json');
    for (;;) {
      if (exit) throw new Error(`the platform exited during startup (${JSON.stringify(exit)}):\n${platform.logTail()}`);
      if (Date.now() > deadline) throw new Error(`no 200 from ${url}/healthz (or no ${credFile}) within ${opts.startTimeoutMs / 1000} s:\n${platform.logTail()}`);
      if ((await healthy(url)) && existsSync(credFile)) {
        try {
          platform.credentials = JSON.parse(readFileSync(credFile, 'utf8')) as Credential[];
          break;
        } catch {
          // written but not complete yet
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await platform.stop(opts.keep);
    if (opts.keep) (err as Error).message += `\n(data dir kept: ${dataDir})`;
    throw err;
  }
  return platform;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
