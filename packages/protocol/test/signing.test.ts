import assert from "node:assert/strict";
import { AbiCoder, TypedDataEncoder, keccak256, solidityPacked, verifyTypedData } from "ethers";
import {
  bidCommitment,
  circuitId,
  encodeProofWords,
  operatorRecordDigest,
  operatorRecordTypedData,
  publicKeyFromPeerId,
  publicSignalsHash,
  signVote,
  taskId,
  taskTypedData,
  verifyBidCommitSignature,
  verifyBidRevealSignature,
  verifyOperatorRecordSignature,
  verifyProofSubmissionSignature,
  verifyTaskSignature,
  verifyVoteSignature,
  voteBodyDigest,
  voteTypedData,
  type ProtocolDomain,
  type VoteBody,
} from "../src/index.js";
import {
  DEV_PROOF_WORDS,
  DOMAIN,
  PUBLIC_SIGNALS,
  REQUESTER,
  devAddress,
  devBidCommit,
  devBidReveal,
  devNodeKey,
  devOperatorRecord,
  devProofSubmission,
  devTask,
  devWallet,
  hashOf,
} from "./fixtures.js";

const abi = AbiCoder.defaultAbiCoder();
const OTHER_CHAIN: ProtocolDomain = { ...DOMAIN, chainId: 1n };
const OTHER_ESCROW: ProtocolDomain = { ...DOMAIN, escrow: "0x0000000000000000000000000000000000000001" };

describe("ids and EIP-712 digests", () => {
  const task = devTask();

  it("taskId equals ethers' TypedDataEncoder.hash of the Task struct", () => {
    const td = taskTypedData(task, DOMAIN);
    assert.equal(taskId(task, DOMAIN), TypedDataEncoder.hash(td.domain, td.types, td.value));
  });

  it("the requester's signature verifies with ethers.verifyTypedData", () => {
    const td = taskTypedData(task, DOMAIN);
    assert.equal(verifyTypedData(td.domain, td.types, td.value, task.signature).toLowerCase(), task.requester);
  });

  it("circuitId = keccak256(abi.encode(uint8, bytes32, bytes32, bytes32))", () => {
    const expected = keccak256(
      abi.encode(["uint8", "bytes32", "bytes32", "bytes32"], [2, hashOf("w"), hashOf("z"), hashOf("v")]),
    );
    assert.equal(circuitId(2, hashOf("w"), hashOf("z"), hashOf("v")), expected);
  });

  it("commitment = keccak256(abi.encode(bytes32, address, uint256, bytes32))", () => {
    const id = taskId(task, DOMAIN);
    const expected = keccak256(
      abi.encode(["bytes32", "address", "uint256", "bytes32"], [id, devAddress(3), 123n, hashOf("s")]),
    );
    assert.equal(bidCommitment(id, devAddress(3), 123n, hashOf("s")), expected);
  });

  it("publicSignalsHash = keccak256(abi.encodePacked(uint256[]))", () => {
    const expected = keccak256(solidityPacked(["uint256[]"], [PUBLIC_SIGNALS]));
    assert.equal(publicSignalsHash(PUBLIC_SIGNALS), expected);
  });

  const bodies: VoteBody[] = [
    { kind: "assignment", taskId: hashOf("t"), round: 2, prover: devAddress(1), price: 10n ** 18n },
    { kind: "completion", taskId: hashOf("t"), round: 0, prover: devAddress(1), proofHash: hashOf("p") },
    { kind: "default", taskId: hashOf("t"), round: 1, prover: devAddress(1) },
  ];
  for (const body of bodies) {
    it(`${body.kind} digest equals ethers' TypedDataEncoder.hash`, () => {
      const td = voteTypedData(body, DOMAIN);
      assert.equal(voteBodyDigest(body, DOMAIN), TypedDataEncoder.hash(td.domain, td.types, td.value));
    });
  }

  it("operator record digest equals ethers' and the signature verifies", () => {
    const r = devOperatorRecord(1);
    const td = operatorRecordTypedData(r, DOMAIN);
    assert.equal(operatorRecordDigest(r, DOMAIN), TypedDataEncoder.hash(td.domain, td.types, td.value));
    assert.equal(verifyOperatorRecordSignature(r, DOMAIN), true);
  });

  it("the domain separates networks and escrows: nothing replays across them", () => {
    assert.notEqual(taskId(task, DOMAIN), taskId(task, OTHER_CHAIN));
    assert.notEqual(taskId(task, DOMAIN), taskId(task, OTHER_ESCROW));
    assert.equal(verifyTaskSignature(task, OTHER_CHAIN), false);
    assert.equal(verifyTaskSignature(task, OTHER_ESCROW), false);
  });
});

