import type { PeerId, Stream, Connection } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { Logger } from "../logger.js";
import type { NodeMetrics } from "../metrics/interface.js";
import { sendFrame, ServeBudget, StalledStreams } from "../network/budget.js";
import { limitByIp, type PoolHost } from "../network/host.js";
import { contentCid } from "./cid.js";
import { TransferError, TransferErrorCode } from "./errors.js";
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_FIND_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_OBJECT_BYTES,
  DEFAULT_MAX_PROVIDERS,
  DEFAULT_TRANSFER_SERVE,
  TRANSFER_PROTOCOL,
  type TransferOptions,
} from "./options.js";
import { checkHash, type ContentStore } from "./store.js";

/*
 * Wire protocol /zkpool/transfer/0 (all frames unsigned-varint length-prefixed):
 *   request:  [32-byte sha256]
 *   response: [status u8 (0 = found, 1 = not found, 2 = too large, 3 = busy)] [size u64 BE, when found]
 *             then frames of at most chunkBytes until `size` bytes were sent; then the stream closes.
 *   A responder resets streams beyond its per-peer/overall stream budget, answers busy past a peer's request
 *   (or byte) budget, and aborts a stream whose peer does not take a chunk within the write timeout.
 * The client never trusts the data until the sha256 of everything received equals the requested hash.
 */
const STATUS_OK = 0;
const STATUS_NOT_FOUND = 1;
const STATUS_TOO_LARGE = 2;
const STATUS_BUSY = 3;

function isReset(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === "StreamResetError" || name === "StreamStateError" || name === "StreamAbortedError";
}

/** Responder-side counters, for tests and operators. */
export interface TransferServeStats {
  activeStreams: number;
  /** Of those, streams waiting for their peer: to send the request, or to take data. */
  stalledStreams: number;
  /** Bytes written to served streams that their peers have not taken yet (write buffers). */
  bufferedBytes: number;
  refused: { streams: number; rate: number; bytes: number };
  aborted: number;
  /** Streams stalled the longest, aborted to make room when the overall budget was full. */
  evicted: number;
}

export interface FetchOptions {
  /** Largest acceptable object, bytes. @default the service's maxObjectBytes */
  maxBytes?: number;
  /** Try these peers (in order) instead of looking up providers in the DHT. */
  providers?: PeerId[];
  signal?: AbortSignal;
}

/** Announces held content in the DHT, serves it, and fetches it from providers with verification. */
export class TransferService {
  private readonly maxObjectBytes: number;
  private readonly chunkBytes: number;
  private readonly idleTimeoutMs: number;
  private readonly findTimeoutMs: number;
  private readonly maxProviders: number;
  private readonly writeTimeoutMs: number;
  private readonly budget: ServeBudget;
  private readonly evictAfterMs: number;
  private readonly serving = new StalledStreams<Stream>();
  private aborted = 0;
  private started = false;

  constructor(
    private readonly host: PoolHost,
    readonly store: ContentStore,
    private readonly log: Logger,
    private readonly metrics: NodeMetrics,
    opts: TransferOptions = {},
  ) {
    this.maxObjectBytes = opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.findTimeoutMs = opts.findTimeoutMs ?? DEFAULT_FIND_TIMEOUT_MS;
    this.maxProviders = opts.maxProviders ?? DEFAULT_MAX_PROVIDERS;
    const serve = { ...DEFAULT_TRANSFER_SERVE, ...opts.serve };
    this.writeTimeoutMs = opts.serve?.writeTimeoutMs ?? this.idleTimeoutMs;
    this.budget = new ServeBudget({ ...serve, ipFactor: 4 }, limitByIp(host));
    this.evictAfterMs = serve.evictStalledAfterMs;
  }

