/**
 * The universal FFLONK verifier (contracts/FflonkVerifier.sol): the verification key is data. Proven with snarkjs
 * on range-check-32 (artifacts of @zkpool/circuits) and on small synthetic circuits made here (hand-written r1cs and
 * witness, FFLONK setup on the dev ptau) with nPublic = 0, 1, 3, 9; every verdict is compared with
 * snarkjs.fflonk.verify, on a real anvil.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  ContractFactory, HDNodeWallet, Interface, Mnemonic, Wallet, concat, toBeHex, type BaseContract, type ContractRunner, type JsonRpcProvider,
} from "ethers";
import * as snarkjs from "snarkjs";
import {
  fflonkProofFromWords, fflonkProofWords, proofWordsFromSolidityCalldata, verificationKeyWords, type SnarkjsFflonkProof,
  type SnarkjsVerificationKey,
} from "@zkpool/protocol";
// Direct module imports (not ../src/index.js): this test needs only the compiler and the local chain.
import { ANVIL_DEV_MNEMONIC, startAnvil, type Anvil } from "../src/anvil.js";
import { compile, packageRoot } from "../src/compile.js";
import { testProvider } from "../src/testing.js";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const U256 = (1n << 256n) - 1n;
const FC_RUNS = Number(process.env.ZKPOOL_FC_RUNS ?? 45);

const ARTIFACTS = join(packageRoot(), "..", "circuits", "artifacts");
const RANGE = join(ARTIFACTS, "range-check-32");
const PTAU = join(ARTIFACTS, "ptau", "pot12_dev.ptau");

/** The parts of snarkjs' FFLONK API used here (the package's ambient typings cover fewer). */
interface FflonkApi {
  fullProve(input: unknown, wasm: string, zkey: string): Promise<{ proof: SnarkjsFflonkProof; publicSignals: string[] }>;
  prove(zkey: string, wtns: string): Promise<{ proof: SnarkjsFflonkProof; publicSignals: string[] }>;
  setup(r1cs: string, ptau: string, zkey: string): Promise<unknown>;
  verify(vk: unknown, publicSignals: unknown, proof: unknown): Promise<boolean>;
  exportSolidityCallData(publicSignals: unknown, proof: unknown): Promise<string>;
}
const fflonk = snarkjs.fflonk as unknown as FflonkApi;
const zKey = (snarkjs as unknown as { zKey: { exportVerificationKey(zkey: string): Promise<FflonkVkey> } }).zKey;

interface FflonkVkey {
  protocol: string;
  nPublic: number;
  power: number;
  k1: string;
  k2: string;
  w: string;
  w3: string;
  w4: string;
  w8: string;
  wr: string;
  C0: string[];
  X_2: string[][];
}

/** Key words in the verifier's layout (SPEC §1.12, without the header word). */
function vkWords(vk: FflonkVkey): bigint[] {
  return verificationKeyWords(vk as unknown as SnarkjsVerificationKey).words;
}
const vkBytes = (words: readonly bigint[]): string => concat(words.map((w) => toBeHex(w, 32)));

function devWallet(i: number, provider: JsonRpcProvider): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return new Wallet(hd.privateKey, provider);
}

/** Stops snarkjs' curve worker threads so mocha can exit without --exit. */
async function terminateSnarkjs(): Promise<void> {
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}

// ---- synthetic circuits: r1cs + witness written by hand (binfile formats of r1csfile / snarkjs wtns) ----

function le(v: bigint, n = 32): Buffer {
  const b = Buffer.alloc(n);
  let x = v;
  for (let i = 0; i < n; i++) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}
const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: number): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const section = (type: number, data: Buffer): Buffer => Buffer.concat([u32(type), u64(data.length), data]);
const binFile = (magic: string, version: number, sections: Buffer[]): Buffer =>
  Buffer.concat([Buffer.from(magic), u32(version), u32(sections.length), ...sections]);

/**
 * k public inputs x_i, private a, b; c = a·b and d = (a + Σ x_i)·b. Wires: 0 = one, 1..k = x, then a, b, c, d.
 * Returns the r1cs and the witness for a = 5, b = 11, x_i = 7 + i.
 */
