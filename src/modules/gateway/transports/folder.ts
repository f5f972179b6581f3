/**
 * Folder exchange, as the customs client software works: envelopes are written to an out
 * folder (temp file, fsync, rename — a reader never sees half a file), receipts are picked up
 * from an in folder and moved to processed/ or failed/ once handled.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CustomsTransport, InboundHandler, OutboundMessage } from '../transport.ts';

export interface FolderOptions {
  outDir: string;
  inDir: string;
  pollMs?: number;
  log?: { warn(o: object, m: string): void };
}

const SAFE = /[^A-Za-z0-9._-]/g;

export class FolderTransport implements CustomsTransport {
  readonly name = 'folder';
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;

  constructor(private readonly opts: FolderOptions) {
    for (const d of [opts.outDir, opts.inDir, this.processedDir, this.failedDir]) fs.mkdirSync(d, { recursive: true });
  }

  private get processedDir() {
    return path.join(this.opts.inDir, '..', 'processed');
  }

  private get failedDir() {
    return path.join(this.opts.inDir, '..', 'failed');
  }

  async send(m: OutboundMessage): Promise<void> {
    const name = `${m.messageType}_${m.copMsgId.replace(SAFE, '_')}.xml`;
    const final = path.join(this.opts.outDir, name);
    if (fs.existsSync(final)) return; // already handed over: the same CopMsgId is the same envelope
    const tmp = path.join(this.opts.outDir, `.${name}.tmp`);
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, m.envelope);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, final);
  }

  async start(deliver: InboundHandler): Promise<void> {
    const tick = async () => {
      for (const f of fs.readdirSync(this.opts.inDir).sort()) {
        if (f.startsWith('.') || f.endsWith('.tmp')) continue;
        const file = path.join(this.opts.inDir, f);
        try {
          await deliver(fs.readFileSync(file), `folder:${f}`);
          fs.renameSync(file, path.join(this.processedDir, f));
        } catch (err) {
          this.opts.log?.warn({ file: f, err: (err as Error).message }, 'receipt file could not be handled');
          fs.renameSync(file, path.join(this.failedDir, f));
        }
      }
    };
    const loop = () => {
      this.busy = tick().catch((err) => this.opts.log?.warn({ err: (err as Error).message }, 'receipt folder scan failed'));
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

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.busy;
  }
}
