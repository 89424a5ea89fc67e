/** setupCircuit: a user's own circuit outside the repository, compiled with circomlib, keys from a dev or given ptau. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { isZkPoolError, parseVerificationKey } from "@zkpool/protocol";
import { sha256File } from "@zkpool/ump";
import {
  circuitIdOf,
  compareInputFields,
  inputNamesForWasm,
  setupCircuit,
} from "../src/index.js";
import type { CircuitManifest, CircuitsError, SetupProgressEvent } from "../src/index.js";
import { makeLocalPtau, Progress } from "../src/setup/index.js";

/** A small circuit using circomlib both ways (`circomlib/circuits/x.circom` and `x.circom`) and a user include dir. */
const SMALL = `pragma circom 2.0.0;
include "circomlib/circuits/comparators.circom";
include "bitify.circom";
include "mylib.circom";
template Small() {
  signal input x;
  signal input limit;
  signal input salt[2];
  signal output ok;
  component lt = LessThan(16);
  lt.in[0] <== x;
  lt.in[1] <== limit;
  component bits = Num2Bits(8);
  bits.in <== salt[0];
  ok <== Scale()(lt.out, salt[1]);
}
component main {public [limit]} = Small();
`;
const MYLIB = `pragma circom 2.0.0;
template Scale() {
  signal input a;
  signal input b;
  signal output c;
  c <== a * (b + 1);
}
`;
const SAMPLE = { x: "3", limit: "10", salt: ["200", "4"] };

