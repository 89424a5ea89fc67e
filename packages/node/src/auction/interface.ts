import type { Certificate, Eip712Key, Hex, ProofSubmission, Task } from "@zkpool/protocol";
import type { CircuitArtifacts, SnarkProof, Ump } from "@zkpool/ump";
import type { PoolNode } from "../node.js";
import type { PricingStrategy } from "../pricing/strategy.js";
import type { ProvabilityChecker } from "./provability.js";

/**
 * What the auction needs of a prover runtime: the UMP's capacity, reservation and proving calls. A started
 * `Ump` from @zkpool/ump is one.
 */
export type AuctionProver = Pick<Ump, "reserve" | "load" | "prove" | "modules">;

/** Checks a proof against a circuit's verification key (a started `Ump` is one). */
export interface ProofChecker {
  verify(circuit: CircuitArtifacts, proof: SnarkProof, publicSignals: string[]): Promise<boolean>;
}

export interface AuctionServiceInit {
  /** A created (and, before `start()`, started) pool node. */
  node: PoolNode;
  /** The operator key: signs the operator record and this node's votes (EIP-712). */
  operator: Eip712Key;
  /** Prover role: the UMP that proves. Without it the node only attests. */
  ump?: AuctionProver;
  /** Verifies submitted proofs before a completion vote. @default `ump` */
  verifier?: ProofChecker;
  /** Bid pricing (prover role). @default CostPlusPricing with its defaults */
  pricing?: PricingStrategy;
  /**
   * Attester: checks that a task can be proved before round 0's vote (SPEC §9.7); an unprovable task gets an
   * Invalid vote. A `SnarkjsModule` is one (wrap it in CachedProvabilityChecker). @default no check
   */
  provability?: ProvabilityChecker;
  /** Publish this node's operator record at start. @default true */
  announce?: boolean;
  /** Declared capacity in the operator record. @default the UMP's concurrency or 1 */
  capacity?: number;
  /** How often open tasks are re-examined, ms. @default 250 */
  tickMs?: number;
  /** Sync open tasks from peers before acting on them at start. @default true */
  syncOnStart?: boolean;
}

export interface AuctionEvents {
  /** A certificate of any kind was stored for a task this node follows. */
  certificate: [Certificate];
  /**
   * An auction round closed with no eligible bid and the next one opened at a higher reserve (SPEC §10.3), by this
   * node's view at the cut-off.
   */
  reauction: [{ taskId: Hex; auctionRound: number; reserve: bigint; bidDeadline: bigint; revealDeadline: bigint }];
  /** The task ended: completed (with the proof) or failed. */
  ended: [{ taskId: Hex; status: "completed" | "invalid" | "failed"; round?: number; reason?: string; proof?: ProofSubmission }];
}

/** What the service exposes about a task. */
export interface TaskView {
  taskId: Hex;
  task: Task;
  status: "open" | "completed" | "invalid" | "failed" | "unfunded";
  round?: number;
  reason?: string;
}

/** Two different votes by one attester in one slot (SPEC §5.4): slashing evidence, wire bytes. */
export interface EquivocationEvidence {
  taskId: Hex;
  round: number;
  slot: "assignment" | "outcome";
  attester: Hex;
  votes: [Uint8Array, Uint8Array];
}

/** A commit without a valid reveal by the reveal deadline (SPEC §4.8). */
export interface NonRevealEvidence {
  taskId: Hex;
  prover: Hex;
  commitment: Hex;
  commit: Uint8Array;
}