  stats(): TransferServeStats {
    return {
      activeStreams: this.serving.size,
      stalledStreams: this.serving.stalledCount(),
      bufferedBytes: this.serving.bufferedBytes(),
      refused: { ...this.budget.refused },
      aborted: this.aborted,
      evicted: this.serving.evicted,
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.store.init();
    await this.host.handle(TRANSFER_PROTOCOL, (stream, connection) => this.serve(stream, connection), { maxInboundStreams: this.budget.limits.streamsPerPeer + 2 });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.host.unhandle(TRANSFER_PROTOCOL);
    this.serving.abortAll(new Error("transfer service stopping"));
  }

  /** Store `data` locally and announce it in the DHT; returns its sha256 (hex). */
  async add(data: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<string> {
    const hash = await this.store.put(data);
    await this.provide(hash, opts);
    return hash;
  }

  /** Announce that this node holds `hash` (DHT provider record). */
  async provide(hash: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.host.contentRouting.provide(contentCid(hash), opts);
  }

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const lease = this.budget.open(this.budget.keysOf(connection), () => this.serving.evictStalled(this.evictAfterMs));
    if (lease === "streams") {
      this.log.debug("transfer stream refused: stream budget", { peer });
      stream.abort(new Error("too many concurrent transfers"));
      return;
    }
    this.serving.add(stream, lease.release);
    const stalled = this.serving.tracker(stream);
    // Waiting for the request counts as stalled: a peer that opens streams and sends nothing loses them first.
    stalled(true);
    const lp = lpStream(stream, { maxDataLength: 64 });
    const signal = AbortSignal.timeout(this.idleTimeoutMs * 10);
    const write = (frame: Uint8Array): Promise<void> => sendFrame(stream, frame, this.writeTimeoutMs, signal, stalled);
    try {
      const req = (await lp.read({ signal: AbortSignal.any([signal, AbortSignal.timeout(this.writeTimeoutMs)]) })).subarray();
      stalled(false);
      if (req.byteLength !== 32) throw new Error("bad request");
      const admitted = lease.request();
      const hash = Buffer.from(req).toString("hex");
      const size = admitted === true ? await this.store.size(hash) : undefined;
      if (admitted !== true) {
        this.log.debug("transfer request refused: budget", { peer, reason: admitted });
        await write(Uint8Array.of(STATUS_BUSY));
      } else if (size === undefined) {
        await write(Uint8Array.of(STATUS_NOT_FOUND));
      } else if (size > this.maxObjectBytes) {
        await write(Uint8Array.of(STATUS_TOO_LARGE));
      } else {
        const header = new Uint8Array(9);
        header[0] = STATUS_OK;
        new DataView(header.buffer).setBigUint64(1, BigInt(size));
        await write(header);
        let sent = 0;
        // Backpressure: the next chunk is read from disk only once the peer took the previous one.
        for await (const chunk of this.store.chunks(hash, this.chunkBytes)) {
          if (sent + chunk.byteLength > size) break; // file grew underneath: never send more than announced
          await write(chunk);
          lease.chargeBytes(chunk.byteLength);
          sent += chunk.byteLength;
        }
        this.metrics.bytes("out", "transfer", sent);
      }
      // Closing waits for the peer to take what is still in flight: stalled too, if it does not read.
      stalled(true);
      await stream.close({ signal: AbortSignal.any([signal, AbortSignal.timeout(this.writeTimeoutMs)]) });
    } catch (err) {
      this.aborted++;
      this.log.debug("transfer serve failed", { peer, err: String(err) });
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.serving.delete(stream);
      lease.release();
    }
  }

  /**
   * Get content by hash: from the local store, else from providers (DHT lookup unless `providers` is
   * given), one after another until one delivers bytes that hash to `hash`. Verified content is cached
   * and announced. Throws TransferError (NO_PROVIDERS, ALL_PROVIDERS_FAILED).
   */
  async fetch(hash: string, opts: FetchOptions = {}): Promise<Uint8Array> {
    const h = checkHash(hash);
    const local = await this.store.get(h);
    if (local !== undefined) return local;
    const maxBytes = opts.maxBytes ?? this.maxObjectBytes;
    const self = this.host.peerId.toString();
    const tried = new Set<string>();
    let lastError: unknown;
    for await (const peer of this.candidates(h, opts)) {
      const id = peer.toString();
      if (id === self || tried.has(id)) continue;
      tried.add(id);
      try {
        const data = await this.fetchFromRetrying(peer, h, maxBytes, opts.signal);
        this.metrics.transferFetch("ok");
        this.provide(h).catch((err: unknown) => this.log.debug("provide after fetch failed", { hash: h, err: String(err) }));
        return data;
      } catch (err) {
        lastError = err;
        const mismatch = err instanceof TransferError && err.code === TransferErrorCode.HASH_MISMATCH;
        this.metrics.transferFetch(mismatch ? "hash_mismatch" : "error");
        this.log.warn("fetch from provider failed; trying next", { hash: h, peer: id, reason: err instanceof TransferError ? err.code : String(err) });
      }
      if (tried.size >= this.maxProviders) break;
    }
    if (tried.size === 0) {
      throw new TransferError({ code: TransferErrorCode.NO_PROVIDERS, hash: h }, `No provider of ${h} found; is the content announced by any node?`);
    }
    throw new TransferError(
      {
        code: TransferErrorCode.ALL_PROVIDERS_FAILED,
        hash: h,
        tried: tried.size,
        lastError: lastError instanceof TransferError ? lastError.code : String(lastError),
      },
      `Could not fetch ${h} from ${tried.size} provider(s)`,
      { cause: lastError },
    );
  }

  /** fetchFrom, asking a BUSY provider again up to twice (after 500 ms, then 1 s) before giving up on it. */
  private async fetchFromRetrying(peer: PeerId, hash: string, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.fetchFrom(peer, hash, maxBytes, signal);
      } catch (err) {
        if (attempt >= 2 || !(err instanceof TransferError && err.code === TransferErrorCode.BUSY) || signal?.aborted === true) throw err;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }

  private async *candidates(hash: string, opts: FetchOptions): AsyncGenerator<PeerId> {
    if (opts.providers !== undefined) {
      yield* opts.providers;
      return;
    }
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.findTimeoutMs)]) : AbortSignal.timeout(this.findTimeoutMs);
    try {
      for await (const info of this.host.contentRouting.findProviders(contentCid(hash), { signal })) {
        if (info.multiaddrs.length > 0) await this.host.peerStore.merge(info.id, { multiaddrs: info.multiaddrs }).catch(() => {});
        yield info.id;
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  /** Look a peer's addresses up (DHT peer routing) when we are not connected and know none. */
  private async ensureAddresses(peer: PeerId, signal: AbortSignal): Promise<void> {
    if (this.host.getConnections(peer).length > 0) return;
    const known = await this.host.peerStore.get(peer).then((p) => p.addresses.length, () => 0);
    if (known > 0) return;
    const info = await this.host.peerRouting.findPeer(peer, { signal });
    await this.host.peerStore.merge(peer, { multiaddrs: info.multiaddrs });
  }

  private async fetchFrom(peer: PeerId, hash: string, maxBytes: number, outer?: AbortSignal): Promise<Uint8Array> {
    const p = peer.toString();
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), this.idleTimeoutMs);
    const bump = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), this.idleTimeoutMs);
    };
    const signal = outer ? AbortSignal.any([outer, idle.signal]) : idle.signal;
    let stream: Stream | undefined;
    try {
      await this.ensureAddresses(peer, signal);
      stream = await this.host.dialProtocol(peer, TRANSFER_PROTOCOL, { signal });
      const lp = lpStream(stream, { maxDataLength: this.chunkBytes });
      await lp.write(Buffer.from(hash, "hex"), { signal });
      let header: Uint8Array;
      try {
        header = (await lp.read({ signal })).subarray();
      } catch (err) {
        // Reset before the header: the provider's stream budget was full (it answers BUSY past the others).
        if (!signal.aborted && isReset(err)) throw new TransferError({ code: TransferErrorCode.BUSY, hash, peer: p }, `${p} refused the transfer stream (busy)`, { cause: err });
        throw err;
      }
      bump();
      if (header[0] === STATUS_NOT_FOUND) throw new TransferError({ code: TransferErrorCode.NOT_FOUND, hash }, `${p} does not hold ${hash}`);
      if (header[0] === STATUS_TOO_LARGE) throw new TransferError({ code: TransferErrorCode.TOO_LARGE, hash, size: -1, limit: maxBytes }, `${p} refuses to serve ${hash}: too large`);
      if (header[0] === STATUS_BUSY) throw new TransferError({ code: TransferErrorCode.BUSY, hash, peer: p }, `${p} is busy (its transfer budget for us is spent)`);
      if (header[0] !== STATUS_OK || header.byteLength !== 9) {
        throw new TransferError({ code: TransferErrorCode.PROTOCOL, hash, peer: p, reason: "bad header" }, `${p} sent a malformed transfer header`);
      }
      const size = Number(new DataView(header.buffer, header.byteOffset, 9).getBigUint64(1));
      if (size > maxBytes) {
        throw new TransferError({ code: TransferErrorCode.TOO_LARGE, hash, size, limit: maxBytes }, `${hash} is ${size} bytes, over the ${maxBytes}-byte limit`);
      }
      const chunks: Uint8Array[] = [];
      let received = 0;
      while (received < size) {
        const chunk = (await lp.read({ signal })).subarray();
        bump();
        received += chunk.byteLength;
        if (received > size) {
          throw new TransferError({ code: TransferErrorCode.PROTOCOL, hash, peer: p, reason: "more bytes than announced" }, `${p} sent more bytes than announced`);
        }
        chunks.push(chunk);
      }
      this.metrics.bytes("in", "transfer", received);
      await stream.close({ signal }).catch(() => {});
      await this.store.putVerified(hash, chunks, p);
      return Buffer.concat(chunks);
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)));
      if (err instanceof TransferError) throw err;
      if (idle.signal.aborted) throw new TransferError({ code: TransferErrorCode.TIMEOUT, hash, peer: p }, `${p} stalled while sending ${hash}`, { cause: err });
      throw new TransferError({ code: TransferErrorCode.PROTOCOL, hash, peer: p, reason: String(err) }, `Transfer of ${hash} from ${p} failed`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}
