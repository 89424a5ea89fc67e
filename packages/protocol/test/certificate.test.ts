import assert from "node:assert/strict";
import {
  CertificateError,
  assembleCertificate,
  attesterSet,
  hasQuorum,
  signVote,
  taskId,
  verifyCertificate,
  type Certificate,
  type Vote,
} from "../src/index.js";
import { DOMAIN, devAddress, devAssignmentVote, devTask, devWallet } from "./fixtures.js";

function expectReason(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CertificateError, String(err));
    assert.equal(err.code, code, err.message);
    return true;
  });
}

describe("certificates", () => {
  const task = devTask();
  // Attesters 1..4 with stakes 10, 20, 30, 40 (total 100): quorum needs >= 66.67, i.e. 67.
  const stakes = attesterSet([1, 2, 3, 4].map((i) => [devAddress(i), BigInt(10 * i)] as const));
  const body = { kind: "assignment" as const, taskId: taskId(task, DOMAIN), round: 0, prover: devAddress(9), price: 5n };
  const votes = (ids: number[]): Vote[] => ids.map((i) => devAssignmentVote(i, task, 9, 5n));
  const assemble = (ids: number[]): Certificate | undefined => assembleCertificate(body, votes(ids), stakes, DOMAIN);

  it("quorum is 3 * signed >= 2 * total", () => {
    assert.equal(hasQuorum(66n, 99n), true);
    assert.equal(hasQuorum(65n, 99n), false);
    assert.equal(hasQuorum(0n, 0n), false);
  });

  it("assembles a sorted certificate at quorum and verifies it", () => {
    const cert = assemble([4, 3, 1]); // 80 of 100
    assert.ok(cert);
    assert.deepEqual(cert.attesters, [...cert.attesters].sort());
    const check = verifyCertificate(cert, stakes, DOMAIN, { kind: "assignment", round: 0, prover: devAddress(9) });
    assert.equal(check.signedStake, 80n);
    assert.equal(check.totalStake, 100n);
  });

  it("does not assemble below quorum, and ignores votes on another body, unstaked or forged votes", () => {
    assert.equal(assemble([4, 2]), undefined); // 60 < 67
    const otherPrice = devAssignmentVote(3, task, 9, 6n);
    const unstaked = devAssignmentVote(7, task, 9, 5n);
    const forged: Vote = { ...devAssignmentVote(3, task, 9, 5n), attester: devAddress(1) };
    assert.equal(assembleCertificate(body, [...votes([4, 2]), otherPrice, unstaked, forged], stakes, DOMAIN), undefined);
    // a repeated vote counts once: 40 + 20 stays below quorum; attester 1 then brings it to 70
    assert.equal(assembleCertificate(body, [...votes([4, 2]), votes([4])[0]!], stakes, DOMAIN), undefined);
    const cert = assembleCertificate(body, [...votes([4, 2, 4, 1]), otherPrice, forged], stakes, DOMAIN);
    assert.equal(cert?.attesters.length, 3);
  });

  const valid = (): Certificate => assemble([1, 2, 3, 4])!;

  it("rejects BELOW_QUORUM", () => {
    const cert = assemble([1, 2, 3, 4])!;
    const idx = cert.attesters.indexOf(devAddress(4));
    const cut = { ...cert, attesters: cert.attesters.filter((_, i) => i !== idx), signatures: cert.signatures.filter((_, i) => i !== idx) };
    expectReason(() => verifyCertificate(cut, stakes, DOMAIN), "BELOW_QUORUM"); // 60 of 100
  });

  it("rejects DUPLICATE_SIGNER", () => {
    const c = valid();
    const dup = { ...c, attesters: [c.attesters[0]!, ...c.attesters], signatures: [c.signatures[0]!, ...c.signatures] };
    expectReason(() => verifyCertificate(dup, stakes, DOMAIN), "DUPLICATE_SIGNER");
  });

  it("rejects UNSORTED_SIGNERS", () => {
    const c = valid();
    const rev = { ...c, attesters: [...c.attesters].reverse(), signatures: [...c.signatures].reverse() };
    expectReason(() => verifyCertificate(rev, stakes, DOMAIN), "UNSORTED_SIGNERS");
  });

  it("rejects SIGNER_WITHOUT_STAKE", () => {
    const c = valid();
    const extra = devAssignmentVote(8, task, 9, 5n);
    const entries = c.attesters.map((a, i) => [a, c.signatures[i]!] as const).concat([[extra.attester, extra.signature]]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const cert = { ...c, attesters: entries.map((e) => e[0]), signatures: entries.map((e) => e[1]) };
    expectReason(() => verifyCertificate(cert, stakes, DOMAIN), "SIGNER_WITHOUT_STAKE");
  });

  it("rejects WRONG_ROUND (expected round, or beyond maxRounds)", () => {
    expectReason(() => verifyCertificate(valid(), stakes, DOMAIN, { round: 1 }), "WRONG_ROUND");
    const r5 = [1, 2, 3, 4].map((i) =>
      signVote({ ...body, round: 5, attester: devAddress(i) }, devWallet(i), DOMAIN),
    );
    const cert = assembleCertificate({ ...body, round: 5 }, r5, stakes, DOMAIN)!;
    expectReason(() => verifyCertificate(cert, stakes, DOMAIN, { maxRounds: task.maxRounds }), "WRONG_ROUND");
  });

  it("rejects MISMATCH on kind, prover or price", () => {
    expectReason(() => verifyCertificate(valid(), stakes, DOMAIN, { kind: "default" }), "MISMATCH");
    expectReason(() => verifyCertificate(valid(), stakes, DOMAIN, { prover: devAddress(1) }), "MISMATCH");
    expectReason(() => verifyCertificate(valid(), stakes, DOMAIN, { price: 6n }), "MISMATCH");
  });

  it("rejects BAD_SIGNATURE: a signature by someone else, or over another body", () => {
    const c = valid();
    const swapped = { ...c, signatures: [c.signatures[1]!, c.signatures[0]!, ...c.signatures.slice(2)] };
    expectReason(() => verifyCertificate(swapped, stakes, DOMAIN), "BAD_SIGNATURE");
    const otherBody = { ...c, price: 6n };
    expectReason(() => verifyCertificate(otherBody, stakes, DOMAIN), "BAD_SIGNATURE");
  });

  it("rejects MALFORMED (no attesters, or counts differ)", () => {
    expectReason(() => verifyCertificate({ ...valid(), attesters: [], signatures: [] }, stakes, DOMAIN), "MALFORMED");
    const c = valid();
    expectReason(() => verifyCertificate({ ...c, signatures: c.signatures.slice(1) }, stakes, DOMAIN), "MALFORMED");
  });
});