function syntheticCircuit(k: number): { r1cs: Buffer; wtns: Buffer } {
  const nWires = k + 5;
  const [A, B, C, D] = [k + 1, k + 2, k + 3, k + 4];
  const lc = (terms: [number, bigint][]): Buffer => Buffer.concat([u32(terms.length), ...terms.map(([w, c]) => Buffer.concat([u32(w), le(c)]))]);
  const constraints = [
    lc([[A, 1n]]), lc([[B, 1n]]), lc([[C, 1n]]),
    lc([[A, 1n], ...Array.from({ length: k }, (_, i): [number, bigint] => [1 + i, 1n])]), lc([[B, 1n]]), lc([[D, 1n]]),
  ];
  const header = Buffer.concat([u32(32), le(R), u32(nWires), u32(0), u32(k), u32(2), u64(nWires), u32(2)]);
  const map = Buffer.concat(Array.from({ length: nWires }, (_, i) => u64(i)));
  const r1cs = binFile("r1cs", 1, [section(1, header), section(2, Buffer.concat(constraints)), section(3, map)]);
  const xs = Array.from({ length: k }, (_, i) => BigInt(7 + i));
  const [a, b] = [5n, 11n];
  const witness = [1n, ...xs, a, b, a * b, (a + xs.reduce((s, x) => s + x, 0n)) * b];
  const wtns = binFile("wtns", 2, [section(1, Buffer.concat([u32(32), le(R), u32(nWires)])), section(2, Buffer.concat(witness.map((v) => le(v))))]);
  return { r1cs, wtns };
}

// ---- contracts ----

