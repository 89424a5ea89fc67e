/**
 * Generates the language-neutral test vectors in protocol/vectors/ (all but lottery.json) from the fixed dev
 * keys in test/fixtures.ts. Deterministic: running it twice gives identical files (EIP-712 signatures use
 * RFC 6979 nonces, Ed25519 is deterministic). Run: `npm run vectors -w @zkpool/protocol`.
 * packages/protocol/test/vectors.test.ts checks every vector against the implementation.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  assembleCertificate,
  attesterSet,
  bidCommitment,
  circuitId,
  concatBytes,
  ed25519SigningPayload,
  encodeBidCommit,
  encodeBidReveal,
  encodeCertificate,
  encodeGroth16Proof,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeProofWords,
  encodeTask,
  encodeVote,
  messageId,
  operatorRecordDigest,
  proofHash,
  publicSignalsHash,
  signVote,
  taskId,
  toHex,
  unsignedEncoding,
  voteBodyDigest,
  wire,
  type Certificate,
  type Hex,
} from "../src/index.js";
import {
  DEV_PROOF_WORDS,
  DOMAIN,
  PUBLIC_SIGNALS,
  SALT,
  devAddress,
  devAssignmentVote,
  devBidCommit,
  devBidReveal,
  devNodeKey,
  devOperatorRecord,
  devProofSubmission,
  devTask,
  devWallet,
  hashOf,
} from "../test/fixtures.js";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "protocol", "vectors");

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

function write(name: string, value: unknown): void {
  writeFileSync(join(OUT, name), toJson(value));
  console.log(`wrote protocol/vectors/${name}`);
}

const domain = { chainId: DOMAIN.chainId, escrow: DOMAIN.escrow };
const task = devTask();
const id = taskId(task, DOMAIN);
const groth16 = encodeProofWords(1, DEV_PROOF_WORDS);

/* ---------- keys ---------- */
write("keys.json", {
  description:
    "Dev keys (never use with value). operator i: secp256k1 private key sha256('zkpool/dev/operator/<i>'); node i: Ed25519 seed sha256('zkpool/dev/node/<i>').",
  domain,
  operators: [1, 2, 3, 4, 5, 8, 9, 100].map((i) => ({
    index: i,
    privateKey: devWallet(i).privateKey,
    address: devAddress(i),
  })),
  nodes: [1, 2].map((i) => ({
    index: i,
    seed: hashOf(`zkpool/dev/node/${i}`),
    publicKey: toHex(devNodeKey(i).publicKey),
    peerId: devNodeKey(i).peerId,
  })),
});

/* ---------- messages ---------- */
const record = devOperatorRecord(1);
// a prover's record with standing asks (SPEC §10.6): ascending by (circuitId, proofSystem)
const recordWithAsks = devOperatorRecord(1, {
  seq: 2n,
  asks: [
    { circuitId: hashOf("circuit/a"), proofSystem: 1 as const, price: 2_000_000_000_000_000n },
    { circuitId: hashOf("circuit/a"), proofSystem: 2 as const, price: 3_500_000_000_000_000n },
  ],
});
const commit = devBidCommit(1, task, 123_456n);
const reveal = devBidReveal(1, task, 123_456n);
// a task with a price schedule (SPEC §10.3): reserves 0.4, 0.7, 1.0 ETH, and a bid of its auction round 1
const scheduled = devTask({ schedule: { startPrice: 4n * 10n ** 17n, priceStep: 3n * 10n ** 17n, rebidWindow: 10 } });
const scheduledId = taskId(scheduled, DOMAIN);
const roundCommit = devBidCommit(1, scheduled, 650_000n, undefined, 1);
const roundReveal = devBidReveal(1, scheduled, 650_000n, undefined, 1);
const assignment = devAssignmentVote(2, task, 1, 123_456n);
const completion = signVote(
  { kind: "completion", taskId: id, round: 0, prover: devAddress(1), proofHash: proofHash(groth16), attester: devAddress(2) },
  devWallet(2),
  DOMAIN,
);
const dflt = signVote(
  { kind: "default", taskId: id, round: 1, prover: devAddress(1), attester: devAddress(3) },
  devWallet(3),
  DOMAIN,
);
const submission = devProofSubmission(1, task, groth16);

