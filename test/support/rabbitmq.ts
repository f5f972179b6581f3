/**
 * A real RabbitMQ for the AMQP transport tests.
 *
 * - SILKGATE_TEST_AMQP=0          -> the AMQP tests are skipped (amqpTestMode() === 'skip').
 * - SILKGATE_TEST_AMQP_URL=amqp://… -> that broker is used as-is (no rabbitmqctl: tests that need
 *                                    to act on the broker itself are skipped).
 * - otherwise                     -> a throwaway node: `rabbitmq-server` run directly (not the
 *                                    Debian service), its own node name, AMQP / distribution /
 *                                    epmd ports free on 127.0.0.1, data and logs in a temp dir;
 *                                    stopped with `rabbitmqctl stop` and removed again.
 *
 * Finding the broker: SILKGATE_RABBITMQ_BINDIR, else Debian's /usr/lib/rabbitmq/bin (the scripts
 * themselves; /usr/sbin/rabbitmq-server would `su rabbitmq` when run as root), else PATH.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';

const run = promisify(execFile);
const START_TIMEOUT_MS = 60_000;

export interface Rabbit {
  url: string;
  /** True when this process started the broker (rabbitmqctl works on it). */
  own: boolean;
  /** How long the broker took to accept AMQP connections, ms (0 for a given broker). */
  startMs: number;
  /** `rabbitmqctl close_all_connections`: every client connection is closed by the broker. */
  closeAllConnections(reason?: string): Promise<void>;
  /** Ready and unacknowledged messages of a queue, from `rabbitmqctl list_queues` (null if it does not exist). */
  queueCounts(queue: string): Promise<{ ready: number; unacked: number } | null>;
  stop(): Promise<void>;
}

export function amqpTestMode(): 'skip' | 'external' | 'own' {
  if (process.env.SILKGATE_TEST_AMQP === '0') return 'skip';
  return process.env.SILKGATE_TEST_AMQP_URL ? 'external' : 'own';
}

const INSTALL_HINT =
  'The AMQP transport tests need a real RabbitMQ, and rabbitmq-server was not found. ' +
  'Install it (Debian/Ubuntu: `apt-get install -y rabbitmq-server`; the tests start their own node and do not use the service), ' +
  'or point SILKGATE_TEST_AMQP_URL=amqp://user:pass@host:port at a broker you run, ' +
  'or set SILKGATE_TEST_AMQP=0 to skip these tests.';

function findBinDir(): string {
  const usable = (dir: string) => existsSync(join(dir, 'rabbitmq-server')) && existsSync(join(dir, 'rabbitmqctl'));
  const override = process.env.SILKGATE_RABBITMQ_BINDIR;
  if (override) {
    if (!usable(override)) throw new Error(`SILKGATE_RABBITMQ_BINDIR=${override} does not contain rabbitmq-server and rabbitmqctl`);
    return override;
  }
  const candidates = ['/usr/lib/rabbitmq/bin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin'];
  const found = candidates.find(usable);
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export async function startRabbitMQ(): Promise<Rabbit> {
  const given = process.env.SILKGATE_TEST_AMQP_URL;
  if (given) {
    return {
      url: given,
      own: false,
      startMs: 0,
      async closeAllConnections() {
        throw new Error('closeAllConnections needs a broker started by the tests (SILKGATE_TEST_AMQP_URL is set)');
      },
      async queueCounts() {
        throw new Error('queueCounts needs a broker started by the tests (SILKGATE_TEST_AMQP_URL is set)');
      },
      async stop() {},
    };
  }

  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'silkgate-rabbitmq-'));
  const [amqpPort, distPort, epmdPort] = await distinctFreePorts(3);
  const node = `silkgate-test-${process.pid}@localhost`;
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  // A test machine with little free disk must not block publishers (the default alarm is 50 MB).
  writeFileSync(join(dir, 'rabbitmq.conf'), 'disk_free_limit.absolute = 1MB\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir, // the Erlang cookie lives here, shared by the server and rabbitmqctl
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: join(dir, 'log', 'rabbit.log'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
  };
  const url = `amqp://guest:guest@127.0.0.1:${amqpPort}`;
  const outFile = join(dir, 'server.out');
  const out = openSync(outFile, 'w');
  // Its own process group: if it has to be killed, the shell script and the Erlang VM go together.
  const child: ChildProcess = spawn(join(bin, 'rabbitmq-server'), [], { env, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  let exited: number | string | null = null;
  child.once('exit', (code, signal) => (exited = code ?? signal ?? 'exit'));
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  const tail = () => {
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    return (read(outFile) + read(join(dir, 'log', 'rabbit.log'))).split('\n').slice(-30).join('\n');
  };
  const ctl = async (...args: string[]) => run(join(bin, 'rabbitmqctl'), ['-n', node, ...args], { env, timeout: 30_000 });

  const started = Date.now();
  for (;;) {
    if (exited !== null) {
      process.removeListener('exit', killGroup);
      const log = tail();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`rabbitmq-server exited (${exited}) before accepting connections:\n${log}`);
    }
    if (Date.now() - started > START_TIMEOUT_MS) {
      const log = tail();
      killGroup();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`RabbitMQ did not accept AMQP connections within ${START_TIMEOUT_MS / 1000} s:\n${log}`);
    }
    try {
      const c = await amqp.connect(url, { timeout: 2_000 });
      await c.close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const startMs = Date.now() - started;

  return {
    url,
    own: true,
    startMs,
    async closeAllConnections(reason = 'silkgate test') {
      await ctl('close_all_connections', reason);
    },
    async queueCounts(queue) {
      const { stdout } = await ctl('list_queues', '-q', '--formatter', 'json', 'name', 'messages_ready', 'messages_unacknowledged');
      const row = (JSON.parse(stdout) as Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>).find((q) => q.name === queue);
      return row ? { ready: row.messages_ready, unacked: row.messages_unacknowledged } : null;
    },
    async stop() {
      const gone = new Promise<void>((r) => (exited !== null ? r() : child.once('exit', () => r())));
      try {
        await ctl('stop');
      } catch {
        child.kill('SIGTERM'); // the script stops the node gracefully on TERM
      }
      const timer = setTimeout(killGroup, 20_000);
      await gone;
      clearTimeout(timer);
      process.removeListener('exit', killGroup);
      // The node started an epmd daemon on our private port; it outlives the node otherwise.
      await run('epmd', ['-port', String(epmdPort), '-kill'], { env, timeout: 10_000 }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
