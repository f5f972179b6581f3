/**
 * `npm run bench`: end-to-end ingest throughput and acknowledgement latency of the platform
 * (HTTP POST /api/v1/messages, 2xx only after the durable commit), compared with the in-process
 * floor (parse + durable SQLite insert of the same bytes). See `--help`.
 */
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, UsageError, parseArgs } from './lib/args.ts';
import type { BenchArgs } from './lib/args.ts';
import { Driver, merge, percentile } from './lib/drive.ts';
import type { ErrorSample, SendStats } from './lib/drive.ts';
import { measureFloor } from './lib/floor.ts';
import type { FloorResult } from './lib/floor.ts';
import { procStatusKb, startPlatform } from './lib/server.ts';
import type { RunningPlatform } from './lib/server.ts';
import { buildWorkload } from './lib/workload.ts';
import type { Workload } from './lib/workload.ts';
import { DEMO_PARTIES } from '../src/demo/flows.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_RECORDS_PER_SEC = 3000;
const TARGET_RATIO = 0.3;

interface EndToEnd {
  connections: number;
  forwarding: 'on' | 'off';
  warmupMessages: number;
  messages: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  messagesPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  status: Record<string, number>;
  errors: number;
  errorSamples: ErrorSample[];
  okSample?: string;
  serverPeakRssMb: number | null;
  serverPeakSampledRssMb: number;
  serverExit?: { code: number | null; signal: string | null } | null;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const mb = (kb: number | null) => (kb === null ? null : Math.round((kb / 1024) * 10) / 10);

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write((err.message ? `${err.message}\n\n` : '') + USAGE);
    return err.message ? 2 : 0;
  }

  const machine = { cpus: availableParallelism(), loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100) };
  log(`generating ${args.flows} flows (${args.mode}), ${args.recordsPerMessage} record(s) per message …`);
  const work = buildWorkload({ flows: args.flows, recordsPerMessage: args.recordsPerMessage, mode: args.mode, seed: args.seed, sign: args.sign });
  const total = work.documents.length + work.inventories.length;
  const warmup = Math.min(args.warmup ?? Math.min(500, Math.floor(total * 0.1)), work.documents.length);
  log(`${total} messages, ${(work.bytes / 1e6).toFixed(1)} MB, generated in ${(work.generateMs / 1000).toFixed(1)} s; warm-up ${warmup} messages`);

  let floor: FloorResult | null = null;
  if (!args.noFloor) {
    log('floor: parse + SQLite (WAL, synchronous=FULL, 256 rows per transaction) …');
    floor = measureFloor([...work.documents, ...work.inventories], warmup);
  }

  let e2e: EndToEnd | null = null;
  let failure: string | null = null;
  if (!args.floorOnly) {
    try {
      e2e = await endToEnd(args, work, warmup);
    } catch (err) {
      failure = (err as Error).message;
    }
  }

  const report = {
    flows: work.flows,
    mode: args.mode,
    recordsPerMessage: args.recordsPerMessage,
    messagesTotal: total,
    warmupMessages: warmup,
    bytesTotal: work.bytes,
    signatures: args.sign,
    machine,
    floor,
    endToEnd: e2e,
    ratio: e2e && floor ? e2e.recordsPerSec / floor.recordsPerSec : null,
    targets: {
      recordsPerSec: { target: TARGET_RECORDS_PER_SEC, pass: e2e ? e2e.recordsPerSec >= TARGET_RECORDS_PER_SEC : null },
      ratio: { target: TARGET_RATIO, pass: e2e && floor ? e2e.recordsPerSec / floor.recordsPerSec >= TARGET_RATIO : null },
    },
    benchPeakRssMb: mb(procStatusKb('self', 'VmHWM')),
    failure,
  };

  if (args.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else printTable(report, args);

  if (failure) return 1;
  if (floor && floor.parseErrors) return 1;
  if (e2e && e2e.errors) return 1;
  if (args.strict && (report.targets.recordsPerSec.pass === false || report.targets.ratio.pass === false)) return 1;
  return 0;
}