const eip712 = (name: string, message: unknown, encoding: Uint8Array, digest: Hex, signer: Hex) => ({
  name,
  scheme: "eip712",
  message,
  encoding: toHex(encoding),
  messageId: toHex(messageId(encoding)),
  digest,
  signer,
});
const ed = (
  name: string,
  type: "BidCommit" | "BidReveal" | "ProofSubmission",
  message: unknown,
  encoding: Uint8Array,
  unsigned: Uint8Array,
) => ({
  name,
  scheme: "ed25519",
  message,
  encoding: toHex(encoding),
  messageId: toHex(messageId(encoding)),
  unsignedEncoding: toHex(unsigned),
  signingPayload: toHex(ed25519SigningPayload(type, DOMAIN, unsigned)),
});

write("messages.json", {
  description:
    "One signed example of every message: `message` is the decoded form (bigints as decimal strings), `encoding` its canonical protobuf bytes, `messageId` sha256(encoding). EIP-712 cases give the digest that the signature signs; Ed25519 cases give the unsigned encoding and the exact signing payload.",
  domain,
  cases: [
    eip712("OperatorRecord", record, encodeOperatorRecord(record), operatorRecordDigest(record, DOMAIN), record.operator),
    eip712("OperatorRecord/asks", recordWithAsks, encodeOperatorRecord(recordWithAsks), operatorRecordDigest(recordWithAsks, DOMAIN), recordWithAsks.operator),
    { ...eip712("Task", task, encodeTask(task), id, task.requester), taskId: id },
    ed("BidCommit", "BidCommit", commit, encodeBidCommit(commit), unsignedEncoding.BidCommit(commit)),
    ed("BidReveal", "BidReveal", reveal, encodeBidReveal(reveal), unsignedEncoding.BidReveal(reveal)),
    { ...eip712("Task/schedule", scheduled, encodeTask(scheduled), scheduledId, scheduled.requester), taskId: scheduledId },
    ed("BidCommit/auctionRound", "BidCommit", roundCommit, encodeBidCommit(roundCommit), unsignedEncoding.BidCommit(roundCommit)),
    ed("BidReveal/auctionRound", "BidReveal", roundReveal, encodeBidReveal(roundReveal), unsignedEncoding.BidReveal(roundReveal)),
    eip712("Vote/assignment", assignment, encodeVote(assignment), voteBodyDigest(assignment, DOMAIN), assignment.attester),
    eip712("Vote/completion", completion, encodeVote(completion), voteBodyDigest(completion, DOMAIN), completion.attester),
    eip712("Vote/default", dflt, encodeVote(dflt), voteBodyDigest(dflt, DOMAIN), dflt.attester),
    ed(
      "ProofSubmission",
      "ProofSubmission",
      submission,
      encodeProofSubmission(submission),
      unsignedEncoding.ProofSubmission(submission),
    ),
  ],
});

