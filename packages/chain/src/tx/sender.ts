/**
 * A transaction sender that never stalls (issue 12, deliver 1).
 *
 * - It owns the nonce: `start()` reads `getTransactionCount(address, "pending")`; one FIFO queue, one transaction
 *   in flight at a time, so transactions are sent and mined strictly in order.
 * - It simulates before it signs (`eth_call` + `eth_estimateGas` from the signer's address). A revert there is a
 *   `CHAIN_TX_REVERTED` error (custom errors decoded with `init.interfaces`) and never consumes a nonce.
 * - It signs locally with an explicit nonce, gas limit (estimate + margin) and EIP-1559 fees (legacy `gasPrice`
 *   where the chain has no base fee), and broadcasts the raw transaction.
 * - Receipts time out (`receiptTimeoutMs`). Then, if `moot()` is true the nonce is CANCELLED: a 0-value
 *   self-transfer at a bumped fee replaces the transaction (a moot settle would only revert and burn gas, and the
 *   queue moves on sooner); otherwise the same transaction is re-signed at a fee bumped by `feeBumpPercent`
 *   (≥ 12.5%, above geth's and anvil's 10% replacement rule, and never below the current network fee). After
 *   `maxReplacements` bumps the send fails with `CHAIN_TX_STUCK` and the nonce is re-read from the chain
 *   ("latest"), so the next transaction takes over the stuck nonce (starting above the stuck fee).
 * - Transient RPC errors (network, timeouts, "nonce too low" → re-sync and re-simulate, "replacement
 *   underpriced" → bump more) are retried with exponential backoff; simulation reverts are never retried.
 *   `moot()` is checked before every simulation, i.e. before the first try and before each retry.
 * - `stop()` aborts every wait and RPC call within ~1 s; queued and in-flight sends reject with
 *   `CHAIN_TX_ABORTED`. A transaction already broadcast stays in the mempool; a restarted sender reads the
 *   "pending" nonce and continues after it.
 *
 * The signer must sign locally (`signTransaction`, e.g. an ethers `Wallet`); the same key must not be used by
 * another sender at the same time (an external transaction is tolerated: it shows up as "nonce too low" or as a
 * nonce consumed by a transaction that is not ours, and the sender re-syncs and re-simulates).
 */
import {
  Transaction,
  type Interface,
  type Provider,
  type Signer,
  type TransactionReceipt,
  type TransactionRequest,
} from "ethers";
import { TxErrorCode, txError, type TxErrorFields } from "./errors.js";
import type { TxRequest, TxSendOptions, TxSender } from "./interface.js";

/** Metrics sink (no metrics library in the chain package; the node adapts this to prom-client). */
export interface TxMetrics {
  onSent(label: string): void;
  onMined(label: string, gasUsed: bigint): void;
  onFailed(label: string, reason: string): void;
  /** A transaction dropped before it was sent because it became moot (e.g. the task was settled by another node). */
  onDropped?(label: string): void;
  onReplaced(label: string): void;
  /** Transactions queued or in flight. */
  pending(n: number): void;
}

export interface TxSenderStats {
  /** Transactions broadcast (first broadcast of each; replacements are counted in `replaced`). */
  sent: number;
  /** Mined with status 1. */
  mined: number;
  /** Rejected with REVERTED, STUCK, INSUFFICIENT_FUNDS or FAILED. */
  failed: number;
  /** Replacement broadcasts (fee bumps and cancels). */
  replaced: number;
  /** Dropped because moot (CHAIN_TX_MOOT). */
  dropped: number;
  /** Rejected with ABORTED by stop(). */
  aborted: number;
  /** Queued or in flight now. */
  pending: number;
}

