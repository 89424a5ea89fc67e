import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  BN254_Q,
  ProtocolError,
  decodeVerificationKey,
  encodeVerificationKey,
  fromHex,
  parseVerificationKey,
  sha256,
  toHex,
  verificationKeyLength,
  type SnarkjsVerificationKey,
} from "../src/index.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "protocol", "vectors");
interface VkeyCase {
  name: string;
  vkey: SnarkjsVerificationKey;
  encoding: string;
  vkeySha256: string;
}
const { cases } = JSON.parse(readFileSync(join(DIR, "vkeys.json"), "utf8")) as { cases: VkeyCase[] };
const RUNS = Number(process.env["ZKPOOL_FC_RUNS"] ?? 45) * 20;

function expectProtocolError(f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof ProtocolError);
}

describe("canonical verification keys (SPEC §1.12)", () => {
  for (const c of cases) {
    it(`${c.name}: encodes to the vector, hashes to its vkeySha256, and decodes back`, () => {
      const bytes = encodeVerificationKey(c.vkey);
      assert.equal(toHex(bytes), c.encoding);
      assert.equal(sha256(bytes), c.vkeySha256);
      const system = { groth16: 1, plonk: 2, fflonk: 3 }[c.vkey.protocol];
      assert.deepEqual([...bytes.subarray(0, 6)], [0x5a, 0x4b, 0x56, 0x4b, 1, system]);
      assert.equal(bytes.length, 32 * (1 + verificationKeyLength(system, c.vkey.nPublic)));
      assert.deepEqual(decodeVerificationKey(bytes), c.vkey);
      // snarkjs JSON text and the canonical bytes parse to the same key
      assert.deepEqual(parseVerificationKey(new TextEncoder().encode(JSON.stringify(c.vkey))), c.vkey);
      assert.deepEqual(parseVerificationKey(bytes), c.vkey);
    });
  }

  it("refuses keys that are not exactly canonical", () => {
    const good = fromHex(cases[0]!.encoding);
    expectProtocolError(() => decodeVerificationKey(good.subarray(0, good.length - 32))); // a word short
    expectProtocolError(() => decodeVerificationKey(new Uint8Array([...good, ...new Uint8Array(32)]))); // a word long
    expectProtocolError(() => decodeVerificationKey(good.subarray(0, good.length - 1))); // not whole words
    for (const [at, value] of [[0, 0x00], [4, 2], [5, 4], [5, 0], [31, 1]] as const) {
      const b = Uint8Array.from(good);
      b[at] = value;
      expectProtocolError(() => decodeVerificationKey(b));
    }
    const big = Uint8Array.from(good);
    big.set(fromHex(`0x${BN254_Q.toString(16).padStart(64, "0")}`), 64); // alpha.x = q
    expectProtocolError(() => decodeVerificationKey(big));
    const manyInputs = Uint8Array.from(good);
    manyInputs[63] = 0xff; // nPublic 255 + header: wrong length
    manyInputs[62] = 0x01; // nPublic 511 > 256
    expectProtocolError(() => decodeVerificationKey(manyInputs));
  });

  it("refuses snarkjs JSON that is not a BN254 key of a known system, naming the field", () => {
    const g = cases[0]!.vkey;
    const bad: [unknown, RegExp][] = [
      [{ ...g, curve: "bls12381" }, /curve/],
      [{ ...g, protocol: "marlin" }, /protocol/],
      [{ ...g, nPublic: 3 }, /IC/],
      [{ ...g, nPublic: -1 }, /nPublic/],
      [{ ...g, vk_alpha_1: ["1", "2", "3"] }, /vk_alpha_1/],
      [{ ...g, IC: [["x", "1", "1"], ...(g["IC"] as unknown[]).slice(1)] }, /IC\[0\]/],
    ];
    for (const [vk, why] of bad) assert.throws(() => encodeVerificationKey(vk as SnarkjsVerificationKey), (e: unknown) => e instanceof ProtocolError && why.test(e.message));
    expectProtocolError(() => parseVerificationKey(new TextEncoder().encode("{not json")));
    expectProtocolError(() => parseVerificationKey(Uint8Array.of(0xff, 0xfe)));
  });

  it("property: any bytes either decode to a key that re-encodes to the same bytes, or throw ProtocolError", () => {
    const seeds = cases.map((c) => fromHex(c.encoding));
    const mutated = fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -40, max: 40 })).map(([s, at, v, cut]) => {
      const b = Uint8Array.from(s);
      b[at % b.length] = v;
      return cut >= 0 ? b : b.subarray(0, Math.max(0, b.length + cut));
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 2000 })), (b) => {
        let vk: SnarkjsVerificationKey;
        try {
          vk = decodeVerificationKey(b);
        } catch (e) {
          return e instanceof ProtocolError;
        }
        return toHex(encodeVerificationKey(vk)) === toHex(b);
      }),
      { numRuns: RUNS },
    );
  });
});
