import assert from "node:assert/strict";
import {
  BN254_R,
  ProtocolError,
  decodeSnarkjsProof,
  encodeSnarkjsProof,
  fflonkProofFromWords,
  fflonkProofWords,
  plonkProofFromWords,
  plonkProofWords,
  proofWordsFromSolidityCalldata,
  snarkjsProofFromWords,
  snarkjsProofWords,
  type SnarkjsFflonkProof,
  type SnarkjsPlonkProof,
} from "../src/index.js";

function expectInvalid(f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof ProtocolError && e.code === "FIELD_INVALID");
}

const pt = (n: number): string[] => [String(n), String(n + 1), "1"];
const plonk: SnarkjsPlonkProof = {
  A: pt(10), B: pt(20), C: pt(30), Z: pt(40), T1: pt(50), T2: pt(60), T3: pt(70), Wxi: pt(80), Wxiw: pt(90),
  eval_a: "101", eval_b: "102", eval_c: "103", eval_s1: "104", eval_s2: "105", eval_zw: "106",
};
const FF_EVALS = ["ql", "qr", "qm", "qo", "qc", "s1", "s2", "s3", "a", "b", "c", "z", "zw", "t1w", "t2w", "inv"] as const;
const fflonk: SnarkjsFflonkProof = {
  polynomials: { C1: pt(10), C2: pt(20), W1: pt(30), W2: pt(40) },
  evaluations: Object.fromEntries(FF_EVALS.map((k, i) => [k, String(200 + i)])) as SnarkjsFflonkProof["evaluations"],
};

/** snarkjs' calldata layout written out by hand (the words, hex, in order) for the synthetic proofs above. */
function calldata(words: readonly bigint[]): string {
  return `[${words.map((w) => `"0x${w.toString(16).padStart(64, "0")}"`).join(",")}][]`;
}

describe("snarkjs PLONK / FFLONK proof objects <-> proof words (SPEC §1.9)", () => {
  it("PLONK: 9 G1 points (x, y) then 6 evaluations, in calldata order, and back", () => {
    const words = plonkProofWords(plonk);
    assert.deepEqual(words, [10n, 11n, 20n, 21n, 30n, 31n, 40n, 41n, 50n, 51n, 60n, 61n, 70n, 71n, 80n, 81n, 90n, 91n, 101n, 102n, 103n, 104n, 105n, 106n]);
    assert.deepEqual(proofWordsFromSolidityCalldata(calldata(words)), words);
    assert.deepEqual(plonkProofFromWords(words), { ...plonk, protocol: "plonk", curve: "bn128" });
  });

  it("FFLONK: 4 G1 commitments then 16 evaluations, in calldata order, and back", () => {
    const words = fflonkProofWords(fflonk);
    assert.deepEqual(words.slice(0, 8), [10n, 11n, 20n, 21n, 30n, 31n, 40n, 41n]);
    assert.deepEqual(words.slice(8), FF_EVALS.map((_, i) => BigInt(200 + i)));
    assert.deepEqual(fflonkProofFromWords(words), { ...fflonk, protocol: "fflonk", curve: "bn128" });
  });

  it("the generic API round-trips all three systems through canonical bytes", () => {
    const groth = { pi_a: pt(1), pi_b: [["3", "4"], ["5", "6"], ["1", "0"]], pi_c: pt(7) };
    for (const [sys, p] of [[1, groth], [2, plonk], [3, fflonk]] as const) {
      const hex = encodeSnarkjsProof(sys, p);
      assert.equal(hex.length, 2 + 2 * (sys === 1 ? 256 : 768));
      assert.deepEqual(snarkjsProofWords(sys, decodeSnarkjsProof(sys, hex)), snarkjsProofWords(sys, p));
    }
    assert.equal(snarkjsProofFromWords(2, plonkProofWords(plonk)).protocol, "plonk");
  });

  it("the point at infinity ([0, 1, 0]) is the calldata pair (0, 1) and comes back as [0, 1, 0]", () => {
    const p = { ...plonk, T3: ["0", "1", "0"] };
    const words = plonkProofWords(p);
    assert.deepEqual(words.slice(12, 14), [0n, 1n]);
    assert.deepEqual(plonkProofFromWords(words).T3, ["0", "1", "0"]);
  });

  it("refuses malformed proofs with FIELD_INVALID", () => {
    expectInvalid(() => plonkProofWords({ ...plonk, A: ["1"] }));
    expectInvalid(() => plonkProofWords({ ...plonk, B: ["1", "2", "5"] }));
    expectInvalid(() => plonkProofWords({ ...plonk, eval_a: "0x12" }));
    expectInvalid(() => plonkProofWords({ ...plonk, eval_zw: BN254_R.toString() }));
    expectInvalid(() => fflonkProofWords({ ...fflonk, evaluations: { ...fflonk.evaluations, inv: undefined as unknown as string } }));
    expectInvalid(() => fflonkProofWords({ evaluations: fflonk.evaluations } as unknown as SnarkjsFflonkProof));
    expectInvalid(() => snarkjsProofWords(2, null));
    expectInvalid(() => plonkProofFromWords([1n, 2n]));
    expectInvalid(() => decodeSnarkjsProof(3, `0x${"00".repeat(256)}`));
  });
});
