import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { buildBn128, type Curve } from "ffjavascript";
import { BINARY, runTestCommands } from "./helpers.js";

function rand(mod: bigint): bigint {
  return BigInt("0x" + randomBytes(40).toString("hex")) % mod;
}

describe("native field and curve arithmetic vs ffjavascript (random inputs)", function () {
  this.timeout(120_000);
  let curve: Curve;
  before(async () => {
    curve = await buildBn128(true);
  });
  after(async () => {
    await curve.terminate();
  });

  it("Fq and Fr: mul, add, sub, square, inverse (incl. edge values)", async () => {
    const cmds: string[] = [];
    const expected: string[] = [];
    for (const [name, F, p] of [
      ["fq", curve.F1, curve.q],
      ["fr", curve.Fr, curve.r],
    ] as const) {
      const values = [0n, 1n, p - 1n, p - 2n, 2n ** 253n, ...Array.from({ length: 30 }, () => rand(p))];
      for (let i = 0; i < values.length; i++) {
        const a = values[i]!;
        const b = values[(i * 7 + 3) % values.length]!;
        const ea = F.e(a);
        const eb = F.e(b);
        cmds.push(`${name}_mul ${a} ${b}`, `${name}_add ${a} ${b}`, `${name}_sub ${a} ${b}`, `${name}_sqr ${a}`);
        expected.push(
          String(F.toObject(F.mul(ea, eb))),
          String(F.toObject(F.add(ea, eb))),
          String(F.toObject(F.sub(ea, eb))),
          String(F.toObject(F.square(ea))),
        );
        if (a !== 0n) {
          cmds.push(`${name}_inv ${a}`);
          expected.push(String(F.toObject(F.inv(ea))));
        }
      }
    }
    assert.deepEqual(await runTestCommands(cmds), expected);
  });

  it("field kernels (MULX/ADX Montgomery mul, dedicated square, 512-bit product + REDC, add/sub, lazy Fq2) vs the reference of native/field_ref.hpp: 200,000 random inputs per field plus edge values", () => {
    const seed = String(randomBytes(4).readUInt32LE(0));
    const r = spawnSync(BINARY, ["selftest", "200000", seed], { encoding: "utf8" });
    assert.equal(r.status, 0, `selftest (seed ${seed}) failed: ${r.stdout}${r.stderr}`);
    const o = JSON.parse(r.stdout) as { ok: boolean; inputs: number; error: string };
    assert.equal(o.ok, true, o.error);
    assert.equal(o.inputs, 200000);
  });

  it("Fq and Fr mul and square vs BigInt (2,000 random pairs per field, and limb-boundary edge values)", async () => {
    const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
    const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    const cmds: string[] = [];
    const expected: string[] = [];
    for (const [name, p] of [["fq", q], ["fr", r]] as const) {
      const edges = [0n, 1n, 2n, p - 1n, p - 2n, (p - 1n) / 2n, (p + 1n) / 2n];
      for (let k = 63; k <= 253; k += 2) edges.push(2n ** BigInt(k), 2n ** BigInt(k) - 1n);
      for (let j = 0; j < 4; j++) edges.push((2n ** 64n - 1n) << BigInt(64 * j) < p ? (2n ** 64n - 1n) << BigInt(64 * j) : p - (1n << BigInt(64 * j)));
      const values = [...edges, ...Array.from({ length: 2000 }, () => rand(p))];
      for (let i = 0; i < values.length; i++) {
        const a = values[i]!;
        const b = i < edges.length ? edges[(i * 5 + 1) % edges.length]! : values[values.length - 1 - i]!;
        cmds.push(`${name}_mul ${a} ${b}`, `${name}_sqr ${a}`);
        expected.push(String((a * b) % p), String((a * a) % p));
      }
    }
    assert.deepEqual(await runTestCommands(cmds), expected);
  });

  it("Fq2: mul and inverse", async () => {
    const cmds: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 20; i++) {
      const a = [rand(curve.q), rand(curve.q)];
      const b = [rand(curve.q), rand(curve.q)];
      const ea = curve.F2.fromObject(a);
      const eb = curve.F2.fromObject(b);
      cmds.push(`fq2_mul ${a.join(" ")} ${b.join(" ")}`, `fq2_inv ${a.join(" ")}`);
      expected.push(curve.F2.toObject(curve.F2.mul(ea, eb)).join(" "), curve.F2.toObject(curve.F2.inv(ea)).join(" "));
    }
    assert.deepEqual(await runTestCommands(cmds), expected);
  });

  const g1 = (c: Curve, p: Uint8Array): string => {
    if (c.G1.isZero(p)) return "0 0";
    const o = c.G1.toObject(c.G1.toAffine(p)) as bigint[];
    return `${o[0]} ${o[1]}`;
  };
  const g2 = (c: Curve, p: Uint8Array): string => {
    if (c.G2.isZero(p)) return "0 0 0 0";
    const o = c.G2.toObject(c.G2.toAffine(p)) as bigint[][];
    return `${o[0]![0]} ${o[0]![1]} ${o[1]![0]} ${o[1]![1]}`;
  };

  it("G1 and G2: add, mixed add, double, scalar multiplication (incl. P+P, P-P, infinity)", async () => {
    const cmds: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 8; i++) {
      const P = curve.G1.timesScalar(curve.G1.g, rand(curve.r));
      const Q = curve.G1.timesScalar(curve.G1.g, rand(curve.r));
      const k = rand(curve.r);
      const negP = curve.G1.timesScalar(P, curve.r - 1n);
      cmds.push(`g1_add ${g1(curve, P)} ${g1(curve, Q)}`, `g1_madd ${g1(curve, P)} ${g1(curve, Q)}`);
      expected.push(g1(curve, curve.G1.add(P, Q)), g1(curve, curve.G1.add(P, Q)));
      cmds.push(`g1_add ${g1(curve, P)} ${g1(curve, P)}`, `g1_madd ${g1(curve, P)} ${g1(curve, negP)}`);
      expected.push(g1(curve, curve.G1.double(P)), "0 0");
      cmds.push(`g1_dbl ${g1(curve, P)}`, `g1_mul ${g1(curve, P)} ${k}`, `g1_add ${g1(curve, P)} 0 0`);
      expected.push(g1(curve, curve.G1.double(P)), g1(curve, curve.G1.timesScalar(P, k)), g1(curve, P));

      const R = curve.G2.timesScalar(curve.G2.g, rand(curve.r));
      const S = curve.G2.timesScalar(curve.G2.g, rand(curve.r));
      cmds.push(`g2_add ${g2(curve, R)} ${g2(curve, S)}`, `g2_madd ${g2(curve, R)} ${g2(curve, S)}`);
      expected.push(g2(curve, curve.G2.add(R, S)), g2(curve, curve.G2.add(R, S)));
      cmds.push(`g2_dbl ${g2(curve, R)}`, `g2_mul ${g2(curve, R)} ${k}`, `g2_madd ${g2(curve, R)} ${g2(curve, R)}`);
      expected.push(g2(curve, curve.G2.double(R)), g2(curve, curve.G2.timesScalar(R, k)), g2(curve, curve.G2.double(R)));
    }
    assert.deepEqual(await runTestCommands(cmds), expected);
  });

  it("MSM (Pippenger) in G1 and G2 equals the sum of scalar multiplications", async () => {
    const cmds: string[] = [];
    const expected: string[] = [];
    for (const n of [1, 5, 40, 300, 1500]) {
      const pts1: Uint8Array[] = [];
      const pts2: Uint8Array[] = [];
      const ks: bigint[] = [];
      for (let i = 0; i < n; i++) {
        // repeated points, zero / one / r-1 scalars and the point at infinity exercise bucket edge cases
        const base = i % 7 === 3 && i > 0 ? pts1[i - 1]! : curve.G1.timesScalar(curve.G1.g, rand(curve.r));
        const base2 = n <= 300 ? curve.G2.timesScalar(curve.G2.g, rand(curve.r)) : curve.G2.g;
        pts1.push(i % 11 === 5 ? curve.G1.zero : base);
        pts2.push(base2);
        ks.push(i % 5 === 1 ? 0n : i % 5 === 2 ? 1n : i % 13 === 4 ? curve.r - 1n : rand(curve.r));
      }
      let acc1 = curve.G1.zero;
      let acc2 = curve.G2.zero;
      for (let i = 0; i < n; i++) {
        acc1 = curve.G1.add(acc1, curve.G1.timesScalar(pts1[i]!, ks[i]!));
        if (n <= 300) acc2 = curve.G2.add(acc2, curve.G2.timesScalar(pts2[i]!, ks[i]!));
      }
      cmds.push(`g1_msm ${n} ` + pts1.map((p, i) => `${g1(curve, p)} ${ks[i]}`).join(" "));
      expected.push(g1(curve, acc1));
      if (n <= 300) {
        cmds.push(`g2_msm ${n} ` + pts2.map((p, i) => `${g2(curve, p)} ${ks[i]}`).join(" "));
        expected.push(g2(curve, acc2));
      }
    }
    assert.deepEqual(await runTestCommands(cmds), expected);
  });

  // GLV constants, written down from the math (see native/plan.hpp) and checked here independently
  const BETA = 2203960485148121921418603742825762020974279258880205651966n;
  const LAMBDA = 4407920970296243842393367215006156084916469457145843978461n;

  it("GLV constants: beta^3 = 1 in Fq, lambda^3 = 1 in Fr, phi(P) = (beta x, y) = lambda P on G1 and (beta^2 x, y) on G2", async () => {
    assert.equal(BETA ** 3n % curve.q, 1n);
    assert.notEqual(BETA, 1n);
    assert.equal(LAMBDA ** 3n % curve.r, 1n);
    assert.notEqual(LAMBDA, 1n);
    const cmds = ["glv_check"];
    const expected = [`1 1 1 ${BETA} ${LAMBDA}`];
    for (let i = 0; i < 6; i++) {
      const P = curve.G1.timesScalar(curve.G1.g, rand(curve.r));
      const o = curve.G1.toObject(curve.G1.toAffine(P)) as bigint[];
      const lp = curve.G1.timesScalar(P, LAMBDA);
      assert.equal(g1(curve, lp), `${(BETA * o[0]!) % curve.q} ${o[1]}`);
      cmds.push(`g1_phi ${g1(curve, P)}`);
      expected.push(g1(curve, lp));
      const Q = curve.G2.timesScalar(curve.G2.g, rand(curve.r));
      cmds.push(`g2_phi ${g2(curve, Q)}`);
      expected.push(g2(curve, curve.G2.timesScalar(Q, LAMBDA)));
    }
    assert.deepEqual(await runTestCommands(cmds), expected);
  });

  it("GLV split: k = k1 + k2 lambda mod r with |k1|, |k2| < 2^127 (random and edge scalars)", async () => {
    const ks = [0n, 1n, 2n, curve.r - 1n, curve.r - 2n, LAMBDA, curve.r - LAMBDA, 2n ** 127n, 2n ** 253n, ...Array.from({ length: 200 }, () => rand(curve.r))];
    const out = await runTestCommands(ks.map((k) => `glv_split ${k}`));
    ks.forEach((k, i) => {
      const [k1, k2] = out[i]!.split(" ").map((x) => BigInt(x)) as [bigint, bigint];
      const abs = (x: bigint): bigint => (x < 0n ? -x : x);
      assert.ok(abs(k1) < 2n ** 127n && abs(k2) < 2n ** 127n, `k=${k}: ${k1} ${k2}`);
      assert.equal((((k1 + k2 * LAMBDA) % curve.r) + curve.r) % curve.r, k);
    });
  });

  it("GLV / fixed-base table / witness-structure MSM equals ffjavascript and the plain Pippenger", async () => {
    const cmds: string[] = [];
    const expected: string[] = [];
    for (const n of [1, 7, 60, 700, 5000]) {
      const pts1: Uint8Array[] = [];
      const pts2: Uint8Array[] = [];
      const ks: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const base = i % 7 === 3 && i > 0 ? pts1[i - 1]! : curve.G1.timesScalar(curve.G1.g, rand(curve.r));
        pts1.push(i % 11 === 5 ? curve.G1.zero : base);
        pts2.push(n <= 60 ? curve.G2.timesScalar(curve.G2.g, rand(curve.r)) : i % 3 === 0 ? curve.G2.zero : curve.G2.g);
        // zeros, ones (incl. repeated points with scalar 1), small (< 2^16) and large scalars, r - 1
        const sel = i % 9;
        ks.push(sel === 1 ? 0n : sel === 2 || sel === 4 ? 1n : sel === 5 ? 2n + (rand(curve.r) % 65534n) : i % 13 === 4 ? curve.r - 1n : rand(curve.r));
      }
      let acc1 = curve.G1.zero;
      let acc2 = curve.G2.zero;
      for (let i = 0; i < n; i++) {
        acc1 = curve.G1.add(acc1, curve.G1.timesScalar(pts1[i]!, ks[i]!));
        acc2 = curve.G2.add(acc2, curve.G2.timesScalar(pts2[i]!, ks[i]!));
      }
      const body1 = `${n} ` + pts1.map((p, i) => `${g1(curve, p)} ${ks[i]}`).join(" ");
      const body2 = `${n} ` + pts2.map((p, i) => `${g2(curve, p)} ${ks[i]}`).join(" ");
      cmds.push(`g1_msm ${body1}`);
      expected.push(g1(curve, acc1));
      // auto window with the GLV copy only; fixed windows with 2, 3 and all-window tables
      for (const [c, m] of [[0, 1], [8, 2], [5, 3], [11, 12], [16, 8]] as const) {
        cmds.push(`g1_msm_plan ${c} ${m} ${body1}`);
        expected.push(g1(curve, acc1));
      }
      for (const [c, m] of [[0, 1], [7, 3]] as const) {
        cmds.push(`g2_msm_plan ${c} ${m} ${body2}`);
        expected.push(g2(curve, acc2));
      }
    }
    assert.deepEqual(await runTestCommands(cmds), expected);
  });

  it("roots of unity match snarkjs' choice (w_28 = 5^((r-1)/2^28))", async () => {
    const [w1, w2] = await runTestCommands(["fr_root 1", "fr_root 2"]);
    assert.equal(w1, String(curve.r - 1n));
    const w2b = BigInt(w2!);
    assert.equal((w2b * w2b) % curve.r, curve.r - 1n);
    assert.equal(w2, "21888242871839275217838484774961031246007050428528088939761107053157389710902");
  });
});
