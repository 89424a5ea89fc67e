/** Property tests (fast-check, fixed seed): round trips, arbitrary/mutated bytes, certificate reasons. */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BN254_Q,
  BN254_R,
  CertificateError,
  ED25519_PEER_ID_PREFIX,
  LIMITS,
  MAX_TIMESTAMP,
  SECP256K1_N,
  ProtocolError,
  assembleCertificate,
  attesterSet,
  concatBytes,
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
  encodeTask,
  encodeVote,
  hasQuorum,
  toHex,
  uintToBytes,
  verifyCertificate,
  type Certificate,
  type Hex,
  type ProofSystem,
  type VoteBody,
} from "../src/index.js";
import { DOMAIN, devAddress, devAssignmentVote, devTask } from "./fixtures.js";

const SEED = 20261124;
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

const bytesN = (n: number): fc.Arbitrary<Hex> => fc.uint8Array({ minLength: n, maxLength: n }).map(toHex);
const address = bytesN(20);
const b32 = bytesN(32);
const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const peerId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((k) => toHex(concatBytes(ED25519_PEER_ID_PREFIX, k)));
const eip712Sig = fc
  .tuple(fc.bigInt({ min: 1n, max: SECP256K1_N - 1n }), fc.bigInt({ min: 1n, max: SECP256K1_N >> 1n }), fc.constantFrom(27, 28))
  .map(([r, s, v]) => toHex(concatBytes(uintToBytes(r, 32), uintToBytes(s, 32), Uint8Array.of(v))));
const edSig = bytesN(64);
const round = fc.integer({ min: 0, max: LIMITS.maxRounds - 1 });
const proofSystem = fc.constantFrom<ProofSystem>(1, 2, 3);

const askKey = (a: { circuitId: string; proofSystem: number }): string => `${a.circuitId.toLowerCase()}/${a.proofSystem}`;
const operatorRecord = fc.record({
  operator: address,
  peerId,
  proofSystems: fc.subarray<ProofSystem>([1, 2, 3], { minLength: 1 }),
  moduleIds: fc.uniqueArray(fc.stringMatching(/^[a-z0-9._-]{1,64}$/), { maxLength: LIMITS.maxModuleIds }).map((a) => a.sort()),
  capacity: fc.integer({ min: 1, max: LIMITS.maxCapacity }),
  softwareVersion: fc.stringMatching(/^[\x20-\x7e]{1,64}$/),
  seq: u64,
  issuedAt: fc.bigInt({ min: 1n, max: MAX_TIMESTAMP }),
  signature: eip712Sig,
  // standing asks (SPEC §10.6): absent (the key left out), or 1..16 strictly ascending by (circuitId, proofSystem)
  asks: fc
    .uniqueArray(fc.record({ circuitId: b32, proofSystem, price: fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }) }, { noNullPrototype: true }), {
      minLength: 1,
      maxLength: LIMITS.maxAsks,
      selector: (a) => askKey(a),
    })
    .map((a) => a.sort((x, y) => (askKey(x) < askKey(y) ? -1 : 1))),
}, { requiredKeys: ["operator", "peerId", "proofSystems", "moduleIds", "capacity", "softwareVersion", "seq", "issuedAt", "signature"] });

const task = fc
  .record({
    requester: address,
    proofSystem,
    wasmSha256: b32,
    zkeySha256: b32,
    vkeySha256: b32,
    inputHash: b32,
    inputSize: fc.bigInt({ min: 1n, max: LIMITS.maxInputSize }),
    publicSignalsHash: b32,
    maxReward: fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }),
    penalty: u256,
    bidDeadline: fc.bigInt({ min: 1n, max: MAX_TIMESTAMP }),
    revealGap: fc.bigInt({ min: 1n, max: LIMITS.maxRevealWindow }),
    proofWindow: fc.integer({ min: 1, max: LIMITS.maxProofWindow }),
    maxRounds: fc.integer({ min: 1, max: LIMITS.maxRounds }),
    stakeEpoch: u64,
    nonce: u64,
    signature: eip712Sig,
  })
  .map(({ revealGap, ...t }) => ({ ...t, revealDeadline: t.bidDeadline + revealGap }));

