/*
 * contracts/BlsCertificateVerifier.sol on a real anvil with `--hardfork prague` (EIP-2537 precompiles), against
 * keys, votes and certificates made by the protocol package's BLS rules (@chainsafe/blst underneath):
 * - the on-chain hash_to_curve equals blst's (H(m) is the signature of m under the secret key 1) and the RFC 9380
 *   test vectors;
 * - certificates assembled by `assembleBlsCertificate` verify on chain with the same signed weight as
 *   `verifyBlsCertificate`, on both summation paths (apk − non-signers, Σ signers), across data-contract chunks;
 * - a wrong digest, a wrong bitmap, a claimed non-signer, a set whose non-signer key differs, a non-member's
 *   signature in the aggregate, tampered / infinity / compressed signatures all fail, with typed errors;
 * - registration: the aggregate key and record hash match off-chain values; bad keys (flags, infinity, off the
 *   curve, on the curve outside the subgroup) and bad operator order / weights are refused; on-chain proofs of
 *   possession accept the protocol's proofs and refuse a rogue key that the trusted path would accept;
 * - on a cancun anvil (no EIP-2537) nothing is ever accepted, even with a sealed set planted in state.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  Contract, ContractFactory, HDNodeWallet, Interface, Mnemonic, Wallet, concat, getBytes, hexlify, keccak256, solidityPacked, toBeHex,
  type ContractTransactionResponse, type JsonRpcProvider,
} from "ethers";
import {
  aggregateBlsSignatures,
  aggregatePublicKey,
  assembleBlsCertificate,
  blsKeyFromSeed,
  blsKeyRegistry,
  blsProofOfPossession,
  blsSign,
  blsVoteMessage,
  decodeBlsPublicKey,
  decodeBlsSignature,
  drawCommittee,
  signBlsVote,
  verifyBlsCertificate,
  type BlsKey,
  type BlsKeyRegistration,
  type BlsKeyRegistry,
  type BlsVote,
  type Committee,
  type Hex,
  type ProtocolDomain,
  type VoteBody,
} from "@zkpool/protocol";
// anvil.js / testing.js directly, not index.js: this test needs nothing else from the package
import { ANVIL_DEV_MNEMONIC, startAnvil, type Anvil } from "../src/anvil.js";
import { BlsCertificateVerifierArtifact } from "../src/generated/artifacts.js";
import { testProvider } from "../src/testing.js";

const DOMAIN: ProtocolDomain = { chainId: 31337n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
const P = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;

const sha = (s: string): Uint8Array => new Uint8Array(createHash("sha256").update(s).digest());
const addr = (i: number): Hex => ("0x" + (0xb15000 + i).toString(16).padStart(40, "0")) as Hex;
const hex32 = (s: string): Hex => hexlify(sha(s)) as Hex;

const keyCache = new Map<number, BlsKey>();
function devKey(i: number): BlsKey {
  let k = keyCache.get(i);
  if (k === undefined) {
    k = blsKeyFromSeed(sha(`zkpool/test/bls-verifier/${i}`));
    keyCache.set(i, k);
  }
  return k;
}

/** 96-byte uncompressed `x || y` (what the contract takes). */
const pk96 = (k: BlsKey): Uint8Array => decodeBlsPublicKey(k.publicKey).toBytes(false);
/** 192-byte uncompressed G2 (`x.c1 || x.c0 || y.c1 || y.c0`) from a 96-byte compressed signature. */
const sig192 = (sig: Uint8Array): Uint8Array => decodeBlsSignature(sig).toBytes(false);

/* ------------ a few G1 operations in BigInt (to build rogue and off-subgroup keys) ------------ */

const mod = (a: bigint): bigint => ((a % P) + P) % P;
function powMod(b: bigint, e: bigint): bigint {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}
const be48 = (v: bigint): Uint8Array => getBytes("0x" + v.toString(16).padStart(96, "0"));
const toPoint = (b: Uint8Array): [bigint, bigint] => [BigInt(hexlify(b.subarray(0, 48))), BigInt(hexlify(b.subarray(48, 96)))];
const fromPoint = ([x, y]: [bigint, bigint]): Uint8Array => getBytes(concat([be48(x), be48(y)]));
function g1Add(a: [bigint, bigint], b: [bigint, bigint]): [bigint, bigint] {
  assert.notEqual(a[0], b[0]);
  const l = mod((b[1] - a[1]) * powMod(b[0] - a[0], P - 2n));
  const x = mod(l * l - a[0] - b[0]);
  return [x, mod(l * (a[0] - x) - a[1])];
}
/** A point on y² = x³ + 4 over Fp with x ≥ x0 (p ≡ 3 mod 4: sqrt = a^((p+1)/4)); almost surely outside G1. */
function curvePointNotInG1(x0: bigint): [bigint, bigint] {
  for (let x = x0; ; x++) {
    const rhs = mod(x * x * x + 4n);
    const y = powMod(rhs, (P + 1n) / 4n);
    if ((y * y) % P === rhs) return [x, y];
  }
}

