/**
 * Core of the network simulator (issue 15 item 5): the REAL protocol code (codecs, EIP-712 and Ed25519 signing
 * and recovery, gossip validation, runMarket, prepareStakeTable/drawCommittee, assembleCertificate,
 * verifyCertificate, or the BLS keys, votes and aggregate certificates of src/bls) driven by a
 * deterministic discrete-event loop in simulated milliseconds. `bench/sim.ts` is the command line around it.
 *
 * MODEL (everything below is a simulator choice, not protocol, unless it names a protocol function)
 * - Nodes: N staked operators (stake equal, or Zipf(1)-skewed by a seeded rank), each with its own secp256k1
 *   key; P of them (honest) are provers with an Ed25519 node key. A `byzantine` fraction of the nodes (by count,
 *   seeded choice; provers excluded while possible) misbehaves as described under BYZANTINE.
 * - One task per 1000/rate ms. Per task: a requester's signed Task (signTask) is gossiped by a publisher node;
 *   every prover, once it has processed the task, gossips a signed BidCommit; at publish + revealAtMs every
 *   prover gossips its BidReveal; the auction CUT-OFF is an event at publish + cutoffMs. At the cut-off every
 *   node runs drawCommittee (C seats; N <= C is everyone at stake weight; a simulated beacon), which it needs to
 *   check certificates; each committee member also runs the real runMarket over the reveals whose commit and
 *   reveal both ARRIVED before the cut-off (a message that arrives before its task is held for it, as sync
 *   would). Only committee members vote: each signs one Assignment (round 0) for the draw's winner at its
 *   payment (signVote) and sends it DIRECTLY to the task's A aggregators (non-members learn the assignee from
 *   the certificate).
 * - Aggregators: the first A committee members ordered by keccak256(committee seed || address) (a per-task
 *   rotation). Each validates every vote it receives (validateVote, which recovers the signer), keeps them by
 *   body, tests hasCommitteeQuorum after each accepted vote and, when a body first reaches the quorum, runs
 *   assembleCertificate (which re-checks every signature) over the votes it holds and gossips the certificate.
 *   Every node validates a certificate for a body it does not hold yet (validateCertificate = verifyCertificate
 *   against committeeAttesterSet(committee)); a copy on a body it holds is decoded and IGNOREd as a duplicate.
 *   Only round 0 is simulated: a task whose votes never reach a quorum is a liveness failure, not re-drawn.
 * - Network: per-hop latency lognormal (median latencyMs, sigma 0.5, clamped to [0.1, 20] x median) or uniform
 *   on [0.5, 1.5] x median. Gossip: a published message reaches every other node, after one hop with probability
 *   1 - relayFraction and two hops otherwise (relays' CPU and uplink are not modelled); the sender's uplink
 *   carries D = min(8, N - 1) mesh copies, each receiver is charged the bytes once. Each hop is lost with
 *   probability `loss`; a lost copy is replaced by another mesh peer's copy one latency later (lost again with
 *   the same probability), and after D lost copies by gossip IHAVE/IWANT after U(0, heartbeatMs) + 2 latencies. Direct messages (votes) are one hop and a loss costs one retransmission timeout
 *   max(200, 3 x latencyMs) ms. Each node's uplink is a FIFO at bandwidthMbps: a send starts when the previous
 *   one has left; the downlink is unlimited. Every message carries `overheadBytes` (64) of framing on top of its
 *   real encoded length.
 * - CPU: every node is a single core with a FIFO queue; a job starts at max(arrival, node free) and the node is
 *   busy for its cost, so a busy node delays later messages. The real function runs ONCE per distinct message
 *   (or distinct input: a runMarket per distinct reveal set, a vote validation per distinct (vote, previous votes
 *   in the slot), a certificate verification per distinct certificate), timed with process.hrtime.bigint(), and
 *   that measured cost is charged to EVERY node that does the same work (e.g. a certificate verified once is
 *   charged to all N nodes that validate it; a task's drawCommittee to all N nodes). Signing is charged to the
 *   signer only. `cpuCosts` replaces the measured cost of an op by a fixed one (tests: fully deterministic).
 *   Protocol decisions are integers and seeded; with measured costs only timings (and what arrives before what)
 *   can vary from run to run.
 * - STAKE TABLE: every node runs prepareStakeTable once per stake epoch (sorted attesters, cumulative stakes) and
 *   drawCommittee from it per task, O(C log N) (the same committee as from the raw table). `stakeTable: "raw"`
 *   draws from the raw table per task (the sort of N entries per draw, as before). The per-epoch work (and, with
 *   BLS, each node's key generation and the key registry) is measured and reported on its own line, not charged
 *   per task.
 * - CERTIFICATES (`certs`): `secp` (default) is the above. `bls` (SPEC §11.10, proposed): each node has a BLS key
 *   (blsKeyFromSeed) registered with its proof of possession (blsProofOfPossession; blsKeyRegistry checks the N
 *   proofs once per epoch). A member signs signBlsVote over the same body digest. An aggregator checks each
 *   vote's fields (task, round, member, slot; not the signature) and, with `blsVotes: "batch"` (default), once a
 *   body's held votes reach the quorum builds blsSignerBitmap + aggregateBlsSignatures and checks the result with
 *   verifyBlsCertificate before gossiping it; if that check fails it verifies the held votes one by one
 *   (verifyBlsVote), drops the bad ones, verifies every later vote of the task and every later vote of a caught
 *   attester, and tries again. Conflicting votes of one attester (an equivocation) are both verified before they
 *   count as evidence. `blsVotes: "each"` verifies every vote on arrival (the §11.10 assembly). Every node checks
 *   a certificate for a body it does not hold with verifyBlsCertificate (bitmap, quorum, one fastAggregateVerify).
 *   Sizes: no BLS wire format is specified, so a BLS vote counts as the real encodeVote bytes of the same vote
 *   with a 96-byte signature field instead of 65, and a BLS certificate as the real encodeCertificate bytes of the
 *   body with a bytes signer bitmap (ceil(m/8)) and a 96-byte aggregate field in place of the attester and
 *   signature lists.
 * - CLOCK: `wall` (default) times each real call with process.hrtime.bigint(), which on a shared machine also
 *   counts time descheduled; `cpu` uses process.cpuUsage() (CPU time of the process, 1 us resolution).
 * - BYZANTINE: byzantine committee members also sign an Assignment for a different prover (the draw's second,
 *   or the winner at payment - 1): `equivocate` signs both that and the honest body and sends both to every
 *   aggregator (validateVote flags the equivocation); `withhold` signs only the other body; `badsig` signs only
 *   the honest body, with another node's key (its signature does not verify). A byzantine aggregator never
 *   assembles a certificate on a body it did not sign.
 * - SAFETY: a violation is a (task, round) with certificates on two different bodies (at any honest node or
 *   assembled anywhere), a certificate that fails validation at an honest node, or a certified body that no
 *   honest member signed (a forged assignment, SPEC §11.5 p_forge). Quorum intersection makes it 0 while the
 *   byzantine committee weight is below 1/3 (and, without an honest split, below 2/3).
 */
import { SigningKey, concat, getBytes, keccak256, toUtf8Bytes } from "ethers";
import { createHash } from "node:crypto";
import {
  BlsError,
  addressOf,
  aggregateBlsSignatures,
  assembleCertificate,
  blsKeyFromSeed,
  blsKeyRegistry,
  blsProofOfPossession,
  blsSignerBitmap,
  blsVoteMessage,
  bidCommitment,
  committeeAttesterSet,
  decodeBidCommit,
  decodeBidReveal,
  decodeCertificate,
  decodeTask,
  decodeVote,
  drawCommittee,
  encodeBidCommit,
  encodeBidReveal,
  encodeCertificate,
  encodeTask,
  encodeVote,
  fromHex,
  hasCommitteeQuorum,
  nodeKeyFromSeed,
  prepareStakeTable,
  publicSignalsHash,
  runMarket,
  signBidCommit,
  signBidReveal,
  signBlsVote,
  signTask,
  signVote,
  taskId as taskIdOf,
  toHex,
  validateBidCommit,
  validateBidReveal,
  validateCertificate,
  validateTask,
  validateVote,
  verifyBlsCertificate,
  verifyBlsVote,
  type AttesterSet,
  type BidCommit,
  type BidReveal,
  type BlsCertificate,
  type BlsKey,
  type BlsKeyRegistry,
  type BlsKeyRegistration,
  type BlsVote,
  type Certificate,
  type Committee,
  type Hex,
  type MarketResult,
  type NodeKey,
  type PreparedStakes,
  type ProtocolDomain,
  type Task,
  type Vote,
  type VoteBody,
} from "../src/index.js";
import { Rng } from "./rng.js";

/* ------------------------------------------------------------------ options and results */

