/**
 * Time to verify ONE certificate, by committee size: the v1 secp256k1 certificate (`verifyCertificate`: one
 * `recoverSigner` per signature) against the BLS aggregate certificate (`verifyBlsCertificate`: the bitmap, the
 * quorum, G1 additions of the signers' pre-registered keys and one `fastAggregateVerify`), both for the least
 * quorum of signers, `ceil(2N/3)` of `N` equal-stake attesters (everyone mode, `C = N`). One line per size:
 *   bls: signers=<ceil(2N/3)> secp256k1_ms=<x> bls_ms=<y> committee=<N>
 * Each number is the median of several runs on one core. Run: `npm run bench:bls -w @zkpool/protocol`.
 */
import { SigningKey, keccak256 } from "ethers";
import {
  addressOf,
  aggregateBlsSignatures,
  blsKeyFromSeed,
  blsKeyRegistry,
  blsProofOfPossession,
  blsSignerBitmap,
  committeeAttesterSet,
  committeeQuorum,
  drawCommittee,
  signBlsVote,
  signDigest,
  verifyBlsCertificate,
  verifyCertificate,
  voteBodyDigest,
  type BlsCertificate,
  type BlsKey,
  type Certificate,
  type Hex,
  type ProtocolDomain,
  type VoteBody,
} from "../src/index.js";

const SIZES = [16, 64, 128, 256, 1024];
const MAX = Math.max(...SIZES);
const MIN_REPS = 5;
const TARGET_MS = Number(process.env["BENCH_MS"] ?? 300);
const DOMAIN: ProtocolDomain = { chainId: 31337n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
const seedOf = (tag: number, i: number): Hex => keccak256(Uint8Array.of(tag, i >> 8, i & 0xff)) as Hex;

const secp = Array.from({ length: MAX }, (_, i) => new SigningKey(seedOf(1, i)));
const addresses = secp.map((k) => addressOf(k));
const bls = new Map<string, BlsKey>();
addresses.forEach((a, i) => bls.set(a, blsKeyFromSeed(new Uint8Array(Buffer.from(seedOf(2, i).slice(2), "hex")))));
const t0 = performance.now();
const registry = blsKeyRegistry(addresses.map((a) => ({ operator: a, publicKey: bls.get(a)!.publicKey, proofOfPossession: blsProofOfPossession(bls.get(a)!, a) })));
const registerMs = performance.now() - t0;

const body: VoteBody = { kind: "assignment", taskId: seedOf(3, 0), round: 0, prover: addresses[0]!, price: 10n ** 15n };
const digest = voteBodyDigest(body, DOMAIN);

function medianMs(fn: () => unknown): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < MIN_REPS || (performance.now() - start < TARGET_MS && times.length < 200)) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

console.log(
  `bls: shared machine (other jobs may run): numbers are medians on one core, compare them within this run only; ` +
    `registering ${MAX} keys with proofs of possession took ${registerMs.toFixed(0)} ms (once per stake epoch)`,
);
for (const n of SIZES) {
  const stakes = new Map(addresses.slice(0, n).map((a) => [a, 1n] as [string, bigint]));
  const committee = drawCommittee({ taskId: new Uint8Array(32).fill(3), beacon: new Uint8Array(32).fill(4), stakes, size: n });
  const q = Number(committeeQuorum(committee));
  const signers = committee.members.slice(0, q).map((m) => m.attester as Hex);
  const byAddr = new Map(addresses.map((a, i) => [a, secp[i]!] as [string, SigningKey]));
  const secpCert: Certificate = { ...body, attesters: signers, signatures: signers.map((a) => signDigest(digest, byAddr.get(a)!)) };
  const blsCert: BlsCertificate = {
    ...body,
    signerBitmap: blsSignerBitmap(committee, signers),
    aggregateSignature: aggregateBlsSignatures(signers.map((a) => signBlsVote({ ...body, attester: a }, bls.get(a)!, DOMAIN).blsSignature)),
  };
  const attesters = committeeAttesterSet(committee);
  // Both must verify before we time them.
  verifyCertificate(secpCert, attesters, DOMAIN);
  verifyBlsCertificate(blsCert, committee, registry, DOMAIN);
  const secpMs = medianMs(() => verifyCertificate(secpCert, attesters, DOMAIN));
  const blsMs = medianMs(() => verifyBlsCertificate(blsCert, committee, registry, DOMAIN));
  console.log(`bls: signers=${q} secp256k1_ms=${secpMs.toFixed(3)} bls_ms=${blsMs.toFixed(3)} committee=${n}`);
}