const bidCommit = fc.record({ taskId: b32, prover: address, peerId, commitment: b32, signature: edSig });
const bidReveal = fc.record({ taskId: b32, prover: address, peerId, price: u256, salt: b32, signature: edSig });
const body: fc.Arbitrary<VoteBody> = fc.oneof(
  fc.record({ kind: fc.constant("assignment" as const), taskId: b32, round, prover: address, price: u256 }),
  fc.record({ kind: fc.constant("completion" as const), taskId: b32, round, prover: address, proofHash: b32 }),
  fc.record({ kind: fc.constant("default" as const), taskId: b32, round, prover: address }),
);
const vote = fc.tuple(body, address, eip712Sig).map(([b, attester, signature]) => ({ ...b, attester, signature }));
const certificate = fc
  .tuple(body, fc.array(fc.tuple(address, eip712Sig), { minLength: 1, maxLength: 40 }))
  .map(([b, s]) => ({ ...b, attesters: s.map((x) => x[0]), signatures: s.map((x) => x[1]) }));
const proofSubmission = fc.record({
  taskId: b32,
  round,
  prover: address,
  peerId,
  proof: fc
    .array(fc.bigInt({ min: 0n, max: BN254_Q - 1n }), { minLength: 1, maxLength: LIMITS.maxProofWords })
    .map((ws) => toHex(concatBytes(...ws.map((w) => uintToBytes(w, 32))))),
  publicSignals: fc.array(fc.bigInt({ min: 0n, max: BN254_R - 1n }), { maxLength: 40 }),
  signature: edSig,
});

interface Case {
  name: string;
  arb: fc.Arbitrary<unknown>;
  enc: (m: never) => Uint8Array;
  dec: (b: Uint8Array) => unknown;
}
const CASES: Case[] = [
  { name: "OperatorRecord", arb: operatorRecord, enc: encodeOperatorRecord, dec: decodeOperatorRecord },
  { name: "Task", arb: task, enc: encodeTask, dec: decodeTask },
  { name: "BidCommit", arb: bidCommit, enc: encodeBidCommit, dec: decodeBidCommit },
  { name: "BidReveal", arb: bidReveal, enc: encodeBidReveal, dec: decodeBidReveal },
  { name: "Vote", arb: vote, enc: encodeVote, dec: decodeVote },
  { name: "Certificate", arb: certificate, enc: encodeCertificate, dec: decodeCertificate },
  { name: "ProofSubmission", arb: proofSubmission, enc: encodeProofSubmission, dec: decodeProofSubmission },
];

/** decode either returns a message whose encoding is exactly the input, or throws a ProtocolError. */
function decodesOrTypedError(c: Case, bytes: Uint8Array): void {
  let msg: unknown;
  try {
    msg = c.dec(bytes);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw new Error(`${c.name}: non-ProtocolError ${String(err)}`);
    return;
  }
  assert.deepEqual(c.enc(msg as never), bytes);
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("append" as const), tail: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = bytes.byteLength === 0 ? 0 : ("at" in m ? m.at : 0) % bytes.byteLength;
  switch (m.op) {
    case "flip":
      if (out.byteLength > 0) out[at] = out[at]! ^ (1 << m.bit);
      return out;
    case "insert":
      return concatBytes(bytes.subarray(0, at), Uint8Array.of(m.byte), bytes.subarray(at));
    case "delete":
      return concatBytes(bytes.subarray(0, at), bytes.subarray(at + 1));
    case "truncate":
      return bytes.subarray(0, at);
    case "append":
      return concatBytes(bytes, m.tail);
  }
}

