/**
 * The stake-weighted lottery (protocol/SPEC.md §0.6, normative text in §4).
 *
 * Pure and integer-only: every quantity on the decision path is a bigint or a byte string; no floats.
 */
import { concat, getBytes, keccak256, toUtf8Bytes } from "ethers";
import { LotteryError } from "./errors.js";
import type {
  DrawLotteryParams,
  LotteryBid,
  LotteryExclusion,
  LotteryExclusionReason,
  LotteryPick,
  LotteryResult,
  StakeTable,
} from "./interface.js";

/** Domain tag hashed in front of the seed material. */
export const LOTTERY_DOMAIN = "zkpool/lottery/v1";

const DOMAIN_BYTES = toUtf8Bytes(LOTTERY_DOMAIN);
const UINT256_LIMIT = 1n << 256n;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** The canonical (lowercase) form of an operator address; throws `LotteryError` if it is not one. */
export function canonicalProver(address: string, field = "prover"): string {
  if (typeof address !== "string" || !ADDRESS_RE.test(address)) {
    throw new LotteryError(field, "expected a 0x-prefixed 20-byte hex address");
  }
  return address.toLowerCase();
}

/**
 * Lottery weight of an eligible bid: `floor(stake * (maxReward + 3 * (maxReward - price)) / maxReward)`
 * (= stake at price = maxReward, approaching 4 * stake as price approaches 0).
 * The caller guarantees `0 < price <= maxReward` and `stake > 0`; then `stake <= weight < 4 * stake`.
 */
export function lotteryWeight(stake: bigint, price: bigint, maxReward: bigint): bigint {
  return (stake * (maxReward + 3n * (maxReward - price))) / maxReward;
}

/**
 * `keccak256(utf8("zkpool/lottery/v1") || taskId || salt_1 || … || salt_n)`, the salts being those of the
 * eligible bids in ascending prover-address order (the caller sorts).
 */
export function lotterySeed(taskId: Uint8Array, sortedSalts: readonly Uint8Array[]): Uint8Array {
  return getBytes(keccak256(concat([DOMAIN_BYTES, taskId, ...sortedSalts])));
}

/** The random value of draw position `j`: `uint256(keccak256(seed || uint32be(j)))`. */
export function lotteryDrawValue(seed: Uint8Array, j: number): bigint {
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed, 0);
  new DataView(buf.buffer).setUint32(seed.length, j, false);
  return BigInt(keccak256(buf));
}

function checkUint256(value: unknown, field: string): bigint {
  if (typeof value !== "bigint") throw new LotteryError(field, "expected a bigint");
  if (value < 0n || value >= UINT256_LIMIT) throw new LotteryError(field, "must be in [0, 2^256)");
  return value;
}

function checkBytes32(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== 32) {
    throw new LotteryError(field, "expected a Uint8Array of exactly 32 bytes");
  }
  return value;
}