/* ------------ pools: committee + registry + keys, as the protocol package builds them ------------ */

interface Pool {
  committee: Committee;
  registry: BlsKeyRegistry;
  keys: Map<string, BlsKey>;
  /** Member order (ascending address). */
  members: string[];
  weights: bigint[];
}

function pool(n: number, stake: (i: number) => bigint, keyOf: (i: number) => BlsKey = devKey): Pool {
  const stakes = new Map<string, bigint>();
  for (let i = 0; i < n; i++) stakes.set(addr(i), stake(i));
  const committee = drawCommittee({ taskId: sha("task"), beacon: sha("beacon"), stakes, size: Math.max(n, 4) });
  const keys = new Map<string, BlsKey>();
  const registrations: BlsKeyRegistration[] = [];
  for (let i = 0; i < n; i++) {
    const a = addr(i).toLowerCase();
    keys.set(a, keyOf(i));
    registrations.push({ operator: a, publicKey: keyOf(i).publicKey, proofOfPossession: blsProofOfPossession(keyOf(i), a) });
  }
  const members = committee.members.map((m) => m.attester);
  return { committee, registry: blsKeyRegistry(registrations), keys, members, weights: committee.members.map((m) => m.weight) };
}

function body(task = "task-a", round = 0): VoteBody {
  return { kind: "assignment", taskId: hex32(task), round, prover: addr(999), price: 1234n };
}

function votes(p: Pool, b: VoteBody, who: readonly string[]): BlsVote[] {
  return who.map((a) => signBlsVote({ ...b, attester: a as Hex }, p.keys.get(a)!, DOMAIN));
}

/** Record hash as the contract folds it: keccak256(h || operator || x || y || uint128 weight). */
function keysHash(p: Pool): string {
  let h = "0x" + "00".repeat(32);
  p.members.forEach((a, i) => {
    h = keccak256(solidityPacked(["bytes32", "address", "bytes", "uint128"], [h, a, pk96(p.keys.get(a)!), p.weights[i]!]));
  });
  return h;
}

function bitmapOf(n: number, idx: Iterable<number>): Uint8Array {
  const b = new Uint8Array((n + 7) >> 3);
  for (const i of idx) b[i >> 3]! |= 1 << (i & 7);
  return b;
}

