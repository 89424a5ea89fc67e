/*
 * The universal verifiers (contracts/Groth16Verifier.sol, contracts/PlonkVerifier.sol) on a real anvil: the key is
 * call data. Real snarkjs proofs of the catalog circuits verify; every tampering the tests can think of does not,
 * and each answer agrees with snarkjs' own JavaScript verifier. Malformed keys and wrong counts revert with the
 * contracts' custom errors.
 *
 * PLONK keys: range-check-32's committed zkey, plus two tiny circuits compiled (circom2) and set up
 * (snarkjs.plonk.setup with the committed 2^12 dev ptau) at test time: one with 3 public signals, one with none
 * (a key only: snarkjs cannot prove it).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { Contract, ContractFactory, HDNodeWallet, Mnemonic, Wallet, concat, toBeHex, type InterfaceAbi, type JsonRpcProvider } from "ethers";
import * as snarkjsTyped from "snarkjs";
import { DEV_PTAU, loadCircuit } from "@zkpool/circuits";
import {
  BN254_Q, BN254_R, groth16ProofFromWords, groth16ProofWords, plonkProofFromWords, proofWordsFromSolidityCalldata, verificationKeyWords,
  type SnarkjsVerificationKey,
} from "@zkpool/protocol";
import { compile, packageRoot } from "../src/compile.js";
// anvil.js / testing.js directly, not index.js: this test needs nothing else from the package
import { ANVIL_DEV_MNEMONIC, startAnvil, type Anvil } from "../src/anvil.js";
import { testProvider } from "../src/testing.js";

/* ---------------- snarkjs (the parts used here; snarkjs ships no types) ---------------- */

