/**
 * The loop behind every background worker that drains a table (outbox, webhook deliveries):
 * run a pass now when kicked, again at once while a pass says there may be more, otherwise
 * every `pollMs`. A kick during a pass is remembered, never lost; stop() waits for the pass.
 */
export class Pump {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = true;

  constructor(
    /** One pass; resolves true when there may be more to do right away. */
    private readonly pass: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start() {
    this.stopped = false;
    this.kick();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.running) await new Promise((r) => setTimeout(r, 5));
  }

  /** Run a pass now (or right after the current one). */
  kick() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.run();
  }

  private async run() {
    this.running = true;
    let more = false;
    try {
      more = await this.pass();
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (more || this.again) {
      this.again = false;
      setImmediate(() => this.kick());
    } else {
      this.timer = setTimeout(() => this.kick(), this.pollMs);
      this.timer.unref();
    }
  }
}
