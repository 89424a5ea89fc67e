/**
 * Codec and signature throughput per message type (one core). Prints a table of operations per second:
 * encode, decode (canonical check included), sign, verify. Run: `npm run bench -w @zkpool/protocol`
 * (or `node packages/protocol/dist/bench/codec.js` after building). Set BENCH_MS to change the time per cell.
 */
import {
  assembleCertificate,
  attesterSet,
  decodeBidCommit,
  decodeBidReveal,
  decodeCertificate,
  decodeOperatorRecord,
  decodeProofSubmission,
  decodeTask,
  decodeVote,
  encodeBidCommit,
  encodeBidReveal,
  encodeCertificate,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeProofWords,
  encodeTask,
  encodeVote,
  signBidCommit,
  signBidReveal,
  signOperatorRecord,
  signProofSubmission,
  signTask,
  signVote,
  verifyBidCommitSignature,
  verifyBidRevealSignature,
  verifyCertificate,
  verifyOperatorRecordSignature,
  verifyProofSubmissionSignature,
  verifyTaskSignature,
  verifyVoteSignature,
  voteBodyOf,
  type Certificate,
} from "../src/index.js";
import {
  DEV_PROOF_WORDS,
  DOMAIN,
  REQUESTER,
  devAddress,
  devAssignmentVote,
  devBidCommit,
  devBidReveal,
  devNodeKey,
  devOperatorRecord,
  devProofSubmission,
  devTask,
  devWallet,
} from "../test/fixtures.js";

const MS = Number(process.env.BENCH_MS ?? 400);

/** ops/s of fn, run for about MS milliseconds after a short warm-up. */
function opsPerSec(fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(MS) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - start);
}

const fmt = (x: number | undefined): string => (x === undefined ? "-" : Math.round(x).toLocaleString("en-US"));

interface Row {
  name: string;
  bytes: number;
  encode: () => unknown;
  decode: () => unknown;
  sign?: () => unknown;
  verify: () => unknown;
}

const task = devTask();
const record = devOperatorRecord(1);
const commit = devBidCommit(1, task, 5n);
const reveal = devBidReveal(1, task, 5n);
const vote = devAssignmentVote(1, task, 2, 5n);
const proof = devProofSubmission(1, task, encodeProofWords(1, DEV_PROOF_WORDS));
const node = devNodeKey(1);

function certificateOf(n: number): Certificate {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const stakes = attesterSet(ids.map((i) => [devAddress(i), 1n] as const));
  const votes = ids.map((i) => devAssignmentVote(i, task, 2, 5n));
  return assembleCertificate(voteBodyOf(vote), votes, stakes, DOMAIN)!;
}

const rows: Row[] = [
  {
    name: "OperatorRecord",
    bytes: encodeOperatorRecord(record).byteLength,
    encode: () => encodeOperatorRecord(record),
    decode: ((b) => () => decodeOperatorRecord(b))(encodeOperatorRecord(record)),
    sign: () => signOperatorRecord(record, devWallet(1), DOMAIN),
    verify: () => verifyOperatorRecordSignature(record, DOMAIN),
  },
  {
    name: "Task",
    bytes: encodeTask(task).byteLength,
    encode: () => encodeTask(task),
    decode: ((b) => () => decodeTask(b))(encodeTask(task)),
    sign: () => signTask(task, REQUESTER, DOMAIN),
    verify: () => verifyTaskSignature(task, DOMAIN),
  },
  {
    name: "BidCommit",
    bytes: encodeBidCommit(commit).byteLength,
    encode: () => encodeBidCommit(commit),
    decode: ((b) => () => decodeBidCommit(b))(encodeBidCommit(commit)),
    sign: () => signBidCommit(commit, node, DOMAIN),
    verify: () => verifyBidCommitSignature(commit, DOMAIN),
  },
  {
    name: "BidReveal",
    bytes: encodeBidReveal(reveal).byteLength,
    encode: () => encodeBidReveal(reveal),
    decode: ((b) => () => decodeBidReveal(b))(encodeBidReveal(reveal)),
    sign: () => signBidReveal(reveal, node, DOMAIN),
    verify: () => verifyBidRevealSignature(reveal, DOMAIN),
  },
  {
    name: "Vote",
    bytes: encodeVote(vote).byteLength,
    encode: () => encodeVote(vote),
    decode: ((b) => () => decodeVote(b))(encodeVote(vote)),
    sign: () => signVote(vote, devWallet(1), DOMAIN),
    verify: () => verifyVoteSignature(vote, DOMAIN),
  },
  {
    name: "ProofSubmission",
    bytes: encodeProofSubmission(proof).byteLength,
    encode: () => encodeProofSubmission(proof),
    decode: ((b) => () => decodeProofSubmission(b))(encodeProofSubmission(proof)),
    sign: () => signProofSubmission(proof, node, DOMAIN),
    verify: () => verifyProofSubmissionSignature(proof, DOMAIN),
  },
];
for (const n of [10, 100]) {
  const cert = certificateOf(n);
  const stakes = attesterSet(cert.attesters.map((a) => [a, 1n] as const));
  rows.push({
    name: `Certificate(${n})`,
    bytes: encodeCertificate(cert).byteLength,
    encode: () => encodeCertificate(cert),
    decode: ((b) => () => decodeCertificate(b))(encodeCertificate(cert)),
    verify: () => verifyCertificate(cert, stakes, DOMAIN),
  });
}

console.log(`@zkpool/protocol codec bench (ops/s, one core, ${MS} ms per cell, node ${process.version})`);
const header = ["message", "bytes", "encode", "decode", "sign", "verify"];
const table: string[][] = [header];
for (const r of rows) {
  table.push([
    r.name,
    String(r.bytes),
    fmt(opsPerSec(r.encode)),
    fmt(opsPerSec(r.decode)),
    fmt(r.sign ? opsPerSec(r.sign) : undefined),
    fmt(opsPerSec(r.verify)),
  ]);
}
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
for (const [k, row] of table.entries()) {
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
  if (k === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
console.log("sign/verify: EIP-712 (secp256k1, ethers) for OperatorRecord, Task, Vote, Certificate; Ed25519 (node:crypto) otherwise.");
console.log("Certificate(n) verify = n ecrecovers over one digest; decode includes the canonical re-encode check.");