describe("properties", () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it("round-trips: decode(encode(m)) = m and re-encoding gives the same bytes", () => {
        fc.assert(
          fc.property(c.arb, (m) => {
            const bytes = c.enc(m as never);
            const back = c.dec(bytes);
            assert.deepEqual(back, { ...(m as object) });
            assert.deepEqual(c.enc(back as never), bytes);
          }),
          params(150),
        );
      });

      it("random bytes only ever give a valid message or a ProtocolError", () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => decodesOrTypedError(c, bytes)),
          params(400),
        );
      });

      it("mutated valid encodings only ever give a valid message or a ProtocolError", () => {
        fc.assert(
          fc.property(c.arb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, ms) => {
            let bytes = c.enc(m as never);
            for (const x of ms) bytes = mutate(bytes, x);
            decodesOrTypedError(c, bytes);
          }),
          params(300),
        );
      });
    });
  }

  describe("certificates", () => {
    // Six attesters; votes signed once up front (signing is the slow part).
    const t = devTask();
    const ids = [1, 2, 3, 4, 5, 8];
    const votes = new Map(ids.map((i) => [devAddress(i), devAssignmentVote(i, t, 9, 77n)] as const));
    const vbody = votes.get(devAddress(1))!;
    const certBody: VoteBody = { kind: "assignment", taskId: vbody.taskId, round: 0, prover: vbody.prover, price: 77n };
    const stakesArb = fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: ids.length, maxLength: ids.length });
    const signersArb = fc.subarray(ids, { minLength: 1 });

    const build = (stakeList: bigint[], signers: number[]) => {
      const stakes = attesterSet(ids.map((i, k) => [devAddress(i), stakeList[k]!] as const));
      const staked = signers.filter((i) => (stakes.stakes.get(devAddress(i)) ?? 0n) > 0n).map(devAddress).sort();
      const cert: Certificate = {
        ...certBody,
        attesters: staked,
        signatures: staked.map((a) => votes.get(a)!.signature),
      };
      return { stakes, cert, staked };
    };
    const reason = (f: () => unknown): string => {
      try {
        f();
        return "VALID";
      } catch (err) {
        assert.ok(err instanceof CertificateError, String(err));
        return err.code;
      }
    };

    it("a well-formed certificate is VALID iff its signers hold 2/3 of the stake; assembly agrees", () => {
      fc.assert(
        fc.property(stakesArb, signersArb, (stakeList, signers) => {
          const { stakes, cert, staked } = build(stakeList, signers);
          fc.pre(staked.length > 0);
          const signed = staked.reduce((s, a) => s + stakes.stakes.get(a)!, 0n);
          const r = reason(() => verifyCertificate(cert, stakes, DOMAIN));
          assert.equal(r, hasQuorum(signed, stakes.total) ? "VALID" : "BELOW_QUORUM");
          const assembled = assembleCertificate(certBody, signers.map((i) => votes.get(devAddress(i))!), stakes, DOMAIN);
          assert.equal(assembled !== undefined, r === "VALID");
          if (assembled) assert.deepEqual(assembled, cert);
        }),
        params(60),
      );
    });

    it("every corruption of a valid certificate is rejected for its reason", () => {
      const corruption = fc.constantFrom("duplicate", "unsorted", "unstaked", "swap", "round", "price", "prover");
      fc.assert(
        fc.property(stakesArb, corruption, fc.nat(), (stakeList, kind, pick) => {
          // everyone staked and signing: valid before the corruption
          const { stakes, cert } = build(stakeList.map((s) => s + 1n), ids);
          assert.equal(reason(() => verifyCertificate(cert, stakes, DOMAIN)), "VALID");
          const n = cert.attesters.length;
          const i = pick % n;
          let bad: Certificate = cert;
          let expected: string;
          switch (kind) {
            case "duplicate":
              bad = { ...cert, attesters: cert.attesters.toSpliced(i, 0, cert.attesters[i]!), signatures: cert.signatures.toSpliced(i, 0, cert.signatures[i]!) };
              expected = "DUPLICATE_SIGNER";
              break;
            case "unsorted":
              fc.pre(n >= 2);
              bad = { ...cert, attesters: [...cert.attesters].reverse(), signatures: [...cert.signatures].reverse() };
              expected = "UNSORTED_SIGNERS";
              break;
            case "unstaked": {
              const outsider = devAssignmentVote(6, t, 9, 77n);
              const e = cert.attesters.map((a, k) => [a, cert.signatures[k]!] as const).concat([[outsider.attester, outsider.signature]]);
              e.sort((x, y) => (x[0] < y[0] ? -1 : 1));
              bad = { ...cert, attesters: e.map((x) => x[0]), signatures: e.map((x) => x[1]) };
              expected = "SIGNER_WITHOUT_STAKE";
              break;
            }
            case "swap":
              fc.pre(n >= 2);
              bad = { ...cert, signatures: cert.signatures.toSpliced(i, 1, cert.signatures[(i + 1) % n]!) };
              expected = "BAD_SIGNATURE";
              break;
            case "round":
              bad = { ...cert, round: 1 };
              expected = "BAD_SIGNATURE"; // without an expected round, the signatures no longer match
              assert.equal(reason(() => verifyCertificate(bad, stakes, DOMAIN, { round: 0 })), "WRONG_ROUND");
              break;
            case "price":
              bad = { ...cert, price: 78n };
              expected = "BAD_SIGNATURE";
              assert.equal(reason(() => verifyCertificate(bad, stakes, DOMAIN, { price: 77n })), "MISMATCH");
              break;
            default:
              bad = { ...cert, prover: devAddress(1) };
              expected = "BAD_SIGNATURE";
              assert.equal(reason(() => verifyCertificate(bad, stakes, DOMAIN, { prover: cert.prover })), "MISMATCH");
          }
          const got = reason(() => verifyCertificate(bad, stakes, DOMAIN));
          assert.equal(got, expected);
        }),
        params(80),
      );
    });
  });
});
