/**
 * Types of the per-task committee rule (protocol/SPEC.md §11, proposed).
 */
import type { StakeTable } from "../lottery/interface.js";
import type { PreparedStakes } from "./committee.js";

export type { StakeTable };

export interface DrawCommitteeParams {
  /** The task id (EIP-712 digest of the Task), 32 bytes. */
  taskId: Uint8Array;
  /**
   * The task's beacon value, 32 bytes: the public randomness of the first beacon round that starts after the
   * task's `bidDeadline` (draft §11.2), unknown to everyone while the task could still be changed.
   */
  beacon: Uint8Array;
  /**
   * Stake of every operator at the task's `stakeEpoch` (absent or 0 = not an attester), raw or prepared once per
   * epoch with `prepareStakeTable` (the same committee either way; a prepared table skips the per-draw sort).
   */
  stakes: StakeTable | PreparedStakes;
  /** `C`, the number of seats, `1 <= size <= MAX_COMMITTEE_SIZE`. */
  size: number;
}

/**
 * How the committee was formed: `everyone` when the attester set has at most `size` members (each weighs its
 * stake: the v1 rule of §5, unchanged); `sampled` otherwise (`size` seats drawn with replacement, each member
 * weighs its number of seats).
 */
export type CommitteeMode = "everyone" | "sampled";

export interface CommitteeMember {
  /** Lowercase address. */
  attester: string;
  /** Stake at the task's epoch. */
  stake: bigint;
  /** Voting weight in this committee: the stake (`everyone`) or the number of seats (`sampled`). */
  weight: bigint;
  /** `sampled`: the seat indices `j` this member holds, ascending (`weight = seats.length`); `everyone`: empty. */
  seats: readonly number[];
}

export interface Committee {
  /** `keccak256(utf8("zkpool/committee/v1") || taskId || beacon)`. */
  seed: Uint8Array;
  /** `C`. */
  size: number;
  mode: CommitteeMode;
  /** `N`: operators with stake > 0. */
  attesterCount: number;
  /** `S`: their total stake. */
  totalStake: bigint;
  /** Members with weight > 0, ascending by address. */
  members: readonly CommitteeMember[];
  /** `T = Σ weight`: `S` (`everyone`) or `C` (`sampled`); 0 only with no attester at all. */
  totalWeight: bigint;
}

/** What a signer check found (the signers carry at least the quorum). */
export interface CommitteeCheck {
  signedWeight: bigint;
  totalWeight: bigint;
  quorum: bigint;
}
