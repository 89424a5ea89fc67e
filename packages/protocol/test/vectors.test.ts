/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- vector JSON is untyped input; the assertions check it */
/** Checks every vector in protocol/vectors/ (except lottery.json, checked by the lottery tests). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Wallet } from "ethers";
import {
  CertificateError,
  ProtocolError,
  addressOf,
  attesterSet,
  bidCommitment,
  circuitId,
  decodeBidCommit,
  decodeBidReveal,
  decodeCertificate,
  decodeOperatorRecord,
  decodeProofSubmission,
  decodeTask,
  decodeVote,
  ed25519SigningPayload,
  encodeBidCommit,
  encodeBidReveal,
  encodeGroth16Proof,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeProofWords,
  encodeTask,
  encodeVote,
  fromHex,
  messageId,
  nodeKeyFromSeed,
  operatorRecordDigest,
  proofHash,
  publicSignalsHash,
  recoverSigner,
  signDigest,
  taskId,
  toHex,
  unsignedEncoding,
  verifyBidCommitSignature,
  verifyBidRevealSignature,
  verifyCertificate,
  verifyProofSubmissionSignature,
  voteBodyDigest,
  type CertificateExpectation,
  type Hex,
  type MessageName,
  type ProtocolDomain,
  type Vote,
} from "../src/index.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "protocol", "vectors");
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON
const load = (name: string): any => JSON.parse(readFileSync(join(DIR, name), "utf8"));
const json = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));
const domainOf = (d: { chainId: string; escrow: Hex }): ProtocolDomain => ({ chainId: BigInt(d.chainId), escrow: d.escrow });

const DECODERS: Record<MessageName, (b: Uint8Array) => unknown> = {
  OperatorRecord: decodeOperatorRecord,
  Task: decodeTask,
  BidCommit: decodeBidCommit,
  BidReveal: decodeBidReveal,
  Vote: decodeVote,
  Certificate: decodeCertificate,
  ProofSubmission: decodeProofSubmission,
};

describe("protocol/vectors", () => {
  describe("keys.json", () => {
    const keys = load("keys.json");
    it("operator addresses derive from the private keys", () => {
      for (const o of keys.operators) assert.equal(addressOf(new Wallet(o.privateKey as string)), o.address);
    });
    it("node peer ids derive from the seeds", () => {
      for (const n of keys.nodes) {
        const k = nodeKeyFromSeed(fromHex(n.seed as string));
        assert.equal(toHex(k.publicKey), n.publicKey);
        assert.equal(k.peerId, n.peerId);
      }
    });
  });

  describe("messages.json", () => {
    const v = load("messages.json");
    const domain = domainOf(v.domain);
    const keys = load("keys.json");
    const privateKeyOf = (address: string): string => keys.operators.find((o: { address: string }) => o.address === address).privateKey;
    for (const c of v.cases) {
      it(`${c.name as string}: decodes, re-encodes identically, and its signature checks`, () => {
        const bytes = fromHex(c.encoding as string);
        assert.equal(toHex(messageId(bytes)), c.messageId);
        const type = (c.name as string).split("/")[0] as MessageName;
        const msg = DECODERS[type](bytes);
        assert.deepEqual(json(msg), c.message);
        const reencode: Record<string, (m: never) => Uint8Array> = {
          OperatorRecord: encodeOperatorRecord,
          Task: encodeTask,
          BidCommit: encodeBidCommit,
          BidReveal: encodeBidReveal,
          Vote: encodeVote,
          ProofSubmission: encodeProofSubmission,
        };
        assert.equal(toHex(reencode[type]!(msg as never)), c.encoding);
        if (c.scheme === "eip712") {
          const digest =
            type === "Task"
              ? taskId(msg as never, domain)
              : type === "OperatorRecord"
                ? operatorRecordDigest(msg as never, domain)
                : voteBodyDigest(msg as Vote, domain);
          assert.equal(digest, c.digest);
          const sig = (msg as { signature: Hex }).signature;
          assert.equal(recoverSigner(digest, sig), c.signer);
          // RFC 6979: re-signing with the dev key reproduces the vector's signature.
          assert.equal(signDigest(digest, new Wallet(privateKeyOf(c.signer as string))), sig);
        } else {
          const unsigned = unsignedEncoding[type as "BidCommit" | "BidReveal" | "ProofSubmission"](msg as never);
          assert.equal(toHex(unsigned), c.unsignedEncoding);
          assert.equal(toHex(ed25519SigningPayload(type as "BidCommit", domain, unsigned)), c.signingPayload);
          const ok =
            type === "BidCommit"
              ? verifyBidCommitSignature(msg as never, domain)
              : type === "BidReveal"
                ? verifyBidRevealSignature(msg as never, domain)
                : verifyProofSubmissionSignature(msg as never, domain);
          assert.equal(ok, true);
        }
      });
    }
  });

  describe("invalid-encodings.json", () => {
    for (const c of load("invalid-encodings.json").cases) {
      it(`${c.name as string} -> ${c.error as string}`, () => {
        assert.throws(
          () => DECODERS[c.message as MessageName](fromHex(c.encoding as string)),
          (err: unknown) => {
            assert.ok(err instanceof ProtocolError, String(err));
            assert.equal(err.code, c.error);
            if (c.field !== undefined) assert.equal(err.type.field, c.field);
            return true;
          },
        );
      });
    }
  });

  describe("ids.json", () => {
    const v = load("ids.json");
    const domain = domainOf(v.domain);
    it("circuit ids", () => {
      for (const c of v.circuitIds) assert.equal(circuitId(c.proofSystem, c.wasmSha256, c.zkeySha256, c.vkeySha256), c.circuitId);
    });
    it("task ids", () => {
      for (const t of v.taskIds) assert.equal(taskId(decodeTask(fromHex(t.task as string)), domain), t.taskId);
    });
    it("bid commitments", () => {
      for (const c of v.commitments) assert.equal(bidCommitment(c.taskId, c.prover, BigInt(c.price as string), c.salt), c.commitment);
    });
    it("public signals hashes", () => {
      for (const p of v.publicSignalsHashes) {
        assert.equal(publicSignalsHash((p.publicSignals as string[]).map((s) => BigInt(s))), p.hash);
      }
    });
    it("proof bytes and hashes", () => {
      for (const p of v.proofs) {
        const bytes =
          p.snarkjs !== undefined
            ? encodeGroth16Proof(p.snarkjs)
            : encodeProofWords(p.proofSystem, (p.words as string[]).map((w) => BigInt(w)));
        assert.equal(bytes, p.bytes);
        assert.equal(proofHash(bytes), p.proofHash);
      }
    });
  });

  describe("certificates.json", () => {
    const v = load("certificates.json");
    const domain = domainOf(v.domain);
    const stakes = attesterSet((v.stakes as { address: string; stake: string }[]).map((s) => [s.address, BigInt(s.stake)] as const));
    for (const c of v.cases) {
      it(`${c.name as string} -> ${c.result as string}`, () => {
        const cert = decodeCertificate(fromHex(c.certificate as string));
        const e = c.expected;
        const expected: CertificateExpectation = {
          kind: e.kind,
          taskId: e.taskId,
          round: e.round,
          prover: e.prover,
          maxRounds: v.task.maxRounds,
          ...(e.price !== undefined ? { price: BigInt(e.price as string) } : {}),
        };
        if (c.result === "VALID") {
          verifyCertificate(cert, stakes, domain, expected);
        } else {
          assert.throws(
            () => verifyCertificate(cert, stakes, domain, expected),
            (err: unknown) => err instanceof CertificateError && err.code === c.result,
          );
        }
      });
    }
  });
});