/* ---------- invalid encodings ---------- */
const taskBytes = encodeTask(task);
const u256 = (v: bigint): Uint8Array<ArrayBuffer> => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
const taskWire = wire.Task.decode(taskBytes);
const at = taskBytes.indexOf(0x10);
write("invalid-encodings.json", {
  description: "Byte strings every implementation must refuse, with the error code (SPEC §1.10).",
  cases: [
    { name: "unknown field appended", message: "Task", encoding: toHex(concatBytes(taskBytes, Uint8Array.of(0xf8, 0x07, 0x01))), error: "NON_CANONICAL" },
    {
      name: "non-minimal varint for proof_system",
      message: "Task",
      encoding: toHex(concatBytes(taskBytes.subarray(0, at + 1), Uint8Array.of(0x81, 0x00), taskBytes.subarray(at + 2))),
      error: "NON_CANONICAL",
    },
    {
      name: "fields out of order (signature first)",
      message: "Task",
      encoding: toHex(concatBytes(taskBytes.subarray(taskBytes.byteLength - 68), taskBytes.subarray(0, taskBytes.byteLength - 68))),
      error: "NON_CANONICAL",
    },
    { name: "over the size limit", message: "BidCommit", encoding: toHex(new Uint8Array(257)), error: "TOO_LARGE" },
    { name: "truncated", message: "Task", encoding: toHex(taskBytes.subarray(0, 100)), error: "MALFORMED" },
    { name: "invalid wire type", message: "Vote", encoding: "0x0f", error: "MALFORMED" },
    { name: "empty message", message: "Vote", encoding: "0x", error: "FIELD_INVALID", field: "taskId" },
    {
      name: "19-byte requester",
      message: "Task",
      encoding: toHex(wire.Task.encode({ ...taskWire, requester: taskWire.requester.subarray(1) })),
      error: "FIELD_INVALID",
      field: "requester",
    },
    {
      name: "proof system 4",
      message: "Task",
      encoding: toHex(wire.Task.encode({ ...taskWire, proofSystem: 4 })),
      error: "FIELD_INVALID",
      field: "proofSystem",
    },
    {
      name: "high-s signature",
      message: "Task",
      encoding: toHex(wire.Task.encode({ ...taskWire, signature: Uint8Array.from([...taskWire.signature.subarray(0, 32), ...new Uint8Array(32).fill(0xff), 27]) })),
      error: "FIELD_INVALID",
      field: "signature",
    },
    {
      name: "schedule starting at maxReward (one round is spelled as no schedule)",
      message: "Task",
      encoding: toHex(wire.Task.encode({ ...taskWire, startPrice: taskWire.maxReward, priceStep: u256(1n), rebidWindow: 10 })),
      error: "FIELD_INVALID",
      field: "schedule.startPrice",
    },
    {
      name: "schedule without a rebid window",
      message: "Task",
      encoding: toHex(wire.Task.encode({ ...taskWire, startPrice: u256(1n), priceStep: u256(10n ** 17n), rebidWindow: 0 })),
      error: "FIELD_INVALID",
      field: "schedule.rebidWindow",
    },
    {
      name: "schedule of 17 auction rounds",
      message: "Task",
      encoding: toHex(wire.Task.encode({ ...taskWire, startPrice: u256(10n ** 18n - 16n), priceStep: u256(1n), rebidWindow: 10 })),
      error: "FIELD_INVALID",
      field: "schedule.priceStep",
    },
    {
      name: "bid of auction round 16",
      message: "BidCommit",
      encoding: toHex(wire.BidCommit.encode({ ...wire.BidCommit.decode(encodeBidCommit(commit)), auctionRound: 16 })),
      error: "FIELD_INVALID",
      field: "auctionRound",
    },
  ],
});

/* ---------- ids ---------- */
const snarkjsProof = {
  pi_a: ["1368015179489954701390400359078579693043519447331113978918064868415326638035", "9918110051302171585080402603319702774565515993150576347155970296011118125764", "1"],
  pi_b: [
    ["2", "3"],
    ["4", "5"],
    ["1", "0"],
  ],
  pi_c: ["6", "7", "1"],
};
write("ids.json", {
  description: "Derived ids: circuitId, taskId (see messages.json for the task), bid commitments, public-signal hashes, proof bytes and hashes.",
  domain,
  circuitIds: [1, 2, 3].map((ps) => ({
    proofSystem: ps,
    wasmSha256: hashOf("wasm"),
    zkeySha256: hashOf("zkey"),
    vkeySha256: hashOf("vkey"),
    circuitId: circuitId(ps, hashOf("wasm"), hashOf("zkey"), hashOf("vkey")),
  })),
  taskIds: [
    { task: encodeTask(task), taskId: id },
    { task: encodeTask(devTask({ nonce: 8n })), taskId: taskId(devTask({ nonce: 8n }), DOMAIN) },
    { task: encodeTask(devTask({ proofSystem: 3, maxRounds: 1 })), taskId: taskId(devTask({ proofSystem: 3, maxRounds: 1 }), DOMAIN) },
  ].map((t) => ({ task: toHex(t.task), taskId: t.taskId })),
  commitments: [
    { taskId: id, prover: devAddress(1), price: 123_456n, salt: SALT },
    { taskId: id, prover: devAddress(2), price: 1n, salt: hashOf("salt/2") },
    { taskId: id, prover: devAddress(2), price: (1n << 256n) - 1n, salt: hashOf("salt/3") },
  ].map((c) => ({ ...c, commitment: bidCommitment(c.taskId, c.prover, c.price, c.salt) })),
  publicSignalsHashes: [[], PUBLIC_SIGNALS, [0n, 1n, 21888242871839275222246405745257275088548364400416034343698204186575808495616n]].map(
    (s) => ({ publicSignals: s, hash: publicSignalsHash(s) }),
  ),
  proofs: [
    { proofSystem: 1, snarkjs: snarkjsProof, bytes: encodeGroth16Proof(snarkjsProof), proofHash: proofHash(encodeGroth16Proof(snarkjsProof)) },
    { proofSystem: 1, words: DEV_PROOF_WORDS, bytes: groth16, proofHash: proofHash(groth16) },
  ],
});