/** Everything written to process.stdout / process.stderr while `fn` runs. */
async function captureOutput<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; out: string; err: string }> {
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  let out = "";
  let err = "";
  const grab = (add: (s: string) => void) => ((chunk: string | Uint8Array) => (add(String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = grab((s) => (out += s));
  process.stderr.write = grab((s) => (err += s));
  try {
    return { value: await fn(), out, err };
  } catch (error) {
    return { error, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

const ESC = String.fromCharCode(27); // colour codes of circom's raw output
const RAW_CIRCOM = new RegExp(`template instances|non-linear constraints|Everything went okay|Written successfully|previous errors were found|${ESC}\\[`);

describe("circuits: setupCircuit (a user's own circuit)", function () {
  this.timeout(240_000);
  let dir: string;
  let cacheDir: string;
  let circuit: string;
  let libDir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-own-"));
    cacheDir = join(dir, "cache");
    libDir = join(dir, "lib");
    await mkdir(join(dir, "src"));
    await mkdir(libDir);
    circuit = join(dir, "src", "small.circom");
    await writeFile(circuit, SMALL);
    await writeFile(join(libDir, "mylib.circom"), MYLIB);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
    if (g.curve_bn128) await g.curve_bn128.terminate();
  });

  let manifest: CircuitManifest;
  let outDir: string;

  it("compiles from outside the repo with circomlib and a user include, makes groth16 + plonk keys from a dev ptau, warns loudly, prints nothing raw", async () => {
    outDir = join(dir, "out");
    const events: SetupProgressEvent[] = [];
    const t = Date.now();
    const r = await captureOutput(() =>
      setupCircuit({
        circuit,
        outDir,
        systems: ["groth16", "plonk"],
        devPtau: true,
        includes: [libDir],
        cacheDir,
        onProgress: (e) => events.push(e),
      }),
    );
    assert.equal(r.error, undefined, String(r.error));
    const res = r.value!;
    console.log(`      (setup groth16 + plonk incl. a 2^${res.ptau.power} dev ptau: ${Date.now() - t} ms)`);
    manifest = res.manifest;
    // the banner is the only thing on stderr, nothing on stdout
    assert.equal(r.out, "");
    assert.match(r.err, /INSECURE/);
    assert.match(r.err, /DEVELOPMENT ONLY/);
    assert.ok(r.err.split("\n").length >= 5, "a multi-line banner");
    assert.doesNotMatch(r.err, RAW_CIRCOM);
    // progress: compile, ptau steps, per system zkey (+ contribution) and vkey, numbered up to total
    const done = events.filter((e) => e.type === "done");
    assert.deepEqual([...new Set(done.map((e) => e.step))], ["compile", "ptau", "zkey", "contribute", "vkey"]);
    assert.equal(done.at(-1)!.index, done.at(-1)!.total);
    assert.ok(events.some((e) => e.type === "update" && e.fraction !== undefined), "fractions from snarkjs messages");

    assert.equal(manifest.name, "small");
    assert.deepEqual([...manifest.inputs].sort(), ["limit", "salt", "x"]);
    assert.deepEqual(manifest.signals.inputs.find((s) => s.name === "salt")?.dims, [2]);
    assert.equal(manifest.signals.inputs.find((s) => s.name === "limit")?.public, true);
    assert.deepEqual(manifest.publicSignals, ["ok", "limit"]);
    assert.equal(manifest.nPublic, 2);
    assert.ok(manifest.constraints > 10 && manifest.constraints < 64, `small circuit (${manifest.constraints})`);
    assert.equal(manifest.ptau.dev, true);
    assert.deepEqual(JSON.parse(await readFile(res.manifestPath, "utf8")), manifest);
    assert.equal(manifest.wasm.sha256, await sha256File(join(outDir, manifest.wasm.file)));
    for (const s of ["groth16", "plonk"] as const) {
      const m = manifest.systems[s]!;
      assert.equal(m.wasm.file, "small.wasm");
      assert.equal(m.zkey.file, `small.${s}.zkey`);
      assert.equal(m.zkey.sha256, await sha256File(join(outDir, m.zkey.file)));
      assert.equal(m.vkey.sha256, await sha256File(join(outDir, m.vkey.file)));
      assert.equal(m.circuitId, circuitIdOf(s, m.wasm.sha256, m.zkey.sha256, m.vkey.sha256));
    }
    assert.equal(manifest.systems.groth16!.requiredPower, 5);
    assert.equal(manifest.systems.plonk!.requiredPower, 7);
    assert.equal(res.ptau.power, 7, "the dev ptau has the power the circuit needs");
  });

  it("the sample proves with snarkjs and verifies against the exported vkey (groth16 and plonk)", async () => {
    for (const s of ["groth16", "plonk"] as const) {
      const m = manifest.systems[s]!;
      const { proof, publicSignals } = await snarkjs[s].fullProve(SAMPLE, join(outDir, m.wasm.file), join(outDir, m.zkey.file));
      assert.equal(publicSignals.length, manifest.nPublic);
      assert.deepEqual(publicSignals, ["5", "10"]); // ok = (3 < 10) * (4 + 1), limit
      const vkey = parseVerificationKey(await readFile(join(outDir, m.vkey.file)));
      assert.equal(await snarkjs[s].verify(vkey, publicSignals, proof), true, s);
    }
  });

  it("input names are found beside the wasm (for the SDK's input errors)", async () => {
    const names = await inputNamesForWasm(join(outDir, "small.wasm"));
    assert.deepEqual([...(names?.names ?? [])].sort(), ["limit", "salt", "x"]);
    assert.deepEqual(compareInputFields(names!.names, { x: 1, salt: [1, 2], extra: 3 }), { missing: ["limit"], unknown: ["extra"] });
  });

  it("a given ptau that is big enough builds without the dev warning", async () => {
    const r = await captureOutput(() =>
      setupCircuit({ circuit, outDir: join(dir, "out2"), ptau: join(cacheDir, "ptau", "pot7_local_dev.ptau"), includes: [libDir] }),
    );
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.out + r.err, "");
    assert.equal(r.value!.manifest.ptau.dev, false);
    assert.deepEqual(Object.keys(r.value!.manifest.systems), ["groth16"]);
  });

  it("a powers of tau too small is a typed PTAU_TOO_SMALL naming the power needed", async () => {
    const tiny = await makeLocalPtau(4, join(dir, "tiny"), new Progress({ quiet: true, sink: { write: () => undefined, isTTY: false } }));
    const r = await captureOutput(() =>
      setupCircuit({ circuit, outDir: join(dir, "out3"), ptau: tiny, systems: ["plonk"], includes: [libDir], keepCurve: true }),
    );
    assert.ok(isZkPoolError(r.error, "PTAU_TOO_SMALL"), String(r.error));
    const e = r.error as CircuitsError;
    assert.equal(e.type.powerNeeded, 7);
    assert.equal(e.type.powerGiven, 4);
    assert.equal(e.type.proofSystem, "plonk");
    assert.match(e.message, /2\^4/);
    assert.match(e.message, /PLONK .* needs power 7/);
    assert.equal(r.out + r.err, "");
  });

  it("a syntax error is a typed COMPILE_FAILED with the file and line, and no raw circom output", async () => {
    const bad = join(dir, "src", "bad.circom");
    await writeFile(bad, "pragma circom 2.0.0;\ntemplate T() {\n  signal input a;\n  signal output b\n  b <== a * a;\n}\ncomponent main = T();\n");
    const r = await captureOutput(() => setupCircuit({ circuit: bad, outDir: join(dir, "bad"), devPtau: true, cacheDir }));
    assert.ok(isZkPoolError(r.error, "COMPILE_FAILED"), String(r.error));
    const e = r.error as CircuitsError;
    assert.equal(e.type.file, bad);
    assert.equal(e.type.line, 4);
    assert.equal(e.type.circomCode, "P1008");
    assert.match(e.message, /bad\.circom:4:\d+: error\[P1008\]: Missing semicolon/);
    assert.doesNotMatch(e.message, RAW_CIRCOM);
    assert.equal(r.out + r.err, "");
  });

  it("a missing include is a typed INCLUDE_NOT_FOUND naming the file and how to pass its folder", async () => {
    const r = await captureOutput(() => setupCircuit({ circuit, outDir: join(dir, "noinc"), devPtau: true, cacheDir }));
    assert.ok(isZkPoolError(r.error, "INCLUDE_NOT_FOUND"), String(r.error));
    const e = r.error as CircuitsError;
    assert.equal(e.type.detail, "mylib.circom");
    assert.equal(e.type.line, 4);
    assert.match(e.message, /--include/);
    assert.equal(r.out + r.err, "");
  });

  it("option mistakes are typed: no file, both ptau and devPtau, neither, unknown system", async () => {
    await assert.rejects(setupCircuit({ circuit: join(dir, "nope.circom"), devPtau: true }), (e) => isZkPoolError(e, "CIRCUIT_NOT_FOUND"));
    await assert.rejects(setupCircuit({ circuit, devPtau: true, ptau: "x.ptau" }), (e) => isZkPoolError(e, "BAD_OPTIONS"));
    await assert.rejects(setupCircuit({ circuit }), (e) => isZkPoolError(e, "BAD_OPTIONS"));
    await assert.rejects(setupCircuit({ circuit, devPtau: true, systems: ["halo2" as "plonk"] }), (e) => isZkPoolError(e, "BAD_OPTIONS"));
    await assert.rejects(setupCircuit({ circuit, ptau: join(dir, "missing.ptau") }), (e) => isZkPoolError(e, "PTAU_INVALID"));
  });
});
