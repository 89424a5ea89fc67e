// The UMP runtime with the real snarkjs module: dispatch, verification, capacity from a measured profile,
// cancellation and timeout kill through the runtime.
import assert from "node:assert/strict";
import { createUmp, isUmpError, type Ump } from "@zkpool/ump";
import { SnarkjsModule } from "@zkpool/prover-snarkjs";
import type { CatalogCircuit } from "@zkpool/circuits";
import { merkle, rangeCheck, rangeCheckInvalid, tempDir } from "./fixtures.js";

describe("UMP runtime + snarkjs module", function () {
  this.timeout(300_000);
  let ump: Ump;
  let data: { dir: string; remove: () => Promise<void> };
  let cache: { dir: string; remove: () => Promise<void> };
  let groth: CatalogCircuit;
  let plonk: CatalogCircuit;
  let tree: CatalogCircuit;
  let seq = 0;
  const taskId = (): string => "0x" + "5a".repeat(16) + (++seq).toString(16).padStart(32, "0");

  before(async () => {
    [groth, plonk, tree] = await Promise.all([rangeCheck("groth16"), rangeCheck("plonk"), merkle()]);
    data = await tempDir("ump-data-");
    cache = await tempDir("ump-cache-");
    ump = createUmp({ dataDir: data.dir, modules: [new SnarkjsModule({ cacheDir: cache.dir })] });
    await ump.start();
  });

  after(async () => {
    await ump?.stop();
    await data?.remove();
    await cache?.remove();
  });

  it("proves Groth16 and PLONK through the runtime; the proofs verify and carry the expected public signals", async () => {
    for (const c of [groth, plonk]) {
      const stages: string[] = [];
      const r = await ump.prove(
        { taskId: taskId(), circuit: c, input: c.sampleInput },
        { onProgress: (e) => stages.push(e.stage) },
      );
      assert.equal(r.moduleId, "snarkjs-wasm");
      assert.deepEqual(r.publicSignals, c.expectedPublicSignals);
      assert.equal(await ump.verify(c, r.proof, r.publicSignals), true);
      assert.equal(stages[0], "queued");
      assert.equal(stages.at(-1), "done");
    }
  });

  it("verifies each proof once: the runtime re-verifies only when the module's own check is off", async () => {
    for (const verifyProofs of [true, false]) {
      const dir = await tempDir("ump-verify-once-");
      const mod = new SnarkjsModule({ cacheDir: dir.dir, verifyProofs });
      let runtimeVerifies = 0;
      const verify = mod.verify.bind(mod);
      mod.verify = (...args) => {
        runtimeVerifies++;
        return verify(...args);
      };
      const once = createUmp({ modules: [mod] });
      try {
        await once.start();
        const r = await once.prove({ taskId: taskId(), circuit: groth, input: groth.sampleInput });
        assert.deepEqual(r.publicSignals, groth.expectedPublicSignals);
        assert.equal(mod.manifest.verifiesProofs, verifyProofs);
        assert.equal(runtimeVerifies, verifyProofs ? 0 : 1);
      } finally {
        await once.stop();
        await dir.remove();
      }
    }
  });

  it("passes INVALID_INPUT through without fallback", async () => {
    await assert.rejects(
      ump.prove({ taskId: taskId(), circuit: groth, input: rangeCheckInvalid(groth) }),
      (e) => isUmpError(e, "INVALID_INPUT"),
    );
  });

  it("benchmarks the module, stores the profile, and answers canAccept from it", async () => {
    const profiles = await ump.benchmark(
      [
        { circuit: groth, input: groth.sampleInput },
        { circuit: tree, input: tree.sampleInput },
      ],
      { runs: 1, warmupRuns: 0 },
    );
    assert.equal(profiles.length, 1);
    assert.deepEqual(
      profiles[0]!.samples.map((s) => s.constraints),
      [groth.constraints, tree.constraints].sort((a, b) => a - b),
    );
    const now = Date.now();
    const far = await ump.canAccept({ circuit: tree, deadlineMs: now + 3_600_000, nowMs: now });
    assert.equal(far.ok, true, far.reason);
    const [cand] = await ump.candidates(tree);
    const tooSoon = await ump.canAccept({
      circuit: tree,
      deadlineMs: now + cand!.estimatedMs - 1,
      nowMs: now,
    });
    assert.equal(tooSoon.ok, false);
  });

  it("cancels a running proof through the runtime and keeps serving", async () => {
    const ac = new AbortController();
    const p = ump.prove(
      { taskId: taskId(), circuit: tree, input: tree.sampleInput },
      { signal: ac.signal, onProgress: (e) => (e.stage === "witness" || e.stage === "prove") && ac.abort() },
    );
    await assert.rejects(p, (e) => isUmpError(e, "ABORTED"));
    const r = await ump.prove({ taskId: taskId(), circuit: groth, input: groth.sampleInput });
    assert.deepEqual(r.publicSignals, groth.expectedPublicSignals);
  });

  it("kills a proof at its timeout (TIMEOUT) and keeps serving", async () => {
    await assert.rejects(
      ump.prove({ taskId: taskId(), circuit: tree, input: tree.sampleInput }, { timeoutMs: 1 }),
      (e) => isUmpError(e, "TIMEOUT"),
    );
    const r = await ump.prove({ taskId: taskId(), circuit: groth, input: groth.sampleInput });
    assert.deepEqual(r.publicSignals, groth.expectedPublicSignals);
  });
});
