/**
 * setupCircuit with FFLONK (issue 13): a user's own small circuit (outside the repository, with a circomlib
 * include) set up for FFLONK from a local dev powers of tau, then a real proof made with the resulting wasm and
 * zkey and verified by snarkjs against the exported verification key; a changed public signal does not verify.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { parseVerificationKey } from "@zkpool/protocol";
import { sha256File } from "@zkpool/ump";
import { circuitIdOf, setupCircuit } from "../src/index.js";

/** x < limit (16 bits), times (salt + 1): a circomlib comparator and a few constraints. */
const CIRCUIT = `pragma circom 2.0.0;
include "circomlib/circuits/comparators.circom";
template Own() {
  signal input x;
  signal input limit;
  signal input salt;
  signal output ok;
  component lt = LessThan(16);
  lt.in[0] <== x;
  lt.in[1] <== limit;
  ok <== lt.out * (salt + 1);
}
component main {public [limit]} = Own();
`;

describe("circuits: setupCircuit with FFLONK (a user's own circuit)", function () {
  this.timeout(240_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-own-fflonk-"));
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "src", "own.circom"), CIRCUIT);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
    if (g.curve_bn128) await g.curve_bn128.terminate();
  });

  it("makes FFLONK keys from a dev ptau, and a proof made with them verifies against the exported vkey", async () => {
    const outDir = join(dir, "out");
    // the INSECURE dev-ptau banner goes to stderr; own-setup.test.ts checks it, here it is kept off the test output
    const ew = process.stderr.write.bind(process.stderr);
    let banner = "";
    process.stderr.write = ((chunk: string | Uint8Array) => ((banner += String(chunk)), true));
    let res: Awaited<ReturnType<typeof setupCircuit>>;
    try {
      res = await setupCircuit({ circuit: join(dir, "src", "own.circom"), outDir, systems: ["fflonk"], devPtau: true, cacheDir: join(dir, "cache"), keepCurve: true });
    } finally {
      process.stderr.write = ew;
    }
    assert.match(banner, /INSECURE/);
    const { manifest } = res;
    assert.deepEqual(Object.keys(manifest.systems), ["fflonk"]);
    assert.equal(manifest.ptau.dev, true);
    assert.deepEqual(manifest.publicSignals, ["ok", "limit"]);
    const m = manifest.systems.fflonk!;
    assert.equal(m.zkey.file, "own.fflonk.zkey");
    assert.equal(m.zkey.sha256, await sha256File(join(outDir, m.zkey.file)));
    assert.equal(m.vkey.sha256, await sha256File(join(outDir, m.vkey.file)));
    assert.equal(m.wasm.sha256, await sha256File(join(outDir, m.wasm.file)));
    assert.equal(m.circuitId, circuitIdOf("fflonk", m.wasm.sha256, m.zkey.sha256, m.vkey.sha256));
    // the dev ptau has the power FFLONK needs for this circuit (more than PLONK's)
    assert.ok(res.ptau.power >= m.requiredPower, `ptau 2^${res.ptau.power}, needs 2^${m.requiredPower}`);

    // the exported key is the canonical (ZKVK) artifact of an FFLONK key with two public signals
    const vkey = parseVerificationKey(await readFile(join(outDir, m.vkey.file)));
    assert.equal(vkey.protocol, "fflonk");
    assert.equal(vkey.nPublic, 2);

    const { proof, publicSignals } = await snarkjs.fflonk.fullProve({ x: "3", limit: "10", salt: "4" }, join(outDir, m.wasm.file), join(outDir, m.zkey.file));
    assert.deepEqual(publicSignals, ["5", "10"]); // ok = (3 < 10) * (4 + 1), limit
    assert.equal(await snarkjs.fflonk.verify(vkey, publicSignals, proof), true, "the proof verifies");
    assert.equal(await snarkjs.fflonk.verify(vkey, ["5", "11"], proof), false, "a changed public signal does not");
    // x >= limit gives ok = 0: still a valid proof of a different statement
    const other = await snarkjs.fflonk.fullProve({ x: "12", limit: "10", salt: "4" }, join(outDir, m.wasm.file), join(outDir, m.zkey.file));
    assert.deepEqual(other.publicSignals, ["0", "10"]);
    assert.equal(await snarkjs.fflonk.verify(vkey, other.publicSignals, other.proof), true);
    assert.equal(await snarkjs.fflonk.verify(vkey, publicSignals, other.proof), false, "a proof does not verify another statement");
  });
});
