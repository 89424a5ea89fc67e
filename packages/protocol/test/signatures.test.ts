/**
 * Native secp256k1 signing and recovery (issue 15) against the ethers v6 code they replaced. The reference
 * implementations below are exactly what eip712.ts ran before; over random keys, digests and mutated signatures
 * (flipped bytes, every v, high s, s with its top bit set, r/s zero or >= n, r off the curve, a recovered point
 * at infinity, 64-byte compact forms, truncated and extended lengths, malformed hex) the native recoverSigner
 * must return the same address or the same undefined, and native signDigest the same bytes.
 * Runs: ZKPOOL_FC_RUNS (default 45) × 20 for recovery, × 4 for signing.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { SigningKey, Wallet, recoverAddress } from "ethers";
import { recoverSigner, signDigest, toHex, type Hex } from "../src/index.js";
import { nativeSecp256k1 } from "../src/crypto/secp256k1.js";

const RUNS = Number(process.env["ZKPOOL_FC_RUNS"] ?? 45);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const TWO_255 = 1n << 255n;

/** What recoverSigner was before issue 15. */
function recoverRef(digest: string, signature: string): string | undefined {
  try {
    return recoverAddress(digest, signature).toLowerCase();
  } catch {
    return undefined;
  }
}

/** What signDigest was before issue 15. */
function signRef(digest: string, sk: SigningKey): string {
  return sk.sign(digest).serialized.toLowerCase();
}

const hex32 = (x: bigint): string => x.toString(16).padStart(64, "0");
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
interface Sig {
  r: bigint;
  s: bigint;
  v: number;
}
const split = (serialized: string): Sig => ({
  r: BigInt(`0x${serialized.slice(2, 66)}`),
  s: BigInt(`0x${serialized.slice(66, 130)}`),
  v: parseInt(serialized.slice(130, 132), 16),
});
const join65 = ({ r, s, v }: Sig): string => `0x${hex32(r)}${hex32(s)}${v.toString(16).padStart(2, "0")}`;

const scalar = fc.bigInt({ min: 1n, max: N - 1n });
const digestArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b)) },
  { weight: 1, arbitrary: fc.constantFrom(`0x${"00".repeat(32)}`, `0x${"ff".repeat(32)}`, `0x${hex32(N)}`, `0x${hex32(N - 1n)}`) },
);