describe("sign / verify", () => {
  const task = devTask();
  const proof = encodeProofWords(1, DEV_PROOF_WORDS);

  it("Task: verifies; any signed field change breaks it; the advisory inputSize does not", () => {
    assert.equal(verifyTaskSignature(task, DOMAIN), true);
    assert.equal(verifyTaskSignature({ ...task, maxReward: task.maxReward + 1n }, DOMAIN), false);
    assert.equal(verifyTaskSignature({ ...task, zkeySha256: hashOf("other") }, DOMAIN), false);
    assert.equal(verifyTaskSignature({ ...task, requester: devAddress(1) }, DOMAIN), false);
    assert.equal(verifyTaskSignature({ ...task, inputSize: 99n }, DOMAIN), true);
  });

  it("OperatorRecord: tampering with the peer id or capacity breaks it", () => {
    const r = devOperatorRecord(2);
    assert.equal(verifyOperatorRecordSignature({ ...r, peerId: devNodeKey(3).peerId }, DOMAIN), false);
    assert.equal(verifyOperatorRecordSignature({ ...r, capacity: 5 }, DOMAIN), false);
    assert.equal(verifyOperatorRecordSignature(r, OTHER_CHAIN), false);
  });

  it("Vote: verifies for the attester only", () => {
    const v = signVote(
      { kind: "default", taskId: taskId(task, DOMAIN), round: 0, prover: devAddress(1), attester: devAddress(2) },
      devWallet(2),
      DOMAIN,
    );
    assert.equal(verifyVoteSignature(v, DOMAIN), true);
    assert.equal(verifyVoteSignature({ ...v, attester: devAddress(3) }, DOMAIN), false);
    assert.equal(verifyVoteSignature({ ...v, round: 1 }, DOMAIN), false);
  });

  it("Ed25519 messages verify against the key inside the peer id and nothing else", () => {
    const c = devBidCommit(1, task, 5n);
    const r = devBidReveal(1, task, 5n);
    const p = devProofSubmission(1, task, proof);
    assert.equal(verifyBidCommitSignature(c, DOMAIN), true);
    assert.equal(verifyBidRevealSignature(r, DOMAIN), true);
    assert.equal(verifyProofSubmissionSignature(p, DOMAIN), true);
    assert.equal(verifyBidCommitSignature({ ...c, peerId: devNodeKey(2).peerId }, DOMAIN), false);
    assert.equal(verifyBidRevealSignature({ ...r, price: 6n }, DOMAIN), false);
    assert.equal(verifyProofSubmissionSignature({ ...p, publicSignals: [1n] }, DOMAIN), false);
    assert.equal(verifyBidCommitSignature(c, OTHER_ESCROW), false);
    // The same bytes under another message name do not verify (the name is in the signed prefix).
    assert.equal(publicKeyFromPeerId(devNodeKey(1).peerId)?.byteLength, 32);
  });

  it("the requester key signs what ethers' Wallet.signTypedData signs", async () => {
    const td = taskTypedData(task, DOMAIN);
    const sig = await REQUESTER.signTypedData(td.domain, td.types, td.value);
    assert.equal(sig.toLowerCase(), task.signature);
  });
});
