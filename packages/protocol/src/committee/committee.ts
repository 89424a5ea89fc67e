/**
 * Per-task committees (issue 15; protocol/SPEC.md §11, proposed).
 *
 * A task's votes and certificates are carried by a committee of at most `C` seats drawn from the stake table at
 * the task's `stakeEpoch` with a seed that mixes the task id with a beacon value fixed only after the task's bid
 * deadline. Pure and integer-only: every quantity on the decision path is a bigint or a byte string; the order of
 * the input stake table never matters (attesters are sorted by lowercase address).
 */
import { concat, getBytes, keccak256, toUtf8Bytes } from "ethers";
import type { AttesterSet } from "../certificate.js";
import type { Hex } from "../bytes.js";
import { CommitteeError, invalidCommitteeInput } from "./errors.js";
import createKeccakHash from "keccak";
import type {
  Committee,
  CommitteeCheck,
  CommitteeMember,
  DrawCommitteeParams,
  StakeTable,
} from "./interface.js";

/** Domain tag hashed in front of the seed material. */
export const COMMITTEE_DOMAIN = "zkpool/committee/v1";
/** Largest committee the rule accepts (seat indices are uint32; this keeps a draw cheap). */
export const MAX_COMMITTEE_SIZE = 65_536;
/** Proposed default `committeeSize` (draft §11.5: the safety table). */
export const DEFAULT_COMMITTEE_SIZE = 128;

const DOMAIN_BYTES = toUtf8Bytes(COMMITTEE_DOMAIN);
const UINT256_LIMIT = 1n << 256n;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

function checkBytes32(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== 32) {
    throw invalidCommitteeInput(field, "expected a Uint8Array of exactly 32 bytes");
  }
  return value;
}

function canonicalAddress(address: unknown, field: string): string {
  if (typeof address !== "string" || !ADDRESS_RE.test(address)) {
    throw invalidCommitteeInput(field, "expected a 0x-prefixed 20-byte hex address");
  }
  return address.toLowerCase();
}

/**
 * The attesters of a stake table: every operator with stake > 0, as `[lowercase address, stake]`, ascending by
 * address. Keys that differ only in letter case must carry the same stake (they are one operator).
 */
