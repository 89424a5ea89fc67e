/**
 * BLS aggregate certificates (issue 15 item 2; draft SPEC §11.10, proposed): keys and proofs of possession, a
 * certificate assembled and verified against committees of 4 and 128, attacker cases (another body, a claimed
 * non-signer, too little weight, a bit beyond the committee, bad encodings, a real rogue key, a replay to another
 * task) and a fast-check property: a signer subset verifies iff it holds the committee quorum.
 * Runs: ZKPOOL_FC_RUNS (default 45).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { PublicKey, aggregatePublicKeys, fastAggregateVerify, Signature } from "@chainsafe/blst";
import fc from "fast-check";
import {
  BlsError,
  aggregateBlsSignatures,
  aggregatePublicKey,
  assembleBlsCertificate,
  blsKeyFromSeed,
  blsKeyRegistry,
  blsProofOfPossession,
  blsSign,
  blsSignerBitmap,
  blsVoteMessage,
  drawCommittee,
  fromHex,
  hasCommitteeQuorum,
  signBlsVote,
  verifyBlsCertificate,
  verifyBlsProofOfPossession,
  verifyBlsVote,
  voteBodyDigest,
  type BlsCertificate,
  type BlsKey,
  type BlsKeyRegistration,
  type BlsVote,
  type Committee,
  type Hex,
  type VoteBody,
} from "../src/index.js";
import { DOMAIN } from "./fixtures.js";

const RUNS = Number(process.env.ZKPOOL_FC_RUNS ?? 45);
const sha = (s: string): Uint8Array => new Uint8Array(createHash("sha256").update(s).digest());
const addr = (i: number): Hex => ("0x" + (0xb15000 + i).toString(16).padStart(40, "0")) as Hex;
const bytes32 = (s: string): Uint8Array => sha(s);
const hex32 = (s: string): Hex => ("0x" + Buffer.from(sha(s)).toString("hex")) as Hex;

interface Pool {
  committee: Committee;
  keys: Map<string, BlsKey>;
  registrations: BlsKeyRegistration[];
}

const keyCache = new Map<number, BlsKey>();
function devBlsKey(i: number): BlsKey {
  let k = keyCache.get(i);
  if (k === undefined) {
    k = blsKeyFromSeed(sha(`zkpool/dev/bls/${i}`));
    keyCache.set(i, k);
  }
  return k;
}

/** `n` attesters with stakes `stake(i)`, everyone mode (C >= n), all registered. */
function pool(n: number, stake: (i: number) => bigint, task = "task-a"): Pool {
  const stakes = new Map<string, bigint>();
  for (let i = 0; i < n; i++) stakes.set(addr(i), stake(i));
  const committee = drawCommittee({ taskId: bytes32(task), beacon: bytes32("beacon"), stakes, size: Math.max(n, 4) });
  const keys = new Map<string, BlsKey>();
  const registrations: BlsKeyRegistration[] = [];
  for (let i = 0; i < n; i++) {
    const k = devBlsKey(i);
    const a = addr(i).toLowerCase();
    keys.set(a, k);
    registrations.push({ operator: a, publicKey: k.publicKey, proofOfPossession: blsProofOfPossession(k, a) });
  }
  return { committee, keys, registrations };
}

function body(task = "task-a"): VoteBody {
  return { kind: "assignment", taskId: hex32(task), round: 0, prover: addr(999), price: 1234n };
}

function votesFor(p: Pool, b: VoteBody, who: readonly string[]): BlsVote[] {
  return who.map((a) => signBlsVote({ ...b, attester: a as Hex }, p.keys.get(a)!, DOMAIN));
}