/** Measures the gas of one static call from a contract (calldata passed through as is). */
const CALLER_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;
contract Caller {
    function measure(address target, bytes calldata data) external view returns (uint256 used, bool verdict) {
        uint256 g = gasleft();
        (bool ok, bytes memory ret) = target.staticcall(data);
        used = g - gasleft();
        verdict = ok && ret.length == 32 && abi.decode(ret, (bool));
    }
}
`;

interface Case {
  name: string;
  vk: FflonkVkey;
  vkHex: string;
  proof: bigint[];
  signals: bigint[];
}

type VerifyFn = (vk: string, proof: bigint[], signals: bigint[]) => Promise<boolean>;

describe("chain: universal FFLONK verifier (key as data)", function () {
  this.timeout(240_000);
  let anvil: Anvil | undefined;
  let provider: JsonRpcProvider;
  let deployer: Wallet;
  let verifier: BaseContract;
  let verifierIface: Interface;
  let onChain: VerifyFn;
  let range: Case;
  const synthetic: Case[] = [];
  let tmp: string | undefined;

  async function deploy(abi: Interface | readonly unknown[], bytecode: string, runner: ContractRunner): Promise<BaseContract> {
    const c = await new ContractFactory(abi as never, bytecode, runner).deploy();
    await c.waitForDeployment();
    return c;
  }

  async function jsVerify(c: Case, proof: readonly bigint[], signals: readonly bigint[]): Promise<boolean> {
    return fflonk.verify(c.vk, signals.map(String), fflonkProofFromWords(proof));
  }

  /**
   * snarkjs' JS verdict, with the two places where the contract is stricter by design (as snarkjs' Solidity
   * verifier is): the JS verifier ignores the `inv` word (a hint for Solidity, checked by the contract), and it
   * reduces words before its range checks (an evaluation r + v reads as v, a coordinate q + v as v), where the
   * contract rejects any evaluation >= r and the precompiles any coordinate >= q.
   */
  async function expected(c: Case, proof: readonly bigint[], signals: readonly bigint[]): Promise<boolean> {
    const canonical = proof.every((w, i) => w < (i < 8 ? Q : R));
    return canonical && proof[23] === c.proof[23] && (await jsVerify(c, proof, signals));
  }

  async function revertOf(p: Promise<unknown>): Promise<{ name: string; args: bigint[] }> {
    try {
      await p;
    } catch (err) {
      const data = (err as { data?: string }).data;
      assert.ok(typeof data === "string", `no revert data: ${String(err)}`);
      const parsed = verifierIface.parseError(data);
      assert.ok(parsed, `unknown revert data ${data}`);
      return { name: parsed.name, args: parsed.args.toArray().map((a) => BigInt(a as bigint)) };
    }
    assert.fail("the call did not revert");
  }

  before(async () => {
    const src = readFileSync(join(packageRoot(), "contracts", "FflonkVerifier.sol"), "utf8");
    const compiled = compile({ "FflonkVerifier.sol": src });
    anvil = await startAnvil({ hardfork: "cancun" });
    provider = testProvider(anvil.url, anvil.chainId);
    deployer = devWallet(0, provider);
    const art = compiled["FflonkVerifier"]!;
    verifierIface = new Interface(art.abi as never);
    verifier = await deploy(verifierIface, art.bytecode, deployer);
    const verify = verifier.getFunction("verify");
    onChain = async (vk, proof, signals) => (await verify.staticCall(vk, proof, signals)) as boolean;

    const vkey = JSON.parse(readFileSync(join(RANGE, "fflonk.vkey.json"), "utf8")) as FflonkVkey;
    const meta = JSON.parse(readFileSync(join(RANGE, "meta.json"), "utf8")) as { sampleInput: Record<string, string> };
    const { proof, publicSignals } = await fflonk.fullProve(meta.sampleInput, join(RANGE, "range-check-32.wasm"), join(RANGE, "fflonk.zkey"));
    const calldata = await fflonk.exportSolidityCallData(publicSignals, proof);
    const words = proofWordsFromSolidityCalldata(calldata);
    assert.deepEqual(words, fflonkProofWords(proof), "calldata words = the protocol's proof words");
    range = { name: "range-check-32", vk: vkey, vkHex: vkBytes(vkWords(vkey)), proof: words, signals: publicSignals.map(BigInt) };

    tmp = mkdtempSync(join(tmpdir(), "zkpool-fflonk-"));
    for (const k of [0, 1, 3, 9]) {
      const { r1cs, wtns } = syntheticCircuit(k);
      const [r1csFile, wtnsFile, zkeyFile] = ["r1cs", "wtns", "zkey"].map((e) => join(tmp!, `synthetic-${k}.${e}`)) as [string, string, string];
      writeFileSync(r1csFile, r1cs);
      writeFileSync(wtnsFile, wtns);
      await fflonk.setup(r1csFile, PTAU, zkeyFile);
      const vk = await zKey.exportVerificationKey(zkeyFile);
      const p = await fflonk.prove(zkeyFile, wtnsFile);
      assert.equal(vk.nPublic, k);
      synthetic.push({ name: `synthetic nPublic=${k}`, vk, vkHex: vkBytes(vkWords(vk)), proof: fflonkProofWords(p.proof), signals: p.publicSignals.map(BigInt) });
    }
  });

  after(async () => {
    await anvil?.stop();
    await terminateSnarkjs();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it("accepts valid proofs (range-check-32 and nPublic = 0, 1, 3, 9), as snarkjs does", async () => {
    for (const c of [range, ...synthetic]) {
      assert.equal(await jsVerify(c, c.proof, c.signals), true, `${c.name}: snarkjs`);
      assert.equal(await onChain(c.vkHex, c.proof, c.signals), true, c.name);
    }
    // a second range-check-32 proof (other witness, other bounds)
    const input = { value: "77", lower: "5", upper: "4294967295" };
    const { proof, publicSignals } = await fflonk.fullProve(input, join(RANGE, "range-check-32.wasm"), join(RANGE, "fflonk.zkey"));
    const words = fflonkProofWords(proof);
    const signals = publicSignals.map(BigInt);
    assert.deepEqual(signals, [5n, 4294967295n]);
    assert.equal(await onChain(range.vkHex, words, signals), true, "second proof");
    assert.equal(await onChain(range.vkHex, words, range.signals), false, "second proof, first signals");
  });

  it("rejects every one of the 24 proof words tampered (+1, = r, = q), agreeing with snarkjs", async () => {
    for (const c of [range, synthetic[0]!]) {
      for (let i = 0; i < 24; i++) {
        for (const [how, value] of [["+1", (c.proof[i]! + 1n) & U256], ["r", R], ["q", Q]] as const) {
          const proof = c.proof.slice();
          proof[i] = value;
          const got = await onChain(c.vkHex, proof, c.signals);
          assert.equal(got, false, `${c.name} word ${i} ${how}`);
          assert.equal(got, await expected(c, proof, c.signals), `${c.name} word ${i} ${how}: snarkjs`);
        }
      }
      // the inv hint is the only word snarkjs' JS verifier does not read
      const proof = c.proof.slice();
      proof[23] = (proof[23]! + 1n) % R;
      assert.equal(await jsVerify(c, proof, c.signals), true, "snarkjs JS ignores inv");
    }
    // snarkjs JS reads an evaluation r + v as v: with nPublic = 0 the synthetic circuit's ql(xi) is 0, so ql = r
    // passes there; the contract (like snarkjs' Solidity verifier) takes only canonical evaluations
    const z = synthetic[0]!;
    assert.equal(z.proof[8], 0n, "ql(xi) = 0 in the synthetic circuit");
    const proof = z.proof.slice();
    proof[8] = R;
    assert.equal(await jsVerify(z, proof, z.signals), true, "snarkjs JS reduces evaluations mod r");
    assert.equal(await onChain(z.vkHex, proof, z.signals), false);
  });

  it("rejects commitments replaced by other points (on the curve or not), agreeing with snarkjs", async () => {
    for (const c of [range, synthetic[2]!]) {
      for (let p = 0; p < 4; p++) {
        const [x, y] = [c.proof[2 * p]!, c.proof[2 * p + 1]!];
        const other = c.proof[(2 * p + 2) % 8]!;
        const replacements: [string, bigint, bigint][] = [
          ["(0, 0)", 0n, 0n],
          ["(0, 1)", 0n, 1n],
          ["the generator", 1n, 2n],
          ["the negated point", x, Q - y],
          ["another commitment", other, c.proof[(2 * p + 3) % 8]!],
          ["(x, y + q)", x, y + Q],
        ];
        for (const [name, nx, ny] of replacements) {
          const proof = c.proof.slice();
          proof[2 * p] = nx;
          proof[2 * p + 1] = ny;
          const got = await onChain(c.vkHex, proof, c.signals);
          assert.equal(got, false, `${c.name} point ${p} ${name}`);
          assert.equal(got, await expected(c, proof, c.signals), `${c.name} point ${p} ${name}: snarkjs`);
        }
      }
    }
  });

  it("rejects changed, swapped and out-of-field public signals", async () => {
    const s = range.signals;
    const variants: [string, bigint[]][] = [
      ["swapped", [s[1]!, s[0]!]],
      ["first + 1", [s[0]! + 1n, s[1]!]],
      ["second - 1", [s[0]!, s[1]! - 1n]],
      ["first = r", [R, s[1]!]],
      ["second = r + s", [s[0]!, R + s[1]!]],
      ["second = 2^256 - 1", [s[0]!, U256]],
      ["zeros", [0n, 0n]],
    ];
    for (const [name, signals] of variants) {
      const got = await onChain(range.vkHex, range.proof, signals);
      assert.equal(got, false, name);
      assert.equal(got, await expected(range, range.proof, signals), `${name}: snarkjs`);
    }
    for (const c of synthetic.filter((x) => x.signals.length > 1)) {
      const rotated = [...c.signals.slice(1), c.signals[0]!];
      assert.equal(await onChain(c.vkHex, c.proof, rotated), false, `${c.name} rotated`);
      assert.equal(await onChain(c.vkHex, c.proof, c.signals.map((x, i) => (i === c.signals.length - 1 ? x + R : x))), false, `${c.name} last + r`);
    }
  });

  it("rejects a proof under another circuit's key", async () => {
    const [s1, s3] = [synthetic[1]!, synthetic[2]!];
    assert.equal(await onChain(s1.vkHex, range.proof.slice(), [7n]), false);
    const key3 = vkWords(s3.vk);
    const other = vkWords(s1.vk);
    other[0] = key3[0]!; // nPublic 3 with circuit 1's polynomials
    assert.equal(await onChain(vkBytes(other), s3.proof, s3.signals), false);
  });

  it("reverts MalformedKey on a truncated, extended or ill-formed key", async () => {
    const words = vkWords(range.vk);
    const hex = range.vkHex;
    const bad: [string, string][] = [
      ["empty", "0x"],
      ["one byte short", hex.slice(0, -2)],
      ["one word short", vkBytes(words.slice(0, 14))],
      ["one byte more", hex + "00"],
      ["one word more", vkBytes([...words, 0n])],
    ];
    const edits: [string, number, bigint][] = [
      ["power 0", 1, 0n],
      ["power 29", 1, 29n],
      ["power 10 (w is the 2^9 root)", 1, 10n],
      ["nPublic > domain", 0, 513n],
      ["k1 = r", 2, R],
      ["w + 1", 4, words[4]! + 1n],
      ["w3 = 1", 5, 1n],
      ["w4 = w8", 6, words[7]!],
      ["w8 = w4", 7, words[6]!],
      ["wr = w", 8, words[4]!],
      ["C0.y + 1", 10, words[10]! + 1n],
      ["C0.x = q", 9, Q],
      ["X_2.x1 + 1", 11, words[11]! + 1n],
      ["X_2.y0 = q", 14, Q],
    ];
    for (const [name, i, v] of edits) {
      const w = words.slice();
      w[i] = v;
      bad.push([name, vkBytes(w)]);
    }
    for (const [name, vk] of bad) {
      const e = await revertOf(onChain(vk, range.proof, range.signals));
      assert.equal(e.name, "MalformedKey", name);
    }
  });

  it("reverts MalformedProof(proofWords, signals) on wrong lengths", async () => {
    const p = range.proof;
    const s = range.signals;
    const cases: [bigint[], bigint[]][] = [
      [p.slice(0, 23), s],
      [[...p, 0n], s],
      [[], s],
      [p, s.slice(0, 1)],
      [p, [...s, 1n]],
      [p, []],
      [p.slice(0, 8), [1n, 2n, 3n]],
    ];
    for (const [proof, signals] of cases) {
      const e = await revertOf(onChain(range.vkHex, proof, signals));
      assert.deepEqual(e, { name: "MalformedProof", args: [BigInt(proof.length), BigInt(signals.length)] });
    }
    // nPublic = 0 takes no signals
    const z = synthetic[0]!;
    const e = await revertOf(onChain(z.vkHex, z.proof, [0n]));
    assert.deepEqual(e, { name: "MalformedProof", args: [24n, 1n] });
  });

  it("never verifies a random single-word mutation (fast-check)", async () => {
    const cases = [range, ...synthetic];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: cases.length - 1 }),
        fc.nat({ max: 1000 }),
        fc.oneof(
          fc.record({ kind: fc.constant("add" as const), v: fc.bigInt({ min: 1n, max: U256 }) }),
          fc.record({ kind: fc.constant("set" as const), v: fc.bigInt({ min: 0n, max: U256 }) }),
          fc.record({ kind: fc.constant("bit" as const), v: fc.bigInt({ min: 0n, max: 255n }) }),
        ),
        async (ci, pos, m) => {
          const c = cases[ci]!;
          const proof = c.proof.slice();
          const signals = c.signals.slice();
          const slot = pos % (24 + signals.length);
          const arr = slot < 24 ? proof : signals;
          const i = slot < 24 ? slot : slot - 24;
          const old = arr[i]!;
          const next = m.kind === "add" ? (old + m.v) & U256 : m.kind === "set" ? m.v : old ^ (1n << m.v);
          fc.pre(next !== old);
          arr[i] = next;
          const got = await onChain(c.vkHex, proof, signals);
          assert.equal(got, false, `${c.name} slot ${slot} ${m.kind}`);
          assert.equal(await expected(c, proof, signals), false, `${c.name} slot ${slot}: snarkjs`);
        },
      ),
      { numRuns: FC_RUNS },
    );
  });

  it("measures gas against the snarkjs-exported verifier (printed, not asserted)", async () => {
    const compiled = compile({
      "fflonk_verifier.sol": readFileSync(join(RANGE, "fflonk_verifier.sol"), "utf8"),
      "Caller.sol": CALLER_SOURCE,
    });
    const exported = compiled["FflonkVerifier"]!;
    const exportedIface = new Interface(exported.abi as never);
    const snark = await deploy(exportedIface, exported.bytecode, deployer);
    const callerArt = compiled["Caller"]!;
    const caller = await deploy(new Interface(callerArt.abi as never), callerArt.bytecode, deployer);
    const measure = caller.getFunction("measure");
    const words = range.proof.map((w) => toBeHex(w, 32));
    const snarkData = exportedIface.encodeFunctionData("verifyProof", [words, range.signals]);
    const ourData = verifierIface.encodeFunctionData("verify", [range.vkHex, range.proof, range.signals]);
    const [snarkGas, snarkOk] = (await measure.staticCall(await snark.getAddress(), snarkData)) as [bigint, boolean];
    const [ourGas, ourOk] = (await measure.staticCall(await verifier.getAddress(), ourData)) as [bigint, boolean];
    assert.equal(snarkOk, true, "snarkjs verifier accepts");
    assert.equal(ourOk, true, "universal verifier accepts");
    // the exported verifier agrees on a tampered proof too
    const tampered = words.slice();
    tampered[20] = toBeHex(range.proof[20]! + 1n, 32);
    const [, snarkBad] = (await measure.staticCall(await snark.getAddress(), exportedIface.encodeFunctionData("verifyProof", [tampered, range.signals]))) as [bigint, boolean];
    assert.equal(snarkBad, false);
    const ratio = Number(ourGas) / Number(snarkGas);
    console.log(`verifier-gas: range-check-32 fflonk snarkjs=${snarkGas} universal=${ourGas} ratio=${ratio.toFixed(2)}`);
  });
});
