/**
 * Bounded FIFO job queue with fixed concurrency. `push` returns false (and does not queue) when full,
 * so the caller can shed load instead of growing without bound.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private running = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly maxLength: number,
    private readonly concurrency: number,
    private readonly worker: (item: T) => Promise<void>,
    private readonly onDepth: (depth: number) => void = () => {},
  ) {}

  get length(): number {
    return this.items.length;
  }

  push(item: T): boolean {
    if (this.closed || this.items.length >= this.maxLength) return false;
    this.items.push(item);
    this.onDepth(this.items.length);
    this.drain();
    return true;
  }

  private drain(): void {
    while (this.running < this.concurrency && this.items.length > 0) {
      const item = this.items.shift() as T;
      this.running++;
      this.onDepth(this.items.length);
      void this.worker(item)
        .catch(() => {})
        .finally(() => {
          this.running--;
          this.drain();
          if (this.running === 0 && this.items.length === 0) this.notifyIdle();
        });
    }
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Stop accepting work, drop what is queued and wait for running jobs. */
  async close(): Promise<void> {
    this.closed = true;
    this.items.length = 0;
    this.onDepth(0);
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