type Mutation = (sig: Sig, raw: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>((_s, raw) => raw),
  // flip one byte (any position, including v)
  fc
    .tuple(fc.nat({ max: 64 }), fc.integer({ min: 1, max: 255 }))
    .map(([i, x]): Mutation => (_s, raw) => {
      const b = Buffer.from(raw.slice(2), "hex");
      b[i] = b[i]! ^ x;
      return `0x${b.toString("hex")}`;
    }),
  // every v
  fc.integer({ min: 0, max: 255 }).map((v): Mutation => (s) => join65({ ...s, v })),
  // high-s twin, with the parity flipped (same signer in ethers) or kept; with v in 0/1 and >= 35 forms
  fc
    .tuple(fc.boolean(), fc.constantFrom(0, 27, 35, 36, 37, 254, 255))
    .map(([flip, base]): Mutation => (s) => {
      const parity = (s.v - 27) ^ (flip ? 1 : 0);
      const v = base === 0 || base === 27 ? base + parity : base;
      return join65({ r: s.r, s: N - s.s, v });
    }),
  // s with the top bit set (ethers refuses), s in (n/2, 2^255) (ethers accepts), s = 0, n, >= n
  fc
    .oneof(
      fc.bigInt({ min: TWO_255, max: N - 1n }),
      fc.bigInt({ min: N / 2n + 1n, max: TWO_255 - 1n }),
      fc.constantFrom(0n, 1n, N / 2n, N / 2n + 1n, TWO_255 - 1n, TWO_255, N - 1n, N, N + 1n, (1n << 256n) - 1n),
      fc.bigInt({ min: N, max: (1n << 256n) - 1n }),
    )
    .map((sv): Mutation => (s) => join65({ ...s, s: sv })),
  // r = 0, n, >= n, p-ish, random (often not an x-coordinate)
  fc
    .oneof(
      fc.constantFrom(0n, 1n, N - 1n, N, N + 1n, P - 1n, P, (1n << 256n) - 1n),
      fc.bigInt({ min: N, max: (1n << 256n) - 1n }),
      fc.bigInt({ min: 1n, max: N - 1n }),
    )
    .map((rv): Mutation => (s) => join65({ ...s, r: rv })),
  // EIP-2098 compact 64-byte form (valid), and with a corrupted top bit
  fc.boolean().map((corrupt): Mutation => (s) => {
    const top = (s.v === 28 ? 1n : 0n) ^ (corrupt ? 1n : 0n);
    return `0x${hex32(s.r)}${hex32(s.s | (top << 255n))}`;
  }),
  // compact with s >= 2^255 after the bit is stripped is impossible; compact with high s, and s / r >= n
  fc.constantFrom(0n, N - 1n, N / 2n + 1n, TWO_255 - 1n).map((sv): Mutation => (s) => `0x${hex32(s.r)}${hex32(sv)}`),
  fc.constantFrom(0n, N, (1n << 256n) - 1n).map((rv): Mutation => (s) => `0x${hex32(rv)}${hex32(s.s)}`),
  // truncated / extended
  fc.nat({ max: 66 }).map((len): Mutation => (_s, raw) => raw.slice(0, 2 + 2 * len)),
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .map((extra): Mutation => (_s, raw) => raw + Buffer.from(extra).toString("hex")),
  // malformed hex: upper case (accepted), odd length, no 0x, a non-hex character, empty
  fc.constantFrom<Mutation>(
    (_s, raw) => `0x${raw.slice(2).toUpperCase()}`,
    (_s, raw) => `0X${raw.slice(2)}`,
    (_s, raw) => raw.slice(2),
    (_s, raw) => raw.slice(0, -1),
    (_s, raw) => `${raw.slice(0, -1)}g`,
    () => "0x",
    () => "",
  ),
);
const digestMutation = fc.constantFrom<(d: string) => string>(
  (d) => d,
  (d) => d,
  (d) => d,
  (d) => `0x${d.slice(2).toUpperCase()}`,
  (d) => d.slice(0, -2),
  (d) => `${d}00`,
  (d) => d.slice(2),
  (d) => `0X${d.slice(2)}`,
);

