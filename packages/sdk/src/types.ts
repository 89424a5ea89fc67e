import type { Hex } from "@zkpool/protocol";

/** Per-task time windows, seconds. */
export interface TaskWindows {
  /** From publication to the bid deadline. @default 8 */
  bidWindow?: number;
  /** From the bid deadline to the reveal deadline (> 4). @default 8 */
  revealWindow?: number;
  /** Time the assigned prover has per round. @default 30 */
  proofWindow?: number;
  /** Rounds (1 + reassignments after a default). @default 2 */
  maxRounds?: number;
}

export interface CircuitArtifactPaths {
  wasm: string;
  zkey: string;
  vkey: string;
}

/** A circuit: a catalog name or your own artifacts. */
export interface CircuitParameters {
  /** A catalog circuit of @zkpool/circuits, e.g. "range-check-32" … */
  circuit?: string;
  /**
   * … or your own artifacts (paths); the proof system is read from the verification key's `protocol`. The key
   * may be snarkjs' vkey.json or the canonical key (SPEC §1.12).
   */
  artifacts?: CircuitArtifactPaths;
  /** Proof system of the catalog circuit (must match the key's when artifacts are given). @default "groth16" */
  proofSystem?: "groth16" | "plonk" | "fflonk";
}

export interface QuoteParameters extends CircuitParameters {
  /** Compute the expected price at this maximum reward (wei) instead of the suggested one. */
  maxReward?: bigint;
  /** Wait up to this long (ms) for a standing ask when none is held yet. @default 0 */
  waitMs?: number;
}

/** A quote from the provers' standing asks (SPEC §10.6). Amounts in wei. */
export interface QuoteReturnType {
  circuitId: Hex;
  proofSystem: "groth16" | "plonk" | "fflonk";
  /** Fresh asks of staked provers for this circuit and system, ascending by price. */
  asks: { prover: Hex; price: bigint; stake: bigint; issuedAt: bigint }[];
  /** A maximum reward that at least three provers (or all that ask, if fewer) would bid at; undefined with no ask. */
  suggestedMaxReward?: bigint;
  /** Provers whose ask is at most the maximum the expectation is computed at. */
  willing: number;
  /** Expected payment if those provers bid their asks (SPEC §10.2); undefined when nobody would bid. */
  expectedPrice?: bigint;
  /** Lowest and highest price the task could be assigned at, on those asks. */
  priceRange?: { low: bigint; high: bigint };
  /**
   * A price schedule (SPEC §10.3) for `submitTask({ schedule })` at the maximum the quote is computed at (`maxReward`
   * if given, else the suggested one): start at the lowest ask and rise to the maximum in at most 4 auction rounds,
   * `priceStep = ceil((max - startPrice) / 3)`. Undefined without an ask below that maximum.
   */
  suggestedSchedule?: { startPrice: bigint; priceStep: bigint };
}

export interface RegisterCircuitReturnType {
  circuitId: Hex;
  proofSystem: "groth16" | "plonk" | "fflonk";
  /** False when the circuit was already registered (the call changed nothing). */
  registered: boolean;
  txHash: string;
}

/**
 * A price schedule (SPEC §10.3): auction round a has the reserve `min(maxReward, startPrice + a * priceStep)`. An
 * auction round in which no prover bids at or under its reserve re-opens at the next reserve, without you doing
 * anything, until the reserve reaches `maxReward` (then the task fails as it would without a schedule). Amounts in wei.
 */
export interface TaskScheduleParameters {
  /** Reserve of the first auction round: `0 < startPrice < maxReward`. */
  startPrice: bigint;
  /** Reserve increase per auction round, `> 0`; at most 16 auction rounds: `1 + ceil((maxReward - startPrice) / priceStep) <= 16`. */
  priceStep: bigint;
  /**
   * Seconds provers have to commit bids in each later auction round (from the previous round's reveal deadline),
   * 5..86400 (MIN_REBID_WINDOW: nodes open the next round MAX_CLOCK_SKEW after that deadline and provers commit until
   * MAX_CLOCK_SKEW before the bid deadline). @default the task's bid window (`windows.bidWindow`, default 8), at least 5
   */
  rebidWindow?: number;
}

