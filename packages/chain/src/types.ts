/** TypeScript shapes of the contracts' structs (SPEC 0.3), bigint for every amount and time. */

import type { TypedDataField } from "ethers";
import { EIP712_TYPES as PROTOCOL_EIP712_TYPES, circuitId, type Certificate, type ChainParams, type Task } from "@zkpool/protocol";

/** SPEC 0.3 Task, field for field. */
export interface TaskStruct {
  requester: string;
  proofSystem: number;
  circuitId: string;
  inputHash: string;
  publicSignalsHash: string;
  maxReward: bigint;
  penalty: bigint;
  bidDeadline: bigint;
  revealDeadline: bigint;
  proofWindow: number;
  maxRounds: number;
  stakeEpoch: bigint;
  nonce: bigint;
  /** Price schedule (SPEC §10.3): all three 0 for a fixed price (one auction round at `maxReward`). */
  startPrice: bigint;
  priceStep: bigint;
  rebidWindow: number;
}

/** SPEC 0.3 Assignment without taskId (the escrow derives it from the task). */
export interface AssignmentStruct {
  round: number;
  prover: string;
  price: bigint;
}

/** Attesters strictly ascending (by address as a number), one 65-byte signature each (SPEC 0.7). */
export interface CertificateStruct {
  attesters: string[];
  signatures: string[];
}

export const TaskStatus = { None: 0, Open: 1, Settled: 2, Failed: 3, Invalid: 4 } as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export interface TaskRecord {
  status: TaskStatus;
  /** Lowest round that may still settle or default. */
  round: number;
  defaults: number;
  /** The task's cost was locked when it opened (false for a task expired unseen). */
  funded: boolean;
  /** A failed task's penalty has been paid to the requester. */
  penaltyPaid: boolean;
  requester: string;
  locked: bigint;
  /** Slashed for defaults and not yet passed on. */
  slashed: bigint;
}

/** A circuit in the registry (`CircuitRegistry.circuit`); hashes are 0x hex. */
export interface CircuitEntry {
  circuitId: string;
  /** The contract holding the key's words. */
  key: string;
  proofSystem: number;
  nPublic: number;
  /** Unix seconds. */
  registeredAt: bigint;
  registrant: string;
  wasmSha256: string;
  zkeySha256: string;
  vkeySha256: string;
}

/**
 * Pool parameters fixed at deployment: the v1 rules of SPEC §9.1 (`ChainParams`, in the StakeRegistry and the
 * Escrow) and the fee split. Times in seconds, amounts in wei, rates in basis points.
 */
export interface PoolParameters extends Omit<ChainParams, "feeBps" | "attesterShareBps"> {
  treasury: string;
  /** Pool fee in basis points of the price. @default 500 */
  feeBps: number;
  /**
   * Treasury share of the pool fee after the attesters' share, in basis points; the rest goes to the insurance fund.
   * @default 5000
   */
  treasuryShareBps: number;
  /**
   * Share of the pool fee paid to the signers of a settlement's Assignment certificate, pro rata to their stake at
   * the task's epoch (SPEC §9.13), in basis points of the fee. @default 2000
   */
  attesterShareBps: bigint;
  /** Accelerator royalty in basis points of the prover's share. @default 1000 */
  royaltyBps: number;
}

/** SPEC §9.9 equivocation evidence: one attester vote. `kind` as zkpool.proto's VoteKind (1 Assignment, 2 Completion, 3 Default, 4 Invalid). */
export interface VoteStruct {
  kind: number;
  taskId: string;
  round: number;
  prover: string;
  price: bigint;
  proofHash: string;
}

/**
 * EIP-712 struct definitions of SPEC §0.3, keyed by struct name, in the shape ethers' TypedDataEncoder takes
 * for one primary type (`{ Task: ESCROW_EIP712_TYPES.Task }`). Derived from @zkpool/protocol, the single
 * source of the struct definitions, so the contracts' tests and the pool sign exactly the same structs.
 */
export const ESCROW_EIP712_TYPES = {
  Task: structFields("Task"),
  Assignment: structFields("Assignment"),
  Completion: structFields("Completion"),
  Default: structFields("Default"),
  Invalid: structFields("Invalid"),
  NonReveal: structFields("NonReveal"),
} as const;

function structFields(name: string): readonly TypedDataField[] {
  const fields = PROTOCOL_EIP712_TYPES[name]?.[name];
  if (fields === undefined) throw new Error(`@zkpool/protocol has no EIP-712 struct ${name}`);
  return fields;
}

export function eip712Domain(chainId: bigint, escrow: string): { name: string; version: string; chainId: bigint; verifyingContract: string } {
  return { name: "ZKPool", version: "1", chainId, verifyingContract: escrow };
}

/**
 * The escrow's Task struct for a protocol Task (the circuit id is derived from the three artifact hashes; a task
 * without a `schedule` is a fixed price: startPrice, priceStep and rebidWindow all 0).
 */
export function taskStructOf(t: Omit<Task, "signature" | "inputSize"> & Partial<Pick<Task, "signature" | "inputSize">>): TaskStruct {
  return {
    requester: t.requester,
    proofSystem: t.proofSystem,
    circuitId: circuitId(t.proofSystem, t.wasmSha256, t.zkeySha256, t.vkeySha256),
    inputHash: t.inputHash,
    publicSignalsHash: t.publicSignalsHash,
    maxReward: t.maxReward,
    penalty: t.penalty,
    bidDeadline: t.bidDeadline,
    revealDeadline: t.revealDeadline,
    proofWindow: t.proofWindow,
    maxRounds: t.maxRounds,
    stakeEpoch: t.stakeEpoch,
    nonce: t.nonce,
    startPrice: t.schedule?.startPrice ?? 0n,
    priceStep: t.schedule?.priceStep ?? 0n,
    rebidWindow: t.schedule?.rebidWindow ?? 0,
  };
}

/** The escrow's Certificate struct for a protocol certificate (attesters are already strictly ascending). */
export function certificateStructOf(c: Pick<Certificate, "attesters" | "signatures">): CertificateStruct {
  return { attesters: [...c.attesters], signatures: [...c.signatures] };
}