export interface TxSenderInit {
  /** Signs locally (e.g. ethers Wallet). Its provider is used unless `provider` is given. */
  signer: Signer;
  provider?: Provider;
  /** @default read from the provider at start() */
  chainId?: bigint;
  /** Interfaces used to decode custom errors of simulation reverts (first that parses wins). */
  interfaces?: Interface[];
  /** How long to wait for a receipt before a fee bump / cancel. @default 30000 */
  receiptTimeoutMs?: number;
  /** Receipt poll period. @default 1000 */
  pollIntervalMs?: number;
  /** Fee bumps (replacements) per transaction before CHAIN_TX_STUCK. @default 5 */
  maxReplacements?: number;
  /** Fee bump per replacement, percent; values below 12.5 are raised to 12.5. @default 12.5 */
  feeBumpPercent?: number;
  /** Gas limit = estimate × (100 + this) / 100 + `gasExtra`. @default 20 */
  gasMarginPercent?: number;
  /**
   * Fixed gas added to every limit. The StakeRegistry's checkpoints cost more when a transaction lands in a later
   * block than the one it was estimated against (a new checkpoint instead of an update of the block's one, ~45k
   * gas per checkpoint written), so an estimate alone can run out of gas. @default 100000
   */
  gasExtra?: bigint;
  /** Exponential backoff base for transient errors. @default 200 */
  backoffMs?: number;
  /** Backoff ceiling. @default 5000 */
  backoffMaxMs?: number;
  /** Transient-error retries per transaction before CHAIN_TX_FAILED. @default 8 */
  maxRetries?: number;
  /** Timeout of each RPC call (a timed-out call is a transient error). @default 10000 */
  rpcTimeoutMs?: number;
  metrics?: TxMetrics;
  /** Diagnostic events (sent, replaced, cancel, resync, retry). */
  log?: (event: string, fields: Record<string, string | number | boolean | undefined>) => void;
}

export type ManagedTxSender = TxSender & { start(): Promise<void>; stop(): Promise<void>; stats(): TxSenderStats };

interface Fees {
  type: 0 | 2;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

interface Item {
  req: TxRequest;
  opts: TxSendOptions;
  resolve(r: TransactionReceipt): void;
  reject(e: unknown): void;
}

class Aborted extends Error {}

/** Thrown inside the per-item loop to restart from simulation (e.g. our nonce was taken by someone else). */
class Resimulate extends Error {}

const isHex = (s: unknown): s is string => typeof s === "string" && /^0x[0-9a-fA-F]*$/.test(s);

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : undefined;
}

function errText(e: unknown): string {
  if (e === null || e === undefined) return "";
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (x: unknown, depth: number): void => {
    if (x === null || x === undefined || depth > 4 || seen.has(x)) return;
    seen.add(x);
    if (typeof x === "string") { parts.push(x); return; }
    if (typeof x !== "object") return;
    const o = x as Record<string, unknown>;
    for (const k of ["message", "shortMessage", "reason"]) if (typeof o[k] === "string") parts.push(o[k]);
    walk(o["error"], depth + 1);
    walk(o["info"], depth + 1);
    walk(o["cause"], depth + 1);
  };
  walk(e, 0);
  return parts.join(" | ");
}

const isNonceTooLow = (e: unknown): boolean => errCode(e) === "NONCE_EXPIRED" || /nonce (is )?too low|nonce has already been used/i.test(errText(e));
const isUnderpriced = (e: unknown): boolean =>
  errCode(e) === "REPLACEMENT_UNDERPRICED" || /underpriced|fee too low|max fee per gas less than block base fee/i.test(errText(e));
const isAlreadyKnown = (e: unknown): boolean => /already known|already imported|known transaction/i.test(errText(e));
const isInsufficientFunds = (e: unknown): boolean => errCode(e) === "INSUFFICIENT_FUNDS" || /insufficient funds/i.test(errText(e));

/** A simulation failure is a revert when the node said so; other CALL_EXCEPTIONs without data are transient. */
function revertData(e: unknown): { data?: string; reason?: string } | undefined {
  if (errCode(e) !== "CALL_EXCEPTION") return undefined;
  const o = e as { data?: unknown; reason?: unknown };
  const reverted = isHex(o.data) || /revert/i.test(errText(e));
  if (!reverted) return undefined;
  return { data: isHex(o.data) ? o.data : undefined, reason: typeof o.reason === "string" ? o.reason : undefined };
}

