/**
 * A queue ordered by deadline (earliest first; no deadline = last), ties broken by arrival order.
 * A binary heap with removal by handle (cancelled jobs leave the queue at once).
 */
export interface Deadlined {
  /** Absolute unix ms; undefined = no deadline. */
  deadlineMs?: number;
}

interface Entry<T> {
  item: T;
  key: number;
  seq: number;
  index: number;
}

export class DeadlineQueue<T extends Deadlined> {
  private readonly heap: Entry<T>[] = [];
  private readonly entries = new Map<T, Entry<T>>();
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    const entry: Entry<T> = {
      item,
      key: item.deadlineMs ?? Number.POSITIVE_INFINITY,
      seq: this.seq++,
      index: this.heap.length,
    };
    this.heap.push(entry);
    this.entries.set(item, entry);
    this.up(entry.index);
  }

  peek(): T | undefined {
    return this.heap[0]?.item;
  }

  pop(): T | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    this.removeAt(0);
    return top.item;
  }

  /** Remove an item; false when it is not queued. */
  remove(item: T): boolean {
    const entry = this.entries.get(item);
    if (!entry) return false;
    this.removeAt(entry.index);
    return true;
  }

  has(item: T): boolean {
    return this.entries.has(item);
  }

  /** Items in queue order (a copy). */
  toArray(): T[] {
    return [...this.heap].sort(compare).map((e) => e.item);
  }

  private removeAt(i: number): void {
    const entry = this.heap[i]!;
    this.entries.delete(entry.item);
    const last = this.heap.pop()!;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(i);
    }
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compare(this.heap[i]!, this.heap[parent]!) >= 0) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && compare(this.heap[l]!, this.heap[m]!) < 0) m = l;
      if (r < this.heap.length && compare(this.heap[r]!, this.heap[m]!) < 0) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const ea = this.heap[a]!;
    const eb = this.heap[b]!;
    this.heap[a] = eb;
    this.heap[b] = ea;
    ea.index = b;
    eb.index = a;
  }
}

function compare<T>(a: Entry<T>, b: Entry<T>): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.seq - b.seq;
}