export interface SubmitTaskParameters extends CircuitParameters {
  /** Circuit inputs. */
  input: Record<string, unknown>;
  /** Public signals the proof must have; computed from the witness when omitted. */
  publicSignals?: readonly bigint[];
  /** Most you pay (wei); locked from your escrow balance at settlement. */
  maxReward: bigint;
  /** What a prover that takes the task and never proves loses (wei). @default maxReward / 10 */
  penalty?: bigint;
  windows?: TaskWindows;
  /**
   * Start lower and raise the price only if nobody bids (SPEC §10.3). Absent: one auction round at `maxReward`.
   * The escrow still locks `maxReward` (plus the premium); you pay the clearing price, at most the reserve of the
   * auction round that assigned the task.
   */
  schedule?: TaskScheduleParameters;
  /** @default a fresh unique nonce */
  nonce?: bigint;
}

export type TaskEventName =
  | "published" | "bids" | "assigned" | "proving" | "proved" | "verified" | "settled"
  | "defaulted" | "reassigned" | "failed" | "refunded" | "reauction";

export interface TaskEvents {
  published: [{ taskId: Hex; bidDeadline: bigint; revealDeadline: bigint }];
  /** Bids seen for one auction round (`auctionRound`, 0 without a schedule): its sealed commits and reveals so far. */
  bids: [{ commits: number; reveals: number; auctionRound: number }];
  /**
   * The first assignment certificate (any round). `round` is the global round `auctionRound * maxRounds + proof
   * round`; `price` is what the prover is paid if it proves, at most `reserve`, the reserve of `auctionRound`.
   */
  assigned: [{ round: number; prover: Hex; price: bigint; auctionRound: number; reserve: bigint }];
  proving: [{ round: number; prover: Hex; deadline: bigint }];
  proved: [{ round: number; prover: Hex }];
  verified: [TaskResult];
  settled: [{ round: number; prover: Hex; price: bigint; refunded: bigint }];
  defaulted: [{ round: number; prover: Hex }];
  /** A later assignment certificate (after a default), with the same fields as `assigned`. */
  reassigned: [{ round: number; prover: Hex; price: bigint; auctionRound: number; reserve: bigint }];
  failed: [{ reason: string }];
  refunded: [{ amount: bigint }];
  /**
   * Auction round `auctionRound - 1` ended with no bid this client saw revealed and no assignment, so the task
   * re-opens at the next reserve (SPEC §10.3): commits until `bidDeadline`, reveals until `revealDeadline`. Once per
   * auction round, after the previous round's reveal deadline + MAX_CLOCK_SKEW; only with a schedule.
   */
  reauction: [{ auctionRound: number; reserve: bigint; bidDeadline: bigint; revealDeadline: bigint }];
}

/**
 * Where the SDK got a proof: validated gossip, a sync from a pool node, the embedded node's store, or the
 * calldata of the transaction that settled the task on chain.
 */
export type ProofSource = "gossip" | "sync" | "store" | "chain";

export interface TaskResult {
  taskId: Hex;
  round: number;
  prover: Hex;
  /** snarkjs proof object of the task's proof system (Groth16: pi_a, pi_b, pi_c; PLONK / FFLONK: as snarkjs writes them). */
  proof: unknown;
  /** Decimal strings, as snarkjs gives them. */
  publicSignals: string[];
  /** Verified here against the verification key (always true when returned). */
  verified: true;
  /** Where the proof came from. */
  source: ProofSource;
}

export interface FetchProofOptions {
  /** Ask connected pool nodes (sync) when the proof is not known here. @default true */
  sync?: boolean;
  /**
   * The task's verification key (parsed JSON), for a task this client did not submit. @default the key of the
   * task's handle, else the one in the embedded node's content store, else fetched from the pool by its hash
   */
  vkey?: unknown;
}

export interface DepositParameters { amount: bigint }
export interface DepositReturnType { txHash: string; balance: bigint }
export interface BalanceReturnType { balance: bigint; pendingWithdrawal: bigint; available: bigint; readyAt: bigint }
export interface WithdrawParameters { amount: bigint }
export interface WithdrawReturnType { txHash: string; readyAt?: bigint }
