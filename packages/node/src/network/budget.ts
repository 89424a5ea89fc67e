import type { Connection } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";

/** The IP address of a multiaddr (`/ip4/…` or `/ip6/…` first), undefined for other address kinds. */
export function ipOfMultiaddr(addr: Multiaddr): string | undefined {
  const first = addr.getComponents()[0];
  return first !== undefined && (first.name === "ip4" || first.name === "ip6") ? first.value : undefined;
}

/**
 * Token bucket: holds up to `capacity` tokens and gains `perSecond` a second. `take` may drive the level
 * negative only through `charge` (bytes already sent); a negative level must be refilled before the next take.
 */
export class TokenBucket {
  private level: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.level = capacity;
    this.last = clock();
  }

  /** Tokens available now (may be negative after an overdraft). */
  available(): number {
    const now = this.clock();
    if (now > this.last) {
      this.level = Math.min(this.capacity, this.level + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
    }
    return this.level;
  }

  /** Take `n` tokens if that many are available. */
  take(n = 1): boolean {
    if (this.available() < n) return false;
    this.level -= n;
    return true;
  }

  /** Take `n` tokens unconditionally (the level may go negative). */
  charge(n: number): void {
    this.available();
    this.level -= n;
  }

  /** Milliseconds until `n` tokens are available (0 if they are now). */
  waitMs(n = 1): number {
    const missing = n - this.available();
    return missing <= 0 ? 0 : Math.ceil((missing / this.perSecond) * 1000);
  }

  /** True once the bucket is full again: an idle key can be forgotten. */
  full(): boolean {
    return this.available() >= this.capacity;
  }
}

/** Limits of one request/response protocol on the responder side. */
export interface ServeLimits {
  /** Concurrent inbound streams served for one peer (and, keyed by IP, for one IP: `ipFactor` times that). */
  streamsPerPeer: number;
  /** Concurrent inbound streams served in all. */
  streams: number;
  /** Request bucket: burst size. */
  requestBurst: number;
  /** Request bucket: requests a second. */
  requestsPerSecond: number;
  /** Bytes bucket (response bytes): burst size. Infinity: no byte budget. */
  bytesBurst: number;
  /** Bytes bucket: bytes a second. */
  bytesPerSecond: number;
  /** Limits of an IP key are this multiple of a peer's (several honest nodes may share a NAT). */
  ipFactor: number;
}

interface KeyState {
  active: number;
  requests: TokenBucket;
  bytes: TokenBucket | undefined;
}

/** Why a request was refused. */
export type RefusalReason = "streams" | "rate" | "bytes";

/** An admitted stream: holds one stream slot of every key until `release()`. */
export interface ServeLease {
  readonly keys: readonly string[];
  /** Take one request token of every key, and check that bytes are left (with a byte budget). */
  request(): true | "rate" | "bytes";
  /** Bytes the response may still send under the byte budget (Infinity without one). */
  bytesAvailable(): number;
  /** Account `n` response bytes against every key. */
  chargeBytes(n: number): void;
  release: () => void;
}

const MAX_TRACKED_KEYS = 10_000;

/**
 * Per-peer (and optionally per-IP) budgets of a protocol's responder: concurrent streams, request rate and
 * response bytes. `open` either returns a lease (release it when the stream ends) or "streams"; the lease's
 * `request()` then takes a request token. Idle keys with full buckets are forgotten, and at most 10,000 keys
 * are tracked (the least recently used idle ones go first).
 */
export class ServeBudget {
  private readonly keys = new Map<string, KeyState>();
  private active = 0;
  readonly refused: Record<RefusalReason, number> = { streams: 0, rate: 0, bytes: 0 };

  constructor(
    readonly limits: ServeLimits,
    private readonly byIp: boolean,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Budget keys of a connection: its peer, and its remote IP when keyed by IP. */
  keysOf(connection: Pick<Connection, "remotePeer" | "remoteAddr">): string[] {
    const keys = [`peer:${connection.remotePeer.toString()}`];
    if (this.byIp) {
      const ip = ipOfMultiaddr(connection.remoteAddr);
      if (ip !== undefined) keys.push(`ip:${ip}`);
    }
    return keys;
  }

  /** Streams being served now. */
  get activeStreams(): number {
    return this.active;
  }

  private factor(key: string): number {
    return key.startsWith("ip:") ? this.limits.ipFactor : 1;
  }

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (s === undefined) {
      if (this.keys.size >= MAX_TRACKED_KEYS) this.sweep();
      const f = this.factor(key);
      s = {
        active: 0,
        requests: new TokenBucket(this.limits.requestBurst * f, this.limits.requestsPerSecond * f, this.clock),
        bytes: Number.isFinite(this.limits.bytesBurst) ? new TokenBucket(this.limits.bytesBurst * f, this.limits.bytesPerSecond * f, this.clock) : undefined,
      };
      this.keys.set(key, s);
    } else {
      // Keep recently used keys at the end (Map order is insertion order): the sweep drops the oldest.
      this.keys.delete(key);
      this.keys.set(key, s);
    }
    return s;
  }

  private sweep(): void {
    for (const [k, s] of this.keys) {
      if (s.active === 0 && s.requests.full() && (s.bytes?.full() ?? true)) this.keys.delete(k);
    }
    // Still too many: forget the least recently used idle keys.
    for (const [k, s] of this.keys) {
      if (this.keys.size < MAX_TRACKED_KEYS) break;
      if (s.active === 0) this.keys.delete(k);
    }
  }

