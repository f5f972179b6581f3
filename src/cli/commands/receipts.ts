/** `silkgate receipts`: the pull feed of your receipts, once or (--follow) until Ctrl-C. */
import { CliError, type Context, type Values } from '../client.ts';

export const summary = 'List your receipts from customs (--follow keeps polling)';
export const usage = `Usage: silkgate receipts [--after CURSOR] [--follow] [--interval MS]

Prints your receipts, oldest first, one per line:
  #<id> <messageType> <returnStatus> <returnInfo> (message <messageId>)
With --json, one JSON object per line (the raw receipt XML included). The cursor to pass as
--after next time is printed on stderr at the end.

Options:
  --after CURSOR    Start after this cursor (the "next" of an earlier page; default: the beginning)
  -f, --follow      Keep polling from the last cursor, printing new receipts, until Ctrl-C
  --interval MS     Polling interval with --follow (default 1000)
  --limit N         Page size, 1-1000 (default 100)`;

export const options = {
  after: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  interval: { type: 'string' },
  limit: { type: 'string' },
} as const;

interface Receipt {
  id: number;
  messageId: number;
  declarationId: number | null;
  messageType: string;
  returnStatus: string;
  returnInfo: string;
  returnTime: string;
  receivedAt: string;
  xml?: string;
}

function int(raw: string | boolean | undefined, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`, 2);
  return n;
}

export const receiptLine = (r: Receipt) => `#${r.id} ${r.messageType} ${r.returnStatus} ${String(r.returnInfo ?? '').replace(/\s+/g, ' ')} (message ${r.messageId})`;

/** Sleeps that SIGINT cuts short; `stopped` once it came. */
function interruptible(active: boolean) {
  const state = { stopped: false, wake: () => {} };
  const onSigint = () => {
    state.stopped = true;
    state.wake();
  };
  if (active) process.once('SIGINT', onSigint);
  return {
    get stopped() {
      return state.stopped;
    },
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => state.wake(), ms);
        state.wake = () => {
          clearTimeout(t);
          resolve();
        };
      }),
    dispose: () => process.off('SIGINT', onSigint),
  };
}

export async function run(ctx: Context, positionals: string[], v: Values): Promise<number> {
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`, 2);
  const interval = int(v.interval, 'interval', 1000, 10, 3_600_000);
  const limit = int(v.limit, 'limit', 100, 1, 1000);
  let cursor = typeof v.after === 'string' ? v.after : '0';
  if (!/^\d+$/.test(cursor)) throw new CliError(`--after must be a cursor (a non-negative integer), got "${cursor}"`, 2);
  const client = ctx.client(ctx.key());
  const follow = v.follow === true;
  const wait = interruptible(follow);
  try {
    while (!wait.stopped) {
      let page: { items: Receipt[]; next: string };
      try {
        page = await client.json(`/api/v1/receipts?after=${cursor}&limit=${limit}`);
      } catch (err) {
        if (!follow || !(err instanceof CliError)) throw err;
        process.stderr.write(`silkgate receipts: ${err.message}; retrying\n`);
        await wait.sleep(interval);
        continue;
      }
      for (const r of page.items) process.stdout.write((ctx.json ? JSON.stringify(r) : receiptLine(r)) + '\n');
      cursor = page.next;
      if (page.items.length === limit) continue;
      if (!follow) break;
      await wait.sleep(interval);
    }
  } finally {
    wait.dispose();
  }
  process.stderr.write(`next cursor: ${cursor}\n`);
  return 0;
}