export function committeeAttesters(stakes: StakeTable): [string, bigint][] {
  if (stakes === null || typeof stakes !== "object") {
    throw invalidCommitteeInput("stakes", "expected a Map or a record of address -> bigint");
  }
  const entries: Iterable<[string, bigint]> =
    stakes instanceof Map ? (stakes as ReadonlyMap<string, bigint>).entries() : Object.entries(stakes);
  const byAddr = new Map<string, bigint>();
  for (const [key, value] of entries) {
    const field = `stakes[${String(key)}]`;
    const addr = canonicalAddress(key, field);
    if (typeof value !== "bigint") throw invalidCommitteeInput(field, "expected a bigint");
    if (value < 0n || value >= UINT256_LIMIT) throw invalidCommitteeInput(field, "must be in [0, 2^256)");
    const prev = byAddr.get(addr);
    if (prev !== undefined && prev !== value) {
      throw invalidCommitteeInput(field, "listed twice (in different letter case) with different stakes");
    }
    byAddr.set(addr, value);
  }
  const out: [string, bigint][] = [];
  for (const [addr, stake] of byAddr) if (stake > 0n) out.push([addr, stake]);
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

/** `keccak256(utf8("zkpool/committee/v1") || taskId || beacon)`. */
export function committeeSeed(taskId: Uint8Array, beacon: Uint8Array): Uint8Array {
  checkBytes32(taskId, "taskId");
  checkBytes32(beacon, "beacon");
  return getBytes(keccak256(concat([DOMAIN_BYTES, taskId, beacon])));
}

/**
 * The random value of seat `j`: `uint256(keccak256(seed || uint32be(j)))` (reduced `mod S` by the draw). Hashed with
 * the `keccak` package (native bindings, a JS fallback where they cannot load): C hashes per draw made this the
 * draw's largest cost through ethers' hex-string keccak256 (~9.5 µs each against ~4.2 µs here).
 */
export function committeeSeatValue(seed: Uint8Array, j: number): bigint {
  if (!(seed instanceof Uint8Array) || !Number.isInteger(j) || j < 0 || j > 0xffffffff) {
    throw new CommitteeError({ code: "INVALID_INPUT", field: "seat" }, "a seat value needs a byte seed and a seat index in [0, 2^32)");
  }
  const buf = Buffer.alloc(seed.length + 4);
  buf.set(seed, 0);
  buf.writeUInt32BE(j, seed.length);
  return BigInt(`0x${createKeccakHash("keccak256").update(buf).digest("hex")}`);
}

const PREPARED_TOKEN = Symbol("PreparedStakes");

/**
 * A stake table prepared once per stake epoch for `drawCommittee`: the attesters (stake > 0) ascending by
 * lowercase address, their cumulative stakes and the total. Immutable (the arrays are frozen); build one with
 * `prepareStakeTable`. A draw from it costs O(C log N) (one binary search per seat) instead of validating and
 * sorting the N entries of the table for every task, and gives exactly the committee of the raw table.
 */
export class PreparedStakes {
  /** `[lowercase address, stake]` for every operator with stake > 0, ascending by address. */
  readonly attesters: readonly (readonly [string, bigint])[];
  /** `cumulative[i]` = stake of `attesters[0..i]` inclusive: attester i owns `[cumulative[i-1], cumulative[i])`. */
  readonly cumulative: readonly bigint[];
  /** `S`, the total stake. */
  readonly totalStake: bigint;

  constructor(token: symbol, attesters: [string, bigint][]) {
    if (token !== PREPARED_TOKEN) {
      throw invalidCommitteeInput("PreparedStakes", "build a prepared table with prepareStakeTable()");
    }
    const cumulative: bigint[] = new Array<bigint>(attesters.length);
    let run = 0n;
    for (let i = 0; i < attesters.length; i++) {
      run += attesters[i]![1];
      cumulative[i] = run;
    }
    this.attesters = Object.freeze(attesters.map((e) => Object.freeze([e[0], e[1]] as const)));
    this.cumulative = Object.freeze(cumulative);
    this.totalStake = run;
    Object.freeze(this);
  }

  /** `N`, the number of attesters. */
  get attesterCount(): number {
    return this.attesters.length;
  }
}

/**
 * Prepares a stake table once (per stake epoch) for any number of `drawCommittee` calls: validates it exactly as
 * `drawCommittee` does (same `CommitteeError`s), keeps the attesters sorted and their cumulative stakes. Later
 * changes to `stakes` do not affect the prepared table.
 */
export function prepareStakeTable(stakes: StakeTable): PreparedStakes {
  return new PreparedStakes(PREPARED_TOKEN, committeeAttesters(stakes));
}

/** True iff `value` was built by `prepareStakeTable`. */
export function isPreparedStakes(value: unknown): value is PreparedStakes {
  return value instanceof PreparedStakes;
}

/**
 * Draws the committee of one task.
 *
 * `N` attesters (stake > 0) ascending by address, total stake `S`:
 * - `N <= C`: everyone, each weighing its stake (exactly today's rule: quorum = 2/3 of the stake);
 * - `N > C`: `C` seats drawn **with replacement**, seat `j` going to the first attester whose cumulative stake
 *   exceeds `uint256(keccak256(seed || uint32be(j))) mod S`; each member weighs its number of seats.
 * `stakes` is the raw table or the same table prepared once with `prepareStakeTable` (identical result; a draw
 * from a prepared table is O(C log N)). Malformed inputs throw `CommitteeError` (`INVALID_INPUT`).
 */
export function drawCommittee(params: DrawCommitteeParams): Committee {
  if (params === null || typeof params !== "object")
    throw invalidCommitteeInput("params", "expected an object");
  const { taskId, beacon, stakes, size } = params;
  checkBytes32(taskId, "taskId");
  checkBytes32(beacon, "beacon");
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_COMMITTEE_SIZE) {
    throw invalidCommitteeInput("size", `expected an integer in [1, ${MAX_COMMITTEE_SIZE}]`);
  }
  const prepared = isPreparedStakes(stakes) ? stakes : prepareStakeTable(stakes);
  const attesters = prepared.attesters;
  const seed = committeeSeed(taskId, beacon);
  const n = attesters.length;
  const totalStake = prepared.totalStake;

  if (n <= size) {
    const members: CommitteeMember[] = attesters.map(([attester, stake]) => ({
      attester,
      stake,
      weight: stake,
      seats: [],
    }));
    return { seed, size, mode: "everyone", attesterCount: n, totalStake, members, totalWeight: totalStake };
  }

  // cum[i] = stake of attesters[0..i] (inclusive); attester i owns the integers [cum[i-1], cum[i]) of [0, S).
  const cum = prepared.cumulative;
  // Seats by attester index, only for the (at most C) attesters drawn: O(C log N) whatever N.
  const seats = new Map<number, number[]>();
  for (let j = 0; j < size; j++) {
    const x = committeeSeatValue(seed, j) % totalStake;
    // First i with cum[i] > x (binary search; cum is strictly increasing as every stake is >= 1).
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    const s = seats.get(lo);
    if (s === undefined) seats.set(lo, [j]);
    else s.push(j);
  }
  const drawn = [...seats.keys()].sort((a, b) => a - b);
  const members: CommitteeMember[] = drawn.map((i) => {
    const [attester, stake] = attesters[i]!;
    const s = seats.get(i)!;
    return { attester, stake, weight: BigInt(s.length), seats: s };
  });
  return { seed, size, mode: "sampled", attesterCount: n, totalStake, members, totalWeight: BigInt(size) };
}

