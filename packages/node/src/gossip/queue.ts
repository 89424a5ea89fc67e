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

/**
 * Validation queue that is fair between senders: one FIFO sub-queue per key (the peer that delivered the
 * message), served round-robin, each capped at `maxPerKey`, all together at `maxLength`. When the queue is full
 * a newcomer whose sub-queue is shorter than the longest one evicts the newest item of the longest one (the
 * flooder pays, not the others); otherwise the newcomer is refused. `push` returns false when refused; an
 * evicted item is handed to `onEvict`. So one peer's flood can neither push out nor starve other peers' messages.
 */
export class FairQueue<T> {
  private readonly subs = new Map<string, T[]>();
  /** Keys with a non-empty sub-queue, in round-robin order (the next to serve first). */
  private ring: string[] = [];
  private total = 0;
  private running = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly maxLength: number,
    private readonly maxPerKey: number,
    private readonly concurrency: number,
    private readonly worker: (item: T) => Promise<void>,
    private readonly onDepth: (depth: number) => void = () => {},
    private readonly onEvict: (item: T) => void = () => {},
  ) {}

  get length(): number {
    return this.total;
  }

  /** Items waiting for `key`. */
  lengthOf(key: string): number {
    return this.subs.get(key)?.length ?? 0;
  }

  push(key: string, item: T): boolean {
    if (this.closed) return false;
    const own = this.subs.get(key);
    const ownLength = own?.length ?? 0;
    if (ownLength >= this.maxPerKey) return false;
    if (this.total >= this.maxLength) {
      let longestKey: string | undefined;
      let longest = 0;
      for (const [k, q] of this.subs) {
        if (q.length > longest) {
          longest = q.length;
          longestKey = k;
        }
      }
      if (longestKey === undefined || longest <= ownLength + 1) return false;
      const victimQueue = this.subs.get(longestKey) as T[];
      const evicted = victimQueue.pop() as T;
      this.total--;
      if (victimQueue.length === 0) this.removeKey(longestKey);
      this.onEvict(evicted);
    }
    let q = this.subs.get(key);
    if (q === undefined) {
      q = [];
      this.subs.set(key, q);
      this.ring.push(key);
    }
    q.push(item);
    this.total++;
    this.onDepth(this.total);
    this.drain();
    return true;
  }

  private removeKey(key: string): void {
    this.subs.delete(key);
    this.ring = this.ring.filter((k) => k !== key);
  }

  private next(): T | undefined {
    const key = this.ring.shift();
    if (key === undefined) return undefined;
    const q = this.subs.get(key) as T[];
    const item = q.shift() as T;
    this.total--;
    if (q.length === 0) this.subs.delete(key);
    else this.ring.push(key);
    return item;
  }

  private drain(): void {
    while (this.running < this.concurrency && this.total > 0) {
      const item = this.next() as T;
      this.running++;
      this.onDepth(this.total);
      void this.worker(item)
        .catch(() => {})
        .finally(() => {
          this.running--;
          this.drain();
          if (this.running === 0 && this.total === 0) this.notifyIdle();
        });
    }
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Stop accepting work, drop what is queued (handed to `onEvict`) and wait for running jobs. */
  async close(): Promise<void> {
    this.closed = true;
    const dropped = [...this.subs.values()].flat();
    this.subs.clear();
    this.ring = [];
    this.total = 0;
    this.onDepth(0);
    for (const item of dropped) this.onEvict(item);
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