describe("chain: BlsCertificateVerifier (EIP-2537, prague)", function () {
  this.timeout(240_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let owner: Wallet;
  let other: Wallet;
  let v: Contract;
  const iface = new Interface(BlsCertificateVerifierArtifact.abi);

  before(async () => {
    anvil = await startAnvil({ hardfork: "prague" });
    provider = testProvider(anvil.url, anvil.chainId);
    const wallet = (i: number): Wallet =>
      new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey, provider);
    owner = wallet(0);
    other = wallet(1);
    const f = new ContractFactory(BlsCertificateVerifierArtifact.abi, BlsCertificateVerifierArtifact.bytecode, owner);
    const d = await f.deploy();
    await d.waitForDeployment();
    v = new Contract(await d.getAddress(), BlsCertificateVerifierArtifact.abi, owner);
  });

  after(async () => {
    await anvil?.stop();
  });

  /** The custom error a call or transaction reverted with. */
  async function revertName(p: Promise<unknown>): Promise<{ name: string; args: unknown[] }> {
    try {
      await p;
    } catch (err) {
      const e = err as { data?: string; info?: { error?: { data?: string } }; revert?: { name: string; args: unknown[] } };
      if (e.revert) return { name: e.revert.name, args: [...e.revert.args] };
      const data = e.data ?? e.info?.error?.data;
      if (typeof data === "string" && data.length >= 10) {
        const parsed = iface.parseError(data);
        if (parsed) return { name: parsed.name, args: [...parsed.args] };
      }
      throw err;
    }
    assert.fail("expected a revert");
  }

  /** Sends a transaction to the verifier and waits for it. */
  async function mine(name: string, ...args: unknown[]): Promise<void> {
    const tx = (await v.getFunction(name)(...args)) as ContractTransactionResponse;
    await tx.wait();
  }

  let setCounter = 0;
  /** Registers the pool's members (in committee order) as one key set; returns its id. */
  async function register(p: Pool, key: (a: string) => Uint8Array = (a) => pk96(p.keys.get(a)!)): Promise<bigint> {
    await mine("registerKeySet", p.members, concat(p.members.map(key)), p.weights);
    setCounter++;
    const id = (await v.getFunction("keySetCount")()) as bigint;
    assert.equal(id, BigInt(setCounter));
    return id;
  }

  async function verify(setId: bigint, digest: Uint8Array | string, bitmap: Uint8Array, sig: Uint8Array): Promise<[bigint, bigint]> {
    const r = (await v.getFunction("verifyCertificate")(setId, digest, bitmap, sig)) as [bigint, bigint];
    return [r[0], r[1]];
  }

  describe("hash_to_curve", () => {
    it("equals blst's: H(m) is the signature of m under the secret key 1", async () => {
      const SecretKey = devKey(0).secretKey.constructor as unknown as { fromBytes(b: Uint8Array): BlsKey["secretKey"] };
      const one = new Uint8Array(32);
      one[31] = 1;
      const key1: BlsKey = { secretKey: SecretKey.fromBytes(one), publicKey: new Uint8Array(48) };
      for (const m of [new Uint8Array(0), sha("digest"), blsVoteMessage(body(), DOMAIN), new Uint8Array(85).fill(7), new Uint8Array(300).fill(1)]) {
        const onChain = (await v.getFunction("hashToG2")(m)) as string;
        assert.equal(onChain, hexlify(sig192(blsSign(key1, m))), `message of ${m.length} bytes`);
      }
    });

    it("matches the RFC 9380 BLS12381G2_XMD:SHA-256_SSWU_RO_ vectors (QUUX DST)", async () => {
      const dst = new TextEncoder().encode("QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_");
      const vectors: { msg: string; x: [string, string]; y: [string, string] }[] = [
        {
          msg: "",
          x: [
            "0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a",
            "05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d",
          ],
          y: [
            "0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92",
            "12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6",
          ],
        },
        {
          msg: "abcdef0123456789",
          x: [
            "121982811d2491fde9ba7ed31ef9ca474f0e1501297f68c298e9f4c0028add35aea8bb83d53c08cfc007c1e005723cd0",
            "190d119345b94fbd15497bcba94ecf7db2cbfd1e1fe7da034d26cbba169fb3968288b3fafb265f9ebd380512a71c3f2c",
          ],
          y: [
            "05571a0f8d3c08d094576981f4a3b8eda0a8e771fcdcc8ecceaf1356a6acf17574518acb506e435b639353c2e14827c8",
            "0bb5e7572275c567462d91807de765611490205a941a5a6af3b1691bfe596c31225d3aabdf15faff860cb4ef17c7c3be",
          ],
        },
      ];
      for (const t of vectors) {
        const got = (await v.getFunction("hashToG2WithDst")(new TextEncoder().encode(t.msg), dst)) as string;
        // blst order: x.c1 || x.c0 || y.c1 || y.c0
        assert.equal(got, "0x" + t.x[1] + t.x[0] + t.y[1] + t.y[0], `msg "${t.msg}"`);
      }
    });

    it("uses the protocol's DST and proof-of-possession prefix", async () => {
      assert.equal(await v.getFunction("DST")(), hexlify(new TextEncoder().encode("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_")));
      assert.equal(await v.getFunction("POP_DOMAIN")(), hexlify(new TextEncoder().encode("zkpool/bls/pop/v1")));
    });
  });

  describe("certificates", () => {
    it("verifies certificates assembled off chain, with the off-chain signed weight (3 all, 10 at 7, 1 heavy of 10)", async () => {
      const cases: { n: number; stake: (i: number) => bigint; signers: (p: Pool) => string[] }[] = [
        { n: 3, stake: () => 5n, signers: (p) => p.members },
        { n: 10, stake: (i) => BigInt(1 + (i % 3)), signers: (p) => p.members.filter((_, i) => i !== 0 && i !== 3 && i !== 9) },
        { n: 10, stake: (i) => (i === 6 ? 100n : 1n), signers: (p) => [p.members[6]!] }, // Σ-signers path
        { n: 10, stake: (i) => (i === 6 ? 100n : 1n), signers: (p) => [p.members[6]!, p.members[0]!, p.members[9]!] },
      ];
      for (const c of cases) {
        const p = pool(c.n, c.stake);
        const setId = await register(p);
        const b = body(`task-${c.n}-${setId}`);
        const cert = assembleBlsCertificate(b, votes(p, b, c.signers(p)), p.committee, p.registry, DOMAIN);
        assert.ok(cert !== undefined);
        const off = verifyBlsCertificate(cert, p.committee, p.registry, DOMAIN);
        const [signed, total] = await verify(setId, blsVoteMessage(b, DOMAIN), cert.signerBitmap, sig192(cert.aggregateSignature));
        assert.equal(signed, off.signedWeight);
        assert.equal(total, off.totalWeight);
      }
    });

    it("verifies across data-contract chunks and bitmap words (300 keys, random 2/3 subsets and everyone)", async () => {
      const n = 300;
      const p = pool(n, (i) => BigInt(1 + (i % 5)));
      const setId = await register(p);
      const chunks = (await v.getFunction("keySetChunks")(setId)) as string[];
      assert.equal(chunks.length, 2);
      const b = body("task-300");
      const all = votes(p, b, p.members);
      const digest = blsVoteMessage(b, DOMAIN);
      let seed = 12345;
      const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let checked = 0;
      for (let round = 0; round < 4; round++) {
        const chosen = round === 0 ? all : all.filter(() => rnd() < 0.8);
        const cert = assembleBlsCertificate(b, chosen, p.committee, p.registry, DOMAIN);
        if (cert === undefined) continue;
        const off = verifyBlsCertificate(cert, p.committee, p.registry, DOMAIN);
        const [signed] = await verify(setId, digest, cert.signerBitmap, sig192(cert.aggregateSignature));
        assert.equal(signed, off.signedWeight, `round ${round}`);
        checked++;
      }
      assert.ok(checked >= 3, `only ${checked} certificates reached the quorum`);
      // The Σ-signers path across both bitmap words and both data contracts: members 200..299 hold most weight.
      const h = pool(n, (i) => (i >= 200 ? 100n : 1n));
      const heavy = await register(h);
      const hb = body("task-300-heavy");
      const cert = assembleBlsCertificate(hb, votes(h, hb, h.members.slice(200)), h.committee, h.registry, DOMAIN)!;
      assert.deepEqual(await verify(heavy, blsVoteMessage(hb, DOMAIN), cert.signerBitmap, sig192(cert.aggregateSignature)), [10_000n, 10_200n]);
      const cert2 = assembleBlsCertificate(hb, votes(h, hb, [...h.members.slice(0, 5), ...h.members.slice(210)]), h.committee, h.registry, DOMAIN)!;
      const off2 = verifyBlsCertificate(cert2, h.committee, h.registry, DOMAIN);
      assert.deepEqual(await verify(heavy, blsVoteMessage(hb, DOMAIN), cert2.signerBitmap, sig192(cert2.aggregateSignature)), [off2.signedWeight, 10_200n]);
    });

    it("refuses a wrong digest, a wrong bitmap, a claimed non-signer, a non-member's signature, tampered signatures", async () => {
      const p = pool(10, () => 1n);
      const setId = await register(p);
      const b = body("task-attacks");
      const digest = blsVoteMessage(b, DOMAIN);
      const signerIdx = [0, 1, 2, 3, 4, 5, 6];
      const signerVotes = votes(p, b, signerIdx.map((i) => p.members[i]!));
      const agg = assembleBlsCertificate(b, signerVotes, p.committee, p.registry, DOMAIN)!.aggregateSignature;
      const good = bitmapOf(10, signerIdx);
      const sig = sig192(agg);
      assert.deepEqual(await verify(setId, digest, good, sig), [7n, 10n]);

      const bad = async (d: Uint8Array, bm: Uint8Array, s: Uint8Array, name: string): Promise<void> => {
        assert.equal((await revertName(verify(setId, d, bm, s))).name, name);
      };
      // Another body's digest (another task; another round).
      await bad(blsVoteMessage(body("task-other"), DOMAIN), good, sig, "InvalidSignature");
      await bad(blsVoteMessage(body("task-attacks", 1), DOMAIN), good, sig, "InvalidSignature");
      // Wrong bitmap: one signer swapped for a non-signer; a non-signer claimed in addition.
      await bad(digest, bitmapOf(10, [0, 1, 2, 3, 4, 5, 7]), sig, "InvalidSignature");
      await bad(digest, bitmapOf(10, [...signerIdx, 9]), sig, "InvalidSignature");
      // A signer dropped from the bitmap (still a quorum: 7 of 10 -> 6 of 10 is below; use 8 signers).
      const eight = [...signerIdx, 8];
      const agg8 = assembleBlsCertificate(b, votes(p, b, eight.map((i) => p.members[i]!)), p.committee, p.registry, DOMAIN)!;
      await bad(digest, bitmapOf(10, signerIdx), sig192(agg8.aggregateSignature), "InvalidSignature");
      // A non-member's signature in place of a member's (same bitmap).
      const outsider = devKey(5000);
      const withOutsider = [...signerVotes.slice(0, 6).map((x) => x.blsSignature), blsSign(outsider, digest)];
      await bad(digest, good, sig192(aggregateBlsSignatures(withOutsider)), "InvalidSignature");
      // Only the non-member signs, claiming the members.
      await bad(digest, good, sig192(blsSign(outsider, digest)), "InvalidSignature");
      // Tampered signature bytes: off the curve (x changed), y negated-ish (last byte changed), a valid point that
      // is not the signature (another message's).
      for (const at of [0, 47, 100, 191]) {
        const t = Uint8Array.from(sig);
        t[at]! ^= 0x01;
        await bad(digest, good, t, "InvalidSignature");
      }
      await bad(digest, good, sig192(blsSign(devKey(0), sha("other"))), "InvalidSignature");
      // Infinity, set flag bits, wrong length.
      await bad(digest, good, new Uint8Array(192), "MalformedSignature");
      const inf = new Uint8Array(192);
      inf[0] = 0x40;
      await bad(digest, good, inf, "MalformedSignature");
      const flagged = Uint8Array.from(sig);
      flagged[0]! |= 0x80;
      await bad(digest, good, flagged, "MalformedSignature");
      await bad(digest, good, agg, "MalformedSignature"); // the 96-byte compressed form
      await bad(digest, good, sig.subarray(0, 191), "MalformedSignature");
    });

    it("reads every key from the registered set: no call input names a key, so none can be substituted", async () => {
      // verifyCertificate(setId, digest, bitmap, signature): the non-signers' keys (subtracted from the stored
      // apk) are read from the set's own data contracts. A set that differs in one signer's key refuses the
      // certificate; a set that differs only in a non-signer's key accepts it (that key is added into its apk and
      // subtracted again: the result is still exactly the signers' keys).
      const ins = v.interface.getFunction("verifyCertificate")!.inputs.map((x) => `${x.type} ${x.name}`);
      assert.deepEqual(ins, ["uint256 setId", "bytes32 digest", "bytes signerBitmap", "bytes signature"]);
      const p = pool(10, () => 1n);
      const honest = await register(p);
      const other = devKey(7777);
      const swapSigner = await register(p, (a) => (a === p.members[3] ? pk96(other) : pk96(p.keys.get(a)!)));
      const swapNonSigner = await register(p, (a) => (a === p.members[9] ? pk96(other) : pk96(p.keys.get(a)!)));
      const b = body("task-nonsigner");
      const digest = blsVoteMessage(b, DOMAIN);
      const idx = [0, 1, 2, 3, 4, 5, 6, 7];
      const cert = assembleBlsCertificate(b, votes(p, b, idx.map((i) => p.members[i]!)), p.committee, p.registry, DOMAIN)!;
      const sig = sig192(cert.aggregateSignature);
      assert.deepEqual(await verify(honest, digest, cert.signerBitmap, sig), [8n, 10n]);
      assert.equal((await revertName(verify(swapSigner, digest, cert.signerBitmap, sig))).name, "InvalidSignature");
      assert.deepEqual(await verify(swapNonSigner, digest, cert.signerBitmap, sig), [8n, 10n]);
      // Σ-signers path (few signers, one heavy): a swapped signer key refuses there too.
      const q = pool(10, (i) => (i === 3 ? 100n : 1n));
      const heavy = await register(q);
      const heavySwapped = await register(q, (a) => (a === q.members[3] ? pk96(other) : pk96(q.keys.get(a)!)));
      const c2 = assembleBlsCertificate(b, votes(q, b, [q.members[3]!]), q.committee, q.registry, DOMAIN)!;
      assert.deepEqual(await verify(heavy, digest, c2.signerBitmap, sig192(c2.aggregateSignature)), [100n, 109n]);
      assert.equal((await revertName(verify(heavySwapped, digest, c2.signerBitmap, sig192(c2.aggregateSignature)))).name, "InvalidSignature");
    });

    it("refuses bad bitmaps, too little weight and unknown sets with typed errors", async () => {
      const p = pool(10, () => 1n);
      const setId = await register(p);
      const b = body("task-shape");
      const digest = blsVoteMessage(b, DOMAIN);
      const all = assembleBlsCertificate(b, votes(p, b, p.members), p.committee, p.registry, DOMAIN)!;
      const sig = sig192(all.aggregateSignature);
      const full = bitmapOf(10, p.members.map((_, i) => i));
      let r = await revertName(verify(setId, digest, full.subarray(0, 1), sig));
      assert.deepEqual([r.name, r.args], ["BadBitmapLength", [2n, 1n]]);
      r = await revertName(verify(setId, digest, getBytes(concat([full, "0x00"])), sig));
      assert.equal(r.name, "BadBitmapLength");
      const beyond = Uint8Array.from(full);
      beyond[1]! |= 1 << 4; // member 12 of 10
      r = await revertName(verify(setId, digest, beyond, sig));
      assert.deepEqual([r.name, r.args], ["BitBeyondSet", [12n]]);
      r = await revertName(verify(setId, digest, new Uint8Array(2), sig));
      assert.equal(r.name, "NoSigners");
      const six = [0, 1, 2, 3, 4, 5];
      const cert6 = assembleBlsCertificate(b, votes(p, b, six.map((i) => p.members[i]!)), p.committee, p.registry, DOMAIN);
      assert.equal(cert6, undefined, "6 of 10 is below the off-chain quorum too");
      const sig6 = aggregateBlsSignatures(votes(p, b, six.map((i) => p.members[i]!)).map((x) => x.blsSignature));
      r = await revertName(verify(setId, digest, bitmapOf(10, six), sig192(sig6)));
      assert.deepEqual([r.name, r.args], ["BelowQuorum", [6n, 10n]]);
      r = await revertName(verify(999n, digest, full, sig));
      assert.deepEqual([r.name, r.args], ["UnknownKeySet", [999n]]);
    });
  });

  describe("registration", () => {
    it("stores the protocol's aggregate key and the record hash; appends in pieces give the same set", async () => {
      const p = pool(260, (i) => BigInt(1 + (i % 4)));
      const one = await register(p);
      const info = [...((await v.getFunction("keySet")(one)) as unknown[])];
      assert.equal(info[0], 260n);
      assert.equal(info[1], p.committee.totalWeight);
      assert.equal(info[2], keysHash(p));
      assert.equal(info[3], hexlify(decodeBlsPublicKey(aggregatePublicKey(p.registry, p.members)).toBytes(false)));
      assert.equal(info[4], true);
      // Pieces of 150 + 60 + 50: the second and third re-write the partial last chunk.
      await mine("openKeySet");
      setCounter++;
      const pieces = (await v.getFunction("keySetCount")()) as bigint;
      for (const [from, to] of [[0, 150], [150, 210], [210, 260]] as const) {
        const ms = p.members.slice(from, to);
        await mine("appendKeys", pieces, ms, concat(ms.map((a) => pk96(p.keys.get(a)!))), p.weights.slice(from, to));
      }
      let r = await revertName(verify(pieces, sha("x"), bitmapOf(260, [0]), new Uint8Array(192).fill(1)));
      assert.equal(r.name, "UnknownKeySet", "not sealed yet");
      await mine("sealKeySet", pieces);
      const info2 = [...((await v.getFunction("keySet")(pieces)) as unknown[])];
      assert.deepEqual(info2, info);
      assert.equal(((await v.getFunction("keySetChunks")(pieces)) as string[]).length, 2);
      const b = body("task-pieces");
      const cert = assembleBlsCertificate(b, votes(p, b, p.members.filter((_, i) => i % 4 !== 1)), p.committee, p.registry, DOMAIN)!;
      const off = verifyBlsCertificate(cert, p.committee, p.registry, DOMAIN);
      const [signed] = await verify(pieces, blsVoteMessage(b, DOMAIN), cert.signerBitmap, sig192(cert.aggregateSignature));
      assert.equal(signed, off.signedWeight);
      // Sealed: no more keys.
      r = await revertName(v.getFunction("appendKeys").staticCall(pieces, [addr(900)], pk96(devKey(900)), [1n]));
      assert.deepEqual([r.name, r.args], ["KeySetNotOpen", [pieces]]);
      r = await revertName(v.getFunction("sealKeySet").staticCall(pieces));
      assert.equal(r.name, "KeySetNotOpen");
    });

    it("refuses bad keys, operator order, weights, callers and empty sets", async () => {
      const reg = v.getFunction("registerKeySet");
      const k = [devKey(1), devKey(2)];
      const keys = concat(k.map(pk96));
      const ops = [addr(1), addr(2)];
      const expect = async (p: Promise<unknown>, name: string, args?: unknown[]): Promise<void> => {
        const r = await revertName(p);
        assert.equal(r.name, name);
        if (args) assert.deepEqual(r.args, args);
      };
      await expect((v.connect(other) as Contract).getFunction("registerKeySet").staticCall(ops, keys, [1n, 1n]), "NotOwner");
      await expect(reg.staticCall([addr(2), addr(1)], keys, [1n, 1n]), "OperatorsNotAscending", [1n]);
      await expect(reg.staticCall([addr(1), addr(1)], keys, [1n, 1n]), "OperatorsNotAscending", [1n]);
      await expect(reg.staticCall(ops, keys, [1n, 0n]), "ZeroWeight", [1n]);
      await expect(reg.staticCall(ops, keys, [1n, 1n << 128n]), "WeightTooLarge", [1n]);
      await expect(reg.staticCall(ops, keys, [1n]), "LengthMismatch");
      await expect(reg.staticCall(ops, keys.slice(0, -2), [1n, 1n]), "LengthMismatch");
      await expect(reg.staticCall([], "0x", []), "LengthMismatch");
      // Flags (compressed / infinity), infinity as zeros.
      const flagged = getBytes(keys);
      flagged[96]! |= 0x80;
      await expect(reg.staticCall(ops, flagged, [1n, 1n]), "MalformedPublicKey", [1n]);
      await expect(reg.staticCall(ops, concat([pk96(k[0]!), new Uint8Array(96)]), [1n, 1n]), "MalformedPublicKey", [1n]);
      // Off the curve; on the curve but outside the prime-order subgroup: G1MSM refuses both.
      const off = Uint8Array.from(pk96(k[1]!));
      off[95]! ^= 1;
      await expect(reg.staticCall(ops, concat([pk96(k[0]!), off]), [1n, 1n]), "BadPublicKeys");
      const notInG1 = fromPoint(curvePointNotInG1(12345n));
      await expect(reg.staticCall(ops, concat([pk96(k[0]!), notInG1]), [1n, 1n]), "BadPublicKeys");
      // A key set must hold keys, and sum to something.
      await mine("openKeySet");
      setCounter++;
      const empty = (await v.getFunction("keySetCount")()) as bigint;
      await expect(v.getFunction("sealKeySet").staticCall(empty), "EmptyKeySet", [empty]);
      await expect(v.getFunction("appendKeys").staticCall(0n, ops, keys, [1n, 1n]), "KeySetNotOpen", [0n]);
      // V and -V: the sum is infinity.
      const [x, y] = toPoint(pk96(k[0]!));
      await expect(reg.staticCall(ops, concat([pk96(k[0]!), fromPoint([x, P - y])]), [1n, 1n]), "AggregateIsInfinity");
    });

    it("checks proofs of possession on chain; they refuse the rogue key that the trusted path accepts", async () => {
      const victim = devKey(10);
      const attacker = devKey(11);
      const [vOp, rOp] = [addr(10), addr(11)];
      // The protocol's proof verifies on chain, for its operator and key only.
      const pop = sig192(blsProofOfPossession(victim, vOp));
      const check = v.getFunction("verifyProofOfPossession");
      assert.equal(await check(vOp, pk96(victim), pop), true);
      assert.equal(await check(rOp, pk96(victim), pop), false);
      assert.equal(await check(vOp, pk96(attacker), pop), false);
      assert.equal(await check(vOp, pk96(victim), sig192(blsSign(victim, blsVoteMessage(body(), DOMAIN)))), false);
      assert.equal(await check(vOp, pk96(victim), pop.subarray(1)), false);
      // Keys whose y is above and below (p-1)/2 (the compressed sign flag) both round-trip.
      let seen = 0;
      for (let i = 20; i < 40 && seen !== 3; i++) {
        const [, yy] = toPoint(pk96(devKey(i)));
        seen |= yy > (P - 1n) / 2n ? 1 : 2;
        assert.equal(await check(addr(i), pk96(devKey(i)), sig192(blsProofOfPossession(devKey(i), addr(i)))), true);
      }
      assert.equal(seen, 3);

      // Rogue key R = A - V: with V and R registered, the attacker alone signs for both.
      const rogue = fromPoint(g1Add(toPoint(pk96(attacker)), (([x, y]) => [x, P - y] as [bigint, bigint])(toPoint(pk96(victim)))));
      const digest = sha("rogue");
      const forged = sig192(blsSign(attacker, digest));
      await mine("registerKeySet", [vOp, rOp], concat([pk96(victim), rogue]), [1n, 1n]);
      setCounter++;
      const trusted = (await v.getFunction("keySetCount")()) as bigint;
      assert.deepEqual(await verify(trusted, digest, bitmapOf(2, [0, 1]), forged), [2n, 2n], "the trusted path trusts the registrar");
      // With proofs checked on chain the rogue key cannot be registered: the attacker cannot sign for R.
      await mine("openKeySet");
      setCounter++;
      const checked = (await v.getFunction("keySetCount")()) as bigint;
      const append = v.getFunction("appendKeysWithProofs");
      const attackerPop = sig192(blsProofOfPossession(attacker, rOp));
      const r = await revertName(append.staticCall(checked, [vOp, rOp], concat([pk96(victim), rogue]), [1n, 1n], concat([pop, attackerPop])));
      assert.deepEqual([r.name, r.args], ["BadProofOfPossession", [1n]]);
      // Honest keys with their proofs go in.
      const hOps = [addr(10), addr(12)];
      const hKeys = [victim, devKey(12)];
      await mine("appendKeysWithProofs", checked, hOps, concat(hKeys.map(pk96)), [1n, 1n], concat(hKeys.map((k, i) => sig192(blsProofOfPossession(k, hOps[i]!)))));
      await mine("sealKeySet", checked);
      const sigs = hKeys.map((k) => blsSign(k, digest));
      assert.deepEqual(await verify(checked, digest, bitmapOf(2, [0, 1]), sig192(aggregateBlsSignatures(sigs))), [2n, 2n]);
    });
  });
});