interface Logger { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void }
interface Prover {
  fullProve(input: unknown, wasm: string, zkey: string): Promise<{ proof: Record<string, unknown>; publicSignals: string[] }>;
  verify(vk: unknown, publicSignals: unknown, proof: unknown, logger?: Logger): Promise<boolean>;
  exportSolidityCallData(proof: unknown, publicSignals: unknown): Promise<string>;
  setup(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
}
const snarkjs = snarkjsTyped as unknown as {
  groth16: Prover;
  plonk: Prover;
  zKey: { exportVerificationKey(zkey: string): Promise<Record<string, unknown>> };
};
/** snarkjs' PLONK verifier calls logger.error without checking for a logger: always pass one. */
const QUIET: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Stops snarkjs' curve worker threads so mocha can exit without --exit. */
async function terminateSnarkjs(): Promise<void> {
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}

const Q = BN254_Q;
const R = BN254_R;

/* ---------------- vk words ---------------- */

type Json = Record<string, unknown>;

/** The universal verifiers' key words (SPEC §1.12, without the header word) from a snarkjs vkey.json object. */
export function vkWords(vk: Json): bigint[] {
  return verificationKeyWords(vk as unknown as SnarkjsVerificationKey).words;
}
const bytesOf = (words: readonly bigint[]): string => concat(words.map((w) => toBeHex(w, 32)));

/* ---------------- a G2 point on the twist but outside the r-torsion subgroup ---------------- */

type F2 = [bigint, bigint]; // a0 + a1 u, u^2 = -1
const md = (a: bigint): bigint => ((a % Q) + Q) % Q;
const f2mul = (a: F2, b: F2): F2 => [md(a[0] * b[0] - a[1] * b[1]), md(a[0] * b[1] + a[1] * b[0])];
function f2pow(a: F2, e: bigint): F2 {
  let r: F2 = [1n, 0n];
  for (let b = a; e > 0n; e >>= 1n, b = f2mul(b, b)) if (e & 1n) r = f2mul(r, b);
  return r;
}
const f2inv = (a: F2): F2 => {
  const n = f2pow([md(a[0] * a[0] + a[1] * a[1]), 0n], Q - 2n)[0];
  return [md(a[0] * n), md(-a[1] * n)];
};
/** Square root in Fq2 for q = 3 mod 4 (Adj, Rodriguez-Henriquez 2012, alg. 9), or undefined. */
function f2sqrt(a: F2): F2 | undefined {
  const a1 = f2pow(a, (Q - 3n) / 4n);
  const alpha = f2mul(f2mul(a1, a1), a);
  const x0 = f2mul(a1, a);
  const a0 = f2mul(f2pow(alpha, Q), alpha);
  if (a0[0] === Q - 1n && a0[1] === 0n) return undefined;
  const x = alpha[0] === Q - 1n && alpha[1] === 0n ? f2mul([0n, 1n], x0) : f2mul(f2pow([md(1n + alpha[0]), alpha[1]], (Q - 1n) / 2n), x0);
  const sq = f2mul(x, x);
  return sq[0] === a[0] && sq[1] === a[1] ? x : undefined;
}
/**
 * A point on the twist E'(Fq2): y^2 = x^3 + 3 / (9 + u), found from small x. The twist's order is r times a large
 * cofactor, so such a point is (overwhelmingly) not in the r-torsion subgroup the pairing precompile demands.
 * Words in precompile order (x1, x0, y1, y0).
 */
function twistPointOutsideSubgroup(): bigint[] {
  const b2 = f2mul([3n, 0n], f2inv([9n, 1n]));
  for (let x0 = 1n; ; x0++) {
    const x: F2 = [x0, 1n];
    const rhs = f2mul(f2mul(x, x), x);
    const y = f2sqrt([md(rhs[0] + b2[0]), md(rhs[1] + b2[1])]);
    if (y !== undefined) return [x[1], x[0], y[1], y[0]];
  }
}

/* ---------------- cases ---------------- */

type System = "groth16" | "plonk";
interface Case {
  label: string;
  system: System;
  vkJson: Json;
  vk: bigint[];
  proof: bigint[];
  signals: bigint[];
}

async function proveCase(label: string, system: System, wasm: string, zkey: string, vkJson: Json, input: unknown): Promise<Case> {
  const { proof, publicSignals } = await snarkjs[system].fullProve(input, wasm, zkey);
  const words = system === "groth16"
    ? groth16ProofWords(proof as unknown as Parameters<typeof groth16ProofWords>[0])
    : proofWordsFromSolidityCalldata(await snarkjs.plonk.exportSolidityCallData(proof, publicSignals));
  return { label, system, vkJson, vk: vkWords(vkJson), proof: words, signals: publicSignals.map(BigInt) };
}

/** snarkjs' JavaScript verifier on proof words (the words back to its JSON shape). */
async function jsVerify(system: System, vkJson: Json, proof: readonly bigint[], signals: readonly bigint[]): Promise<boolean> {
  const obj = system === "groth16" ? groth16ProofFromWords(proof) : plonkProofFromWords(proof);
  return snarkjs[system].verify(vkJson, signals.map(String), obj, QUIET);
}

const TINY_CIRCUITS = {
  // 1 output + 2 public inputs (snarkjs' PLONK prover fails on domains of a handful of gates: a few more)
  "tiny-3": `pragma circom 2.0.0;
template T(k) {
  signal input a; signal input b; signal input c; signal input x;
  signal output y;
  signal t[k]; signal u;
  t[0] <== x * x;
  for (var i = 1; i < k; i++) t[i] <== t[i - 1] * x;
  u <== b * c;
  y <== t[k - 1] * a + u + x;
}
component main {public [a, b]} = T(16);
`,
  // no public signals at all
  "tiny-0": `pragma circom 2.0.0;
template T(k) {
  signal input x; signal input y;
  signal t[k];
  t[0] <== x * y;
  for (var i = 1; i < k; i++) t[i] <== t[i - 1] * y;
  t[k - 1] === 42 * 7 ** (k - 1);
}
component main = T(16);
`,
} as const;
const TINY_INPUTS = { "tiny-3": { a: "5", b: "7", c: "11", x: "3" }, "tiny-0": { x: "6", y: "7" } } as const;

/** Compiles a tiny circuit with circom2 (WASI: it sees only its working directory) and makes its PLONK key. */
async function tinyPlonkKey(dir: string, name: keyof typeof TINY_CIRCUITS): Promise<{ zkey: string; wasm: string; vkJson: Json }> {
  await writeFile(join(dir, `${name}.circom`), TINY_CIRCUITS[name]);
  await promisify(execFile)(process.execPath, [createRequire(import.meta.url).resolve("circom2/cli.js"), `${name}.circom`, "--r1cs", "--wasm", "-o", "."], { cwd: dir });
  const zkey = join(dir, `${name}.plonk.zkey`);
  await snarkjs.plonk.setup(join(dir, `${name}.r1cs`), DEV_PTAU.path, zkey, QUIET);
  return { zkey, wasm: join(dir, `${name}_js`, `${name}.wasm`), vkJson: await snarkjs.zKey.exportVerificationKey(zkey) };
}

/* ---------------- the tests ---------------- */

describe("chain: universal verifiers (vk as call data)", function () {
  this.timeout(240_000);
  let anvil: Anvil | undefined;
  let provider: JsonRpcProvider | undefined;
  let tmp: string | undefined;
  const verifiers: Partial<Record<System, Contract>> = {};
  const cases: Record<string, Case> = {};

  before(async function () {
    anvil = await startAnvil({ hardfork: "cancun" });
    provider = testProvider(anvil.url, anvil.chainId);
    const deployer = new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/0").privateKey, provider);
    const dir = join(packageRoot(), "contracts");
    const compiled = compile({
      "Groth16Verifier.sol": await readFile(join(dir, "Groth16Verifier.sol"), "utf8"),
      "PlonkVerifier.sol": await readFile(join(dir, "PlonkVerifier.sol"), "utf8"),
    });
    for (const [system, name] of [["groth16", "Groth16Verifier"], ["plonk", "PlonkVerifier"]] as const) {
      const c = compiled[name]!;
      const d = await new ContractFactory(c.abi as InterfaceAbi, c.bytecode, deployer).deploy();
      await d.waitForDeployment();
      verifiers[system] = new Contract(await d.getAddress(), c.abi as InterfaceAbi, provider);
    }
    // the snarkjs vkey JSON straight from each zkey (the artifacts' key files are the canonical encoding)
    for (const name of ["range-check-32", "hash-chain-10", "merkle-10"]) {
      const c = await loadCircuit(name, "groth16", { verifyHashes: false });
      const vkJson = await snarkjs.zKey.exportVerificationKey(c.zkey.path);
      cases[`${name}/groth16`] = await proveCase(name, "groth16", c.wasm.path, c.zkey.path, vkJson, c.sampleInput);
    }
    {
      const c = await loadCircuit("range-check-32", "plonk", { verifyHashes: false });
      const vkJson = await snarkjs.zKey.exportVerificationKey(c.zkey.path);
      cases["range-check-32/plonk"] = await proveCase("range-check-32", "plonk", c.wasm.path, c.zkey.path, vkJson, c.sampleInput);
    }
    tmp = await mkdtemp(join(tmpdir(), "zkpool-verifiers-"));
    const t3 = await tinyPlonkKey(tmp, "tiny-3");
    cases["tiny-3/plonk"] = await proveCase("tiny-3", "plonk", t3.wasm, t3.zkey, t3.vkJson, TINY_INPUTS["tiny-3"]);
    // snarkjs 0.7.6's PLONK prover cannot prove a circuit without public signals (its Lagrange section is empty:
    // "Evaluations.getEvaluation() out of bounds"), so nPublic = 0 has a real key but no valid proof: it is
    // checked against snarkjs' JS verifier on other proofs (a false that must not revert).
    const t0 = await tinyPlonkKey(tmp, "tiny-0");
    cases["tiny-0/plonk"] = { label: "tiny-0", system: "plonk", vkJson: t0.vkJson, vk: vkWords(t0.vkJson), proof: cases["tiny-3/plonk"].proof, signals: [] };
  });

  after(async function () {
    provider?.destroy();
    await anvil?.stop();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
    await terminateSnarkjs();
  });

  /** The contract's answer: true / false, or the custom error it reverted with. */
  async function onChain(system: System, vk: readonly bigint[], proof: readonly bigint[], signals: readonly bigint[]): Promise<boolean | string> {
    const v = verifiers[system]!;
    try {
      return (await v.getFunction("verify").staticCall(bytesOf(vk), proof, signals)) as boolean;
    } catch (err) {
      const data = (err as { data?: string }).data;
      const parsed = data ? v.interface.parseError(data) : null;
      if (parsed === null) throw err;
      return `${parsed.name}(${parsed.args.map(String).join(",")})`;
    }
  }

  /** Asserts the contract and snarkjs' JS verifier agree on `expected`. */
  async function agree(c: Case, proof: readonly bigint[], signals: readonly bigint[], expected: boolean, what: string, vkJson = c.vkJson, vk = c.vk): Promise<void> {
    const chain = await onChain(c.system, vk, proof, signals);
    const js = await jsVerify(c.system, vkJson, proof, signals);
    assert.equal(chain, expected, `${c.label} ${c.system} on chain: ${what}`);
    assert.equal(js, expected, `${c.label} ${c.system} snarkjs JS: ${what}`);
  }

  /** Cases with a valid proof. */
  const ALL = ["range-check-32/groth16", "hash-chain-10/groth16", "merkle-10/groth16", "range-check-32/plonk", "tiny-3/plonk"];

  it("PLONK with nPublic = 0: a key is accepted, proofs of other circuits return false (as snarkjs), no revert", async function () {
    const c = cases["tiny-0/plonk"]!;
    assert.equal(c.vk[0], 0n);
    for (const k of ["tiny-3/plonk", "range-check-32/plonk"]) await agree(c, cases[k]!.proof, [], false, `proof of ${k}`);
    assert.equal(await onChain("plonk", c.vk, c.proof, [1n]), "MalformedProof(24,1)");
  });

  it("valid proofs verify, for circuits with 1, 2 and 3 public signals", async function () {
    const seen = new Set<string>();
    for (const k of ALL) {
      const c = cases[k]!;
      await agree(c, c.proof, c.signals, true, "valid proof");
      seen.add(`${c.system}:${c.signals.length}`);
    }
    for (const s of ["groth16:1", "groth16:2", "plonk:2", "plonk:3"]) assert.ok(seen.has(s), s);
  });

  for (const k of ALL) {
    it(`${k}: every proof word flipped, +1, set to q, set to r: rejected (as snarkjs)`, async function () {
      const c = cases[k]!;
      for (let i = 0; i < c.proof.length; i++) {
        const w = c.proof[i]!;
        for (const [how, value] of [["flip", w ^ 1n], ["+1", w + 1n], ["=q", Q], ["=r", R]] as const) {
          const p = [...c.proof];
          p[i] = value;
          await agree(c, p, c.signals, false, `word ${i} ${how}`);
        }
      }
    });
  }

  it("public signals: swapped, one set to r, one + r (same residue), one flipped: rejected", async function () {
    for (const k of ALL) {
      const c = cases[k]!;
      if (c.signals.length >= 2) {
        const sw = [...c.signals];
        [sw[0], sw[1]] = [sw[1]!, sw[0]!];
        await agree(c, c.proof, sw, false, "swapped signals");
      }
      for (let i = 0; i < c.signals.length; i++) {
        for (const [how, value] of [["=r", R], ["+r", c.signals[i]! + R], ["flip", c.signals[i]! ^ 1n]] as const) {
          const s = [...c.signals];
          s[i] = value;
          // snarkjs' JS verifier also refuses signals >= r
          await agree(c, c.proof, s, false, `signal ${i} ${how}`);
        }
      }
    }
  });

  it("a proof of one circuit against another circuit's key (same nPublic) is rejected", async function () {
    const pairs = [["range-check-32/groth16", "merkle-10/groth16"], ["merkle-10/groth16", "range-check-32/groth16"], ["range-check-32/plonk", "tiny-3/plonk"]] as const;
    for (const [a, b] of pairs) {
      const A = cases[a]!;
      const B = cases[b]!;
      const signals = B.signals.length === A.signals.length ? A.signals : A.signals.concat(B.signals).slice(0, B.signals.length);
      await agree(A, A.proof, signals, false, `proof of ${a} against the key of ${b}`, B.vkJson, B.vk);
    }
    // and the other way round for PLONK with the other proof's own signals
    const T = cases["tiny-3/plonk"]!;
    const RC = cases["range-check-32/plonk"]!;
    await agree(T, T.proof, T.signals.slice(0, 2), false, "tiny-3 proof, range-check key", RC.vkJson, RC.vk);
  });

  it("G1 points: off the curve, the infinity encodings (0, 0) and (0, 1): rejected", async function () {
    for (const k of ALL) {
      const c = cases[k]!;
      // G1 point word pairs: Groth16 A (0, 1) and C (6, 7); PLONK the nine commitments
      const starts = c.system === "groth16" ? [0, 6] : [0, 2, 4, 6, 8, 10, 12, 14, 16];
      for (const s of starts) {
        for (const [how, x, y] of [["(1, 3) off curve", 1n, 3n], ["(0, 0) EVM infinity", 0n, 0n], ["(0, 1) snarkjs infinity", 0n, 1n], ["(1, 2) generator", 1n, 2n]] as const) {
          const p = [...c.proof];
          p[s] = x;
          p[s + 1] = y;
          await agree(c, p, c.signals, false, `point at word ${s} := ${how}`);
        }
        // the negated point (x, q - y) is on the curve but wrong
        const p = [...c.proof];
        p[s + 1] = (Q - p[s + 1]!) % Q;
        await agree(c, p, c.signals, false, `point at word ${s} negated`);
      }
    }
  });

  it("Groth16 B: off the twist, outside the subgroup, zero (G2 infinity), coordinates swapped: rejected", async function () {
    for (const k of ["range-check-32/groth16", "hash-chain-10/groth16"]) {
      const c = cases[k]!;
      const mutate = async (what: string, f: (p: bigint[]) => void): Promise<void> => {
        const p = [...c.proof];
        f(p);
        await agree(c, p, c.signals, false, what);
      };
      await mutate("B = (1, 2, 3, 4)", (p) => p.splice(2, 4, 1n, 2n, 3n, 4n));
      await mutate("B = 0 (infinity)", (p) => p.splice(2, 4, 0n, 0n, 0n, 0n));
      await mutate("B.x1 <-> B.x0", (p) => { [p[2], p[3]] = [p[3]!, p[2]!]; });
      await mutate("B -> -B", (p) => { p[4] = (Q - p[4]!) % Q; p[5] = (Q - p[5]!) % Q; });
      // on the twist, not in the subgroup: the pairing precompile refuses it (snarkjs' JS check is on-curve only,
      // its pairing then just fails)
      await mutate("B on the twist outside the subgroup", (p) => p.splice(2, 4, ...twistPointOutsideSubgroup()));
    }
  });

  it("non-canonical coordinates (x + q): rejected, although snarkjs' JS verifier reduces them mod q and accepts", async function () {
    for (const k of ["range-check-32/groth16", "range-check-32/plonk"]) {
      const c = cases[k]!;
      for (const i of [0, 1, 6]) {
        const p = [...c.proof];
        p[i] = p[i]! + Q;
        assert.equal(await onChain(c.system, c.vk, p, c.signals), false, `${k} word ${i} + q`);
        // documents the difference: the canonical proof encoding (SPEC §1.9) forbids words >= q anyway
        assert.equal(await jsVerify(c.system, c.vkJson, p, c.signals), true, `${k} word ${i} + q, snarkjs JS`);
      }
    }
  });

  it("PLONK evaluations + r (same residue): rejected, although snarkjs' JS verifier reduces them mod r and accepts", async function () {
    const c = cases["range-check-32/plonk"]!;
    for (let i = 18; i < 24; i++) {
      const p = [...c.proof];
      p[i] = p[i]! + R;
      assert.equal(await onChain("plonk", c.vk, p, c.signals), false, `evaluation ${i} + r`);
      // snarkjs converts the evaluation to Fr (mod r) before its "< r" check, so the check never fires
      assert.equal(await jsVerify("plonk", c.vkJson, p, c.signals), true, `evaluation ${i} + r, snarkjs JS`);
    }
  });

  it("PLONK tampered key (X_2, a selector, k1, w): rejected", async function () {
    const c = cases["range-check-32/plonk"]!;
    for (const [i, what] of [[21, "X_2.x1"], [5, "Qm.x"], [2, "k1"], [4, "w"]] as const) {
      const vk = [...c.vk];
      vk[i] = vk[i]! === 1n ? 2n : 1n;
      assert.equal(await onChain("plonk", vk, c.proof, c.signals), false, what);
    }
    assert.equal(await onChain("plonk", [...c.vk.slice(0, 21), ...twistPointOutsideSubgroup()], c.proof, c.signals), false, "X_2 outside the subgroup");
    // the committed key's own X_2 with a swapped component is off the twist
    const vk = [...c.vk];
    [vk[21], vk[22]] = [vk[22]!, vk[21]!];
    assert.equal(await onChain("plonk", vk, c.proof, c.signals), false, "X_2 x1 <-> x0");
  });

  it("Groth16 tampered key (alpha, an IC point, delta): rejected", async function () {
    const c = cases["merkle-10/groth16"]!;
    for (const [i, what] of [[1, "alpha.x"], [16, "IC[0].y"], [18, "IC[1].y"], [11, "delta.x1"]] as const) {
      const vk = [...c.vk];
      vk[i] = vk[i]! + 1n;
      assert.equal(await onChain("groth16", vk, c.proof, c.signals), false, what);
    }
  });

  it("malformed keys revert with MalformedKey()", async function () {
    for (const k of ALL) {
      const c = cases[k]!;
      const n = c.signals.length;
      const bad: [string, bigint[]][] = [
        ["truncated by a word", c.vk.slice(0, -1)],
        ["extended by a word", [...c.vk, 0n]],
        ["empty", []],
        ["nPublic huge", [2n ** 255n, ...c.vk.slice(1)]],
      ];
      // a Groth16 key's length follows from its nPublic; a PLONK key's does not (there it is a count mismatch)
      if (c.system === "groth16") bad.push(["nPublic + 1", [BigInt(n + 1), ...c.vk.slice(1)]], ["nPublic - 1", [BigInt(n - 1), ...c.vk.slice(1)]]);
      else assert.equal(await onChain("plonk", [BigInt(n + 1), ...c.vk.slice(1)], c.proof, c.signals), `MalformedProof(24,${n})`);
      if (c.system === "plonk") {
        bad.push(["power 0", [c.vk[0]!, 0n, ...c.vk.slice(2)]], ["power 29", [c.vk[0]!, 29n, ...c.vk.slice(2)]],
          ["k1 = r", [...c.vk.slice(0, 2), R, ...c.vk.slice(3)]], ["w = r", [...c.vk.slice(0, 4), R, ...c.vk.slice(5)]]);
      }
      for (const [what, vk] of bad) {
        assert.equal(await onChain(c.system, vk, c.proof, c.signals), "MalformedKey()", `${k}: ${what}`);
      }
      // a key one byte short (not a whole number of words)
      const v = verifiers[c.system]!;
      await assert.rejects(v.getFunction("verify").staticCall(bytesOf(c.vk).slice(0, -2), c.proof, c.signals), (e: { data?: string }) =>
        v.interface.parseError(e.data ?? "0x")?.name === "MalformedKey");
    }
  });

  it("wrong proof or signal counts revert with MalformedProof(proofWords, signals)", async function () {
    for (const k of ALL) {
      const c = cases[k]!;
      const n = c.signals.length;
      const w = c.proof.length;
      assert.equal(await onChain(c.system, c.vk, c.proof.slice(0, -1), c.signals), `MalformedProof(${w - 1},${n})`);
      assert.equal(await onChain(c.system, c.vk, [...c.proof, 0n], c.signals), `MalformedProof(${w + 1},${n})`);
      assert.equal(await onChain(c.system, c.vk, [], c.signals), `MalformedProof(0,${n})`);
      assert.equal(await onChain(c.system, c.vk, c.proof, [...c.signals, 1n]), `MalformedProof(${w},${n + 1})`);
      if (n > 0) assert.equal(await onChain(c.system, c.vk, c.proof, c.signals.slice(1)), `MalformedProof(${w},${n - 1})`);
    }
  });

  it("property: a random single-word mutation of a valid proof never verifies", async function () {
    const keys = ["range-check-32/groth16", "merkle-10/groth16", "range-check-32/plonk", "tiny-3/plonk"];
    const word = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...keys),
        fc.nat(),
        fc.oneof(
          fc.record({ kind: fc.constant("set" as const), v: word }),
          fc.record({ kind: fc.constant("xor" as const), v: fc.integer({ min: 0, max: 255 }).map((b) => 1n << BigInt(b)) }),
          fc.record({ kind: fc.constant("add" as const), v: fc.bigInt({ min: 1n, max: 2n ** 64n }) }),
        ),
        async (k, at, m) => {
          const c = cases[k]!;
          const i = at % c.proof.length;
          const p = [...c.proof];
          const old = p[i]!;
          p[i] = m.kind === "set" ? m.v : m.kind === "xor" ? old ^ m.v : (old + m.v) % 2n ** 256n;
          if (p[i] === old) return;
          assert.equal(await onChain(c.system, c.vk, p, c.signals), false, `${k} word ${i} ${m.kind}`);
          // snarkjs' JS verifier reduces coordinates mod q; below q the two must agree
          if (p[i] < Q) assert.equal(await jsVerify(c.system, c.vkJson, p, c.signals), false, `${k} word ${i} ${m.kind} (JS)`);
        },
      ),
      { numRuns: Number(process.env.ZKPOOL_FC_RUNS ?? 45) },
    );
  });
});