/* ---------- certificates ---------- */
// Attesters 1..4 with stakes 10, 20, 30, 40 at the snapshot (total 100; quorum needs 3 * signed >= 200).
const stakeEntries = [1, 2, 3, 4].map((i) => [devAddress(i), BigInt(10 * i)] as const);
const stakes = attesterSet(stakeEntries);
const body = { kind: "assignment" as const, taskId: id, round: 0, prover: devAddress(9), price: 123_456n };
const votes = [1, 2, 3, 4, 5].map((i) => devAssignmentVote(i, task, 9, 123_456n));
const full = assembleCertificate(body, votes, stakes, DOMAIN)!;
const pick = (c: Certificate, idx: number[]): Certificate => ({
  ...c,
  attesters: idx.map((i) => c.attesters[i]!),
  signatures: idx.map((i) => c.signatures[i]!),
});
const byAddr = (a: Hex): number => full.attesters.indexOf(a);
const without1and4 = pick(full, full.attesters.map((_, i) => i).filter((i) => i !== byAddr(devAddress(4)) && i !== byAddr(devAddress(1))));
const extra = votes[4]!; // attester 5 has no stake
const withUnstaked = (() => {
  const e = full.attesters.map((a, i) => [a, full.signatures[i]!] as const).concat([[extra.attester, extra.signature]]);
  e.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { ...full, attesters: e.map((x) => x[0]), signatures: e.map((x) => x[1]) };
})();
const round1 = assembleCertificate(
  { ...body, round: 1 },
  [1, 2, 3, 4].map((i) => signVote({ ...body, round: 1, attester: devAddress(i) }, devWallet(i), DOMAIN)),
  stakes,
  DOMAIN,
)!;
const forged = { ...full, signatures: [full.signatures[1]!, full.signatures[0]!, ...full.signatures.slice(2)] };
const exactQuorum = assembleCertificate(body, [2, 4, 1].map((i) => votes[i - 1]!), stakes, DOMAIN); // 70
const defaultCert = assembleCertificate(
  { kind: "default", taskId: id, round: 0, prover: devAddress(9) },
  [3, 4].map((i) => signVote({ kind: "default", taskId: id, round: 0, prover: devAddress(9), attester: devAddress(i) }, devWallet(i), DOMAIN)),
  stakes,
  DOMAIN,
)!;
const expected = { kind: "assignment", taskId: id, round: 0, prover: devAddress(9), price: 123_456n };
write("certificates.json", {
  description:
    "Certificate verification cases against the stake table below (at the task's snapshot). `expected` is what the verifier expects the certificate to certify; `result` is VALID or the reason code, checks in SPEC §5.3 order.",
  domain,
  task: { taskId: id, maxRounds: task.maxRounds },
  stakes: stakeEntries.map(([address, stake]) => ({ address, stake })),
  cases: [
    { name: "valid: all attesters", certificate: toHex(encodeCertificate(full)), expected, result: "VALID" },
    { name: "valid: 70 of 100", certificate: toHex(encodeCertificate(exactQuorum!)), expected, result: "VALID" },
    {
      name: "valid: default, 70 of 100",
      certificate: toHex(encodeCertificate(defaultCert)),
      expected: { kind: "default", taskId: id, round: 0, prover: devAddress(9) },
      result: "VALID",
    },
    { name: "below quorum: 50 of 100", certificate: toHex(encodeCertificate(without1and4)), expected, result: "BELOW_QUORUM" },
    {
      name: "duplicate signer",
      certificate: toHex(encodeCertificate(pick(full, [0, 0, 1, 2, 3]))),
      expected,
      result: "DUPLICATE_SIGNER",
    },
    { name: "unsorted signers", certificate: toHex(encodeCertificate(pick(full, [3, 2, 1, 0]))), expected, result: "UNSORTED_SIGNERS" },
    { name: "signer without stake", certificate: toHex(encodeCertificate(withUnstaked)), expected, result: "SIGNER_WITHOUT_STAKE" },
    { name: "wrong round", certificate: toHex(encodeCertificate(round1)), expected, result: "WRONG_ROUND" },
    { name: "forged signature (two signatures swapped)", certificate: toHex(encodeCertificate(forged)), expected, result: "BAD_SIGNATURE" },
    {
      name: "mismatch: certifies another price",
      certificate: toHex(encodeCertificate(full)),
      expected: { ...expected, price: 1n },
      result: "MISMATCH",
    },
  ],
});
