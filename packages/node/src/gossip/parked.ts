/**
 * Messages that arrived before what they depend on: a bid before its task (IGNORE `UNKNOWN_TASK`, common when the
 * task's own validation, e.g. the requester's balance read, is still running), a reveal before its commit
 * (`NO_COMMITMENT`). They are kept for a short while, keyed by task, and validated again once the task or a commit
 * of it is accepted, instead of being lost: a node that lost a bid draws without it and its assignment vote splits
 * from the others' (seen in the netns test and under load on the devnet: tasks failed with `NO_CERTIFICATE`).
 * Bounded: at most `perPeer` messages per sender, `perKey` per task and `total` in all, each for `ttlMs`.
 */
export interface ParkedMessage {
  topic: string;
  data: Uint8Array;
  from: string;
  at: number;
}

export interface ParkingLimits {
  total: number;
  perKey: number;
  perPeer: number;
  ttlMs: number;
}

export const DEFAULT_PARKING: ParkingLimits = { total: 2048, perKey: 64, perPeer: 64, ttlMs: 120_000 };

export class ParkedMessages {
  private readonly byKey = new Map<string, ParkedMessage[]>();
  private readonly perPeer = new Map<string, number>();
  private count = 0;

  constructor(private readonly limits: ParkingLimits = DEFAULT_PARKING, private readonly clock: () => number = Date.now) {}

  get size(): number {
    return this.count;
  }

  /** Keep `m` under `key`; false when a limit refuses it (nothing is evicted for it). */
  park(key: string, m: Omit<ParkedMessage, "at">): boolean {
    this.expire();
    const list = this.byKey.get(key) ?? [];
    if (this.count >= this.limits.total || list.length >= this.limits.perKey || (this.perPeer.get(m.from) ?? 0) >= this.limits.perPeer) return false;
    if (list.some((x) => x.topic === m.topic && sameBytes(x.data, m.data))) return true;
    list.push({ ...m, at: this.clock() });
    this.byKey.set(key, list);
    this.perPeer.set(m.from, (this.perPeer.get(m.from) ?? 0) + 1);
    this.count++;
    return true;
  }

  /** Remove and return everything parked under `key` (still fresh). */
  take(key: string): ParkedMessage[] {
    this.expire();
    const list = this.byKey.get(key);
    if (list === undefined) return [];
    this.byKey.delete(key);
    for (const m of list) this.release(m);
    return list;
  }

  private release(m: ParkedMessage): void {
    this.count--;
    const n = (this.perPeer.get(m.from) ?? 1) - 1;
    if (n <= 0) this.perPeer.delete(m.from);
    else this.perPeer.set(m.from, n);
  }

  /** Drop what is older than the TTL (oldest keys first, as they were inserted). */
  private expire(): void {
    const cutoff = this.clock() - this.limits.ttlMs;
    for (const [key, list] of this.byKey) {
      const fresh = list.filter((m) => m.at >= cutoff);
      for (const m of list) if (m.at < cutoff) this.release(m);
      if (fresh.length === 0) this.byKey.delete(key);
      else if (fresh.length !== list.length) this.byKey.set(key, fresh);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