describe("native secp256k1 signatures (issue 15)", () => {
  it("the native bindings load on this platform", function () {
    if (!["linux-x64", "darwin-arm64", "win32-x64"].includes(`${process.platform}-${process.arch}`)) this.skip();
    assert.ok(nativeSecp256k1 !== undefined, "secp256k1/bindings did not load: verification fell back to ethers");
  });

  it("recoverSigner equals ethers' recoverAddress over random keys, digests and mutated signatures", () => {
    fc.assert(
      fc.property(scalar, digestArb, mutation, digestMutation, (key, digest, mutate, mutateDigest) => {
        const sk = new SigningKey(`0x${hex32(key)}`);
        const raw = signRef(digest, sk);
        const sig = mutate(split(raw), raw);
        const d = mutateDigest(digest);
        assert.equal(recoverSigner(d as Hex, sig as Hex), recoverRef(d, sig), `digest ${d} signature ${sig}`);
      }),
      { numRuns: RUNS * 20 },
    );
  });

  it("unmutated, high-s twin and compact forms recover the signer (and so agree with ethers on acceptance)", () => {
    fc.assert(
      fc.property(scalar, digestArb, (key, digest) => {
        const sk = new SigningKey(`0x${hex32(key)}`);
        const address = new Wallet(sk).address.toLowerCase();
        const raw = signRef(digest, sk);
        const s = split(raw);
        const twin = join65({ r: s.r, s: N - s.s, v: 55 - s.v });
        const compact = `0x${hex32(s.r)}${hex32(s.s | (BigInt(s.v - 27) << 255n))}`;
        for (const form of [raw, twin, compact, join65({ ...s, v: s.v - 27 }), join65({ ...s, v: s.v === 27 ? 37 : 38 })]) {
          assert.equal(recoverSigner(digest, form as Hex), recoverRef(digest, form), form);
        }
        assert.equal(recoverSigner(digest, raw as Hex), address);
        assert.equal(recoverSigner(digest, compact as Hex), address);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("a signature whose recovered key would be the point at infinity is rejected by both", () => {
    fc.assert(
      fc.property(scalar, scalar, (k, s) => {
        // R = kG, r = x(R); with h = k·s the recovered Q = r⁻¹(sR − hG) is the point at infinity.
        const R = new SigningKey(`0x${hex32(k)}`).publicKey;
        const x = BigInt(`0x${R.slice(4, 68)}`);
        fc.pre(x < N && s < TWO_255);
        const parity = Number(BigInt(`0x${R.slice(68)}`) & 1n);
        const digest = `0x${hex32(mod(k * s, N))}`;
        const sig = join65({ r: x, s, v: 27 + parity });
        assert.equal(recoverRef(digest, sig), undefined);
        assert.equal(recoverSigner(digest as Hex, sig as Hex), undefined);
        // the other parity recovers some key (and both agree on it)
        const other = join65({ r: x, s, v: 28 - parity });
        assert.equal(recoverSigner(digest as Hex, other as Hex), recoverRef(digest, other));
        // sanity of the construction: a nearby digest recovers
        const near = `0x${hex32(mod(k * s + 1n, N))}`;
        assert.notEqual(recoverSigner(near as Hex, sig as Hex), undefined);
        assert.equal(recoverSigner(near as Hex, sig as Hex), recoverRef(near, sig));
      }),
      { numRuns: RUNS },
    );
  });

  it("non-string inputs (outside the Hex type) behave as in ethers", () => {
    const sk = new SigningKey(`0x${hex32(7n)}`);
    const digest = `0x${"11".repeat(32)}`;
    const raw = sk.sign(digest).serialized;
    const cases: [unknown, unknown][] = [
      [Buffer.from(digest.slice(2), "hex"), raw],
      [digest, Buffer.from(raw.slice(2), "hex")],
      [digest, { r: raw.slice(0, 66), s: `0x${raw.slice(66, 130)}`, v: 27 }],
      [digest, null],
      [digest, undefined],
      [null, raw],
      [123, raw],
    ];
    for (const [d, s] of cases) {
      assert.equal(recoverSigner(d as Hex, s as Hex), recoverRef(d as string, s as string));
    }
  });

  it("signDigest equals ethers' SigningKey.sign(...).serialized byte for byte (RFC 6979, low s)", () => {
    fc.assert(
      fc.property(scalar, digestArb, fc.boolean(), (key, digest, asWallet) => {
        const sk = new SigningKey(`0x${hex32(key)}`);
        const expected = signRef(digest, sk);
        assert.equal(signDigest(digest, asWallet ? new Wallet(sk) : sk), expected);
        assert.ok(split(expected).s <= N / 2n);
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it("signDigest rejects a digest that is not 32 bytes of hex exactly as ethers does", () => {
    const sk = new SigningKey(`0x${hex32(12345n)}`);
    for (const d of ["0x", `0x${"ab".repeat(31)}`, `0x${"ab".repeat(33)}`, "ab".repeat(32), `0x${"AB".repeat(32)}`, `0X${"ab".repeat(32)}`, `0x${"ab".repeat(31)}g0`]) {
      let ours: unknown;
      let theirs: unknown;
      try {
        ours = signDigest(d as Hex, sk);
      } catch (e) {
        ours = (e as Error).message;
      }
      try {
        theirs = signRef(d, sk);
      } catch (e) {
        theirs = (e as Error).message;
      }
      assert.equal(ours, theirs, d);
    }
  });
});
