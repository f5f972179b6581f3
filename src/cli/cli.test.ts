// The `silkgate` CLI as a user runs it (node bin/silkgate.js …) against a real platform in-process.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app.ts';
import type { CebNode } from '../ceb/index.ts';
import { loadConfig } from '../config/index.ts';
import { DEMO_PARTIES, makeFlow, wrapMessage } from '../demo/flows.ts';
import { tempDir } from '../../test/support/db.ts';
import { messageTypeOf } from './commands/submit.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'silkgate.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let app: App;
let env: NodeJS.ProcessEnv;
const dataDir = tempDir('silkgate-cli-data-');
const filesDir = tempDir('silkgate-cli-files-');

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `name` holding the order of a fresh flow (orderNo overridden when given); returns its path. */
function writeOrder(dir: string, name: string, serial: number, orderNo?: string): string {
  const flow = makeFlow(DEMO_PARTIES, { mode: '9610', seed: serial, serial });
  if (orderNo) (flow.order.OrderHead as CebNode).orderNo = orderNo;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, wrapMessage('CEB311Message', [flow.order], DEMO_PARTIES.ebp));
  return file;
}

beforeAll(async () => {
  app = await createApp(loadConfig({ SILKGATE_DATA_DIR: dataDir.path, SILKGATE_SANDBOX_DELAY_MS: '5', SILKGATE_LOG_LEVEL: 'warn' }));
  await app.startWorkers();
  await app.http.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.http.server.address() as AddressInfo;
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SILKGATE_')));
  Object.assign(env, { SILKGATE_URL: `http://127.0.0.1:${port}`, SILKGATE_DATA_DIR: dataDir.path });
});

afterAll(async () => {
  await app?.close();
  dataDir.cleanup();
  filesDir.cleanup();
});

