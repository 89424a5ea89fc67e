import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isZkPoolError } from "@zkpool/protocol";
import { DEV_PTAU, loadCircuit } from "../src/index.js";
import { Progress, runSetup } from "../src/setup/index.js";

function capture(): { progress: Progress; text: () => string } {
  let out = "";
  const progress = new Progress({ sink: { write: (t) => (out += t), isTTY: false } });
  return { progress, text: () => out };
}

describe("circuits: dev setup command", function () {
  this.timeout(120_000);
  let cacheDir: string;

  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "zkpool-setup-"));
  });
  after(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("builds zkey, vkey and Solidity verifier, warns loudly about the dev ptau, and reproduces the committed key", async () => {
    const { progress, text } = capture();
    const results = await runSetup({
      circuits: ["range-check-32"],
      systems: ["groth16"],
      cacheDir,
      progress,
    });
    assert.deepEqual(
      results.map((r) => [r.circuit, r.proofSystem, r.status]),
      [["range-check-32", "groth16", "built"]],
    );
    assert.match(text(), /INSECURE/);
    assert.match(text(), /DEVELOPMENT ONLY/);
    assert.match(text(), /circom2 compile/); // progress lines for the long steps
    const built = await loadCircuit("range-check-32", "groth16", { roots: [join(cacheDir, "artifacts")] });
    const committed = await loadCircuit("range-check-32", "groth16");
    assert.match(built.verifier.path, /groth16_verifier\.sol$/);
    // Deterministic dev setup (fixed beacon): same inputs, same content hashes, same circuitId.
    assert.equal(built.circuitId, results[0]!.circuitId);
    assert.equal(built.zkey.sha256, committed.zkey.sha256);
    assert.equal(built.circuitId, committed.circuitId);
    assert.deepEqual(built.expectedPublicSignals, committed.expectedPublicSignals);
  });

  it("skips work whose inputs did not change", async () => {
    const { progress, text } = capture();
    const results = await runSetup({
      circuits: ["range-check-32"],
      systems: ["groth16"],
      cacheDir,
      progress,
    });
    assert.equal(results[0]!.status, "up-to-date");
    assert.match(text(), /compiled circuit up to date/);
  });

  it("a powers of tau too small for the circuit is a typed PTAU_TOO_SMALL", async () => {
    const { progress } = capture();
    await assert.rejects(
      runSetup({ circuits: ["hash-chain-10"], systems: ["plonk"], ptau: DEV_PTAU.path, cacheDir, progress }),
      (e) => isZkPoolError(e, "PTAU_TOO_SMALL"),
    );
  });

  it("makes a local powers of tau when asked for a power (with the loud warning) and builds from it", async () => {
    const { progress, text } = capture();
    const results = await runSetup({
      circuits: ["range-check-32"],
      systems: ["groth16"],
      power: 8,
      cacheDir,
      progress,
      outDir: join(cacheDir, "local"),
    });
    assert.equal(results[0]!.status, "built");
    assert.match(text(), /making a LOCAL powers of tau of 2\^8/);
    assert.match(text(), /INSECURE/);
    const built = await loadCircuit("range-check-32", "groth16", { roots: [join(cacheDir, "local")] });
    const committed = await loadCircuit("range-check-32", "groth16");
    assert.notEqual(built.zkey.sha256, committed.zkey.sha256, "a fresh random ptau gives a different key");
    assert.deepEqual(built.expectedPublicSignals, committed.expectedPublicSignals);
  });

  it("an unknown circuit is a typed UNKNOWN_CIRCUIT", async () => {
    await assert.rejects(runSetup({ circuits: ["nope"], cacheDir, progress: capture().progress }), (e) =>
      isZkPoolError(e, "UNKNOWN_CIRCUIT"),
    );
  });
});
