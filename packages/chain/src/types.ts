/** TypeScript shapes of the contracts' structs (SPEC 0.3), bigint for every amount and time. */

import { circuitId, type Certificate, type Task } from "@zkpool/protocol";

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
  stakeSnapshot: bigint;
  nonce: bigint;
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

export const TaskStatus = { None: 0, Open: 1, Settled: 2, Failed: 3 } as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export interface TaskRecord {
  status: TaskStatus;
  round: number;
  defaults: number;
  requester: string;
  /** Prover of the current round when its assignment was posted with `assign`, else the zero address. */
  prover: string;
  locked: bigint;
  slashed: bigint;
}

export interface CircuitEntry {
  verifier: string;
  proofSystem: number;
  nPublic: number;
  selector: string;
}

/** Pool parameters fixed at escrow deployment. */
export interface PoolParameters {
  treasury: string;
  /** Pool fee in basis points of the price. @default 500 */
  feeBps: number;
  /** Treasury share of the pool fee in basis points; the rest goes to the insurance fund. @default 5000 */
  treasuryShareBps: number;
  /** Accelerator royalty in basis points of the prover's share. @default 1000 */
  royaltyBps: number;
  /** Requester withdrawal delay, seconds. @default 86400 */
  withdrawalDelay: bigint;
  /** Operator unstake delay, seconds. @default 604800 */
  unstakeDelay: bigint;
}

/** EIP-712 type definitions of SPEC 0.3 (for ethers' signTypedData / TypedDataEncoder). */
export const EIP712_TYPES = {
  Task: [
    { name: "requester", type: "address" },
    { name: "proofSystem", type: "uint8" },
    { name: "circuitId", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "publicSignalsHash", type: "bytes32" },
    { name: "maxReward", type: "uint256" },
    { name: "penalty", type: "uint256" },
    { name: "bidDeadline", type: "uint64" },
    { name: "revealDeadline", type: "uint64" },
    { name: "proofWindow", type: "uint32" },
    { name: "maxRounds", type: "uint8" },
    { name: "stakeSnapshot", type: "uint64" },
    { name: "nonce", type: "uint64" },
  ],
  Assignment: [
    { name: "taskId", type: "bytes32" },
    { name: "round", type: "uint32" },
    { name: "prover", type: "address" },
    { name: "price", type: "uint256" },
  ],
  Completion: [
    { name: "taskId", type: "bytes32" },
    { name: "round", type: "uint32" },
    { name: "prover", type: "address" },
    { name: "proofHash", type: "bytes32" },
  ],
  Default: [
    { name: "taskId", type: "bytes32" },
    { name: "round", type: "uint32" },
    { name: "prover", type: "address" },
  ],
} as const;

export function eip712Domain(chainId: bigint, escrow: string): { name: string; version: string; chainId: bigint; verifyingContract: string } {
  return { name: "ZKPool", version: "0", chainId, verifyingContract: escrow };
}

/** The escrow's Task struct for a protocol Task (the circuit id is derived from the three artifact hashes). */
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
    stakeSnapshot: t.stakeSnapshot,
    nonce: t.nonce,
  };
}

/** The escrow's Certificate struct for a protocol certificate (attesters are already strictly ascending). */
export function certificateStructOf(c: Pick<Certificate, "attesters" | "signatures">): CertificateStruct {
  return { attesters: [...c.attesters], signatures: [...c.signatures] };
}
