/**
 * Deterministic dev fixtures shared by the tests, the vector generator and the benchmark. Keys are derived
 * from fixed labels (dev only, never use them with value).
 */
import { createHash } from "node:crypto";
import { Wallet } from "ethers";
import {
  addressOf,
  bidCommitment,
  nodeKeyFromSeed,
  publicSignalsHash,
  signBidCommit,
  signBidReveal,
  signOperatorRecord,
  signProofSubmission,
  signTask,
  signVote,
  taskId,
  toHex,
  type BidCommit,
  type BidReveal,
  type Hex,
  type NodeKey,
  type OperatorRecord,
  type ProofSubmission,
  type ProtocolDomain,
  type Task,
  type VoteOfKind,
} from "../src/index.js";


const label = (s: string): Uint8Array => new Uint8Array(createHash("sha256").update(s).digest());

export const DOMAIN: ProtocolDomain = { chainId: 31337n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };

/** secp256k1 dev key i: private key = sha256("zkpool/dev/operator/<i>"). */
export function devWallet(i: number): Wallet {
  return new Wallet(toHex(label(`zkpool/dev/operator/${i}`)));
}
export function devAddress(i: number): Hex {
  return addressOf(devWallet(i));
}
/** Ed25519 dev node key i: seed = sha256("zkpool/dev/node/<i>"). */
export function devNodeKey(i: number): NodeKey {
  return nodeKeyFromSeed(label(`zkpool/dev/node/${i}`));
}
export const hashOf = (s: string): Hex => toHex(label(s));

export const REQUESTER = devWallet(100);
export const PUBLIC_SIGNALS = [33n, 1n];

export function devTask(overrides: Partial<Task> = {}): Task {
  return signTask(
    {
      requester: addressOf(REQUESTER),
      proofSystem: 1,
      wasmSha256: hashOf("wasm"),
      zkeySha256: hashOf("zkey"),
      vkeySha256: hashOf("vkey"),
      inputHash: hashOf("input"),
      inputSize: 1234n,
      publicSignalsHash: publicSignalsHash(PUBLIC_SIGNALS),
      maxReward: 10n ** 18n,
      penalty: 5n * 10n ** 17n,
      bidDeadline: 1_800_000_000n,
      revealDeadline: 1_800_000_030n,
      proofWindow: 120,
      maxRounds: 3,
      stakeEpoch: 42n,
      nonce: 7n,
      ...overrides,
    },
    REQUESTER,
    DOMAIN,
  );
}

export function devOperatorRecord(i: number, overrides: Partial<OperatorRecord> = {}): OperatorRecord {
  return signOperatorRecord(
    {
      operator: devAddress(i),
      peerId: devNodeKey(i).peerId,
      proofSystems: [1, 2],
      moduleIds: ["native-cpu", "snarkjs-wasm"],
      capacity: 4,
      softwareVersion: "zkpool/0.1.0",
      seq: 1n,
      issuedAt: 1_799_999_000n,
      ...overrides,
    },
    devWallet(i),
    DOMAIN,
  );
}

export const SALT = hashOf("salt");

export function devBidCommit(i: number, task: Task, price: bigint, salt: Hex = SALT, auctionRound = 0): BidCommit {
  const id = taskId(task, DOMAIN);
  return signBidCommit(
    { taskId: id, prover: devAddress(i), peerId: devNodeKey(i).peerId, commitment: bidCommitment(id, devAddress(i), price, salt), ...(auctionRound > 0 ? { auctionRound } : {}) },
    devNodeKey(i),
    DOMAIN,
  );
}

export function devBidReveal(i: number, task: Task, price: bigint, salt: Hex = SALT, auctionRound = 0): BidReveal {
  return signBidReveal(
    { taskId: taskId(task, DOMAIN), prover: devAddress(i), peerId: devNodeKey(i).peerId, price, salt, ...(auctionRound > 0 ? { auctionRound } : {}) },
    devNodeKey(i),
    DOMAIN,
  );
}

export function devAssignmentVote(attester: number, task: Task, prover: number, price: bigint, round = 0): VoteOfKind<"assignment"> {
  return signVote(
    { kind: "assignment", taskId: taskId(task, DOMAIN), round, prover: devAddress(prover), price, attester: devAddress(attester) },
    devWallet(attester),
    DOMAIN,
  );
}

/** A Groth16-shaped proof: 8 words below q (not a valid proof of anything). */
export const DEV_PROOF_WORDS = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((w) => w * 0x1234567890abcdefn);

export function devProofSubmission(i: number, task: Task, proof: Hex, round = 0): ProofSubmission {
  return signProofSubmission(
    {
      taskId: taskId(task, DOMAIN),
      round,
      prover: devAddress(i),
      peerId: devNodeKey(i).peerId,
      proof,
      publicSignals: PUBLIC_SIGNALS,
    },
    devNodeKey(i),
    DOMAIN,
  );
}