function expectBlsError(fn: () => unknown, code: string): BlsError {
  let caught: BlsError | undefined;
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BlsError, `expected BlsError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    caught = err;
    return true;
  });
  return caught!;
}

describe("bls: keys and proof of possession", () => {
  it("derives 48-byte keys deterministically and signs 96 bytes", () => {
    const a = blsKeyFromSeed(sha("x"));
    const b = blsKeyFromSeed(sha("x"));
    assert.equal(a.publicKey.length, 48);
    assert.deepEqual(a.publicKey, b.publicKey);
    assert.deepEqual(blsSign(a, new Uint8Array(32)), blsSign(b, new Uint8Array(32)));
    assert.equal(blsSign(a, new Uint8Array(32)).length, 96);
    expectBlsError(() => blsKeyFromSeed(new Uint8Array(31)), "INVALID_INPUT");
  });

  it("signs the vote body's EIP-712 digest, the secp256k1 message", () => {
    assert.deepEqual(blsVoteMessage(body(), DOMAIN), fromHex(voteBodyDigest(body(), DOMAIN)));
  });

  it("checks a proof of possession for its operator and key only", () => {
    const k = devBlsKey(0);
    const pop = blsProofOfPossession(k, addr(0));
    assert.ok(verifyBlsProofOfPossession(addr(0), k.publicKey, pop));
    assert.ok(verifyBlsProofOfPossession(addr(0).toUpperCase().replace("0X", "0x"), k.publicKey, pop));
    assert.ok(!verifyBlsProofOfPossession(addr(1), k.publicKey, pop), "bound to the operator");
    assert.ok(!verifyBlsProofOfPossession(addr(0), devBlsKey(1).publicKey, pop), "bound to the key");
    assert.ok(!verifyBlsProofOfPossession(addr(0), k.publicKey, pop.subarray(0, 95)));
    assert.ok(!verifyBlsProofOfPossession("0x12", k.publicKey, pop));
    // A vote signature is not a proof of possession (distinct messages).
    assert.ok(!verifyBlsProofOfPossession(addr(0), k.publicKey, blsSign(k, blsVoteMessage(body(), DOMAIN))));
  });

  it("refuses malformed, infinity and duplicate keys in a registry, with typed errors", () => {
    const k = devBlsKey(0);
    const pop = blsProofOfPossession(k, addr(0));
    const reg = (publicKey: Uint8Array, proofOfPossession = pop, operator: string = addr(0)): BlsKeyRegistration => ({
      operator,
      publicKey,
      proofOfPossession,
    });
    expectBlsError(() => blsKeyRegistry([reg(k.publicKey.subarray(0, 47))]), "BAD_PUBLIC_KEY");
    expectBlsError(() => blsKeyRegistry([reg(new Uint8Array(48).fill(0xff))]), "BAD_PUBLIC_KEY");
    const inf = new Uint8Array(48);
    inf[0] = 0xc0;
    expectBlsError(() => blsKeyRegistry([reg(inf)]), "BAD_PUBLIC_KEY");
    expectBlsError(() => blsKeyRegistry([reg(k.secretKey.toPublicKey().toBytes(false))]), "BAD_PUBLIC_KEY");
    expectBlsError(() => blsKeyRegistry([reg(k.publicKey, new Uint8Array(96).fill(7))]), "BAD_PROOF_OF_POSSESSION");
    expectBlsError(() => blsKeyRegistry([reg(k.publicKey, pop.subarray(1))]), "BAD_PROOF_OF_POSSESSION");
    expectBlsError(() => blsKeyRegistry([reg(k.publicKey, pop, "nope")]), "INVALID_INPUT");
    expectBlsError(() => blsKeyRegistry([reg(k.publicKey), reg(k.publicKey)]), "DUPLICATE_KEY");
    const r = blsKeyRegistry([reg(k.publicKey)]);
    assert.equal(r.size, 1);
    assert.deepEqual(r.publicKeyOf(addr(0).toUpperCase().replace("0X", "0x")), k.publicKey);
  });

  it("refuses a real rogue key, which would otherwise forge an aggregate", () => {
    const victim = devBlsKey(0);
    const attacker = devBlsKey(1);
    // -V: flip the sign bit of the compressed encoding.
    const negV = Uint8Array.from(victim.publicKey);
    negV[0]! ^= 0x20;
    const rogue = aggregatePublicKeys([attacker.secretKey.toPublicKey(), PublicKey.fromBytes(negV, true)]).toBytes(true);
    const msg = blsVoteMessage(body(), DOMAIN);
    const forged = Signature.fromBytes(blsSign(attacker, msg));
    // Without proofs of possession the attacker alone "proves" that victim and rogue both signed.
    assert.ok(fastAggregateVerify(msg, [PublicKey.fromBytes(victim.publicKey, true), PublicKey.fromBytes(rogue, true)], forged));
    const rogueAddr = addr(1);
    for (const proof of [blsProofOfPossession(attacker, rogueAddr), blsSign(attacker, msg), new Uint8Array(96)]) {
      assert.ok(!verifyBlsProofOfPossession(rogueAddr, rogue, proof));
      const err = expectBlsError(
        () => blsKeyRegistry([{ operator: rogueAddr, publicKey: rogue, proofOfPossession: proof }]),
        "BAD_PROOF_OF_POSSESSION",
      );
      assert.equal(err.type.index, 0);
    }
    // With the rogue left unregistered, a certificate naming it is refused before any pairing.
    const p = pool(2, () => 1n);
    const registry = blsKeyRegistry([p.registrations[0]!]);
    const cert: BlsCertificate = {
      ...body(),
      signerBitmap: blsSignerBitmap(p.committee, [addr(0), addr(1)]),
      aggregateSignature: forged.toBytes(),
    };
    expectBlsError(() => verifyBlsCertificate(cert, p.committee, registry, DOMAIN), "SIGNER_WITHOUT_KEY");
  });
});

describe("bls: aggregate certificates", () => {
  for (const n of [4, 128]) {
    it(`assembles and verifies a certificate for a committee of ${n}`, () => {
      const p = pool(n, (i) => BigInt(1 + (i % 3)));
      const registry = blsKeyRegistry(p.registrations);
      const members = p.committee.members.map((m) => m.attester);
      assert.equal(members.length, n);
      const b = body();
      const votes = votesFor(p, b, members);
      assert.ok(votes.every((v) => verifyBlsVote(v, registry, DOMAIN)));
      // Below quorum: undefined.
      assert.equal(assembleBlsCertificate(b, votes.slice(0, Math.floor(n / 3)), p.committee, registry, DOMAIN), undefined);
      const cert = assembleBlsCertificate(b, [...votes].reverse(), p.committee, registry, DOMAIN);
      assert.ok(cert !== undefined);
      assert.equal(cert.signerBitmap.length, Math.ceil(n / 8));
      assert.equal(cert.aggregateSignature.length, 96);
      const check = verifyBlsCertificate(cert, p.committee, registry, DOMAIN, { taskId: b.taskId, round: 0, kind: "assignment" });
      assert.equal(check.signedWeight, p.committee.totalWeight);
      assert.deepEqual(check.signers, members);
      // Deterministic: any vote order gives the same bytes.
      const again = assembleBlsCertificate(b, votes, p.committee, registry, DOMAIN)!;
      assert.deepEqual(again.signerBitmap, cert.signerBitmap);
      assert.deepEqual(again.aggregateSignature, cert.aggregateSignature);
      // The committee aggregate key matches the sum of the signers' keys.
      assert.equal(aggregatePublicKey(registry, members).length, 48);
    });
  }

  it("verifies against a sampled committee too", () => {
    const stakes = new Map<string, bigint>();
    for (let i = 0; i < 40; i++) stakes.set(addr(i), BigInt(1 + i));
    const committee = drawCommittee({ taskId: bytes32("task-s"), beacon: bytes32("b"), stakes, size: 16 });
    assert.equal(committee.mode, "sampled");
    const p = pool(40, (i) => BigInt(1 + i));
    const registry = blsKeyRegistry(p.registrations);
    const b = body("task-s");
    const cert = assembleBlsCertificate(b, votesFor(p, b, committee.members.map((m) => m.attester)), committee, registry, DOMAIN)!;
    assert.equal(verifyBlsCertificate(cert, committee, registry, DOMAIN).signedWeight, 16n);
  });

  describe("attacker cases", () => {
    const p = pool(4, () => 1n);
    const registry = blsKeyRegistry(p.registrations);
    const members = p.committee.members.map((m) => m.attester);
    const b = body();
    const votes = votesFor(p, b, members);
    const sigOf = (i: number): Uint8Array => votes[i]!.blsSignature;
    const cert = (signers: number[], sigs: number[] = signers, bd: VoteBody = b): BlsCertificate => ({
      ...bd,
      signerBitmap: blsSignerBitmap(p.committee, signers.map((i) => members[i]!)),
      aggregateSignature: aggregateBlsSignatures(sigs.map(sigOf)),
    });
    const verifyIt = (c: BlsCertificate): unknown => verifyBlsCertificate(c, p.committee, registry, DOMAIN);

    it("accepts 3 of 4 (quorum 3)", () => {
      assert.equal(verifyBlsCertificate(cert([0, 1, 3]), p.committee, registry, DOMAIN).signedWeight, 3n);
    });
    it("refuses a signature over another body", () => {
      const other: VoteBody = { ...b, price: 1235n } as VoteBody;
      expectBlsError(() => verifyIt(cert([0, 1, 2], [0, 1, 2], other)), "BAD_SIGNATURE");
      expectBlsError(() => verifyIt({ ...cert([0, 1, 2]), round: 1 } as BlsCertificate), "BAD_SIGNATURE");
    });
    it("refuses a bitmap claiming a non-signer", () => {
      expectBlsError(() => verifyIt(cert([0, 1, 2, 3], [0, 1, 2])), "BAD_SIGNATURE");
    });
    it("refuses a bitmap with too little weight", () => {
      const e = expectBlsError(() => verifyIt(cert([0, 1])), "BELOW_QUORUM");
      assert.equal(e.type.signedWeight, "2");
      assert.equal(e.type.quorum, "3");
      expectBlsError(() => verifyIt({ ...cert([0, 1, 2]), signerBitmap: new Uint8Array(1) }), "NO_SIGNERS");
    });
    it("refuses a bit beyond the committee and a bitmap of the wrong length", () => {
      const c = cert([0, 1, 2]);
      const e = expectBlsError(() => verifyIt({ ...c, signerBitmap: Uint8Array.of(c.signerBitmap[0]! | 0x40) }), "BIT_BEYOND_COMMITTEE");
      assert.equal(e.type.index, 6);
      expectBlsError(() => verifyIt({ ...c, signerBitmap: Uint8Array.of(c.signerBitmap[0]!, 0) }), "MALFORMED");
      expectBlsError(() => verifyIt({ ...c, signerBitmap: new Uint8Array(0) }), "MALFORMED");
      expectBlsError(() => verifyIt({ ...c, signerBitmap: [7] as unknown as Uint8Array }), "MALFORMED");
    });
    it("refuses truncated, garbage and infinity signatures", () => {
      const c = cert([0, 1, 2]);
      expectBlsError(() => verifyIt({ ...c, aggregateSignature: c.aggregateSignature.subarray(0, 95) }), "MALFORMED");
      expectBlsError(() => verifyIt({ ...c, aggregateSignature: new Uint8Array(96).fill(0xab) }), "BAD_SIGNATURE");
      const inf = new Uint8Array(96);
      inf[0] = 0xc0;
      expectBlsError(() => verifyIt({ ...c, aggregateSignature: inf }), "BAD_SIGNATURE");
      const flipped = Uint8Array.from(c.aggregateSignature);
      flipped[0]! ^= 0x20; // -sig: a valid point, the wrong one
      expectBlsError(() => verifyIt({ ...c, aggregateSignature: flipped }), "BAD_SIGNATURE");
      expectBlsError(() => verifyIt(null as unknown as BlsCertificate), "MALFORMED");
      expectBlsError(() => verifyIt({ ...c, taskId: "0x12" }), "MALFORMED");
    });
    it("refuses a certificate replayed for another task id", () => {
      const c = cert([0, 1, 2]);
      const other = hex32("task-b");
      expectBlsError(() => verifyBlsCertificate(c, p.committee, registry, DOMAIN, { taskId: other }), "MISMATCH");
      // Relabelled for task b and checked against task b's committee: the signatures are over task a.
      const pb = pool(4, () => 1n, "task-b");
      expectBlsError(() => verifyBlsCertificate({ ...c, taskId: other }, pb.committee, registry, DOMAIN), "BAD_SIGNATURE");
      // And another deployment's domain.
      expectBlsError(() => verifyBlsCertificate(c, p.committee, registry, { ...DOMAIN, chainId: 1n }), "BAD_SIGNATURE");
      expectBlsError(() => verifyBlsCertificate(c, p.committee, registry, DOMAIN, { round: 1 }), "WRONG_ROUND");
    });
    it("refuses an unchecked key map in place of a registry", () => {
      expectBlsError(
        () => verifyBlsCertificate(cert([0, 1, 2]), p.committee, new Map() as unknown as typeof registry, DOMAIN),
        "INVALID_INPUT",
      );
    });
    it("skips bad votes when assembling", () => {
      const bad = [{ ...votes[0]!, blsSignature: sigOf(1) }, { ...votes[1]!, blsSignature: new Uint8Array(3) }, votes[2]!];
      assert.equal(assembleBlsCertificate(b, bad, p.committee, registry, DOMAIN), undefined);
      const c = assembleBlsCertificate(b, [...bad, votes[3]!, votes[0]!], p.committee, registry, DOMAIN)!;
      assert.deepEqual(verifyBlsCertificate(c, p.committee, registry, DOMAIN).signers, [members[0], members[2], members[3]]);
    });
  });

  it("property: a signer subset verifies iff it holds the committee quorum", () => {
    const n = 10;
    const p = pool(n, (i) => BigInt([5, 1, 3, 8, 2, 2, 13, 1, 4, 6][i]!));
    const registry = blsKeyRegistry(p.registrations);
    const members = p.committee.members.map((m) => m.attester);
    const b = body();
    const sigs = votesFor(p, b, members).map((v) => v.blsSignature);
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: n, maxLength: n }), (bits) => {
        const chosen = members.filter((_, i) => bits[i]);
        const c: BlsCertificate = {
          ...b,
          signerBitmap: blsSignerBitmap(p.committee, chosen),
          aggregateSignature: chosen.length === 0 ? new Uint8Array(96).fill(1) : aggregateBlsSignatures(sigs.filter((_, i) => bits[i])),
        };
        if (hasCommitteeQuorum(p.committee, chosen)) {
          assert.deepEqual(verifyBlsCertificate(c, p.committee, registry, DOMAIN).signers, chosen);
        } else {
          expectBlsError(() => verifyBlsCertificate(c, p.committee, registry, DOMAIN), chosen.length === 0 ? "NO_SIGNERS" : "BELOW_QUORUM");
        }
      }),
      { numRuns: RUNS, seed: 0xb15 },
    );
  });
});
