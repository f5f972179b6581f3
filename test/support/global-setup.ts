// Vitest globalSetup: gives the test run a real PostgreSQL.
//
// - SILKGATE_TEST_DATABASE_URL set   -> used as-is.
// - SILKGATE_TEST_PG=0               -> no PostgreSQL; tests see inject('pgUrl') === null.
// - otherwise                        -> a throwaway cluster is initdb'd into a temp dir, started on
//                                       127.0.0.1:<free port>, and removed again at teardown.
//
// The URL reaches tests through inject('pgUrl') and child processes through
// process.env.SILKGATE_TEST_DATABASE_URL.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
// The `pgUrl` key's type (vitest's ProvidedContext) is declared in ./provided.d.ts.

const DB_NAME = 'silkgate_test';
const SUPERUSER = 'postgres';
const START_TIMEOUT_MS = 30_000;

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

interface RunningCluster {
  url: string;
  stop(): Promise<void>;
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const given = process.env.SILKGATE_TEST_DATABASE_URL;
  if (given) {
    project.provide('pgUrl', given);
    return;
  }
  if (process.env.SILKGATE_TEST_PG === '0') {
    project.provide('pgUrl', null);
    return;
  }

  const cluster = await startThrowawayCluster();
  project.provide('pgUrl', cluster.url);
  process.env.SILKGATE_TEST_DATABASE_URL = cluster.url;
  return async () => {
    delete process.env.SILKGATE_TEST_DATABASE_URL;
    await cluster.stop();
  };
}

// ---------------------------------------------------------------------------

function findPgBinDir(): string | null {
  const usable = (dir: string) => existsSync(join(dir, 'postgres')) && existsSync(join(dir, 'initdb'));
  const override = process.env.SILKGATE_PG_BINDIR;
  if (override) {
    if (!usable(override)) throw new Error(`SILKGATE_PG_BINDIR=${override} does not contain postgres and initdb`);
    return override;
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)*$/.test(v))
      .sort((a, b) => compareVersions(b, a));
    for (const v of versions) {
      const dir = join(root, v, 'bin');
      if (usable(dir)) return dir;
    }
  }
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (r.status === 0) {
    const dir = r.stdout.trim();
    if (dir && usable(dir)) return dir;
  }
  return null;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function lookupUser(name: string): OsUser | null {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const f = r.stdout.trim().split(':');
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : null;
}

/** PostgreSQL refuses to run as root: pick (or create) an unprivileged OS user to run it as. */
function serverOsUser(): OsUser | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const existing = lookupUser('postgres') ?? lookupUser('silkgate-pg');
  if (existing) return existing;
  const r = spawnSync('useradd', ['-r', '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', '-U', 'silkgate-pg'], {
    encoding: 'utf8',
  });
  const created = lookupUser('silkgate-pg'); // may also have been created concurrently by another run
  if (!created) throw new Error(`cannot create OS user silkgate-pg to run PostgreSQL as (running as root): ${r.stderr || r.error}`);
  return created;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startThrowawayCluster(): Promise<RunningCluster> {
  const bin = findPgBinDir();
  if (!bin) {
    throw new Error(
      'Silkgate tests need PostgreSQL server binaries (initdb, postgres) and none were found in ' +
        '/usr/lib/postgresql/*/bin or via `pg_config --bindir`.\n' +
        '  Install them:   apt-get install postgresql   (Debian/Ubuntu)\n' +
        '  or use a server: SILKGATE_TEST_DATABASE_URL=postgres://user@host:port/db\n' +
        '  or skip:         SILKGATE_TEST_PG=0   (PostgreSQL tests are then skipped)',
    );
  }

  const user = serverOsUser();
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const dir = mkdtempSync(join(tmpdir(), 'silkgate-pg-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    const dataDir = join(dir, 'data');
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { cwd: dir, env, encoding: 'utf8', ...ids },
    );
    if (init.status !== 0) {
      throw new Error(
        `initdb failed (${init.error ?? `exit ${init.status}`})` +
          (user ? ` running as OS user ${user.name}` : '') +
          `:\n${init.stderr}${init.stdout}`,
      );
    }

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        return await launch(bin, dir, dataDir, port, env, ids, removeDir);
      } catch (err) {
        // Someone may have grabbed the port between our probe and postgres binding it.
        if (attempt < 3 && err instanceof PortInUseError) continue;
        throw err;
      }
    }
  } catch (err) {
    removeDir();
    throw err;
  }
}

class PortInUseError extends Error {}

async function launch(
  bin: string,
  dir: string,
  dataDir: string,
  port: number,
  env: NodeJS.ProcessEnv,
  ids: { uid?: number; gid?: number },
  removeDir: () => void,
): Promise<RunningCluster> {
  const logFile = join(dir, `postgres-${port}.log`);
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D', dataDir,
        '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', `unix_socket_directories=${dir}`,
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
        // Containers often have a tiny /dev/shm; keep dynamic shared memory in the data dir.
        '-c', 'dynamic_shared_memory_type=mmap',
      ],
      { cwd: dir, env, stdio: ['ignore', logFd, logFd], detached: false, ...ids },
    );
  } finally {
    closeSync(logFd);
  }

  let exited = false;
  let exitInfo = '';
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exited = true;
      exitInfo = String(err);
      resolve();
    });
  });

  // Last resort if vitest goes away without running the teardown (process.exit, SIGINT/SIGTERM
  // which vitest turns into process.exit): SIGQUIT = immediate shutdown, children included.
  const onExit = () => {
    if (!exited && child.pid) {
      try {
        process.kill(child.pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
    }
    try {
      removeDir();
    } catch {
      /* postgres may still be writing; tmp cleaner will get it */
    }
  };
  process.on('exit', onExit);

  const stop = async () => {
    process.off('exit', onExit);
    if (!exited && child.pid) {
      child.kill('SIGQUIT');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    removeDir();
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (exited) {
      process.off('exit', onExit);
      const log = readLog(logFile);
      if (/could not bind|Address already in use/i.test(log)) throw new PortInUseError(`port ${port} in use:\n${log}`);
      throw new Error(`postgres exited during startup (${exitInfo}). Log:\n${log}`);
    }
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      database: 'postgres',
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      lastErr = err;
      await client.end().catch(() => {});
      await sleep(30);
      continue;
    }
    try {
      await client.query(`CREATE DATABASE ${DB_NAME}`);
    } catch (err) {
      await stop();
      throw new Error(`could not create database ${DB_NAME}: ${String(err)}`);
    } finally {
      await client.end().catch(() => {});
    }
    return { url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DB_NAME}`, stop };
  }
  await stop();
  throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS} ms (${String(lastErr)}). Log:\n${readLog(logFile)}`);
}