describe('silkgate CLI', () => {
  const batch = path.join(filesDir.path, 'batch');
  let orderId = 0;

  it('demo: a 9610 and a 1210 flow run from order to release', async () => {
    for (const mode of ['9610', '1210']) {
      const r = await cli(['demo', '--mode', mode, '--seed', mode === '9610' ? '31' : '32', '--prefix', `CLI${mode}`]);
      expect(r.stdout + r.stderr).toContain('1 of 1 released');
      expect(r.code).toBe(0);
      if (mode === '9610') expect(r.stdout).toContain('CEB711');
    }
  });

  it('submit: a directory with a valid and an invalid order → 1 accepted, 1 rejected with the issue, exit 1', async () => {
    writeOrder(batch, '1-order.xml', 100_000_000_001);
    writeOrder(batch, '2-bad.xml', 100_000_000_002, 'X'.repeat(61));
    fs.writeFileSync(path.join(batch, 'notes.txt'), 'not a message');
    const r = await cli(['submit', batch, '--as', 'ebp']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/accepted\s+1\s+\(202\)/);
    expect(r.stdout).toMatch(/repeats\s+0/);
    expect(r.stdout).toMatch(/rejected\s+1\b/);
    expect(r.stdout).toMatch(/records\s+1 accepted, [\d.]+ records\/s/);
    expect(r.stdout).toContain('2-bad.xml: 400 INVALID_MESSAGE');
    expect(r.stdout).toMatch(/- CEB311Message\.Order\[0\]\.OrderHead\.orderNo maxLength: expected .*60.*, got /);
    expect(r.stdout).not.toContain('notes.txt');
    orderId = Number(/accepted\s+\S*1-order\.xml\s+CEB311Message #(\d+)/.exec(r.stdout)?.[1]);
    expect(orderId).toBeGreaterThan(0);
  });

  it('submit: the same file again is reported as a repeat (--json)', async () => {
    const r = await cli(['submit', path.join(batch, '1-order.xml'), '--as', 'ebp', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ files: 1, accepted: 0, repeats: 1, rejected: 0, errors: 0 });
    expect(out.results[0]).toMatchObject({ outcome: 'repeat', status: 200, id: orderId, messageType: 'CEB311Message', records: 1 });
  });

  it('receipts: lists the CEB312 receipts of the order', async () => {
    let lines: Array<{ id: number; messageId: number; messageType: string; returnStatus: string }> = [];
    for (const deadline = Date.now() + 8_000; Date.now() < deadline; await sleep(200)) {
      const r = await cli(['receipts', '--as', 'ebp', '--json']);
      expect(r.code).toBe(0);
      lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
      if (lines.some((x) => x.messageId === orderId && x.returnStatus === '120')) break;
    }
    expect(lines.filter((x) => x.messageId === orderId).map((x) => x.messageType)).toContain('CEB312Message');
    const text = await cli(['receipts', '--as', 'ebp']);
    expect(text.stdout).toMatch(new RegExp(`^#\\d+ CEB312Message 120 .* \\(message ${orderId}\\)$`, 'm'));
    expect(text.stderr).toMatch(/next cursor: \d+/);
    // Past the last cursor there is nothing more.
    const next = /next cursor: (\d+)/.exec(text.stderr)![1];
    const after = await cli(['receipts', '--as', 'ebp', '--after', next]);
    expect([after.code, after.stdout]).toEqual([0, '']);
  });

  it('messages show: the record status and the receipt timeline; --raw, --envelope', async () => {
    const json = await cli(['messages', 'show', String(orderId), '--as', 'ebp', '--json']);
    expect(json.code).toBe(0);
    const view = JSON.parse(json.stdout);
    expect(view.records).toHaveLength(1);
    const r = await cli(['messages', 'show', String(orderId), '--as', 'ebp']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Message #${orderId}  CEB311Message`);
    expect(r.stdout).toContain(`${view.records[0].status}  [${view.records[0].returnStatus}]`);
    expect(r.stdout).toMatch(/Receipts \(\d+\)/);
    expect(r.stdout).toMatch(/#\d+ CEB312Message 120 /);
    const raw = await cli(['messages', 'show', String(orderId), '--as', 'ebp', '--raw']);
    expect(raw.stdout).toBe(fs.readFileSync(path.join(batch, '1-order.xml'), 'utf8'));
    const envelope = await cli(['messages', 'show', String(orderId), '--as', 'ebp', '--envelope']);
    expect(envelope.stdout).toContain('<MsgType>CEB311Message</MsgType>');
    const missing = await cli(['messages', 'show', '999999', '--as', 'ebp']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404 NOT_FOUND');
  });

  it('submit --auto-role sends each file with the key of its sender role', async () => {
    const dir = path.join(filesDir.path, 'flow');
    const flow = makeFlow(DEMO_PARTIES, { mode: '9610', seed: 7, serial: 100_000_000_003 });
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a-order.xml'), wrapMessage('CEB311Message', [flow.order], DEMO_PARTIES.ebp));
    fs.writeFileSync(path.join(dir, 'b-payment.xml'), wrapMessage('CEB411Message', [flow.payment], DEMO_PARTIES.payment));
    const r = await cli(['submit', dir, '--auto-role', '--concurrency', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accepted\s+\S*a-order\.xml\s+CEB311Message/);
    expect(r.stdout).toMatch(/accepted\s+\S*b-payment\.xml\s+CEB411Message/);
    expect(r.stdout).toMatch(/accepted\s+2\s+\(202\)/);
  });

  it('receipts --follow prints new receipts from the cursor on, until SIGINT', async () => {
    const now = await cli(['receipts', '--as', 'ebp']);
    const cursor = /next cursor: (\d+)/.exec(now.stderr)![1];
    const child = spawn(process.execPath, [BIN, 'receipts', '--as', 'ebp', '--follow', '--interval', '100', '--after', cursor], { cwd: ROOT, env });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const sawNew = new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (/ 120 .*\(message \d+\)\n/.test(out)) resolve();
      });
    });
    const file = writeOrder(path.join(filesDir.path, 'follow'), 'order.xml', 100_000_000_004);
    const sent = await cli(['submit', file, '--as', 'ebp', '--json']);
    expect(sent.code).toBe(0);
    const id = JSON.parse(sent.stdout).results[0].id;
    await Promise.race([sawNew, sleep(10_000)]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const lines = out.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(new RegExp(`^#\\d+ CEB312Message \\d+ .*\\(message ${id}\\)$`));
  });

  it('audit verify: the chain is intact over the API and read straight from the database; list shows entries', async () => {
    const api = await cli(['audit', 'verify']);
    expect(api.stderr).toBe('');
    expect(api.code).toBe(0);
    const m = /^audit chain intact: (\d+) entries, head ([0-9a-f]{64})$/m.exec(api.stdout);
    expect(m).not.toBeNull();
    const local = await cli(['audit', 'verify', '--local', '--json']);
    expect(local.code).toBe(0);
    const v = JSON.parse(local.stdout) as { ok: boolean; entries: number; head: string };
    expect(v.ok).toBe(true);
    expect(v.entries).toBeGreaterThanOrEqual(Number(m![1]));
    const list = await cli(['audit', 'list', '--as', 'operator', '--limit', '3', '--json']);
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as Array<{ seq: number }>;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThanOrEqual(3);
    const ebc = await cli(['audit', 'verify', '--as', 'ebc']);
    expect(ebc.code).toBe(1);
    expect(ebc.stderr).toContain('403 FORBIDDEN');
    const bad = await cli(['audit', 'list', '--as', 'operator', '--limit', 'lots']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--limit must be an integer')]);
  });

  it('without a key: exit 2 and the three ways to give one', async () => {
    const r = await cli(['receipts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no API key');
    for (const way of ['--key', 'SILKGATE_API_KEY', '--as <role>']) expect(r.stderr).toContain(way);
    const wrong = await cli(['receipts', '--key', 'sk_wrong']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('401 UNAUTHORIZED');
  });

  it('help, unknown commands and options', async () => {
    const commands = ['submit', 'receipts', 'messages'];
    const [help, unknown, badOption, ...helps] = await Promise.all([
      cli(['--help']),
      cli(['frobnicate']),
      cli(['submit', '--bogus', '--as', 'ebp']),
      ...commands.map((c) => cli([c, '--help'])),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: silkgate <command>/);
    commands.forEach((c, i) => expect([helps[i].code, helps[i].stdout]).toEqual([0, expect.stringContaining(`Usage: silkgate ${c}`)]));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).toContain('Usage: silkgate <command>');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--bogus'");
  });
});

describe('messageTypeOf', () => {
  it('reads the root element, a DxpMsg MsgType or a JSON root key', () => {
    const b = (s: string) => Buffer.from(s);
    expect(messageTypeOf(b('\uFEFF<?xml version="1.0"?>\n<!-- x --><ceb:CEB411Message xmlns:ceb="x">'))).toBe('CEB411');
    expect(messageTypeOf(b('<CEB621Message guid="g">'))).toBe('CEB621');
    expect(messageTypeOf(b('<?xml version="1.0"?><DxpMsg ver="1.0"><TransInfo><CopMsgId>1</CopMsgId><MsgType>CEB511Message</MsgType>'))).toBe('CEB511');
    expect(messageTypeOf(b(' { "CEB711Message": { "guid": "g" } }'))).toBe('CEB711');
    expect(messageTypeOf(b('<html>'))).toBeNull();
  });
});