  /**
   * Admit one inbound stream on `keys` if a stream slot is free for every key and overall. When only the overall
   * budget is full, `makeRoom` may free a slot (evict a stalled stream); it is never called for a stream that
   * its own keys' budgets refuse anyway.
   */
  open(keys: readonly string[], makeRoom?: () => boolean): ServeLease | "streams" {
    const states = keys.map((k) => this.state(k));
    const perKeyFull = states.some((s, i) => s.active >= this.limits.streamsPerPeer * this.factor(keys[i] as string));
    if (perKeyFull || (this.active >= this.limits.streams && !(makeRoom?.() === true && this.active < this.limits.streams))) {
      this.refused.streams++;
      return "streams";
    }
    for (const s of states) s.active++;
    this.active++;
    let released = false;
    return {
      keys,
      request: () => {
        if (states.some((s) => s.requests.available() < 1)) {
          this.refused.rate++;
          return "rate";
        }
        if (states.some((s) => s.bytes !== undefined && s.bytes.available() <= 0)) {
          this.refused.bytes++;
          return "bytes";
        }
        for (const s of states) s.requests.take(1);
        return true;
      },
      bytesAvailable: () => Math.min(...states.map((s) => s.bytes?.available() ?? Infinity)),
      chargeBytes: (n: number) => {
        for (const s of states) s.bytes?.charge(n);
      },
      release: () => {
        if (released) return;
        released = true;
        this.active--;
        for (const s of states) s.active--;
      },
    };
  }

  /** Milliseconds until `keys` may send bytes again (for a BUSY answer). */
  retryAfterMs(keys: readonly string[]): number {
    let ms = 0;
    for (const k of keys) {
      const s = this.keys.get(k);
      if (s === undefined) continue;
      ms = Math.max(ms, s.requests.waitMs(1), s.bytes?.waitMs(1) ?? 0);
    }
    return ms;
  }
}

/** What FrameWriter and sendFrame need of a libp2p stream. */
export interface WritableStream {
  send(data: Uint8Array): boolean;
  onDrain(options?: { signal?: AbortSignal }): Promise<void>;
}

/**
 * Writes length-prefixed frames with backpressure, batched: frames are gathered up to `batchBytes` and handed
 * to the stream in one send (one muxer frame, one encryption). When the stream's buffer is full, the next
 * flush waits for it to drain, but at most `timeoutMs` (then it throws; the caller aborts the stream). So at
 * most one batch per stream is ever buffered beyond what the muxer's flow-control window lets through.
 * `stalled` is told when a wait starts and ends (see StalledStreams).
 */
export class FrameWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(
    private readonly stream: WritableStream,
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
    private readonly stalled?: (waiting: boolean) => void,
    private readonly batchBytes = 64 * 1024,
  ) {}

  async write(frame: Uint8Array): Promise<void> {
    const prefix = varint(frame.byteLength);
    this.parts.push(prefix, frame);
    this.size += prefix.byteLength + frame.byteLength;
    if (this.size >= this.batchBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    this.parts = [];
    this.size = 0;
    if (this.stream.send(out)) return;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    this.stalled?.(true);
    try {
      await this.stream.onDrain({ signal: this.signal !== undefined ? AbortSignal.any([this.signal, timeout]) : timeout });
    } finally {
      this.stalled?.(false);
    }
  }
}

/** Send one length-prefixed frame with backpressure (a FrameWriter of one frame). */
export async function sendFrame(
  stream: WritableStream,
  frame: Uint8Array,
  timeoutMs: number,
  signal?: AbortSignal,
  stalled?: (waiting: boolean) => void,
): Promise<void> {
  const w = new FrameWriter(stream, timeoutMs, signal, stalled, 0);
  await w.write(frame);
}

/**
 * The streams a responder is serving, with when each started waiting for its peer to take data. When the
 * overall stream budget is full, the stream stalled the longest is aborted to make room: a peer that does not
 * read loses its slot to one that does, so sybils holding unread streams cannot lock honest peers out.
 */
export class StalledStreams<S extends { abort(err: Error): void; writeBufferLength: number }> {
  private readonly streams = new Map<S, { since: number | undefined; release: () => void }>();
  evicted = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Track a stream being served; `release` gives its budget slot back (idempotent). */
  add(stream: S, release: () => void): void {
    this.streams.set(stream, { since: undefined, release });
  }

  delete(stream: S): void {
    this.streams.delete(stream);
  }

  /** The callback for sendFrame. */
  tracker(stream: S): (waiting: boolean) => void {
    return (waiting) => {
      const e = this.streams.get(stream);
      if (e !== undefined) e.since = waiting ? this.clock() : undefined;
    };
  }

  get size(): number {
    return this.streams.size;
  }

  /** Streams waiting now for their peer (to send the request, or to take data). */
  stalledCount(): number {
    let n = 0;
    for (const e of this.streams.values()) if (e.since !== undefined) n++;
    return n;
  }

  /** Bytes waiting in the write buffers of these streams. */
  bufferedBytes(): number {
    let n = 0;
    for (const s of this.streams.keys()) n += s.writeBufferLength;
    return n;
  }

  /** Abort the stream stalled the longest (at least `minStallMs`) and free its slot; false if none is. */
  evictStalled(minStallMs: number): boolean {
    let oldest: S | undefined;
    let since = Infinity;
    for (const [s, e] of this.streams) {
      if (e.since !== undefined && e.since < since) {
        since = e.since;
        oldest = s;
      }
    }
    if (oldest === undefined || this.clock() - since < minStallMs) return false;
    const e = this.streams.get(oldest);
    this.streams.delete(oldest);
    e?.release();
    this.evicted++;
    oldest.abort(new Error("stream stalled while others wait: evicted"));
    return true;
  }

  abortAll(err: Error): void {
    for (const s of [...this.streams.keys()]) s.abort(err);
  }
}

/** Unsigned LEB128 varint (the length prefix of it-length-prefixed). */
export function varint(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}