export const SIM_OPS = [
  "signTask",
  "validateTask",
  "signBidCommit",
  "validateBidCommit",
  "signBidReveal",
  "validateBidReveal",
  "runMarket",
  "drawCommittee",
  "signVote",
  "validateVote",
  "checkQuorum",
  "assembleCertificate",
  "validateCertificate",
  "decodeCertificate",
  "verifyBlsVote",
  "prepareStakeTable",
  "blsKeygen",
  "blsRegistry",
] as const;
export type SimOp = (typeof SIM_OPS)[number];
/** Ops done once per stake epoch (or once per key): measured and reported, NOT in the per-task figures. */
export const SIM_EPOCH_OPS: readonly SimOp[] = ["prepareStakeTable", "blsKeygen", "blsRegistry"];

/** What each op's real call covers (printed with the costs). */
export const SIM_OP_DOC: Record<SimOp, string> = {
  signTask: "signTask + encodeTask (publisher)",
  validateTask: "decodeTask + validateTask (every node)",
  signBidCommit: "signBidCommit + encodeBidCommit (prover)",
  validateBidCommit: "decodeBidCommit + validateBidCommit (every node)",
  signBidReveal: "signBidReveal + encodeBidReveal (prover)",
  validateBidReveal: "decodeBidReveal + validateBidReveal (every node)",
  runMarket: "runMarket over the reveals held at the cut-off (committee members; once per distinct reveal set)",
  drawCommittee: "drawCommittee (every node; once per task)",
  signVote: "signVote + encodeVote (each committee member, per body signed)",
  validateVote: "decodeVote + validateVote (aggregators; once per distinct vote and slot context)",
  checkQuorum: "hasCommitteeQuorum after an accepted vote (aggregators)",
  assembleCertificate: "assembleCertificate + encodeCertificate (aggregators; once per distinct signer set)",
  validateCertificate: "decodeCertificate + validateCertificate (every node, first certificate per body)",
  decodeCertificate: "decodeCertificate of a duplicate (every node, later copies)",
  verifyBlsVote: "verifyBlsVote (BLS mode only)",
  prepareStakeTable: "prepareStakeTable (every node, once per stake epoch; not per task)",
  blsKeygen: "blsKeyFromSeed + blsProofOfPossession (each node, once per key; not per task)",
  blsRegistry: "blsKeyRegistry over the N registrations, each proof of possession checked (every node, once per stake epoch; not per task)",
};

/** What each op covers in `--certs bls` (ops not listed cover the same call as in secp mode). */
export const SIM_OP_DOC_BLS: Partial<Record<SimOp, string>> = {
  signVote: "signBlsVote over the body's EIP-712 digest (each committee member, per body signed)",
  validateVote:
    "the aggregator's per-vote check without the signature: blsVoteMessage (digest) + task/round/membership + slot (duplicate, conflict); once per distinct vote and slot context",
  verifyBlsVote:
    "verifyBlsVote, one BLS verify (aggregators: every vote with --bls-votes each; with batch only a conflicting pair (equivocation evidence), a suspect's vote, or the fallback after a failed aggregate)",
  assembleCertificate:
    "blsSignerBitmap + aggregateBlsSignatures (+ verifyBlsCertificate of the result when some vote in it is unverified: batch mode) (aggregators; once per distinct signer set)",
  validateCertificate: "verifyBlsCertificate: bitmap, quorum, one fastAggregateVerify (every node, first certificate per body)",
  decodeCertificate: "a duplicate BLS certificate's shape and body checked against the held one (every node, later copies)",
};

export interface SimOptions {
  nodes: number;
  tasks: number;
  /** Offered load, tasks per simulated second. */
  rate: number;
  /** `C`, committee seats. */
  committee: number;
  /** Median one-hop latency, ms. */
  latencyMs: number;
  latencyDist: "lognormal" | "uniform";
  /** Per-hop drop probability, in [0, 1). */
  loss: number;
  /** Per-node uplink, Mbit/s. */
  bandwidthMbps: number;
  /** Fraction of nodes that are byzantine, in [0, 1). */
  byzantine: number;
  /**
   * `equivocate`: sign the honest and another body; `withhold`: sign only another body; `badsig`: sign the honest
   * body with a wrong key (a vote whose signature does not verify).
   */
  byzantineMode: "equivocate" | "withhold" | "badsig";
  seed: number;
  /** Provers bidding on every task. */
  provers: number;
  /** Aggregators per task. */
  aggregators: number;
  stake: "equal" | "skewed";
  /** Gossip mesh degree D. */
  meshDegree: number;
  /** Share of gossip deliveries that take a second hop. */
  relayFraction: number;
  heartbeatMs: number;
  overheadBytes: number;
  /** Reveals are sent at publish + revealAtMs. */
  revealAtMs: number;
  /** The auction cut-off is at publish + cutoffMs. */
  cutoffMs: number;
  /**
   * Certificate scheme: `secp` (default, as before: EIP-712 secp256k1 votes, a certificate lists every signature)
   * or `bls` (BLS12-381 votes, a certificate is a signer bitmap and one 96-byte aggregate, SPEC §11.10).
   */
  certs: "secp" | "bls";
  /**
   * BLS mode, how an aggregator checks votes: `batch` (default) checks each vote's fields only and verifies the
   * aggregate once it reaches the quorum (verifyBlsCertificate, one pairing check); if that fails it verifies the
   * votes one by one (verifyBlsVote), drops the bad ones and from then on verifies every vote of that task and
   * every later vote of a caught attester. `each`: verifyBlsVote on every vote as it arrives (the §11.10 assembly).
   */
  blsVotes: "batch" | "each";
  /** `prepared` (default): prepareStakeTable once per epoch, drawCommittee from it; `raw`: the table per draw. */
  stakeTable: "prepared" | "raw";
  /**
   * How a real call is timed: `wall` (default, as before: process.hrtime.bigint(), which on a shared machine
   * also counts the time the process was descheduled) or `cpu` (process.cpuUsage(): the CPU time this process
   * used during the call, 1 us resolution; it includes V8's helper threads, if they run).
   */
  clock: "wall" | "cpu";
  /** Fixed cost per op (ms) instead of the measured one. */
  cpuCosts?: Partial<Record<SimOp, number>>;
  /** Run a tiny simulation first so that the timed calls are JIT-compiled. @default true */
  warmup?: boolean;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  nodes: 100,
  tasks: 100,
  rate: 10,
  committee: 128,
  latencyMs: 100,
  latencyDist: "lognormal",
  loss: 0,
  bandwidthMbps: 100,
  byzantine: 0,
  byzantineMode: "equivocate",
  seed: 1,
  provers: 4,
  aggregators: 3,
  stake: "equal",
  meshDegree: 8,
  relayFraction: 0.5,
  heartbeatMs: 1000,
  overheadBytes: 64,
  revealAtMs: 1000,
  cutoffMs: 2000,
  certs: "secp",
  blsVotes: "batch",
  stakeTable: "prepared",
  clock: "wall",
};

/** SPEC §9.1 default `epochSeconds`: used only to amortize the per-epoch work in the report. */
export const SIM_EPOCH_SECONDS = 600;

export interface SimOpStats {
  /** Real calls made. */
  calls: number;
  /** Mean and median of the measured real calls, ms. */
  meanMs: number;
  p50Ms: number;
  /** How many times a cost of this op was charged to some node, and the total charged, ms. */
  charged: number;
  chargedMs: number;
}

export interface SimResult {
  options: SimOptions;
  /** Committee mode of the tasks ("everyone" when N <= C). */
  mode: string;
  byzantineNodes: number;
  byzantineStakeShare: number;
  /** Mean byzantine share of the committee weight over the tasks. */
  byzantineWeightShare: number;
  /** Tasks whose certificate every honest node holds. */
  tasksCertified: number;
  /** Tasks with a certificate at some honest node. */
  tasksCertifiedAny: number;
  /** Tasks whose honest committee members signed more than one body (different reveal sets). */
  honestSplits: number;
  /** Equivocating votes flagged by validateVote at aggregators. */
  equivocationsDetected: number;
  safetyViolations: number;
  /** tasks_per_s: the offered rate when every task certified, else rate x certified / tasks. */
  tasksPerS: number;
  /** Completion throughput: (k - 1) / (last - first completion) over the k tasks held by every honest node. */
  drainTasksPerS: number;
  cpuMsPerTaskPerNode: number;
  bytesPerTaskPerNode: number;
  sentBytesPerTaskPerNode: number;
  recvBytesPerTaskPerNode: number;
  /** Cut-off to certificate held, over (task, honest node) pairs that hold one, ms. */
  p50AssignMs: number;
  p99AssignMs: number;
  maxAssignMs: number;
  /** Busiest node's CPU busy time over the simulated span. */
  maxCpuUtilization: number;
  /** CPU demand of the offered load on the busiest node: its CPU ms per task x rate / 1000 (> 1: saturated). */
  maxCpuLoad: number;
  simulatedMs: number;
  wallMs: number;
  messages: number;
  ops: Record<SimOp, SimOpStats>;
  /**
   * Per node, ms, done once per stake epoch (or once per key), NOT in cpuMsPerTaskPerNode: prepareStakeTable,
   * BLS key generation with its proof of possession, and the BLS key registry (N proofs checked).
   */
  epochMsPerNode: { prepareStakeTable: number; blsKeygen: number; blsRegistry: number };
  /** BLS batch mode: aggregates that failed their check and fell back to one-by-one verification. */
  blsFallbacks: number;
  /** Votes refused for a bad signature at aggregators (both modes). */
  badVotes: number;
  /** Mean encoded size of a vote and of a certificate, bytes, without framing (BLS: see the sizes in sim-core). */
  meanVoteBytes: number;
  meanCertificateBytes: number;
}