async function endToEnd(args: BenchArgs, work: Workload, warmup: number): Promise<EndToEnd> {
  log(`starting the platform (node --import tsx src/main.ts, forwarding ${args.forwarding}) …`);
  const platform = await startPlatform({ root: ROOT, forwarding: args.forwarding, startTimeoutMs: args.startTimeoutMs, keep: args.keep, databaseUrl: args.databaseUrl });
  const stopOnSignal = () => void platform.stop(args.keep).finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  let driver: Driver | null = null;
  try {
    const keys = apiKeys(platform);
    driver = new Driver(platform.url, args.connections, keys);
    log(`platform up at ${platform.url} (pid ${platform.pid}); warm-up …`);
    const warm = await driver.send(work.documents.slice(0, warmup), args.connections);
    log(`measuring: ${work.documents.length - warmup} documents (orders first), then ${work.inventories.length} inventories …`);
    const orders = await driver.send(work.documents.slice(warmup, Math.max(warmup, work.orderCount)), args.connections);
    const docs = await driver.send(work.documents.slice(Math.max(warmup, work.orderCount)), args.connections);
    const invs = await driver.send(work.inventories, args.connections);
    const measured = merge([orders, docs, invs]);
    const all = merge([warm, measured]);
    const hwm = platform.vmHwmKb();
    const exited = platform.exited();
    return summarize(args, warmup, measured, all, driver, platform, hwm, exited);
  } finally {
    await driver?.close();
    if (args.keep) log(`kept the platform's data dir ${platform.dataDir}`);
    await platform.stop(args.keep);
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  }
}

function apiKeys(platform: RunningPlatform): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const role of ['ebp', 'payment', 'logistics', 'agent'] as const) {
    const c = platform.credentials.find((x) => x.role === role);
    if (!c?.apiKey) throw new Error(`demo-credentials.json has no apiKey for role ${role}: ${JSON.stringify(platform.credentials.map((x) => x.role))}`);
    if (c.code !== DEMO_PARTIES[role].code) log(`warning: credentials for ${role} are ${c.code}, the generator uses ${DEMO_PARTIES[role].code}`);
    keys[role] = c.apiKey;
  }
  return keys;
}

function summarize(
  args: BenchArgs,
  warmup: number,
  measured: SendStats,
  all: SendStats,
  driver: Driver,
  platform: RunningPlatform,
  hwmKb: number | null,
  exited: { code: number | null; signal: string | null } | null,
): EndToEnd {
  const sorted = Float64Array.from(measured.latencies).sort();
  const mean = sorted.length ? sorted.reduce((s, x) => s + x, 0) / sorted.length : NaN;
  return {
    connections: args.connections,
    forwarding: args.forwarding,
    warmupMessages: warmup,
    messages: measured.messages,
    records: measured.records,
    seconds: measured.seconds,
    recordsPerSec: measured.records / measured.seconds,
    messagesPerSec: measured.messages / measured.seconds,
    latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : NaN, mean },
    status: Object.fromEntries([...all.status].sort(([a], [b]) => a - b).map(([k, v]) => [String(k), v])),
    errors: all.errors,
    errorSamples: driver.errorSamples,
    okSample: driver.okSamples[0],
    serverPeakRssMb: mb(hwmKb),
    serverPeakSampledRssMb: mb(platform.peakSampledRssKb()) ?? 0,
    serverExit: exited,
  };
}

// ---------------------------------------------------------------------------------------------

type Report = {
  flows: number;
  mode: string;
  recordsPerMessage: number;
  messagesTotal: number;
  warmupMessages: number;
  bytesTotal: number;
  signatures: string;
  machine: { cpus: number; loadAvgAtStart: number[] };
  floor: FloorResult | null;
  endToEnd: EndToEnd | null;
  ratio: number | null;
  targets: { recordsPerSec: { target: number; pass: boolean | null }; ratio: { target: number; pass: boolean | null } };
  benchPeakRssMb: number | null;
  failure: string | null;
};

