/**
 * Decoded (domain) forms of every wire message (SPEC §1). Addresses and bytesN are lowercase 0x hex;
 * uint256 / uint64 are bigint; uint32 / uint8 are number.
 */
import type { Hex } from "./bytes.js";
import type { ProofSystem } from "./constants.js";

/** EIP-712 / Ed25519 signing domain: the network and the escrow contract (SPEC §0.2). */
export interface ProtocolDomain {
  chainId: bigint;
  /** Escrow contract address (the EIP-712 verifyingContract). */
  escrow: Hex;
}

export interface OperatorRecord {
  operator: Hex;
  /** libp2p peer id bytes (Ed25519 identity multihash, 38 bytes). */
  peerId: Hex;
  proofSystems: ProofSystem[];
  moduleIds: string[];
  capacity: number;
  softwareVersion: string;
  seq: bigint;
  issuedAt: bigint;
  /**
   * Standing asks (SPEC §10.6): at most 16, strictly ascending by (circuitId, proofSystem). Absent when there are
   * none (a decoded record never holds an empty list).
   */
  asks?: StandingAsk[];
  signature: Hex;
}

/** A prover's standing price for proving one circuit in one proof system (at penalty 0), signed in its record. */
export interface StandingAsk {
  circuitId: Hex;
  proofSystem: ProofSystem;
  price: bigint;
}

/**
 * A task's price schedule (SPEC §10.3): auction round a has reserve `min(maxReward, startPrice + a * priceStep)`;
 * a round with no eligible bid re-opens at the next reserve after `rebidWindow` seconds. A task without one
 * (the field absent; zeros on the wire and on chain) is a single auction round at `maxReward`.
 */
export interface TaskSchedule {
  /** Reserve of auction round 0: `0 < startPrice < maxReward`. */
  startPrice: bigint;
  /** Reserve increase per auction round, `> 0`; at most MAX_AUCTION_ROUNDS rounds in all. */
  priceStep: bigint;
  /** Seconds from an auction round's reveal deadline to the next round's bid deadline, 1..86400. */
  rebidWindow: number;
}

export interface Task {
  requester: Hex;
  proofSystem: ProofSystem;
  wasmSha256: Hex;
  zkeySha256: Hex;
  vkeySha256: Hex;
  inputHash: Hex;
  /** Size of the input document in bytes. Advisory: not covered by the signature (SPEC §1.3). */
  inputSize: bigint;
  publicSignalsHash: Hex;
  maxReward: bigint;
  penalty: bigint;
  bidDeadline: bigint;
  revealDeadline: bigint;
  proofWindow: number;
  maxRounds: number;
  stakeEpoch: bigint;
  nonce: bigint;
  /** Price schedule (SPEC §10.3); absent: one auction round at `maxReward`. */
  schedule?: TaskSchedule;
  signature: Hex;
}

export interface BidCommit {
  taskId: Hex;
  prover: Hex;
  peerId: Hex;
  commitment: Hex;
  /** Auction round of the task's schedule this bid is for (SPEC §10.3); absent = 0. */
  auctionRound?: number;
  signature: Hex;
}

export interface BidReveal {
  taskId: Hex;
  prover: Hex;
  peerId: Hex;
  price: bigint;
  salt: Hex;
  /** Auction round of the commitment it opens (SPEC §10.3); absent = 0. */
  auctionRound?: number;
  signature: Hex;
}

export type VoteKind = "assignment" | "completion" | "default" | "invalid" | "nonReveal";

export interface AssignmentBody {
  kind: "assignment";
  taskId: Hex;
  round: number;
  prover: Hex;
  price: bigint;
}
export interface CompletionBody {
  kind: "completion";
  taskId: Hex;
  round: number;
  prover: Hex;
  proofHash: Hex;
}
export interface DefaultBody {
  kind: "default";
  taskId: Hex;
  round: number;
  prover: Hex;
}
/** v1 (SPEC §9.7): the task is unprovable. Shares round 0's assignment slot; no prover. */
export interface InvalidBody {
  kind: "invalid";
  taskId: Hex;
  /** Always 0 (absent on the wire); the EIP-712 struct has no round. */
  round: 0;
}
/** v1 (SPEC §9.8): a committed bidder did not reveal. Slot (taskId, prover); no round. */
export interface NonRevealBody {
  kind: "nonReveal";
  taskId: Hex;
  /** Always 0 (absent on the wire); the EIP-712 struct has no round. */
  round: 0;
  prover: Hex;
  /** The unrevealed BidCommit's commitment. */
  commitment: Hex;
}
/** The structs of one round: EIP-712 Assignment, Completion or Default (SPEC §0.3). */
export type RoundVoteBody = AssignmentBody | CompletionBody | DefaultBody;
/** The struct an attester signs: EIP-712 Assignment, Completion, Default, Invalid or NonReveal (SPEC §0.3). */
export type VoteBody = RoundVoteBody | InvalidBody | NonRevealBody;

export type Vote = VoteBody & { attester: Hex; signature: Hex };
/** The vote of one kind, e.g. `VoteOfKind<"assignment">`. */
export type VoteOfKind<K extends VoteKind> = Extract<VoteBody, { kind: K }> & { attester: Hex; signature: Hex };

/** A vote on one of the round structs (Assignment, Completion, Default). */
export type RoundVote = RoundVoteBody & { attester: Hex; signature: Hex };

export type Certificate = VoteBody & {
  /** Strictly ascending attester addresses. */
  attesters: Hex[];
  /** signatures[i] is attesters[i]'s EIP-712 signature of the body. */
  signatures: Hex[];
};
/** The certificate of one kind, e.g. `CertificateOfKind<"assignment">`. */
export type CertificateOfKind<K extends VoteKind> = Extract<VoteBody, { kind: K }> & { attesters: Hex[]; signatures: Hex[] };
/** A certificate of one of the round structs (Assignment, Completion, Default). */
export type RoundCertificate = RoundVoteBody & { attesters: Hex[]; signatures: Hex[] };

export interface ProofSubmission {
  taskId: Hex;
  round: number;
  prover: Hex;
  peerId: Hex;
  /** Canonical proof bytes (SPEC §1.9). */
  proof: Hex;
  publicSignals: bigint[];
  signature: Hex;
}

/** A message without its signature (what gets signed). */
export type Unsigned<T extends { signature: Hex }> = Omit<T, "signature">;
export type UnsignedVote = VoteBody & { attester: Hex };