/* ------------------------------------------------------------------ helpers */

const DOMAIN: ProtocolDomain = { chainId: 31337n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
const BASE_TIME = 1_800_000_000n;
const MAX_REWARD = 10n ** 18n;
const sha = (s: string): Uint8Array => new Uint8Array(createHash("sha256").update(s).digest());

/** Floats in [0, 1) from sfc32 (bench/rng.ts). Used for the network and the byzantine choice only. */
function makeRng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}

function shuffle(n: number, rng: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

interface Ev {
  t: number;
  seq: number;
  type: number;
  node: number;
  task: number;
  idx: number;
}

/** Binary min-heap of events by (time, insertion order). */
class EventHeap {
  private readonly a: Ev[] = [];
  private seq = 0;
  get size(): number {
    return this.a.length;
  }
  push(t: number, type: number, node: number, task: number, idx: number): void {
    const e: Ev = { t, seq: this.seq++, type, node, task, idx };
    const a = this.a;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = a[p]!;
      if (q.t < e.t || (q.t === e.t && q.seq < e.seq)) break;
      a[i] = q;
      i = p;
    }
    a[i] = e;
  }
  pop(): Ev | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (a[r]!.t < a[l]!.t || (a[r]!.t === a[l]!.t && a[r]!.seq < a[l]!.seq))) c = r;
      const x = a[c]!;
      if (last.t < x.t || (last.t === x.t && last.seq < x.seq)) break;
      a[i] = x;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

// Event types.
const E_PUBLISH = 0;
const E_DELIVER = 1;
const E_PROVER_COMMIT = 2;
const E_PROVER_REVEAL = 3;
const E_CUTOFF = 4;
const E_SEND_VOTES = 5;
const E_PUBLISH_CERT = 6;
const E_GOSSIP = 7;
// Message kinds (E_DELIVER idx = message id, kinds kept in the message table).
const M_TASK = 0;
const M_COMMIT = 1;
const M_REVEAL = 2;
const M_VOTE = 3;
const M_CERT = 4;

interface Memo<T> {
  value: T;
  cost: number;
}

interface Msg {
  kind: number;
  task: number;
  /** prover index (commit, reveal), vote index, certificate index. */
  ref: number;
  bytes: number;
}

interface ProverBid {
  node: number;
  price: bigint;
  salt: Hex;
  commit?: BidCommit;
  commitMsg: number;
  reveal?: BidReveal;
  revealMsg: number;
  commitMemo?: Memo<string>;
  revealMemo?: Memo<string>;
}

interface SimVote {
  /** Lowercase attester address. */
  attester: string;
  /** secp mode: the vote and its encoding. */
  vote?: Vote;
  bytes?: Uint8Array;
  /** BLS mode: the vote (BLS signature over the body digest). */
  bls?: BlsVote;
  /** BLS mode: verifyBlsVote, run once per vote. */
  blsCheck?: Memo<boolean>;
  msg: number;
  body: number;
  from: number;
}

interface SimCert {
  /** secp mode: the certificate and its encoding; BLS mode: `bls` (its wire size is computed). */
  cert?: Certificate;
  bytes?: Uint8Array;
  bls?: BlsCertificate;
  msg: number;
  body: number;
  from: number;
  decodeCost: number;
  verdict?: Memo<string>;
}

interface AggState {
  prevByAttester: Map<string, number[]>;
  votesByBody: Map<number, Vote[]>;
  signersByBody: Map<number, string[]>;
  assembled: Set<number>;
  /** BLS: vote indices held per body, and the ones this aggregator has verified. */
  blsByBody: Map<number, number[]>;
  verified: Set<number>;
  /** BLS batch: an aggregate failed for this task here; verify every later vote. */
  verifyEach: boolean;
}

interface TaskState {
  t0: number;
  cutoff: number;
  task: Task;
  id: Hex;
  idBytes: Uint8Array;
  taskBytes: Uint8Array;
  taskMsg: number;
  taskMemo?: Memo<string>;
  provers: ProverBid[];
  commitArrived: Int32Array;
  revealArrived: Int32Array;
  committee?: Committee;
  committeeCost: number;
  attesters?: AttesterSet;
  weights: Map<string, bigint>;
  aggregators: number[];
  markets: Map<number, Memo<MarketResult>>;
  bodies: Map<string, number>;
  bodyList: { prover: Hex; price: bigint }[];
  honestSigned: Set<number>;
  votes: SimVote[];
  voteMemo: Map<string, Memo<string>>;
  agg: Map<number, AggState>;
  assembleMemo: Map<string, Memo<{ cert: Certificate; bytes: Uint8Array } | undefined>>;
  blsAssembleMemo: Map<string, Memo<BlsCertificate | undefined>>;
  certs: SimCert[];
  assembledBodies: Set<number>;
  heldBody: Int32Array;
  heldAt: Float64Array;
  certifiedBodies: Set<number>;
  violation: boolean;
  byzWeight: number;
}

function checkOptions(o: SimOptions): void {
  const int = (v: number, name: string, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`sim: --${name} must be an integer >= ${min}`);
  };
  int(o.nodes, "nodes", 1);
  int(o.tasks, "tasks", 1);
  int(o.committee, "committee", 1);
  int(o.provers, "provers", 1);
  int(o.aggregators, "aggregators", 1);
  int(o.seed, "seed", 0);
  if (o.provers > 30) throw new RangeError("sim: at most 30 provers (reveal sets are 32-bit masks)");
  if (!(o.rate > 0)) throw new RangeError("sim: --rate must be > 0");
  if (!(o.latencyMs > 0)) throw new RangeError("sim: --latency-ms must be > 0");
  if (!(o.bandwidthMbps > 0)) throw new RangeError("sim: --bandwidth-mbps must be > 0");
  if (!(o.loss >= 0 && o.loss < 1)) throw new RangeError("sim: --loss must be in [0, 1)");
  if (!(o.byzantine >= 0 && o.byzantine < 1)) throw new RangeError("sim: --byzantine must be in [0, 1)");
  if (!(o.cutoffMs > o.revealAtMs && o.revealAtMs > 0)) throw new RangeError("sim: need 0 < revealAtMs < cutoffMs");
  const oneOf = (v: string, name: string, choices: readonly string[]): void => {
    if (!choices.includes(v)) throw new RangeError(`sim: --${name} must be one of ${choices.join(", ")}`);
  };
  oneOf(o.certs, "certs", ["secp", "bls"]);
  oneOf(o.blsVotes, "bls-votes", ["batch", "each"]);
  oneOf(o.stakeTable, "stake-table", ["prepared", "raw"]);
  oneOf(o.clock, "clock", ["wall", "cpu"]);
  oneOf(o.byzantineMode, "byzantine-mode", ["equivocate", "withhold", "badsig"]);
}

/* ------------------------------------------------------------------ the simulator */

/** Runs one simulation (synchronously) and returns its statistics. */
export function runSimulation(options: Partial<SimOptions> = {}): SimResult {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...options };
  checkOptions(o);
  if (o.warmup !== false) {
    simulate({ ...o, nodes: 8, tasks: 30, committee: Math.min(o.committee, 5), provers: 2, byzantine: 0, rate: 50 });
  }
  return simulate(o);
}