function printTable(r: Report, args: BenchArgs) {
  const n = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '—');
  const verdict = (p: boolean | null) => (p === null ? 'n/a' : p ? 'PASS' : 'FAIL');
  const row = (label: string, a: string, b = '') => `  ${label.padEnd(30)} ${a.padStart(16)}   ${b.padStart(16)}`;
  const e = r.endToEnd;
  const f = r.floor;
  const out: string[] = [];
  out.push('');
  out.push(`Silkgate ingest benchmark — ${n(r.flows)} flows (${r.mode}), ${n(r.messagesTotal)} messages × ${r.recordsPerMessage} record(s), ` +
    `${(r.bytesTotal / 1e6).toFixed(1)} MB, signatures: ${r.signatures}`);
  out.push(`  ${r.machine.cpus} CPUs, load average at start ${r.machine.loadAvgAtStart.join(' ')} (other work on the machine skews both figures)`);
  out.push(`  first ${n(r.warmupMessages)} messages are warm-up (not counted)` + (args.floorOnly ? '' : `; end-to-end: ${args.connections} connections, forwarding ${args.forwarding}`));
  out.push('');
  out.push(row('', 'end-to-end', 'floor'));
  out.push(row('records (measured)', e ? n(e.records) : '—', f ? n(f.records) : '—'));
  out.push(row('messages (measured)', e ? n(e.messages) : '—', f ? n(f.messages) : '—'));
  out.push(row('wall time (s)', e ? n(e.seconds, 2) : '—', f ? n(f.seconds, 2) : '—'));
  out.push(row('records/s', e ? n(e.recordsPerSec) : '—', f ? n(f.recordsPerSec) : '—'));
  out.push(row('messages/s', e ? n(e.messagesPerSec) : '—', f ? n(f.messagesPerSec) : '—'));
  if (e) {
    out.push(row('ack latency p50 (ms)', n(e.latencyMs.p50, 1)));
    out.push(row('ack latency p90 (ms)', n(e.latencyMs.p90, 1)));
    out.push(row('ack latency p99 (ms)', n(e.latencyMs.p99, 1)));
    out.push(row('ack latency max (ms)', n(e.latencyMs.max, 1)));
    out.push(row('HTTP status counts', Object.entries(e.status).map(([k, v]) => `${k}×${v}`).join(' ') || '—'));
    out.push(row('errors (non-2xx)', n(e.errors)));
    out.push(row('server peak RSS (MB)', e.serverPeakRssMb === null ? `~${n(e.serverPeakSampledRssMb, 1)}` : n(e.serverPeakRssMb, 1)));
  }
  if (f?.parseErrors) out.push(row('floor parse errors', n(f.parseErrors)));
  out.push(row('bench peak RSS (MB)', r.benchPeakRssMb === null ? '—' : n(r.benchPeakRssMb, 1)));
  out.push('');
  if (e) {
    out.push(`  target  end-to-end ≥ ${n(TARGET_RECORDS_PER_SEC)} records/s : ${n(e.recordsPerSec)}  ${verdict(r.targets.recordsPerSec.pass)}`);
    out.push(`  target  end-to-end / floor ≥ ${TARGET_RATIO}      : ${r.ratio === null ? '—' : r.ratio.toFixed(2)}  ${verdict(r.targets.ratio.pass)}`);
  }
  if (e?.serverExit) out.push(`  the platform exited during the run: ${JSON.stringify(e.serverExit)}`);
  if (e?.errorSamples.length) {
    out.push('');
    out.push('  first errors:');
    for (const s of e.errorSamples) out.push(`    ${s.root} → ${s.status}: ${s.body.replace(/\s+/g, ' ').slice(0, 600)}`);
  }
  if (f?.firstParseError) out.push(`  floor: first parse error: ${f.firstParseError}`);
  if (r.failure) {
    out.push('');
    out.push(`  end-to-end run failed: ${r.failure}`);
  }
  out.push('');
  process.stdout.write(out.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
