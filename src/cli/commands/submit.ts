/** `silkgate submit`: send files to POST /api/v1/messages, N at a time, and summarise the answers. */
import fs from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { CliError, apiError, formatIssue, type Client, type Context, type Issue, type Values } from '../client.ts';

export const summary = 'Send CEB messages (.xml: CEB or DxpMsg, .json) from files or directories';
export const usage = `Usage: silkgate submit <file|dir>... [options]

Sends each .xml file as application/xml (a CEB message or a DxpMsg) and each .json file as
application/json. A directory is read in name order, without its subdirectories unless
--recursive. Ends with a summary; exit status 0 when nothing was rejected, 1 otherwise.

Options:
  --concurrency N   Requests in flight (default 8); orders go first, then payments and waybills,
                    then inventories and arrival lists, then cancels and returns
  -r, --recursive   Also read the subdirectories of a directory
  --auto-role       Send each file with the demo key of the role its message type belongs to:
                    CEB311 ebp, CEB411 payment, CEB511/513 logistics, CEB621/623/625 agent,
                    CEB711 warehouse (see --as and --data-dir)`;

export const options = {
  concurrency: { type: 'string' },
  recursive: { type: 'boolean', short: 'r' },
  'auto-role': { type: 'boolean' },
} as const;

type Outcome = 'accepted' | 'repeat' | 'rejected' | 'error';

interface Result {
  file: string;
  outcome: Outcome;
  status?: number;
  id?: number;
  messageType?: string;
  guid?: string;
  records?: number;
  code?: string;
  message?: string;
  issues?: Issue[];
}

const ROLE_OF: Record<string, string> = {
  CEB311: 'ebp', CEB411: 'payment', CEB511: 'logistics', CEB513: 'logistics',
  CEB621: 'agent', CEB623: 'agent', CEB625: 'agent', CEB711: 'warehouse',
};

/** "CEB311" etc. from the first 2 KB: the root element, or a DxpMsg's MsgType, or a JSON form's root key. */
const STAGE: Record<string, number> = { CEB311: 0, CEB411: 1, CEB511: 1, CEB513: 1, CEB621: 2, CEB711: 2, CEB623: 3, CEB625: 3 };

/** The sending stage of a file, from the message type in its first bytes. */
async function stageOf(file: string): Promise<number> {
  const fh = await fs.open(file, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2048), 0, 2048, 0);
    const type = messageTypeOf(buffer.subarray(0, bytesRead));
    return type ? (STAGE[type] ?? 1) : 1;
  } finally {
    await fh.close();
  }
}

export function messageTypeOf(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 2048)).toString('utf8');
  const json = /^\s*\{\s*"(CEB\d{3})Message"/.exec(head);
  if (json) return json[1];
  const root = /<(?:[\w.-]+:)?([A-Za-z_][\w.-]*)/.exec(head.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<![A-Z][^>]*>/g, ''))?.[1];
  if (root?.startsWith('DxpMsg')) return /<(?:[\w.-]+:)?MsgType>\s*(CEB\d{3})/.exec(head)?.[1] ?? null;
  return root ? (/^(CEB\d{3})Message$/.exec(root)?.[1] ?? null) : null;
}

async function collect(args: string[], recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive) await walk(p);
      } else if (/\.(xml|json)$/i.test(e.name)) out.push(p);
    }
  };
  for (const a of args) {
    const st = await fs.stat(a).catch(() => null);
    if (!st) throw new CliError(`${a}: no such file or directory`, 2);
    if (st.isDirectory()) await walk(a);
    else out.push(a);
  }
  return out;
}

async function sendOne(file: string, clientFor: (body: Buffer) => Client | string): Promise<Result> {
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch (err) {
    return { file, outcome: 'error', message: (err as Error).message };
  }
  const client = clientFor(body);
  if (typeof client === 'string') return { file, outcome: 'error', message: client };
  let reply;
  try {
    reply = await client.send('POST', '/api/v1/messages', body, /\.json$/i.test(file) ? 'application/json' : 'application/xml');
  } catch (err) {
    if (err instanceof CliError) return { file, outcome: 'error', message: err.message };
    throw err;
  }
  const { status } = reply;
  if (status === 200 || status === 202) {
    const ack = reply.body as { id: number; messageType: string; guid: string; records: number };
    return { file, outcome: status === 202 ? 'accepted' : 'repeat', status, id: ack.id, messageType: ack.messageType, guid: ack.guid, records: ack.records };
  }
  const e = apiError(reply);
  return { file, outcome: status < 500 ? 'rejected' : 'error', status, code: e.code, message: e.message, issues: e.issues };
}