function simulate(o: SimOptions): SimResult {
  const wallStart = process.hrtime.bigint();
  const N = o.nodes;
  const rng = makeRng(o.seed ^ 0x5eed5eed);

  /* ---- op timing ---- */
  const opReal = new Map<SimOp, number[]>(SIM_OPS.map((op) => [op, []]));
  const opCharged = new Map<SimOp, { n: number; ms: number }>(SIM_OPS.map((op) => [op, { n: 0, ms: 0 }]));
  const cpuClock = o.clock === "cpu";
  function real<T>(op: SimOp, fn: () => T): Memo<T> {
    const c0 = cpuClock ? process.cpuUsage() : undefined;
    const s = process.hrtime.bigint();
    const value = fn();
    let ms = Number(process.hrtime.bigint() - s) / 1e6;
    if (c0 !== undefined) {
      const c = process.cpuUsage(c0);
      ms = (c.user + c.system) / 1000;
    }
    opReal.get(op)!.push(ms);
    return { value, cost: o.cpuCosts?.[op] ?? ms };
  }

  /* ---- nodes ---- */
  const keys: SigningKey[] = [];
  const addrs: Hex[] = [];
  for (let i = 0; i < N; i++) {
    const k = new SigningKey(toHex(sha(`zkpool/sim/operator/${i}`)));
    keys.push(k);
    addrs.push(addressOf(k));
  }
  const nodeOf = new Map<string, number>(addrs.map((a, i) => [a, i]));
  const perm = shuffle(N, rng);
  const stakes = new Map<string, bigint>();
  const stakeArr: bigint[] = [];
  for (let i = 0; i < N; i++) {
    const s = o.stake === "equal" ? 32n * 10n ** 18n : (10n ** 21n / BigInt(1 + perm.indexOf(i))) | 1n;
    stakeArr.push(s);
    stakes.set(addrs[i]!, s);
  }
  const totalStake = stakeArr.reduce((a, b) => a + b, 0n);
  const byzCount = Math.min(N, Math.round(o.byzantine * N));
  const byzOrder = shuffle(N, rng);
  const byz = new Uint8Array(N);
  for (let i = 0; i < byzCount; i++) byz[byzOrder[i]!] = 1;
  let byzStake = 0n;
  for (let i = 0; i < N; i++) if (byz[i] === 1) byzStake += stakeArr[i]!;
  const honestNodes = byzOrder.slice(byzCount);
  const proverNodes: number[] = [];
  for (let i = 0; i < o.provers && i < N; i++) proverNodes.push(honestNodes[i] ?? byzOrder[N - 1 - i]!);
  const proverIndexOf = new Map<number, number>(proverNodes.map((n, j) => [n, j]));
  const nodeKeys: NodeKey[] = proverNodes.map((n) => nodeKeyFromSeed(sha(`zkpool/sim/node/${n}`)));
  const requester = new SigningKey(toHex(sha("zkpool/sim/requester")));
  const requesterAddr = addressOf(requester);
  const bls = o.certs === "bls";

  /* ---- once per stake epoch (measured, reported, not charged per task) ---- */
  // Every node prepares the epoch's stake table once; the draw per task then costs O(C log N).
  const prep = real("prepareStakeTable", () => prepareStakeTable(stakes));
  const prepared: PreparedStakes = prep.value;
  // BLS: each node makes its key once and registers it with a proof of possession; every node checks the N
  // registrations once per epoch (blsKeyRegistry), after which a certificate check only adds registered points.
  const blsKeys: BlsKey[] = [];
  let registry: BlsKeyRegistry | undefined;
  let keygenMs = 0;
  let registryMs = 0;
  if (bls) {
    const regs: BlsKeyRegistration[] = [];
    for (let i = 0; i < N; i++) {
      const r = real("blsKeygen", () => {
        const key = blsKeyFromSeed(sha(`zkpool/sim/bls/${i}`));
        return { key, pop: blsProofOfPossession(key, addrs[i]!) };
      });
      keygenMs += r.cost;
      blsKeys.push(r.value.key);
      regs.push({ operator: addrs[i]!, publicKey: r.value.key.publicKey, proofOfPossession: r.value.pop });
    }
    const reg = real("blsRegistry", () => blsKeyRegistry(regs));
    registry = reg.value;
    registryMs = reg.cost;
  }
  const suspects: Set<string>[] = bls ? Array.from({ length: N }, () => new Set<string>()) : [];
  // Wire sizes of the BLS messages, from the real protobuf encodings of the same body (no BLS wire format is
  // specified yet): a vote is the Vote message with a 96-byte signature instead of 65; a certificate is the
  // Certificate message without its repeated attesters/signatures and with a bytes signer_bitmap (ceil(m/8))
  // and a bytes aggregate_signature (96) field instead.
  const fmtSig = signVote(
    { kind: "assignment", taskId: toHex(sha("zkpool/sim/size")), round: 0, prover: addrs[0]!, price: 1n, attester: addrs[0]! },
    keys[0]!,
    DOMAIN,
  ).signature;
  const pbField = (len: number): number => {
    let v = 1;
    for (let x = len; x >= 0x80; x >>>= 7) v++;
    return 1 + v + len;
  };
  const blsVoteSize = (body: VoteBody & { attester: Hex }): number =>
    encodeVote({ ...body, signature: fmtSig }).length - pbField(65) + pbField(96);
  const blsCertSize = (body: VoteBody, members: number): number =>
    encodeCertificate({ ...body, attesters: [addrs[0]!], signatures: [fmtSig] }).length -
    pbField(20) -
    pbField(65) +
    pbField((members + 7) >> 3) +
    pbField(96);

  /* ---- state ---- */
  const cpuFree = new Float64Array(N);
  const cpuMs = new Float64Array(N);
  const uplinkFree = new Float64Array(N);
  const sent = new Float64Array(N);
  const recv = new Float64Array(N);
  const heap = new EventHeap();
  const msgs: Msg[] = [];
  const tasks: TaskState[] = [];
  let equivocations = 0;
  let deliveries = 0;
  let blsFallbacks = 0;
  let badVotes = 0;
  const wire = { votes: 0, voteBytes: 0, certs: 0, certBytes: 0 };

  function charge(n: number, t: number, op: SimOp, ms: number): number {
    const start = cpuFree[n]! > t ? cpuFree[n]! : t;
    const done = start + ms;
    cpuFree[n] = done;
    cpuMs[n] = cpuMs[n]! + ms;
    const c = opCharged.get(op)!;
    c.n++;
    c.ms += ms;
    return done;
  }

  const lat = (): number => {
    const m = o.latencyMs;
    if (o.latencyDist === "uniform") return m * (0.5 + rng());
    const u1 = rng() || 1e-12;
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng());
    return Math.min(20 * m, Math.max(0.1 * m, m * Math.exp(0.5 * z)));
  };
  const gossipHop = (): number => {
    let d = 0;
    for (let lost = 1; o.loss > 0 && rng() < o.loss; lost++) {
      d += lost < o.meshDegree ? lat() : rng() * o.heartbeatMs + 2 * lat();
    }
    return d + lat();
  };
  const rto = Math.max(200, 3 * o.latencyMs);
  const directHop = (): number => {
    let d = 0;
    while (o.loss > 0 && rng() < o.loss) d += rto;
    return d + lat();
  };
  const txMs = (bytes: number): number => (bytes * 8) / (o.bandwidthMbps * 1000);

  function newMsg(kind: number, task: number, ref: number, bytes: number): number {
    msgs.push({ kind, task, ref, bytes: bytes + o.overheadBytes });
    return msgs.length - 1;
  }

  /** Gossips message `m` from node `from` at time t: D mesh copies on the uplink, then one or two hops. */
  function gossip(from: number, t: number, m: number): void {
    const size = msgs[m]!.bytes;
    const copies = Math.min(o.meshDegree, N - 1);
    const start = Math.max(t, uplinkFree[from]!);
    const depart = start + copies * txMs(size);
    uplinkFree[from] = depart;
    sent[from] = sent[from]! + copies * size;
    for (let r = 0; r < N; r++) {
      if (r === from) continue;
      let d = gossipHop();
      if (rng() < o.relayFraction) d += gossipHop();
      recv[r] = recv[r]! + size;
      heap.push(depart + d, E_DELIVER, r, msgs[m]!.task, m);
    }
  }

  /** Sends message `m` directly from `from` to `to` (one copy on the uplink, one hop). */
  function direct(from: number, to: number, t: number, m: number): void {
    if (from === to) {
      heap.push(t, E_DELIVER, to, msgs[m]!.task, m);
      return;
    }
    const size = msgs[m]!.bytes;
    const start = Math.max(t, uplinkFree[from]!);
    const depart = start + txMs(size);
    uplinkFree[from] = depart;
    sent[from] = sent[from]! + size;
    recv[to] = recv[to]! + size;
    heap.push(depart + directHop(), E_DELIVER, to, msgs[m]!.task, m);
  }

  function bodyIndex(ts: TaskState, prover: Hex, price: bigint): number {
    const key = `${prover}/${price}`;
    let b = ts.bodies.get(key);
    if (b === undefined) {
      b = ts.bodyList.length;
      ts.bodies.set(key, b);
      ts.bodyList.push({ prover, price });
    }
    return b;
  }

  /* ---- tasks ---- */
  for (let i = 0; i < o.tasks; i++) heap.push((i * 1000) / o.rate, E_PUBLISH, honestNodes[i % honestNodes.length] ?? 0, i, 0);

  function publish(i: number, node: number, t: number): void {
    const bidDeadline = BASE_TIME + 60n + BigInt(Math.floor(t / 1000));
    const signed = real("signTask", () => {
      const task = signTask(
        {
          requester: requesterAddr,
          proofSystem: 1,
          wasmSha256: toHex(sha("sim/wasm")),
          zkeySha256: toHex(sha("sim/zkey")),
          vkeySha256: toHex(sha("sim/vkey")),
          inputHash: toHex(sha(`sim/input/${o.seed}/${i}`)),
          inputSize: 1234n,
          publicSignalsHash: publicSignalsHash([33n, 1n]),
          maxReward: MAX_REWARD,
          penalty: MAX_REWARD / 2n,
          bidDeadline,
          revealDeadline: bidDeadline + 30n,
          proofWindow: 120,
          maxRounds: 3,
          stakeEpoch: 42n,
          nonce: BigInt(i),
        },
        requester,
        DOMAIN,
      );
      return { task, bytes: encodeTask(task) };
    });
    const done = charge(node, t, "signTask", signed.cost);
    const id = taskIdOf(signed.value.task, DOMAIN);
    const ts: TaskState = {
      t0: t,
      cutoff: t + o.cutoffMs,
      task: signed.value.task,
      id,
      idBytes: fromHex(id),
      taskBytes: signed.value.bytes,
      taskMsg: -1,
      provers: proverNodes.map((pn, j) => {
        // Prices and salts are integers derived from the seed: never from the network's random stream.
        const h = BigInt(keccak256(toUtf8Bytes(`zkpool/sim/bid/${o.seed}/${i}/${j}`)));
        return {
          node: pn,
          price: MAX_REWARD / 2n + (h % (MAX_REWARD / 2n)),
          salt: keccak256(toUtf8Bytes(`zkpool/sim/salt/${o.seed}/${i}/${j}`)) as Hex,
          commitMsg: -1,
          revealMsg: -1,
        };
      }),
      commitArrived: new Int32Array(N),
      revealArrived: new Int32Array(N),
      committeeCost: 0,
      weights: new Map(),
      aggregators: [],
      markets: new Map(),
      bodies: new Map(),
      bodyList: [],
      honestSigned: new Set(),
      votes: [],
      voteMemo: new Map(),
      agg: new Map(),
      assembleMemo: new Map(),
      blsAssembleMemo: new Map(),
      certs: [],
      assembledBodies: new Set(),
      heldBody: new Int32Array(N).fill(-1),
      heldAt: new Float64Array(N).fill(NaN),
      certifiedBodies: new Set(),
      violation: false,
      byzWeight: 0,
    };
    tasks[i] = ts;
    ts.taskMsg = newMsg(M_TASK, i, 0, ts.taskBytes.length);
    heap.push(done, E_GOSSIP, node, i, ts.taskMsg);
    // The publisher holds its own task.
    if (proverIndexOf.has(node)) heap.push(done, E_PROVER_COMMIT, node, i, proverIndexOf.get(node)!);
    for (let j = 0; j < ts.provers.length; j++) heap.push(t + o.revealAtMs, E_PROVER_REVEAL, proverNodes[j]!, i, j);
    heap.push(ts.cutoff, E_CUTOFF, 0, i, 0);
  }

  function proverCommit(i: number, j: number, t: number): void {
    const ts = tasks[i]!;
    const p = ts.provers[j]!;
    // A prover bids once, and only while bidding is open (it got the task before its reveal time).
    if (p.commit !== undefined || t >= ts.t0 + o.revealAtMs) return;
    const r = real("signBidCommit", () => {
      const commit = signBidCommit(
        {
          taskId: ts.id,
          prover: addrs[p.node]!,
          peerId: nodeKeys[j]!.peerId,
          commitment: bidCommitment(ts.id, addrs[p.node]!, p.price, p.salt),
        },
        nodeKeys[j]!,
        DOMAIN,
      );
      return { commit, bytes: encodeBidCommit(commit) };
    });
    p.commit = r.value.commit;
    p.commitMsg = newMsg(M_COMMIT, i, j, r.value.bytes.length);
    const done = charge(p.node, t, "signBidCommit", r.cost);
    ts.commitArrived[p.node] = ts.commitArrived[p.node]! | (1 << j);
    heap.push(done, E_GOSSIP, p.node, i, p.commitMsg);
    // Validation of the commit is run (once) when it is first delivered; keep its bytes for that.
    commitBytes.set(p.commitMsg, r.value.bytes);
  }
  const commitBytes = new Map<number, Uint8Array>();
  const revealBytes = new Map<number, Uint8Array>();

  function proverReveal(i: number, j: number, t: number): void {
    const ts = tasks[i]!;
    const p = ts.provers[j]!;
    if (p.commit === undefined) return; // it never committed: nothing to reveal
    const r = real("signBidReveal", () => {
      const reveal = signBidReveal(
        { taskId: ts.id, prover: addrs[p.node]!, peerId: nodeKeys[j]!.peerId, price: p.price, salt: p.salt },
        nodeKeys[j]!,
        DOMAIN,
      );
      return { reveal, bytes: encodeBidReveal(reveal) };
    });
    p.reveal = r.value.reveal;
    p.revealMsg = newMsg(M_REVEAL, i, j, r.value.bytes.length);
    revealBytes.set(p.revealMsg, r.value.bytes);
    const done = charge(p.node, t, "signBidReveal", r.cost);
    if (done < ts.cutoff) ts.revealArrived[p.node] = ts.revealArrived[p.node]! | (1 << j);
    heap.push(done, E_GOSSIP, p.node, i, p.revealMsg);
  }

  function market(ts: TaskState, mask: number): Memo<MarketResult> {
    let m = ts.markets.get(mask);
    if (m === undefined) {
      const bids = ts.provers
        .filter((_, j) => (mask & (1 << j)) !== 0)
        .map((p) => ({ prover: addrs[p.node]!, price: p.price, salt: getBytes(p.salt) }));
      m = real("runMarket", () =>
        runMarket({ taskId: ts.idBytes, reserve: ts.task.maxReward, bids, stakes, limit: 2 }),
      );
      ts.markets.set(mask, m);
    }
    return m;
  }

  function cutoff(i: number, t: number): void {
    const ts = tasks[i]!;
    const beacon = getBytes(keccak256(toUtf8Bytes(`zkpool/sim/beacon/${o.seed}/${i}`)));
    const table = o.stakeTable === "prepared" ? prepared : stakes;
    const drawn = real("drawCommittee", () => drawCommittee({ taskId: ts.idBytes, beacon, stakes: table, size: o.committee }));
    const committee = drawn.value;
    ts.committee = committee;
    ts.committeeCost = drawn.cost;
    ts.attesters = committeeAttesterSet(committee);
    let bw = 0n;
    for (const m of committee.members) {
      ts.weights.set(m.attester, m.weight);
      if (byz[nodeOf.get(m.attester)!] === 1) bw += m.weight;
    }
    ts.byzWeight = committee.totalWeight > 0n ? Number((bw * 1_000_000n) / committee.totalWeight) / 1e6 : 0;
    // Aggregators: a per-task rotation of the members (simulator choice).
    ts.aggregators = committee.members
      .map((m) => ({ n: nodeOf.get(m.attester)!, k: keccak256(concat([committee.seed, m.attester])) }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
      .slice(0, o.aggregators)
      .map((x) => x.n);
    for (const a of ts.aggregators) {
      ts.agg.set(a, {
        prevByAttester: new Map(),
        votesByBody: new Map(),
        signersByBody: new Map(),
        assembled: new Set(),
        blsByBody: new Map(),
        verified: new Set(),
        verifyEach: false,
      });
    }
    const member = new Set(committee.members.map((m) => m.attester));
    for (let n = 0; n < N; n++) {
      let done = charge(n, t, "drawCommittee", ts.committeeCost);
      if (!member.has(addrs[n]!)) continue;
      const mk = market(ts, ts.commitArrived[n]! & ts.revealArrived[n]!);
      done = charge(n, t, "runMarket", mk.cost);
      if (mk.value.order.length === 0) continue;
      const win = mk.value.order[0]!;
      const honestBody = bodyIndex(ts, win.prover as Hex, win.payment);
      const second = mk.value.order[1];
      const otherBody =
        second !== undefined
          ? bodyIndex(ts, second.prover as Hex, second.payment)
          : bodyIndex(ts, win.prover as Hex, win.payment - 1n);
      const bodies: number[] = [];
      if (byz[n] === 0) {
        bodies.push(honestBody);
        ts.honestSigned.add(honestBody);
      } else {
        if (o.byzantineMode !== "withhold") bodies.push(honestBody);
        if (o.byzantineMode !== "badsig") bodies.push(otherBody);
      }
      // badsig: the byzantine member signs with another node's key (its vote's signature does not verify).
      const signer = byz[n] === 1 && o.byzantineMode === "badsig" ? (n + 1) % N : n;
      for (const b of bodies) {
        const body = ts.bodyList[b]!;
        const unsigned = { kind: "assignment" as const, taskId: ts.id, round: 0, prover: body.prover, price: body.price, attester: addrs[n]! };
        let v: SimVote;
        let size: number;
        if (bls) {
          const r = real("signVote", () => signBlsVote(unsigned, blsKeys[signer]!, DOMAIN));
          done = charge(n, t, "signVote", r.cost);
          v = { attester: addrs[n]!.toLowerCase(), bls: r.value, msg: -1, body: b, from: n };
          size = blsVoteSize(unsigned);
        } else {
          const r = real("signVote", () => {
            const vote = signVote(unsigned, keys[signer]!, DOMAIN);
            return { vote, bytes: encodeVote(vote) };
          });
          done = charge(n, t, "signVote", r.cost);
          v = { attester: r.value.vote.attester, vote: r.value.vote, bytes: r.value.bytes, msg: -1, body: b, from: n };
          size = r.value.bytes.length;
        }
        ts.votes.push(v);
        wire.votes++;
        wire.voteBytes += size;
        v.msg = newMsg(M_VOTE, i, ts.votes.length - 1, size);
        heap.push(done, E_SEND_VOTES, n, i, ts.votes.length - 1);
      }
    }
  }

  function deliverVote(ts: TaskState, i: number, a: number, t: number, vi: number): void {
    if (bls) {
      deliverBlsVote(ts, i, a, t, vi);
      return;
    }
    const v = ts.votes[vi]!;
    const st = ts.agg.get(a)!;
    const attester = v.attester;
    const prev = st.prevByAttester.get(attester) ?? [];
    const key = `${vi}|${prev.join(",")}`;
    let memo = ts.voteMemo.get(key);
    if (memo === undefined) {
      memo = real("validateVote", () => {
        const decoded = decodeVote(v.bytes!);
        const verdict = validateVote(decoded, {
          domain: DOMAIN,
          now: ts.task.revealDeadline + 1n,
          task: ts.task,
          attesterStake: ts.weights.get(attester) ?? 0n,
          previousInSlot: prev.map((p) => ts.votes[p]!.vote!),
        });
        return verdict.code;
      });
      ts.voteMemo.set(key, memo);
    }
    charge(a, t, "validateVote", memo.cost);
    if (memo.value === "BAD_SIGNATURE") badVotes++;
    if (memo.value !== "OK" && memo.value !== "EQUIVOCATION") return;
    if (memo.value === "EQUIVOCATION") equivocations++;
    prev.push(vi);
    st.prevByAttester.set(attester, prev);
    const list = st.votesByBody.get(v.body) ?? [];
    list.push(v.vote!);
    st.votesByBody.set(v.body, list);
    const signers = st.signersByBody.get(v.body) ?? [];
    signers.push(attester);
    st.signersByBody.set(v.body, signers);
    if (st.assembled.has(v.body)) return;
    // A byzantine aggregator assembles only what it signed itself.
    if (byz[a] === 1 && !ts.votes.some((x) => x.from === a && x.body === v.body)) return;
    const q = real("checkQuorum", () => hasCommitteeQuorum(ts.committee!, signers));
    charge(a, t, "checkQuorum", q.cost);
    if (!q.value) return;
    st.assembled.add(v.body);
    const akey = `${v.body}|${[...signers].sort().join(",")}`;
    let am = ts.assembleMemo.get(akey);
    if (am === undefined) {
      const body = ts.bodyList[v.body]!;
      am = real("assembleCertificate", () => {
        const cert = assembleCertificate(
          { kind: "assignment", taskId: ts.id, round: 0, prover: body.prover, price: body.price },
          list,
          ts.attesters!,
          DOMAIN,
        );
        return cert === undefined ? undefined : { cert, bytes: encodeCertificate(cert) };
      });
      ts.assembleMemo.set(akey, am);
    }
    const done = charge(a, t, "assembleCertificate", am.cost);
    const made = am.value;
    if (made === undefined) throw new Error("sim: assembleCertificate found no quorum where hasCommitteeQuorum did");
    const dec = real("decodeCertificate", () => decodeCertificate(made.bytes));
    const sc: SimCert = { cert: made.cert, bytes: made.bytes, msg: -1, body: v.body, from: a, decodeCost: dec.cost };
    ts.certs.push(sc);
    wire.certs++;
    wire.certBytes += made.bytes.length;
    sc.msg = newMsg(M_CERT, i, ts.certs.length - 1, made.bytes.length);
    ts.assembledBodies.add(v.body);
    if (byz[a] === 0) hold(ts, a, done, v.body);
    heap.push(done, E_PUBLISH_CERT, a, i, ts.certs.length - 1);
  }

  /** verifyBlsVote of vote `vi` at aggregator `a` (once per vote for real, charged per aggregator). */
  function verifyAt(ts: TaskState, a: number, t: number, vi: number): { ok: boolean; done: number } {
    const v = ts.votes[vi]!;
    const st = ts.agg.get(a)!;
    v.blsCheck ??= real("verifyBlsVote", () => verifyBlsVote(v.bls!, registry!, DOMAIN));
    const done = charge(a, t, "verifyBlsVote", v.blsCheck.cost);
    st.verified.add(vi);
    if (!v.blsCheck.value) {
      badVotes++;
      suspects[a]!.add(v.attester);
    }
    return { ok: v.blsCheck.value, done };
  }

  /** Drops vote `vi` (a bad signature) from what aggregator `a` holds. */
  function dropBlsVote(st: AggState, ts: TaskState, vi: number): void {
    const v = ts.votes[vi]!;
    const held = st.blsByBody.get(v.body);
    if (held !== undefined) {
      const k = held.indexOf(vi);
      if (k >= 0) {
        held.splice(k, 1);
        st.signersByBody.get(v.body)!.splice(k, 1);
      }
    }
    const prev = st.prevByAttester.get(v.attester);
    if (prev !== undefined) {
      const k = prev.indexOf(vi);
      if (k >= 0) prev.splice(k, 1);
    }
  }

  /**
   * The aggregator's check of a BLS vote without its signature (the non-signature part of validateVote):
   * the body digest (blsVoteMessage: the body is well formed), this task and round 0, a committee member, and
   * the slot: DUPLICATE (same body again), EQUIVOCATION_KNOWN (two bodies held), CONFLICT (another body held).
   */
  function checkBlsVote(ts: TaskState, v: SimVote, prev: readonly number[]): string {
    const vote = v.bls!;
    blsVoteMessage(vote, DOMAIN);
    if (vote.taskId.toLowerCase() !== ts.id.toLowerCase()) return "UNKNOWN_TASK";
    if (vote.round !== 0 || vote.kind !== "assignment") return "WRONG_ROUND";
    if ((ts.weights.get(v.attester) ?? 0n) === 0n) return "NOT_ATTESTER";
    if (prev.some((p) => ts.votes[p]!.body === v.body)) return "DUPLICATE";
    if (prev.length >= 2) return "EQUIVOCATION_KNOWN";
    return prev.length > 0 ? "CONFLICT" : "OK";
  }

  function deliverBlsVote(ts: TaskState, i: number, a: number, t: number, vi: number): void {
    const v = ts.votes[vi]!;
    const st = ts.agg.get(a)!;
    const attester = v.attester;
    const prev = st.prevByAttester.get(attester) ?? [];
    const key = `${vi}|${prev.join(",")}`;
    let memo = ts.voteMemo.get(key);
    if (memo === undefined) {
      memo = real("validateVote", () => checkBlsVote(ts, v, prev));
      ts.voteMemo.set(key, memo);
    }
    let done = charge(a, t, "validateVote", memo.cost);
    if (memo.value !== "OK" && memo.value !== "CONFLICT") return;
    // What is verified now: every vote (each), or a conflict (both votes: the equivocation evidence), a vote of an
    // attester already caught with a bad signature, or every vote once an aggregate of this task failed here.
    const now = o.blsVotes === "each" || memo.value === "CONFLICT" || st.verifyEach || suspects[a]!.has(attester);
    if (now) {
      const r = verifyAt(ts, a, done, vi);
      done = r.done;
      if (!r.ok) return;
      if (memo.value === "CONFLICT") {
        let evidence = true;
        for (const p of [...prev]) {
          if (st.verified.has(p)) continue;
          const q = verifyAt(ts, a, done, p);
          done = q.done;
          if (!q.ok) {
            dropBlsVote(st, ts, p);
            evidence = false;
          }
        }
        if (evidence) equivocations++;
      }
    }
    prev.push(vi);
    st.prevByAttester.set(attester, prev);
    const held = st.blsByBody.get(v.body) ?? [];
    held.push(vi);
    st.blsByBody.set(v.body, held);
    const signers = st.signersByBody.get(v.body) ?? [];
    signers.push(attester);
    st.signersByBody.set(v.body, signers);
    tryBlsCertificate(ts, i, a, done, v.body);
  }

  /** At aggregator `a`: if `body` has a quorum of held votes, aggregate them and gossip the certificate. */
  function tryBlsCertificate(ts: TaskState, i: number, a: number, t: number, b: number): void {
    const st = ts.agg.get(a)!;
    if (st.assembled.has(b)) return;
    // A byzantine aggregator assembles only what it signed itself.
    if (byz[a] === 1 && !ts.votes.some((x) => x.from === a && x.body === b)) return;
    const held = st.blsByBody.get(b) ?? [];
    const signers = st.signersByBody.get(b) ?? [];
    const q = real("checkQuorum", () => hasCommitteeQuorum(ts.committee!, signers));
    let done = charge(a, t, "checkQuorum", q.cost);
    if (!q.value) return;
    const unverified = held.some((x) => !st.verified.has(x));
    const akey = `${b}|${unverified}|${[...held].sort((x, y) => x - y).join(",")}`;
    let am = ts.blsAssembleMemo.get(akey);
    if (am === undefined) {
      const body = ts.bodyList[b]!;
      const votes = held.map((x) => ts.votes[x]!.bls!);
      am = real("assembleCertificate", () => {
        try {
          const cert: BlsCertificate = {
            kind: "assignment",
            taskId: ts.id,
            round: 0,
            prover: body.prover,
            price: body.price,
            signerBitmap: blsSignerBitmap(ts.committee!, votes.map((x) => x.attester)),
            aggregateSignature: aggregateBlsSignatures(votes.map((x) => x.blsSignature)),
          };
          // Some vote in it was not verified (batch): check the aggregate before gossiping it.
          if (unverified) verifyBlsCertificate(cert, ts.committee!, registry!, DOMAIN, { taskId: ts.id, round: 0 });
          return cert;
        } catch (err) {
          // A signature that is not a G2 point (aggregateBlsSignatures) or an aggregate that does not verify.
          if (err instanceof BlsError && unverified) return undefined;
          throw err;
        }
      });
      ts.blsAssembleMemo.set(akey, am);
    }
    done = charge(a, done, "assembleCertificate", am.cost);
    const made = am.value;
    if (made === undefined) {
      // The optimistic aggregate failed: verify the held votes one by one, drop the bad ones, verify every later
      // vote of this task here, and try again with what is left.
      blsFallbacks++;
      st.verifyEach = true;
      for (const x of [...held]) {
        if (st.verified.has(x)) continue;
        const r = verifyAt(ts, a, done, x);
        done = r.done;
        if (!r.ok) dropBlsVote(st, ts, x);
      }
      tryBlsCertificate(ts, i, a, done, b);
      return;
    }
    st.assembled.add(b);
    const m = ts.committee!.members.length;
    const dec = real("decodeCertificate", () => made.signerBitmap.length === (m + 7) >> 3 && made.aggregateSignature.length === 96);
    const sc: SimCert = { bls: made, msg: -1, body: b, from: a, decodeCost: dec.cost };
    ts.certs.push(sc);
    const certSize = blsCertSize(made, m);
    wire.certs++;
    wire.certBytes += certSize;
    sc.msg = newMsg(M_CERT, i, ts.certs.length - 1, certSize);
    ts.assembledBodies.add(b);
    if (byz[a] === 0) hold(ts, a, done, b);
    heap.push(done, E_PUBLISH_CERT, a, i, ts.certs.length - 1);
  }

  function hold(ts: TaskState, n: number, t: number, body: number): void {
    if (ts.heldBody[n] === -1) {
      ts.heldBody[n] = body;
      ts.heldAt[n] = t;
      ts.certifiedBodies.add(body);
    } else if (ts.heldBody[n] !== body) {
      ts.violation = true; // an honest node holds certificates on two different bodies for one slot
      ts.certifiedBodies.add(body);
    }
  }

  function deliverCert(ts: TaskState, n: number, t: number, ci: number): void {
    const c = ts.certs[ci]!;
    if (ts.heldBody[n] === c.body) {
      charge(n, t, "decodeCertificate", c.decodeCost);
      return;
    }
    if (c.verdict === undefined && c.bls !== undefined) {
      const cert = c.bls;
      c.verdict = real("validateCertificate", () => {
        try {
          verifyBlsCertificate(cert, ts.committee!, registry!, DOMAIN, {
            kind: "assignment",
            taskId: ts.id,
            round: 0,
            maxRounds: ts.task.maxRounds,
          });
          return "OK";
        } catch (err) {
          if (err instanceof BlsError) return err.code;
          throw err;
        }
      });
    }
    if (c.verdict === undefined) {
      c.verdict = real("validateCertificate", () => {
        const decoded = decodeCertificate(c.bytes!);
        return validateCertificate(decoded, {
          domain: DOMAIN,
          now: ts.task.revealDeadline + 1n,
          task: ts.task,
          stakes: ts.attesters!,
          known: false,
        }).code;
      });
    }
    const done = charge(n, t, "validateCertificate", c.verdict.cost);
    if (byz[n] === 1) return;
    if (c.verdict.value !== "OK") {
      ts.violation = true; // a certificate that does not verify at an honest node
      return;
    }
    hold(ts, n, done, c.body);
  }

  function deliver(n: number, t: number, m: number): void {
    deliveries++;
    const msg = msgs[m]!;
    const ts = tasks[msg.task]!;
    switch (msg.kind) {
      case M_TASK: {
        if (ts.taskMemo === undefined) {
          ts.taskMemo = real("validateTask", () =>
            validateTask(decodeTask(ts.taskBytes), { domain: DOMAIN, now: ts.task.bidDeadline - 5n }).code,
          );
          if (ts.taskMemo.value !== "OK") throw new Error(`sim: task rejected: ${ts.taskMemo.value}`);
        }
        const done = charge(n, t, "validateTask", ts.taskMemo.cost);
        const j = proverIndexOf.get(n);
        if (j !== undefined) heap.push(done, E_PROVER_COMMIT, n, msg.task, j);
        return;
      }
      case M_COMMIT: {
        const p = ts.provers[msg.ref]!;
        if (p.commitMemo === undefined) {
          const bytes = commitBytes.get(m)!;
          p.commitMemo = real("validateBidCommit", () =>
            validateBidCommit(decodeBidCommit(bytes), {
              domain: DOMAIN,
              now: ts.task.bidDeadline - 1n,
              task: ts.task,
              peerOperator: addrs[p.node]!,
              proverStake: stakeArr[p.node]!,
              previousCommitments: [],
            }).code,
          );
          if (p.commitMemo.value !== "OK") throw new Error(`sim: commit rejected: ${p.commitMemo.value}`);
        }
        charge(n, t, "validateBidCommit", p.commitMemo.cost);
        if (t < ts.cutoff) ts.commitArrived[n] = ts.commitArrived[n]! | (1 << msg.ref);
        return;
      }
      case M_REVEAL: {
        const p = ts.provers[msg.ref]!;
        if (p.revealMemo === undefined) {
          const bytes = revealBytes.get(m)!;
          p.revealMemo = real("validateBidReveal", () =>
            validateBidReveal(decodeBidReveal(bytes), {
              domain: DOMAIN,
              now: ts.task.bidDeadline + 1n,
              task: ts.task,
              peerOperator: addrs[p.node]!,
              proverStake: stakeArr[p.node]!,
              commitments: [p.commit!.commitment],
            }).code,
          );
          if (p.revealMemo.value !== "OK") throw new Error(`sim: reveal rejected: ${p.revealMemo.value}`);
        }
        charge(n, t, "validateBidReveal", p.revealMemo.cost);
        if (t < ts.cutoff) ts.revealArrived[n] = ts.revealArrived[n]! | (1 << msg.ref);
        return;
      }
      case M_VOTE:
        deliverVote(ts, msg.task, n, t, msg.ref);
        return;
      case M_CERT:
        deliverCert(ts, n, t, msg.ref);
        return;
    }
  }

  /* ---- the event loop ---- */
  let lastT = 0;
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) {
    lastT = e.t;
    switch (e.type) {
      case E_PUBLISH:
        publish(e.task, e.node, e.t);
        break;
      case E_GOSSIP:
        gossip(e.node, e.t, e.idx);
        break;
      case E_DELIVER:
        deliver(e.node, e.t, e.idx);
        break;
      case E_PROVER_COMMIT:
        proverCommit(e.task, e.idx, e.t);
        break;
      case E_PROVER_REVEAL:
        proverReveal(e.task, e.idx, e.t);
        break;
      case E_CUTOFF:
        cutoff(e.task, e.t);
        break;
      case E_SEND_VOTES: {
        const ts = tasks[e.task]!;
        const v = ts.votes[e.idx]!;
        for (const a of ts.aggregators) direct(e.node, a, e.t, v.msg);
        break;
      }
      case E_PUBLISH_CERT:
        gossip(e.node, e.t, tasks[e.task]!.certs[e.idx]!.msg);
        break;
    }
  }

  /* ---- statistics ---- */
  let certified = 0;
  let certifiedAny = 0;
  let violations = 0;
  let splits = 0;
  const completions: number[] = [];
  let byzWeight = 0;
  const honestCount = N - byzCount;
  const lat99: number[] = [];
  let mode = "";
  for (const ts of tasks) {
    mode = ts.committee?.mode ?? mode;
    byzWeight += ts.byzWeight;
    let holders = 0;
    let last = 0;
    for (let n = 0; n < N; n++) {
      if (byz[n] === 1) continue;
      const h = ts.heldAt[n]!;
      if (Number.isNaN(h)) continue;
      holders++;
      lat99.push(h - ts.cutoff);
      if (h > last) last = h;
    }
    if (holders === honestCount && honestCount > 0) {
      certified++;
      completions.push(last);
    }
    if (holders > 0) certifiedAny++;
    if (ts.honestSigned.size > 1) splits++;
    const forged = [...ts.certifiedBodies].some((b) => !ts.honestSigned.has(b));
    if (ts.violation || ts.certifiedBodies.size > 1 || ts.assembledBodies.size > 1 || forged) violations++;
  }
  lat99.sort((a, b) => a - b);
  const T = o.tasks;
  const span = Math.max(lastT, 1);
  let totalCpu = 0;
  let maxCpu = 0;
  let totalSent = 0;
  let totalRecv = 0;
  for (let n = 0; n < N; n++) {
    totalCpu += cpuMs[n]!;
    if (cpuMs[n]! > maxCpu) maxCpu = cpuMs[n]!;
    totalSent += sent[n]!;
    totalRecv += recv[n]!;
  }
  const ops = {} as Record<SimOp, SimOpStats>;
  for (const op of SIM_OPS) {
    const r = [...opReal.get(op)!].sort((a, b) => a - b);
    const c = opCharged.get(op)!;
    ops[op] = {
      calls: r.length,
      meanMs: r.length > 0 ? r.reduce((a, b) => a + b, 0) / r.length : NaN,
      p50Ms: quantile(r, 0.5),
      charged: c.n,
      chargedMs: c.ms,
    };
  }
  completions.sort((a, b) => a - b);
  const drainSpan = completions.length > 1 ? completions[completions.length - 1]! - completions[0]! : 0;
  return {
    options: o,
    mode,
    byzantineNodes: byzCount,
    byzantineStakeShare: Number((byzStake * 1_000_000n) / totalStake) / 1e6,
    byzantineWeightShare: byzWeight / T,
    tasksCertified: certified,
    tasksCertifiedAny: certifiedAny,
    honestSplits: splits,
    equivocationsDetected: equivocations,
    safetyViolations: violations,
    tasksPerS: (o.rate * certified) / T,
    drainTasksPerS: drainSpan > 0 ? ((completions.length - 1) * 1000) / drainSpan : 0,
    cpuMsPerTaskPerNode: totalCpu / (T * N),
    bytesPerTaskPerNode: (totalSent + totalRecv) / (T * N),
    sentBytesPerTaskPerNode: totalSent / (T * N),
    recvBytesPerTaskPerNode: totalRecv / (T * N),
    p50AssignMs: quantile(lat99, 0.5),
    p99AssignMs: quantile(lat99, 0.99),
    maxAssignMs: lat99.length > 0 ? lat99[lat99.length - 1]! : NaN,
    maxCpuUtilization: maxCpu / span,
    maxCpuLoad: (maxCpu / T) * (o.rate / 1000),
    simulatedMs: span,
    wallMs: Number(process.hrtime.bigint() - wallStart) / 1e6,
    messages: deliveries,
    ops,
    epochMsPerNode: { prepareStakeTable: prep.cost, blsKeygen: bls ? keygenMs / N : 0, blsRegistry: registryMs },
    blsFallbacks,
    badVotes,
    meanVoteBytes: wire.votes > 0 ? wire.voteBytes / wire.votes : NaN,
    meanCertificateBytes: wire.certs > 0 ? wire.certBytes / wire.certs : NaN,
  };
}

