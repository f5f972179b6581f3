/**
 * `npm run bench:attacks`: fires the attack corpus (test/security/corpus.ts) at a freshly
 * started platform (a child process), many times and concurrently, on every endpoint that reads
 * XML or JSON, and reports what each case was answered and the server's peak memory: VmHWM
 * from /proc (the exact high-water mark) and VmRSS sampled every 10 ms. See `--help`.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../src/demo/flows.ts';
import { ENDPOINT_PATHS, attackCorpus, type AttackCase, type Endpoint } from '../test/security/corpus.ts';
import { procStatusKb, startPlatform } from './lib/server.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CUSTOMS_TOKEN = 'bench-attacks-customs-token';

const USAGE = `Usage: npm run bench:attacks -- [options]    (or: npx tsx bench/attacks.ts [options])

Starts the platform (node --import tsx src/main.ts, fresh data dir, demo zone) and sends every
case of the attack corpus to POST /api/v1/messages, /api/v1/precheck and /api/v1/customs/receipts.

  --rounds N          times the whole corpus is sent (default 5)
  --concurrency C     requests in flight at once (default 16)
  --max-body BYTES    SILKGATE_MAX_BODY_BYTES of the platform (default 10485760, its default)
  --database-url URL  SILKGATE_DATABASE_URL (default: the embedded SQLite)
  --json              one JSON object instead of the table
  -h, --help
`;

interface Args {
  rounds: number;
  concurrency: number;
  maxBody: number;
  databaseUrl?: string;
  json: boolean;
}

function parseArgs(argv: string[]): Args | null {
  const a: Args = { rounds: 5, concurrency: 16, maxBody: 10 * 1024 * 1024, json: false };
  for (let i = 0; i < argv.length; i++) {
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return x;
    };
    const int = (x: string, name: string) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${x}"`);
      return n;
    };
    switch (argv[i]) {
      case '--rounds': a.rounds = int(v(), '--rounds'); break;
      case '--concurrency': a.concurrency = int(v(), '--concurrency'); break;
      case '--max-body': a.maxBody = int(v(), '--max-body'); break;
      case '--database-url': a.databaseUrl = v(); break;
      case '--json': a.json = true; break;
      case '-h': case '--help': return null;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return a;
}

interface CaseResult {
  name: string;
  endpoint: Endpoint;
  expected: string;
  answers: Record<string, number>;
  /** Answers that were the expected refusal naming the expected rule. */
  refusedAsExpected: number;
  sample: string;
}

const mb = (kb: number | null) => (kb === null ? null : Math.round((kb / 1024) * 10) / 10);