export function createTxSender(init: TxSenderInit): ManagedTxSender {
  const signer = init.signer;
  const maybeProvider = init.provider ?? signer.provider;
  if (!maybeProvider) throw new Error("createTxSender: the signer has no provider and none was given");
  const provider: Provider = maybeProvider;
  const receiptTimeoutMs = init.receiptTimeoutMs ?? 30_000;
  const pollIntervalMs = init.pollIntervalMs ?? 1000;
  const maxReplacements = init.maxReplacements ?? 5;
  const bumpBps = BigInt(Math.ceil(Math.max(init.feeBumpPercent ?? 12.5, 12.5) * 100));
  const gasMargin = BigInt(Math.max(0, Math.round(init.gasMarginPercent ?? 20)));
  const gasExtra = init.gasExtra ?? 100_000n;
  const backoffMs = init.backoffMs ?? 200;
  const backoffMaxMs = init.backoffMaxMs ?? 5000;
  const maxRetries = init.maxRetries ?? 8;
  const rpcTimeoutMs = init.rpcTimeoutMs ?? 10_000;
  const metrics = init.metrics;
  const log = init.log ?? ((): void => {});

  const counts = { sent: 0, mined: 0, failed: 0, replaced: 0, dropped: 0, aborted: 0 };
  const queue: Item[] = [];
  let current: Item | undefined;
  let running = false;
  let abort = new AbortController();
  let worker: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let address = "";
  let chainId = 0n;
  /** The next nonce to use; undefined = re-read from the chain before the next simulation. */
  let nonce: bigint | undefined;
  let resyncTag: "pending" | "latest" = "pending";
  /** Fees last used on a nonce we gave up on (STUCK): the next transaction at that nonce must beat them. */
  let stuckFloor: { nonce: bigint; fees: Fees } | undefined;

  const pendingCount = (): number => queue.length + (current ? 1 : 0);
  const reportPending = (): void => metrics?.pending(pendingCount());

  // ---- abortable primitives ----
  function abortable<T>(p: Promise<T>, timeoutMs?: number): Promise<T> {
    const signal = abort.signal;
    if (signal.aborted) return Promise.reject(new Aborted());
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => { cleanup(); reject(new Aborted()); };
      const cleanup = (): void => { signal.removeEventListener("abort", onAbort); if (timer) clearTimeout(timer); };
      signal.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(() => { cleanup(); reject(Object.assign(new Error(`RPC call timed out after ${timeoutMs} ms`), { code: "TIMEOUT" })); }, timeoutMs);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the RPC error on unchanged
      p.then((v) => { cleanup(); resolve(v); }, (e: unknown) => { cleanup(); reject(e); });
    });
  }
  const rpc = <T>(p: Promise<T>): Promise<T> => abortable(p, rpcTimeoutMs);
  /** Sleeps `ms`; rejects with Aborted at once on stop() and leaves no timer behind. */
  function sleep(ms: number): Promise<void> {
    const signal = abort.signal;
    if (signal.aborted) return Promise.reject(new Aborted());
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { clearTimeout(timer); reject(new Aborted()); };
      const timer = setTimeout(() => { signal.removeEventListener("abort", onAbort); resolve(); }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
  const backoff = (attempt: number): number => Math.min(backoffMaxMs, backoffMs * 2 ** Math.max(0, attempt - 1));

  // ---- fees ----
  const bump = (x: bigint): bigint => (x * (10_000n + bumpBps) + 9_999n) / 10_000n + 1n;
  const max = (...xs: bigint[]): bigint => xs.reduce((a, b) => (a > b ? a : b));

  async function networkFees(): Promise<Fees> {
    const fd = await rpc(provider.getFeeData());
    if (fd.maxFeePerGas !== null && fd.maxPriorityFeePerGas !== null)
      return { type: 2, maxFeePerGas: fd.maxFeePerGas, maxPriorityFeePerGas: fd.maxPriorityFeePerGas };
    if (fd.gasPrice !== null) return { type: 0, gasPrice: fd.gasPrice };
    throw Object.assign(new Error("getFeeData returned no fee"), { code: "SERVER_ERROR" });
  }

  /** `prev` bumped by feeBumpPercent, and at least the current network fees. */
  function bumped(prev: Fees, now: Fees): Fees {
    if (prev.type === 2 && now.type === 2) {
      const tip = max(bump(prev.maxPriorityFeePerGas ?? 0n), now.maxPriorityFeePerGas ?? 0n);
      return { type: 2, maxPriorityFeePerGas: tip, maxFeePerGas: max(bump(prev.maxFeePerGas ?? 0n), now.maxFeePerGas ?? 0n, tip) };
    }
    // the chain changed fee model between two tries (rare): price the new model from the old total price
    const prevPrice = prev.gasPrice ?? prev.maxFeePerGas ?? 0n;
    if (now.type === 2) {
      const cap = max(bump(prevPrice), now.maxFeePerGas ?? 0n);
      return { type: 2, maxFeePerGas: cap, maxPriorityFeePerGas: cap };
    }
    const nowPrice = now.gasPrice ?? 0n;
    return { type: 0, gasPrice: max(bump(prevPrice), nowPrice) };
  }

  async function sign(tx: { to: string; data: string; value: bigint; nonce: bigint; gasLimit: bigint; fees: Fees }): Promise<{ raw: string; hash: string }> {
    const req: TransactionRequest = {
      type: tx.fees.type, chainId, nonce: Number(tx.nonce), to: tx.to, data: tx.data, value: tx.value, gasLimit: tx.gasLimit,
      ...(tx.fees.type === 2 ? { maxFeePerGas: tx.fees.maxFeePerGas, maxPriorityFeePerGas: tx.fees.maxPriorityFeePerGas } : { gasPrice: tx.fees.gasPrice }),
    };
    const raw = await signer.signTransaction(req);
    return { raw, hash: Transaction.from(raw).hash ?? "" };
  }

  async function resync(): Promise<bigint> {
    const n = BigInt(await rpc(provider.getTransactionCount(address, resyncTag)));
    if (nonce === undefined || n !== nonce) log("resync", { tag: resyncTag, nonce: Number(n), was: nonce === undefined ? undefined : Number(nonce) });
    resyncTag = "pending";
    nonce = n;
    return n;
  }

  function decode(data: string | undefined): { errorName?: string; errorArgs?: string } {
    if (data === undefined || data.length < 10) return {};
    for (const iface of init.interfaces ?? []) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return { errorName: parsed.name, errorArgs: parsed.args.map(String).join(",") };
      } catch {
        /* not this interface */
      }
    }
    return {};
  }

  function fail(item: Item, fields: { code: TxErrorCode; [key: string]: string | number | boolean | undefined }, message: string, cause?: unknown): void {
    const err = txError({ ...fields, code: fields.code, label: item.opts.label } satisfies TxErrorFields, message, cause);
    if (fields.code === TxErrorCode.MOOT) counts.dropped++;
    else if (fields.code === TxErrorCode.ABORTED) counts.aborted++;
    else counts.failed++;
    if (fields.code === TxErrorCode.MOOT) metrics?.onDropped?.(item.opts.label);
    else if (fields.code !== TxErrorCode.ABORTED) metrics?.onFailed(item.opts.label, fields.code);
    item.reject(err);
  }

  const isMoot = async (item: Item): Promise<boolean> => (item.opts.moot ? await abortable(item.opts.moot(), rpcTimeoutMs) : false);

  /** Polls all hashes broadcast for one nonce until one is mined or `ms` passes. */
  async function waitReceipt(hashes: string[], ms: number): Promise<TransactionReceipt | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const h of hashes) {
        try {
          const r = await rpc(provider.getTransactionReceipt(h));
          if (r) return r;
        } catch (e) {
          if (e instanceof Aborted) throw e;
          log("receipt-poll-error", { hash: h, error: errText(e).slice(0, 200) });
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await sleep(Math.min(pollIntervalMs, left));
    }
  }

  /** One request through simulation, signing, broadcast, receipt waits and replacements. */
  async function process(item: Item): Promise<void> {
    const { req, opts } = item;
    const value = req.value ?? 0n;
    let attempt = 0;
    let extraBumps = 0; // "replacement underpriced" on a first broadcast: start higher
    for (;;) {
      try {
        if (await isMoot(item)) { fail(item, { code: TxErrorCode.MOOT }, `${opts.label}: dropped, no longer needed`); return; }
        const n = nonce ?? (await resync());
        // ---- simulate (no nonce is consumed until the broadcast succeeds) ----
        const call = { from: address, to: req.to, data: req.data, value };
        let estimate: bigint;
        try {
          await rpc(provider.call(call));
          estimate = await rpc(provider.estimateGas(call));
        } catch (e) {
          const rd = revertData(e);
          // a race lost between the moot check and the simulation (another node settled first) is a drop, not a failure
          if (rd && (await isMoot(item).catch(() => false))) { fail(item, { code: TxErrorCode.MOOT }, `${opts.label}: dropped, no longer needed`); return; }
          if (rd) {
            const d = decode(rd.data);
            const what = d.errorName ?? rd.reason ?? "revert";
            fail(item, { code: TxErrorCode.REVERTED, stage: "simulation", data: rd.data?.slice(0, 514), reason: rd.reason, ...d },
              `${opts.label}: reverts at simulation (${what}); not sent`, e);
            return;
          }
          if (isInsufficientFunds(e)) { fail(item, { code: TxErrorCode.INSUFFICIENT_FUNDS, stage: "simulation" }, `${opts.label}: insufficient funds for ${address}`, e); return; }
          throw e;
        }
        const gasLimit = (estimate * (100n + gasMargin)) / 100n + gasExtra;
        const now = await networkFees();
        let fees = now;
        if (stuckFloor && stuckFloor.nonce === n) fees = bumped(stuckFloor.fees, now);
        for (let i = 0; i < extraBumps; i++) fees = bumped(fees, now);

        // ---- first broadcast ----
        const first = await sign({ to: req.to, data: req.data, value, nonce: n, gasLimit, fees });
        try {
          await rpc(provider.broadcastTransaction(first.raw));
        } catch (e) {
          if (e instanceof Aborted) throw e;
          if (isNonceTooLow(e)) { nonce = undefined; throw e; }
          if (isUnderpriced(e)) { extraBumps++; throw e; }
          if (isInsufficientFunds(e)) { fail(item, { code: TxErrorCode.INSUFFICIENT_FUNDS, stage: "broadcast", nonce: Number(n) }, `${opts.label}: insufficient funds for ${address}`, e); return; }
          // The node answered with a JSON-RPC error: it refused the transaction (retry from simulation).
          // No answer (network error, timeout, HTTP error): it may have been received, so wait for it.
          const code = errCode(e);
          const answered = typeof (e as { error?: { message?: unknown } }).error?.message === "string";
          const ambiguous = isAlreadyKnown(e) || (!answered && (code === undefined || ["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR", "UNKNOWN_ERROR"].includes(code)));
          if (!ambiguous) throw e;
          // maybe sent: wait for it; a timeout below re-broadcasts at a bumped fee
          log("broadcast-ambiguous", { label: opts.label, hash: first.hash, error: errText(e).slice(0, 200) });
        }
        counts.sent++;
        metrics?.onSent(opts.label);
        log("sent", { label: opts.label, nonce: Number(n), hash: first.hash });

        const receipt = await track(item, n, gasLimit, fees, first.hash);
        if (receipt) item.resolve(receipt);
        return;
      } catch (e) {
        if (e instanceof Aborted || abort.signal.aborted) { fail(item, { code: TxErrorCode.ABORTED }, `${opts.label}: aborted by stop()`); return; }
        if (e instanceof Resimulate) { attempt = 0; continue; }
        attempt++;
        if (attempt > maxRetries) {
          fail(item, { code: TxErrorCode.FAILED, attempts: attempt - 1 }, `${opts.label}: gave up after ${attempt - 1} retries: ${errText(e).slice(0, 300)}`, e);
          return;
        }
        log("retry", { label: opts.label, attempt, error: errText(e).slice(0, 200) });
        try { await sleep(backoff(attempt)); } catch { fail(item, { code: TxErrorCode.ABORTED }, `${opts.label}: aborted by stop()`); return; }
      }
    }
  }

  /**
   * Waits for nonce `n` to be mined, bumping or cancelling on each receipt timeout. Resolves with the receipt
   * to hand to the caller, or undefined when the item was already rejected (reverted, moot-cancelled, stuck).
   */
  async function track(item: Item, n: bigint, gasLimit: bigint, fees: Fees, firstHash: string): Promise<TransactionReceipt | undefined> {
    const { req, opts } = item;
    const hashes = [firstHash];
    const cancelHashes = new Set<string>();
    let cancelling = false;
    let replacements = 0;
    for (;;) {
      const r = await waitReceipt(hashes, receiptTimeoutMs);
      if (r) {
        nonce = n + 1n;
        if (stuckFloor && stuckFloor.nonce <= n) stuckFloor = undefined;
        if (cancelHashes.has(r.hash)) { fail(item, { code: TxErrorCode.MOOT, nonce: Number(n), txHash: r.hash, cancelled: true }, `${opts.label}: no longer needed; its nonce was cancelled`); return undefined; }
        if (r.status !== 1) {
          fail(item, { code: TxErrorCode.REVERTED, stage: "mined", nonce: Number(n), txHash: r.hash, gasUsed: r.gasUsed.toString() }, `${opts.label}: mined but reverted (status 0) in ${r.hash}`);
          return undefined;
        }
        counts.mined++;
        metrics?.onMined(opts.label, r.gasUsed);
        return r;
      }
      // Not mined in time. Was the nonce taken by a transaction that is not ours?
      try {
        const latest = BigInt(await rpc(provider.getTransactionCount(address, "latest")));
        if (latest > n) {
          const again = await waitReceipt(hashes, 0);
          if (again) continue; // mined between polls: handled above on the next turn (waitReceipt returns at once)
          log("nonce-taken", { label: opts.label, nonce: Number(n) });
          nonce = undefined;
          throw new Resimulate();
        }
      } catch (e) {
        if (e instanceof Resimulate || e instanceof Aborted) throw e;
      }
      if (replacements >= maxReplacements) {
        nonce = undefined;
        resyncTag = "latest"; // the next transaction takes over the stuck nonce, above the stuck fee
        stuckFloor = { nonce: n, fees };
        fail(item, { code: TxErrorCode.STUCK, nonce: Number(n), txHash: hashes[hashes.length - 1], replacements }, `${opts.label}: not mined after ${replacements} fee bumps`);
        return undefined;
      }
      if (!cancelling) {
        let moot = false;
        try { moot = await isMoot(item); } catch (e) { if (e instanceof Aborted) throw e; }
        if (moot) cancelling = true;
      }
      // Replace: same transaction (or a 0-value self-transfer when cancelling) at a bumped fee.
      let now: Fees;
      try { now = await networkFees(); } catch (e) { if (e instanceof Aborted) throw e; now = fees; }
      fees = bumped(fees, now);
      for (let tries = 0; ; tries++) {
        const tx = cancelling
          ? { to: address, data: "0x", value: 0n, nonce: n, gasLimit: 21_000n, fees }
          : { to: req.to, data: req.data, value: req.value ?? 0n, nonce: n, gasLimit, fees };
        const s = await sign(tx);
        try {
          await rpc(provider.broadcastTransaction(s.raw));
        } catch (e) {
          if (e instanceof Aborted) throw e;
          if (isUnderpriced(e) && tries < 3) { fees = bumped(fees, now); continue; }
          if (!isAlreadyKnown(e) && !isNonceTooLow(e)) log("replace-error", { label: opts.label, error: errText(e).slice(0, 200) });
          if (isNonceTooLow(e)) break; // something mined at n: the next receipt poll (or nonce check) tells what
        }
        hashes.push(s.hash);
        if (cancelling) cancelHashes.add(s.hash);
        replacements++;
        counts.replaced++;
        metrics?.onReplaced(opts.label);
        log(cancelling ? "cancel" : "replaced", { label: opts.label, nonce: Number(n), hash: s.hash, replacements });
        break;
      }
    }
  }

  async function loop(): Promise<void> {
    while (running) {
      const item = queue.shift();
      if (!item) {
        await new Promise<void>((r) => { wake = r; });
        wake = undefined;
        continue;
      }
      current = item;
      reportPending();
      try {
        await process(item);
      } catch (e) {
        // process() rejects the item itself; this is a safety net
        fail(item, { code: TxErrorCode.FAILED }, `${item.opts.label}: ${errText(e).slice(0, 300)}`, e);
      }
      current = undefined;
      reportPending();
    }
  }

  return {
    async start(): Promise<void> {
      if (running) return;
      abort = new AbortController();
      address = await rpc(signer.getAddress());
      chainId = init.chainId ?? (await rpc(provider.getNetwork())).chainId;
      nonce = undefined;
      resyncTag = "pending";
      await resync();
      running = true;
      worker = loop();
    },

    async stop(): Promise<void> {
      if (!running) return;
      running = false;
      abort.abort();
      wake?.();
      for (const item of queue.splice(0)) fail(item, { code: TxErrorCode.ABORTED }, `${item.opts.label}: aborted by stop()`);
      reportPending();
      await worker;
      worker = undefined;
    },

    send(req: TxRequest, opts: TxSendOptions): Promise<TransactionReceipt> {
      return new Promise<TransactionReceipt>((resolve, reject) => {
        const item: Item = { req, opts, resolve, reject };
        if (!running) {
          reject(txError({ code: TxErrorCode.NOT_STARTED, label: opts.label }, `${opts.label}: the sender is not started`));
          return;
        }
        queue.push(item);
        reportPending();
        wake?.();
      });
    },

    stats(): TxSenderStats {
      return { ...counts, pending: pendingCount() };
    },
  };
}