/**
 * The least signed weight that certifies: `max(1, ceil(2T / 3))`, so that `signed >= quorum` holds exactly when
 * `3 * signed >= 2 * T` and `T > 0` (the §0.7 rule with committee weight for stake).
 */
export function committeeQuorum(committee: Pick<Committee, "totalWeight">): bigint {
  const q = (2n * committee.totalWeight + 2n) / 3n;
  return q > 0n ? q : 1n;
}

/** The weight of one address in the committee (0 for a non-member). */
export function committeeWeightOf(committee: Committee, attester: string): bigint {
  const a = attester.toLowerCase();
  for (const m of committee.members) if (m.attester === a) return m.weight;
  return 0n;
}

function memberWeights(committee: Committee): Map<string, bigint> {
  return new Map(committee.members.map((m) => [m.attester, m.weight]));
}

/**
 * The signed weight of a set of signers: distinct members count once each, any order, non-members count 0.
 */
export function committeeSignedWeight(committee: Committee, signers: Iterable<string>): bigint {
  const weights = memberWeights(committee);
  const seen = new Set<string>();
  let signed = 0n;
  for (const s of signers) {
    const a = s.toLowerCase();
    if (seen.has(a)) continue;
    seen.add(a);
    signed += weights.get(a) ?? 0n;
  }
  return signed;
}

/** True iff the distinct signers hold at least the committee's quorum (order and duplicates do not matter). */
export function hasCommitteeQuorum(committee: Committee, signers: Iterable<string>): boolean {
  return committeeSignedWeight(committee, signers) >= committeeQuorum(committee);
}

/**
 * Checks the signer list of a committee certificate, in the order of SPEC §5.3 (signatures are not checked
 * here): MALFORMED (none), DUPLICATE_SIGNER, UNSORTED_SIGNERS (strictly ascending lowercase addresses),
 * NOT_IN_COMMITTEE, BELOW_QUORUM. Returns the signed and total weight; throws `CommitteeError` otherwise.
 */
export function checkCommitteeSigners(committee: Committee, signers: readonly string[]): CommitteeCheck {
  if (!Array.isArray(signers) || signers.length === 0) {
    throw new CommitteeError({ code: "MALFORMED" }, "a committee certificate needs at least one signer");
  }
  const addrs = signers.map((s, i) => canonicalAddress(s, `signers[${i}]`));
  for (let i = 1; i < addrs.length; i++) {
    if (addrs[i] === addrs[i - 1]) {
      throw new CommitteeError(
        { code: "DUPLICATE_SIGNER", index: i, attester: addrs[i] },
        `signer ${addrs[i]} signs twice`,
      );
    }
  }
  for (let i = 1; i < addrs.length; i++) {
    if (addrs[i]! < addrs[i - 1]!) {
      throw new CommitteeError(
        { code: "UNSORTED_SIGNERS", index: i },
        "signers must be in strictly ascending address order",
      );
    }
  }
  const weights = memberWeights(committee);
  let signedWeight = 0n;
  for (let i = 0; i < addrs.length; i++) {
    const w = weights.get(addrs[i]!) ?? 0n;
    if (w === 0n) {
      throw new CommitteeError(
        { code: "NOT_IN_COMMITTEE", index: i, attester: addrs[i] },
        `signer ${addrs[i]} holds no seat in the task's committee`,
      );
    }
    signedWeight += w;
  }
  const quorum = committeeQuorum(committee);
  if (signedWeight < quorum) {
    throw new CommitteeError(
      {
        code: "BELOW_QUORUM",
        signedWeight: signedWeight.toString(),
        totalWeight: committee.totalWeight.toString(),
      },
      `signers hold ${signedWeight} of ${committee.totalWeight} committee weight; ${quorum} (2/3) is required`,
    );
  }
  return { signedWeight, totalWeight: committee.totalWeight, quorum };
}

/**
 * The committee as the `AttesterSet` that `verifyCertificate` checks against: member -> weight, total = `T`.
 * With `N <= C` it equals `attesterSet(stakes)` (today's check); with sampling a non-member fails as
 * `SIGNER_WITHOUT_STAKE` and a short certificate as `BELOW_QUORUM`, signatures unchanged.
 */
export function committeeAttesterSet(committee: Committee): AttesterSet {
  return {
    stakes: new Map(committee.members.map((m) => [m.attester as Hex, m.weight])),
    total: committee.totalWeight,
  };
}
