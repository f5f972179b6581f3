/**
 * Group commit: requests arriving within one turn of the event loop (or until `maxBatch`) are
 * written in one transaction, then all answered. One durable commit per batch instead of one
 * per request is what makes "acknowledge only after the commit" affordable.
 */
export class GroupCommit<In, Out> {
  private queue: Array<{ item: In; resolve: (o: Out) => void; reject: (e: unknown) => void }> = [];
  private running = false;
  private scheduled = false;

  constructor(
    private readonly write: (items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 256,
    /** How long a small batch waits for company: a durable commit costs about the same for 1 row as for 100. */
    private readonly lingerMs = 0,
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.lingerMs > 0 && this.queue.length < this.maxBatch / 4) setTimeout(go, this.lingerMs);
    else setImmediate(go);
  }

  private async flush() {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      const out = await this.write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i]));
    } catch (err) {
      if (batch.length === 1) batch[0].reject(err);
      else {
        // One bad item (or a race another process won) must not fail its neighbours: each alone.
        for (const b of batch) {
          try {
            b.resolve((await this.write([b.item]))[0]);
          } catch (e) {
            b.reject(e);
          }
        }
      }
    } finally {
      this.running = false;
      if (this.queue.length) this.schedule();
    }
  }

  /** Waits until everything submitted so far is written. */
  async drain(): Promise<void> {
    while (this.running || this.queue.length || this.scheduled) await new Promise((r) => setTimeout(r, 1));
  }
}