async function main(): Promise<number> {
  let args: Args | null;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!args) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = (m: string) => process.stderr.write(`[bench:attacks] ${m}\n`);

  // The child takes its SILKGATE_* from this process's environment.
  process.env.SILKGATE_CUSTOMS_TOKEN = CUSTOMS_TOKEN;
  process.env.SILKGATE_MAX_BODY_BYTES = String(args.maxBody);
  log('starting the platform …');
  const platform = await startPlatform({ root: ROOT, forwarding: 'on', startTimeoutMs: 60_000, databaseUrl: args.databaseUrl });
  const key = platform.credentials.find((c) => c.role === 'ebp')?.apiKey;
  if (!key) throw new Error('no demo API key for the e-commerce platform (role ebp)');
  const pool = new Pool(platform.url, { connections: args.concurrency, headersTimeout: 120_000, bodyTimeout: 120_000 });

  let peakKb = 0;
  const sampler = setInterval(() => {
    const kb = procStatusKb(platform.pid, 'VmRSS');
    if (kb !== null && kb > peakKb) peakKb = kb;
  }, 10);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const rssBeforeKb = procStatusKb(platform.pid, 'VmRSS');
    const hwmBeforeKb = procStatusKb(platform.pid, 'VmHWM');
    peakKb = rssBeforeKb ?? 0;

    const corpus = attackCorpus(args.maxBody);
    const bodies = new Map<AttackCase, Buffer>(corpus.map((c) => [c, c.body()]));
    const jobs = corpus.flatMap((c) => c.endpoints.map((endpoint) => ({ c, endpoint })));
    const results = new Map<string, CaseResult>();
    for (const { c, endpoint } of jobs) {
      results.set(`${c.name}|${endpoint}`, { name: c.name, endpoint, expected: `${c.status ?? (endpoint === 'precheck' ? 200 : 400)} ${c.rule}`, answers: {}, refusedAsExpected: 0, sample: '' });
    }

    const queue = Array.from({ length: args.rounds }, () => jobs).flat();
    log(`${queue.length} requests (${jobs.length} case × endpoint pairs × ${args.rounds} rounds), ${args.concurrency} at a time …`);
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < queue.length) {
        const { c, endpoint } = queue[next++];
        const r = results.get(`${c.name}|${endpoint}`)!;
        let status: string;
        let text = '';
        try {
          const res = await pool.request({
            path: ENDPOINT_PATHS[endpoint],
            method: 'POST',
            headers: { authorization: `Bearer ${endpoint === 'customs' ? CUSTOMS_TOKEN : key}`, 'content-type': c.type },
            body: bodies.get(c)!,
          });
          status = String(res.statusCode);
          text = await res.body.text();
        } catch (err) {
          status = `error: ${(err as Error).message}`;
        }
        r.answers[status] = (r.answers[status] ?? 0) + 1;
        if (!r.sample) r.sample = text.slice(0, 300);
        if (status === r.expected.split(' ')[0] && (c.status === 413 ? text.includes('PAYLOAD_TOO_LARGE') : text.includes(c.rule))) r.refusedAsExpected++;
      }
    };
    await Promise.all(Array.from({ length: args.concurrency }, worker));
    const seconds = (performance.now() - t0) / 1000;

    const health = await fetch(`${platform.url}/healthz`).then((r) => r.status, () => 0);
    const valid = wrapMessage('CEB311Message', [makeFlow(DEMO_PARTIES, { mode: '9610', seed: 77 }).order], DEMO_PARTIES.ebp);
    const accepted = await fetch(`${platform.url}/api/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' }, body: valid }).then((r) => r.status, () => 0);
    const hwmAfterKb = procStatusKb(platform.pid, 'VmHWM');
    const rssAfterKb = procStatusKb(platform.pid, 'VmRSS');

    const report = {
      rounds: args.rounds,
      concurrency: args.concurrency,
      maxBodyBytes: args.maxBody,
      requests: queue.length,
      bytesSent: queue.reduce((s, j) => s + bodies.get(j.c)!.byteLength, 0),
      seconds: Math.round(seconds * 100) / 100,
      server: {
        rssBeforeMb: mb(rssBeforeKb),
        peakRssSampledMb: mb(peakKb),
        vmHwmBeforeMb: mb(hwmBeforeKb),
        vmHwmAfterMb: mb(hwmAfterKb),
        rssAfterMb: mb(rssAfterKb),
        growthMb: hwmAfterKb !== null && rssBeforeKb !== null ? mb(Math.max(hwmAfterKb, peakKb) - rssBeforeKb) : mb(peakKb - (rssBeforeKb ?? 0)),
        healthzAfter: health,
        validMessageAfter: accepted,
        exited: platform.exited(),
      },
      cases: [...results.values()],
    };
    const failed = report.cases.filter((r) => r.refusedAsExpected !== args!.rounds);
    if (args.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else print(report);
    return failed.length || health !== 200 || accepted !== 202 ? 1 : 0;
  } finally {
    clearInterval(sampler);
    await pool.close();
    await platform.stop();
  }
}

function print(r: { rounds: number; concurrency: number; requests: number; bytesSent: number; seconds: number; maxBodyBytes: number; server: Record<string, unknown>; cases: CaseResult[] }) {
  const out: string[] = [''];
  out.push(`Silkgate attack corpus — ${r.requests} requests (${(r.bytesSent / 1e6).toFixed(1)} MB) in ${r.seconds} s, ${r.rounds} rounds, ${r.concurrency} concurrent, body limit ${r.maxBodyBytes} bytes`);
  out.push('');
  out.push(`  ${'case'.padEnd(62)} ${'endpoint'.padEnd(9)} ${'expected'.padEnd(32)} answers`);
  for (const c of r.cases) {
    const ok = c.refusedAsExpected === r.rounds ? 'ok ' : 'BAD';
    out.push(`${ok} ${c.name.slice(0, 62).padEnd(62)} ${c.endpoint.padEnd(9)} ${c.expected.padEnd(32)} ${Object.entries(c.answers).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    if (c.refusedAsExpected !== r.rounds) out.push(`      ${c.sample.replace(/\s+/g, ' ')}`);
  }
  const s = r.server;
  out.push('');
  out.push(`  server RSS before the corpus      ${s.rssBeforeMb} MB`);
  out.push(`  server peak RSS (sampled, 10 ms)  ${s.peakRssSampledMb} MB`);
  out.push(`  server VmHWM before / after       ${s.vmHwmBeforeMb} / ${s.vmHwmAfterMb} MB`);
  out.push(`  server RSS after                  ${s.rssAfterMb} MB`);
  out.push(`  growth (peak − before)            ${s.growthMb} MB`);
  out.push(`  afterwards: /healthz ${s.healthzAfter}, a valid declaration ${s.validMessageAfter}${s.exited ? `; the platform exited: ${JSON.stringify(s.exited)}` : ''}`);
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
