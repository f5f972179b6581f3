/** Command-line options of `npm run bench` (bench/ingest.ts). */

export interface BenchArgs {
  flows: number;
  recordsPerMessage: number;
  connections: number;
  warmup: number | null; // messages not counted; null = min(500, 10 % of the messages)
  mode: '9610' | '1210' | 'mixed' | 'export';
  seed: number;
  forwarding: 'on' | 'off';
  /** A real signature (the demo zone's sandbox keys) on every message (`all`, as signed enterprise traffic) or only where the XSD requires it (`inventory`). */
  sign: 'all' | 'inventory';
  floorOnly: boolean;
  noFloor: boolean;
  json: boolean;
  keep: boolean;
  strict: boolean;
  databaseUrl?: string;
  startTimeoutMs: number;
}

export const USAGE = `Usage: npm run bench -- [options]    (or: npx tsx bench/ingest.ts [options])

Measures end-to-end ingest of CEB messages over HTTP against a freshly started platform, and the
in-process floor (parse + durable SQLite insert of the same bytes, no HTTP).

  --flows N                 import flows to generate; 4 messages each (default 5000)
  --quick                   --flows 500: a smoke run of a few seconds
  --records-per-message K   records of one type per message, 1..100 (default 1)
  --connections C           concurrent keep-alive HTTP connections (default 64)
  --warmup M                messages sent first and not counted (default min(500, 10 %))
  --mode 9610|1210|mixed|export  flow type (default mixed: alternating 9610/1210 import; export: 9610 retail export)
  --seed S                  generator seed (default 1)
  --forwarding on|off       off sets SILKGATE_FORWARDING=off on the platform (default on)
  --sign all|inventory      sign every message (sandbox keys), or only the CEB621 (default all)
  --floor-only              generate and measure the floor; do not start the platform
  --no-floor                skip the floor measurement
  --json                    print one JSON object instead of the table
  --keep                    keep the platform's temp data dir (path is printed)
  --strict                  exit 1 when a target is missed (errors always exit 1)
  --start-timeout S         seconds to wait for /healthz (default 60)
  --database-url URL        SILKGATE_DATABASE_URL for the platform (default: unset, the embedded SQLite
                            in the fresh data dir); other SILKGATE_* variables pass through
  -h, --help
`;

export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    flows: 5000,
    recordsPerMessage: 1,
    connections: 64,
    warmup: null,
    mode: 'mixed',
    seed: 1,
    forwarding: 'on',
    sign: 'all',
    floorOnly: false,
    noFloor: false,
    json: false,
    keep: false,
    strict: false,
    startTimeoutMs: 60_000,
  };
  const rest = [...argv];
  const value = (flag: string): string => {
    const v = rest.shift();
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const int = (flag: string, min: number, max: number): number => {
    const raw = value(flag);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: an integer from ${min} to ${max}, not ${raw}`);
    return n;
  };
  const oneOf = <T extends string>(flag: string, allowed: readonly T[]): T => {
    const v = value(flag);
    if (!allowed.includes(v as T)) throw new UsageError(`${flag}: one of ${allowed.join(', ')}, not ${v}`);
    return v as T;
  };
  while (rest.length) {
    const arg = rest.shift()!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (inline !== undefined) rest.unshift(inline);
    switch (flag) {
      case '--flows': a.flows = int(flag, 1, 1_000_000); break;
      case '--quick': a.flows = 500; break;
      case '--records-per-message': a.recordsPerMessage = int(flag, 1, 100); break;
      case '--connections': a.connections = int(flag, 1, 4096); break;
      case '--warmup': a.warmup = int(flag, 0, 10_000_000); break;
      case '--mode': a.mode = oneOf(flag, ['9610', '1210', 'mixed', 'export'] as const); break;
      case '--seed': a.seed = int(flag, 0, 2 ** 32 - 1); break;
      case '--forwarding': a.forwarding = oneOf(flag, ['on', 'off'] as const); break;
      case '--sign': a.sign = oneOf(flag, ['all', 'inventory'] as const); break;
      case '--floor-only': a.floorOnly = true; break;
      case '--no-floor': a.noFloor = true; break;
      case '--json': a.json = true; break;
      case '--keep': a.keep = true; break;
      case '--strict': a.strict = true; break;
      case '--database-url': a.databaseUrl = value(flag); break;
      case '--start-timeout': a.startTimeoutMs = int(flag, 1, 3600) * 1000; break;
      case '-h':
      case '--help': throw new UsageError('');
      default: throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (a.floorOnly && a.noFloor) throw new UsageError('--floor-only and --no-floor exclude each other');
  return a;
}

export class UsageError extends Error {}