describe("chain: BlsCertificateVerifier on a chain without EIP-2537 (cancun)", function () {
  this.timeout(60_000);

  it("accepts nothing: calls to the missing precompiles 'succeed' with no output, and every check sees that", async () => {
    const anvil = await startAnvil({ hardfork: "cancun" });
    const provider = testProvider(anvil.url, anvil.chainId);
    try {
      const owner = new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/0").privateKey, provider);
      const d = await new ContractFactory(BlsCertificateVerifierArtifact.abi, BlsCertificateVerifierArtifact.bytecode, owner).deploy();
      await d.waitForDeployment();
      const address = await d.getAddress();
      const v = new Contract(address, BlsCertificateVerifierArtifact.abi, owner);
      const iface = v.interface;
      const errorOf = async (p: Promise<unknown>): Promise<string> => {
        try {
          await p;
        } catch (err) {
          const e = err as { revert?: { name: string }; data?: string };
          if (e.revert) return e.revert.name;
          if (typeof e.data === "string") return iface.parseError(e.data)?.name ?? "?";
          throw err;
        }
        return "no revert";
      };
      const keys = [devKey(1), devKey(2), devKey(3)];
      const ops = [addr(1), addr(2), addr(3)];
      assert.equal(await errorOf(v.getFunction("registerKeySet").staticCall(ops, concat(keys.map(pk96)), [1n, 1n, 1n])), "BadPublicKeys");
      assert.equal(await errorOf(v.getFunction("hashToG2")(sha("m"))), "HashToCurveFailed");
      assert.equal(await errorOf(v.getFunction("verifyProofOfPossession")(ops[0], pk96(keys[0]!), sig192(blsProofOfPossession(keys[0]!, ops[0]!)))), "HashToCurveFailed");
      // A sealed set planted in state (as if registered before the precompiles went away): still refused.
      const records = concat(keys.map((k) => concat([pk96(k), toBeHex(1n, 16)])));
      const chunk = "0x" + "c".repeat(40);
      const header = "0x" + "d".repeat(40);
      await provider.send("anvil_setCode", [chunk, concat(["0x00", records])]);
      const word = (x: bigint | string): string => toBeHex(BigInt(x), 32);
      const [ax, ay] = toPoint(decodeBlsPublicKey(aggregatePublicKey(blsKeyRegistry(keys.map((k, i) => ({
        operator: ops[i]!, publicKey: k.publicKey, proofOfPossession: blsProofOfPossession(k, ops[i]!),
      }))), ops)).toBytes(false));
      const apkWords = [ax >> 256n, ax & ((1n << 256n) - 1n), ay >> 256n, ay & ((1n << 256n) - 1n)].map(word);
      await provider.send("anvil_setCode", [header, concat(["0x00", word(3n), word(3n), word(0n), ...apkWords, word(chunk)])]);
      await provider.send("anvil_setStorageAt", [address, keccak256(concat([word(1n), word(2n)])), word(header)]); // _headers[1]
      await provider.send("anvil_setStorageAt", [address, word(0n), word(1n)]); // keySetCount
      const digest = sha("digest");
      const sig = sig192(aggregateBlsSignatures(keys.map((k) => blsSign(k, digest))));
      assert.equal(await errorOf(v.getFunction("verifyCertificate")(1n, digest, new Uint8Array([7]), sig)), "InvalidSignature");
      // The planted header is read (3 members: a 1-byte bitmap).
      assert.equal(await errorOf(v.getFunction("verifyCertificate")(1n, digest, new Uint8Array([7, 0]), sig)), "BadBitmapLength");
    } finally {
      provider.destroy();
      await anvil.stop();
    }
  });
});