function line(r: Result): string {
  const tag = r.outcome.padEnd(10);
  if (r.outcome === 'accepted' || r.outcome === 'repeat') return `${tag}${r.file}  ${r.messageType} #${r.id}, ${r.records} record${r.records === 1 ? '' : 's'}`;
  return `${tag}${r.file}  ${r.status ? `${r.status} ${r.code}: ` : ''}${r.message}`;
}

type Counts = Record<Outcome, number>;

function progress(ctx: Context, total: number, counts: Counts) {
  if (ctx.json) return { done() {}, stop() {} };
  if (!process.stderr.isTTY) return { done: (r: Result) => void process.stdout.write(line(r) + '\n'), stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, hideCursor: true, format: ' {bar} {value}/{total} files | {accepted} accepted, {repeat} repeats, {rejected} rejected, {error} errors | ETA {eta_formatted}' },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, counts);
  return { done: () => bar.increment(1, counts), stop: () => bar.stop() };
}

function report(results: Result[], counts: Counts, seconds: number, records: number): string {
  const rate = seconds > 0 ? (records / seconds).toFixed(1) : '0';
  const out = [
    `Submitted ${results.length} file${results.length === 1 ? '' : 's'} in ${seconds.toFixed(2)} s`,
    `  accepted  ${counts.accepted}  (202)`,
    `  repeats   ${counts.repeat}  (200, already stored)`,
    `  rejected  ${counts.rejected}`,
    `  errors    ${counts.error}  (not delivered: network, server or file)`,
    `  records   ${records} accepted, ${rate} records/s`,
  ];
  const bad = results.filter((r) => r.outcome === 'rejected' || r.outcome === 'error');
  if (bad.length) out.push('', 'Not accepted:');
  for (const r of bad) {
    out.push(`  ${r.file}: ${r.status ? `${r.status} ${r.code}: ` : ''}${r.message}`);
    for (const i of r.issues ?? []) out.push(`    - ${formatIssue(i)}`);
  }
  return out.join('\n') + '\n';
}

export async function run(ctx: Context, positionals: string[], v: Values): Promise<number> {
  if (!positionals.length) throw new CliError('give at least one file or directory', 2);
  const concurrency = Number(v.concurrency ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliError(`--concurrency must be a positive integer, got "${v.concurrency}"`, 2);
  const clients = new Map<string, Client>();
  const clientOf = (key: string) => clients.get(key) ?? clients.set(key, ctx.client(key)).get(key)!;
  let clientFor: (body: Buffer) => Client | string;
  if (v['auto-role']) {
    const keys = new Map<string, string>();
    const keyOf = (role: string) => keys.get(role) ?? keys.set(role, ctx.keyFor(role)).get(role)!;
    clientFor = (body) => {
      const type = messageTypeOf(body);
      const role = type ? ROLE_OF[type] : undefined;
      if (!role) return type ? `${type}Message is not a declaration an enterprise sends` : 'cannot tell the message type (needed by --auto-role)';
      return clientOf(keyOf(role));
    };
  } else {
    const client = clientOf(ctx.key());
    clientFor = () => client;
  }
  const files = await collect(positionals, v.recursive === true);
  if (!files.length) throw new CliError(`no .xml or .json files in ${positionals.join(' ')}`, 2);

  const counts: Counts = { accepted: 0, repeat: 0, rejected: 0, error: 0 };
  const bar = progress(ctx, files.length, counts);
  const results: Result[] = new Array(files.length);
  const started = performance.now();
  // Documents before what depends on them: orders, then payments and waybills, then inventories
  // and arrival lists, then cancels and returns — each stage done before the next starts.
  const stages = new Map<number, number[]>();
  for (const [i, f] of files.entries()) {
    const st = await stageOf(f).catch(() => 1);
    stages.set(st, [...(stages.get(st) ?? []), i]);
  }
  try {
    for (const stage of [...stages.keys()].sort((a, b) => a - b)) {
      const todo = stages.get(stage)!;
      let next = 0;
      const worker = async () => {
        while (next < todo.length) {
          const i = todo[next++];
          const r = await sendOne(files[i], clientFor);
          results[i] = r;
          counts[r.outcome]++;
          bar.done(r);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
    }
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const records = results.reduce((s, r) => s + (r.outcome === 'accepted' ? (r.records ?? 0) : 0), 0);
  if (ctx.json) {
    const recordsPerSecond = seconds > 0 ? Math.round((records / seconds) * 10) / 10 : 0;
    process.stdout.write(JSON.stringify({ files: files.length, seconds: Math.round(seconds * 1000) / 1000, accepted: counts.accepted, repeats: counts.repeat, rejected: counts.rejected, errors: counts.error, records, recordsPerSecond, results }) + '\n');
  } else {
    process.stdout.write((process.stderr.isTTY ? '' : '\n') + report(results, counts, seconds, records));
  }
  return counts.rejected + counts.error ? 1 : 0;
}
