/**
 * Folder exchange, as the customs client software works.
 *
 * Out: each envelope becomes `<MsgType>_<CopMsgId>.xml` in the out folder, written as a dot-temp
 * file in the same folder, fsynced, renamed into place, and the folder fsynced — a reader never
 * sees half a file, and the file survives a power cut once send() resolved. A marker in sent/
 * (beside the out folder) records the hand-over, so a retry of the same CopMsgId writes nothing
 * even after the client has already taken the file away.
 *
 * In: receipts are picked up from the in folder by a scan every `pollMs`. Dot files, `*.tmp` and
 * `*.part` files are skipped, and a file is read only once its size and mtime were the same at two
 * consecutive scans (a writer that writes in place is not read half-way; one that writes a temp
 * file and renames it costs one scan more). Bytes are handed over as read. Once `deliver`
 * resolved, the file moves to processed/; a receipt the platform refuses (an AppError) moves to
 * failed/; any other failure (database down…) leaves it in place, retried with backoff.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../platform/errors.ts';
import type { CustomsTransport, InboundHandler, OutboundMessage } from '../transport.ts';

export interface FolderOptions {
  outDir: string;
  inDir: string;
  pollMs?: number;
  log?: { warn(o: object, m: string): void };
}

const UNSAFE = /[^A-Za-z0-9._-]/g;
const SKIP = /^\.|\.(tmp|part)$/i;

/** `<MsgType>_<CopMsgId>.xml`; a CopMsgId with other characters, or too long, gets a hash so two ids never share a name. */
export function envelopeFileName(m: Pick<OutboundMessage, 'messageType' | 'copMsgId'>): string {
  const safe = m.copMsgId.replace(UNSAFE, '_');
  const base = `${m.messageType.replace(UNSAFE, '_')}_${safe}`;
  if (safe === m.copMsgId && base.length <= 200) return `${base}.xml`;
  return `${base.slice(0, 180)}_${createHash('sha256').update(m.copMsgId).digest('hex').slice(0, 16)}.xml`;
}

async function fsyncDir(dir: string) {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FolderTransport implements CustomsTransport {
  readonly name = 'folder';
  readonly processedDir: string;
  readonly failedDir: string;
  readonly sentDir: string;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  /** name → size:mtime seen at the previous scan. */
  private seen = new Map<string, string>();
  /** name → failures and when to try again, for failures that are not refusals. */
  private readonly retry = new Map<string, { failures: number; at: number }>();

  constructor(private readonly opts: FolderOptions) {
    this.processedDir = path.join(opts.inDir, '..', 'processed');
    this.failedDir = path.join(opts.inDir, '..', 'failed');
    this.sentDir = path.join(opts.outDir, '..', 'sent');
    for (const d of [opts.outDir, opts.inDir, this.processedDir, this.failedDir, this.sentDir]) fs.mkdirSync(d, { recursive: true });
  }

  async send(m: OutboundMessage): Promise<void> {
    const name = envelopeFileName(m);
    const marker = path.join(this.sentDir, name);
    if (fs.existsSync(marker)) return; // handed over before: the client may have moved it on already
    const final = path.join(this.opts.outDir, name);
    if (!fs.existsSync(final)) {
      const tmp = path.join(this.opts.outDir, `.${name}.${randomUUID()}.tmp`);
      try {
        const fh = await fsp.open(tmp, 'wx');
        try {
          await fh.writeFile(m.envelope, 'utf8');
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fsp.rename(tmp, final);
      } catch (err) {
        await fsp.rm(tmp, { force: true });
        throw err;
      }
      await fsyncDir(this.opts.outDir);
    }
    await (await fsp.open(marker, 'w')).close();
    await fsyncDir(this.sentDir);
  }

  async start(deliver: InboundHandler): Promise<void> {
    const loop = () => {
      this.busy = this.scan(deliver).catch((err) => this.opts.log?.warn({ err: (err as Error).message }, 'receipt folder scan failed'));
      void this.busy.then(() => {
        if (this.timer !== null) {
          this.timer = setTimeout(loop, this.opts.pollMs ?? 500);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  /** One pass over the in folder: hands over every file that stopped changing since the last pass. */
  async scan(deliver: InboundHandler): Promise<void> {
    const now = Date.now();
    const seen = new Map<string, string>();
    const entries = (await fsp.readdir(this.opts.inDir, { withFileTypes: true })).filter((e) => e.isFile() && !SKIP.test(e.name)).map((e) => e.name).sort();
    for (const name of entries) {
      const file = path.join(this.opts.inDir, name);
      const st = await fsp.stat(file).catch(() => null);
      if (!st) continue;
      const sig = `${st.size}:${st.mtimeMs}`;
      seen.set(name, sig);
      if (this.seen.get(name) !== sig) continue; // new or still changing: look again next pass
      const retry = this.retry.get(name);
      if (retry && retry.at > now) continue;
      try {
        await deliver(await fsp.readFile(file), `folder:${name}`);
        await this.moveTo(this.processedDir, file, name);
        this.retry.delete(name);
      } catch (err) {
        const msg = (err as Error).message ?? String(err);
        if (err instanceof AppError && err.status < 500) {
          this.opts.log?.warn({ file: name, err: msg }, 'receipt file refused; moved to failed/');
          await this.moveTo(this.failedDir, file, name);
          this.retry.delete(name);
        } else {
          const failures = (retry?.failures ?? 0) + 1;
          const waitMs = Math.min(1000 * 2 ** (failures - 1), 60_000);
          this.retry.set(name, { failures, at: Date.now() + waitMs });
          this.opts.log?.warn({ file: name, failures, retryInMs: waitMs, err: msg }, 'receipt file could not be handled; will retry');
        }
      }
    }
    this.seen = seen;
    for (const name of this.retry.keys()) if (!seen.has(name)) this.retry.delete(name);
  }

  /** Moves a handled file, never over an earlier one of the same name. */
  private async moveTo(dir: string, file: string, name: string) {
    let target = path.join(dir, name);
    if (fs.existsSync(target)) target = path.join(dir, `${Date.now()}-${randomUUID().slice(0, 8)}-${name}`);
    await fsp.rename(file, target);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.busy;
  }
}