/* ------------------------------------------------------------------ output */

const fmt = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : "NaN");

/** The final one-line summary. */
export function simLine(r: SimResult): string {
  return (
    `sim: nodes=${r.options.nodes} tasks=${r.options.tasks} tasks_per_s=${fmt(r.tasksPerS, 2)} ` +
    `cpu_ms_per_task_per_node=${fmt(r.cpuMsPerTaskPerNode, 3)} bytes_per_task_per_node=${Math.round(r.bytesPerTaskPerNode)} ` +
    `p99_assign_ms=${fmt(r.p99AssignMs, 1)} safety_violations=${r.safetyViolations}`
  );
}

/** Human-readable lines printed before the summary. */
export function simReport(r: SimResult): string[] {
  const o = r.options;
  const lines = [
    `settings: nodes=${o.nodes} tasks=${o.tasks} rate=${o.rate}/s committee=${o.committee} (mode ${r.mode}) ` +
      `certs=${o.certs}${o.certs === "bls" ? ` (votes checked: ${o.blsVotes})` : ""} stake-table=${o.stakeTable} ` +
      `provers=${o.provers} aggregators=${o.aggregators} stake=${o.stake} latency=${o.latencyDist}(median ${o.latencyMs} ms) ` +
      `loss=${o.loss} bandwidth=${o.bandwidthMbps} Mbit/s mesh D=${o.meshDegree} relay=${o.relayFraction} ` +
      `reveal@+${o.revealAtMs} ms cut-off@+${o.cutoffMs} ms seed=${o.seed} clock=${o.clock}`,
    `byzantine: ${r.byzantineNodes} nodes (${o.byzantineMode}), stake share ${fmt(r.byzantineStakeShare, 3)}, ` +
      `mean committee weight share ${fmt(r.byzantineWeightShare, 3)}; equivocations flagged ${r.equivocationsDetected}; ` +
      `votes with a bad signature refused ${r.badVotes}` +
      (o.certs === "bls" ? `; failed aggregates (fallback to one-by-one) ${r.blsFallbacks}` : ""),
    `outcome: certified at every honest node ${r.tasksCertified}/${o.tasks}, at some honest node ${r.tasksCertifiedAny}/${o.tasks}, ` +
      `honest splits ${r.honestSplits}; assign latency p50 ${fmt(r.p50AssignMs, 1)} ms p99 ${fmt(r.p99AssignMs, 1)} ms max ${fmt(r.maxAssignMs, 1)} ms; ` +
      `drain ${fmt(r.drainTasksPerS, 2)} tasks/s; busiest node CPU ${fmt(100 * r.maxCpuUtilization, 1)} % of the span, ` +
      `demand at the offered rate ${fmt(r.maxCpuLoad, 2)} cores (> 1: its queue grows)`,
    `traffic: sent ${Math.round(r.sentBytesPerTaskPerNode)} + received ${Math.round(r.recvBytesPerTaskPerNode)} bytes per task per node ` +
      `(${o.overheadBytes} B framing per message; sender pays D copies of a gossip, each receiver one); ` +
      `a vote ${fmt(r.meanVoteBytes, 0)} B, a certificate ${fmt(r.meanCertificateBytes, 0)} B (mean, unframed); ${r.messages} deliveries, ` +
      `${fmt(r.simulatedMs / 1000, 1)} s simulated in ${fmt(r.wallMs / 1000, 1)} s`,
    `cpu charging: each real call below ran once per distinct message/input, timed with ` +
      (o.clock === "cpu"
        ? `process.cpuUsage() (CPU time of this process, 1 us resolution: time descheduled on a shared machine is not counted)`
        : `process.hrtime.bigint() (wall time: on a shared machine it includes time descheduled)`) +
      `; its cost ` +
      `was charged to every node doing that work, on a single-core FIFO queue per node` +
      (o.cpuCosts !== undefined ? ` (fixed costs for: ${Object.keys(o.cpuCosts).join(", ")})` : ""),
  ];
  const e = r.epochMsPerNode;
  const epochMs = e.prepareStakeTable + e.blsRegistry;
  lines.push(
    `per stake epoch, per node (not in cpu_ms_per_task_per_node): prepareStakeTable ${fmt(e.prepareStakeTable, 2)} ms` +
      (o.certs === "bls"
        ? `, blsKeyRegistry (${o.nodes} proofs of possession) ${fmt(e.blsRegistry, 1)} ms; once per key: blsKeyFromSeed + proof ${fmt(e.blsKeygen, 2)} ms`
        : "") +
      `; over a ${SIM_EPOCH_SECONDS} s epoch at ${o.rate} tasks/s that is ${fmt(epochMs / (SIM_EPOCH_SECONDS * o.rate), 4)} ms per task per node`,
  );
  // The same charges at each op's median real cost: one slow call (a GC pause of the simulator's own heap, the
  // process descheduled) is otherwise charged to every node that shares the memoized result.
  let atMedians = 0;
  for (const op of SIM_OPS) {
    if (SIM_EPOCH_OPS.includes(op) || r.ops[op].charged === 0) continue;
    atMedians += r.ops[op].charged * (o.cpuCosts?.[op] ?? r.ops[op].p50Ms);
  }
  lines.push(
    `cpu at op medians: ${fmt(atMedians / (o.tasks * o.nodes), 3)} ms per task per node (every charge at its op's median ` +
      `real cost instead of the call's own; the sim: line uses the calls' own costs)`,
  );
  for (const op of SIM_OPS) {
    const s = r.ops[op];
    if (s.calls === 0 && s.charged === 0) continue;
    if (SIM_EPOCH_OPS.includes(op)) continue;
    const doc = (o.certs === "bls" ? SIM_OP_DOC_BLS[op] : undefined) ?? SIM_OP_DOC[op];
    lines.push(
      `  op ${op.padEnd(19)} real calls ${String(s.calls).padStart(7)}  mean ${fmt(1000 * s.meanMs, 1).padStart(8)} us  ` +
        `p50 ${fmt(1000 * s.p50Ms, 1).padStart(8)} us  charged ${String(s.charged).padStart(8)}x = ${fmt(s.chargedMs, 1)} ms  ` +
        `[${doc}]`,
    );
  }
  return lines;
}
