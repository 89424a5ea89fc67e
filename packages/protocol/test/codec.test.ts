import assert from "node:assert/strict";
import {
  MAX_MESSAGE_BYTES,
  ProtocolError,
  concatBytes,
  decodeBid,
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
  encodeGroth16Proof,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeProofWords,
  encodeTask,
  encodeVote,
  decodeProofWords,
  groth16ProofFromWords,
  groth16ProofWords,
  wire,
  type Certificate,
} from "../src/index.js";
import {
  DEV_PROOF_WORDS,
  devAssignmentVote,
  devBidCommit,
  devBidReveal,
  devOperatorRecord,
  devProofSubmission,
  devTask,
} from "./fixtures.js";

function expectCode(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (field !== undefined) assert.equal(err.type.field, field);
    return true;
  });
}

describe("codecs", () => {
  const task = devTask();
  const proof = encodeProofWords(1, DEV_PROOF_WORDS);
  const vote = devAssignmentVote(1, task, 2, 5n);
  const cert: Certificate = {
    kind: "assignment",
    taskId: vote.taskId,
    round: 0,
    prover: vote.prover,
    price: 5n,
    attesters: [vote.attester],
    signatures: [vote.signature],
  };
  const cases = [
    { name: "OperatorRecord", msg: devOperatorRecord(1), enc: encodeOperatorRecord, dec: decodeOperatorRecord },
    { name: "Task", msg: task, enc: encodeTask, dec: decodeTask },
    { name: "BidCommit", msg: devBidCommit(1, task, 5n), enc: encodeBidCommit, dec: decodeBidCommit },
    { name: "BidReveal", msg: devBidReveal(1, task, 5n), enc: encodeBidReveal, dec: decodeBidReveal },
    { name: "Vote", msg: vote, enc: encodeVote, dec: decodeVote },
    { name: "Certificate", msg: cert, enc: encodeCertificate, dec: decodeCertificate },
    { name: "ProofSubmission", msg: devProofSubmission(1, task, proof), enc: encodeProofSubmission, dec: decodeProofSubmission },
  ] as const;

  for (const c of cases) {
    describe(c.name, () => {
      const encode = c.enc as (m: unknown) => Uint8Array;
      const decode = c.dec as (b: Uint8Array) => unknown;
      const bytes = encode(c.msg);

      it("round-trips to an equal message and identical bytes", () => {
        const back = decode(bytes);
        assert.deepEqual(back, c.msg);
        assert.deepEqual(encode(back), bytes);
      });

      it("rejects a message over its size limit before decoding", () => {
        const max = MAX_MESSAGE_BYTES[c.name];
        expectCode(() => decode(new Uint8Array(max + 1)), "TOO_LARGE");
      });

      it("rejects an appended unknown field as NON_CANONICAL", () => {
        expectCode(() => decode(concatBytes(bytes, Uint8Array.of(0xf8, 0x07, 0x01))), "NON_CANONICAL");
      });

      it("rejects a repeated (duplicated) leading field as NON_CANONICAL", () => {
        // The first field's bytes are written twice: protobuf keeps the last one, re-encoding differs.
        const first = firstFieldLength(bytes);
        const doubled = concatBytes(bytes.subarray(0, first), bytes);
        const tooBig = doubled.byteLength > MAX_MESSAGE_BYTES[c.name];
        expectCode(() => decode(doubled), tooBig ? "TOO_LARGE" : "NON_CANONICAL");
      });

      it("rejects truncation as MALFORMED or FIELD_INVALID", () => {
        assert.throws(() => decode(bytes.subarray(0, bytes.byteLength - 1)), (err: unknown) => {
          assert.ok(err instanceof ProtocolError);
          assert.ok(["MALFORMED", "FIELD_INVALID", "NON_CANONICAL"].includes(err.code), err.code);
          return true;
        });
      });

      it("rejects the empty message (required fields missing) as FIELD_INVALID", () => {
        expectCode(() => decode(new Uint8Array(0)), "FIELD_INVALID");
      });
    });
  }

  it("carries 64-bit fields exactly across 2^31, 2^32, 2^63 and 2^64 - 1 (fixed64 on the wire)", () => {
    for (const v of [0n, 1n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, 1n << 63n, (1n << 64n) - 1n]) {
      const r = devOperatorRecord(1, { seq: v });
      assert.equal(decodeOperatorRecord(encodeOperatorRecord(r)).seq, v);
      const t = { ...task, nonce: v, stakeEpoch: v };
      const back = decodeTask(encodeTask(t));
      assert.equal(back.nonce, v);
      assert.equal(back.stakeEpoch, v);
    }
  });

  it("decodeBid tells commits from reveals on the bids topic", () => {
    const c = devBidCommit(1, task, 5n);
    const r = devBidReveal(1, task, 5n);
    assert.deepEqual(decodeBid(encodeBidCommit(c)), { kind: "commit", commit: c });
    assert.deepEqual(decodeBid(encodeBidReveal(r)), { kind: "reveal", reveal: r });
    expectCode(() => decodeBid(encodeTask(task)), "TOO_LARGE");
    expectCode(() => decodeBid(Uint8Array.of(0x0a, 0x01, 0x00)), "FIELD_INVALID");
  });

  it("rejects a non-minimal varint as NON_CANONICAL", () => {
    // Task.proof_system = 1 written as a 2-byte varint 0x81 0x00.
    const bytes = encodeTask(task);
    const at = bytes.indexOf(0x10); // tag of field 2 (varint)
    assert.equal(bytes[at + 1], 1);
    const mutated = concatBytes(bytes.subarray(0, at + 1), Uint8Array.of(0x81, 0x00), bytes.subarray(at + 2));
    expectCode(() => decodeTask(mutated), "NON_CANONICAL");
  });

  it("rejects fields of the wrong length with the field name", () => {
    const w = wire.Task.decode(encodeTask(task));
    expectCode(() => decodeTask(wire.Task.encode({ ...w, requester: new Uint8Array(19).fill(1) })), "FIELD_INVALID", "requester");
    expectCode(() => decodeTask(wire.Task.encode({ ...w, maxReward: Uint8Array.of(1) })), "FIELD_INVALID", "maxReward");
    expectCode(() => decodeTask(wire.Task.encode({ ...w, proofSystem: 4 })), "FIELD_INVALID", "proofSystem");
    expectCode(() => decodeTask(wire.Task.encode({ ...w, maxRounds: 17 })), "FIELD_INVALID", "maxRounds");
    expectCode(() => decodeTask(wire.Task.encode({ ...w, revealDeadline: w.bidDeadline })), "FIELD_INVALID", "revealDeadline");
  });

  it("rejects high-s and bad-v EIP-712 signatures (one encoding per signature)", () => {
    const w = wire.Vote.decode(encodeVote(vote));
    const highS = new Uint8Array(w.signature);
    highS.fill(0xff, 32, 64);
    expectCode(() => decodeVote(wire.Vote.encode({ ...w, signature: highS })), "FIELD_INVALID", "signature");
    const badV = new Uint8Array(w.signature);
    badV[64] = 0;
    expectCode(() => decodeVote(wire.Vote.encode({ ...w, signature: badV })), "FIELD_INVALID", "signature");
  });

  it("requires price only on assignment votes and proofHash only on completion votes", () => {
    const w = wire.Vote.decode(encodeVote(vote));
    expectCode(() => decodeVote(wire.Vote.encode({ ...w, price: new Uint8Array(0) })), "FIELD_INVALID", "price");
    expectCode(
      () => decodeVote(wire.Vote.encode({ ...w, proofHash: new Uint8Array(32).fill(1) })),
      "FIELD_INVALID",
      "proofHash",
    );
    expectCode(
      () => decodeVote(wire.Vote.encode({ ...w, kind: wire.VoteKind.DEFAULT })),
      "FIELD_INVALID",
      "price",
    );
  });

  it("encoders validate their input too", () => {
    expectCode(() => encodeTask({ ...task, maxReward: 0n }), "FIELD_INVALID", "maxReward");
    expectCode(() => encodeTask({ ...task, requester: "0x12" }), "FIELD_INVALID", "requester");
    expectCode(() => encodeOperatorRecord({ ...devOperatorRecord(1), proofSystems: [2, 1] }), "FIELD_INVALID", "proofSystems");
  });

  describe("proof bytes", () => {
    const snark = {
      pi_a: ["11", "12", "1"],
      pi_b: [
        ["21", "22"],
        ["23", "24"],
        ["1", "0"],
      ],
      pi_c: ["31", "32", "1"],
    };
    it("orders Groth16 words as the Solidity verifier takes them (G2 coordinates swapped)", () => {
      assert.deepEqual(groth16ProofWords(snark), [11n, 12n, 22n, 21n, 24n, 23n, 31n, 32n]);
      const hex = encodeGroth16Proof(snark);
      assert.equal(hex.length, 2 + 2 * 256);
      const back = groth16ProofFromWords(decodeProofWords(1, hex));
      assert.deepEqual(back.pi_b.slice(0, 2), snark.pi_b.slice(0, 2));
    });
    it("rejects wrong lengths and words >= q", () => {
      expectCode(() => decodeProofWords(2, proof), "FIELD_INVALID", "proof");
      expectCode(() => encodeProofWords(1, [...DEV_PROOF_WORDS.slice(0, 7), 1n << 255n]), "FIELD_INVALID", "proof");
    });
  });
});

/** Byte length of the first field (tag + length-delimited payload < 128 bytes) of a message. */
function firstFieldLength(bytes: Uint8Array): number {
  const wireType = bytes[0]! & 7;
  if (wireType === 2) return 2 + bytes[1]!;
  let i = 1;
  while ((bytes[i]! & 0x80) !== 0) i++;
  return i + 1;
}