/** Normalizes a stake table to lowercase keys, rejecting bad addresses, bad amounts and case conflicts. */
function normalizeStakes(stakes: StakeTable): Map<string, bigint> {
  if (stakes === null || typeof stakes !== "object") {
    throw new LotteryError("stakes", "expected a Map or a record of address -> bigint");
  }
  const entries: Iterable<[string, bigint]> =
    stakes instanceof Map ? (stakes as ReadonlyMap<string, bigint>).entries() : Object.entries(stakes);
  const out = new Map<string, bigint>();
  for (const [key, value] of entries) {
    const field = `stakes[${String(key)}]`;
    const addr = canonicalProver(key, field);
    const stake = checkUint256(value, field);
    const prev = out.get(addr);
    if (prev !== undefined && prev !== stake) {
      throw new LotteryError(field, "listed twice (in different letter case) with different stakes");
    }
    out.set(addr, stake);
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Candidate {
  prover: string;
  price: bigint;
  salt: Uint8Array;
  weight: bigint;
}

const byProver = (a: { prover: string }, b: { prover: string }): number =>
  a.prover < b.prover ? -1 : a.prover > b.prover ? 1 : 0;

/**
 * Largest power of two <= n (n >= 1).
 */
function highBit(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/**
 * Runs the lottery for one task: the eligible bids in a deterministic order, winner first.
 *
 * Bid order in the input never matters. Bad bids (duplicate prover, price out of range, stake below the
 * collateral) are
 * excluded with a reason; malformed inputs (bad address, salt or task id length, negative or oversized
 * numbers, maxReward = 0) throw `LotteryError` (code `INVALID_INPUT`).
 */
export function drawLottery(params: DrawLotteryParams): LotteryResult {
  const { taskId, maxReward, bids, stakes, limit } = params;
  const minStake = params.collateral === undefined ? 1n : checkUint256(params.collateral, "collateral");
  checkBytes32(taskId, "taskId");
  checkUint256(maxReward, "maxReward");
  if (maxReward === 0n) throw new LotteryError("maxReward", "must be > 0");
  if (!Array.isArray(bids)) throw new LotteryError("bids", "expected an array");
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new LotteryError("limit", "expected a non-negative integer");
  }
  const stakeOf = normalizeStakes(stakes);

  // 1. Validate every bid and group by canonical prover.
  const byAddr = new Map<string, LotteryBid[]>();
  bids.forEach((bid: LotteryBid, i: number) => {
    if (bid === null || typeof bid !== "object") throw new LotteryError(`bids[${i}]`, "expected an object");
    const prover = canonicalProver(bid.prover, `bids[${i}].prover`);
    checkUint256(bid.price, `bids[${i}].price`);
    checkBytes32(bid.salt, `bids[${i}].salt`);
    const group = byAddr.get(prover);
    if (group === undefined) byAddr.set(prover, [bid]);
    else group.push(bid);
  });

  // 2. Eligibility, one decision per prover.
  const candidates: Candidate[] = [];
  const excluded: LotteryExclusion[] = [];
  for (const [prover, group] of byAddr) {
    const first = group[0]!;
    // Byte-identical copies of one reveal count once; conflicting reveals exclude the prover.
    const conflicting = group.some((b) => b.price !== first.price || !sameBytes(b.salt, first.salt));
    let reason: LotteryExclusionReason | undefined;
    const stake = stakeOf.get(prover) ?? 0n;
    if (conflicting) reason = "DUPLICATE_PROVER";
    else if (first.price === 0n || first.price > maxReward) reason = "PRICE_OUT_OF_RANGE";
    else if (stake < (minStake > 0n ? minStake : 1n)) reason = "INSUFFICIENT_STAKE";
    if (reason !== undefined) {
      excluded.push({ prover, reason });
      continue;
    }
    candidates.push({
      prover,
      price: first.price,
      salt: Uint8Array.from(first.salt),
      weight: lotteryWeight(stake, first.price, maxReward),
    });
  }
  candidates.sort(byProver);
  excluded.sort(byProver);

  // 3. Seed over the eligible bids' salts, ascending prover address.
  const seed = lotterySeed(
    taskId,
    candidates.map((c) => c.salt),
  );

  // 4. Ordered draw without replacement. A Fenwick tree over the weights (in candidate order) gives the
  //    "first candidate whose cumulative weight exceeds x" and the removal in O(log n) each; removed
  //    candidates have weight 0 in the tree and so can never be picked.
  const n = candidates.length;
  const positions = limit === undefined ? n : Math.min(limit, n);
  const tree: bigint[] = new Array<bigint>(n + 1).fill(0n);
  let total = 0n;
  for (let i = 1; i <= n; i++) {
    const w = candidates[i - 1]!.weight;
    total += w;
    tree[i] = tree[i]! + w;
    const parent = i + (i & -i);
    if (parent <= n) tree[parent] = tree[parent]! + tree[i]!;
  }
  const top = n > 0 ? highBit(n) : 0;
  const order: LotteryPick[] = [];
  for (let j = 0; j < positions; j++) {
    if (total === 0n) break; // unreachable while weights are >= 1, kept as the rule states it
    let rem = lotteryDrawValue(seed, j) % total;
    // Smallest 1-based index i with prefix(i) > x: descend to the largest pos with prefix(pos) <= x.
    let pos = 0;
    for (let step = top; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && tree[next]! <= rem) {
        pos = next;
        rem -= tree[next]!;
      }
    }
    const picked = candidates[pos]!; // 0-based index pos == 1-based index pos + 1
    order.push({ prover: picked.prover, price: picked.price, weight: picked.weight });
    total -= picked.weight;
    for (let i = pos + 1; i <= n; i += i & -i) tree[i] = tree[i]! - picked.weight;
  }

  return { seed, order, excluded };
}
