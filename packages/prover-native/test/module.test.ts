import { strict as assert } from "node:assert";
import { isUmpError, type ProofResult } from "@zkpool/ump";
import { createNativeProverModule, type NativeProverModule } from "../src/index.js";
import { BINARY, fixtureArtifacts } from "./helpers.js";

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("condition not reached in time");
}

describe("native prover UMP module", function () {
  this.timeout(60_000);
  const circuit = fixtureArtifacts();
  const request = { taskId: "0x01", circuit, input: { a: "1", b: "2" } };
  let mod: NativeProverModule;

  afterEach(async () => {
    await mod.stop();
  });

  it("proves through the sidecar; the proof verifies and matches the circuit's public signals", async () => {
    mod = createNativeProverModule({ binaryPath: BINARY });
    assert.equal(mod.manifest.kind, "native-cpu");
    assert.deepEqual(mod.manifest.proofSystems, ["groth16"]);
    await mod.start();
    const pre = await mod.preflight(circuit);
    assert.equal(pre.ok, true);
    assert.ok(Number.isInteger(pre.estimatedMs) && Number.isInteger(pre.estimatedMemoryBytes));
    const stages: string[] = [];
    const res: ProofResult = await mod.prove(request, { onProgress: (e) => stages.push(e.stage) });
    assert.equal(res.moduleId, mod.manifest.id);
    assert.equal(res.publicSignals[1], "2");
    assert.ok(Number.isInteger(res.durationMs));
    assert.deepEqual(stages, ["witness", "prove", "verify", "done"]);
    assert.equal(await mod.verify(circuit, res.proof, res.publicSignals), true);
    assert.equal(await mod.verify(circuit, res.proof, [res.publicSignals[0]!, "3"]), false);
    // the key stays loaded: a second proof reuses it
    const res2 = await mod.prove({ ...request, input: { a: "7", b: "2" } });
    assert.notEqual(res2.publicSignals[0], res.publicSignals[0]);
    const h = await mod.health();
    assert.equal(h.healthy, true);
    assert.equal(h.details?.device, "cpu");
    assert.equal(h.details?.loadedKeys, 1);
  });

  it("rejects typed errors: bad input, non-groth16, abort, not started", async () => {
    mod = createNativeProverModule({ binaryPath: BINARY });
    await assert.rejects(mod.prove(request), (e: unknown) => isUmpError(e, "NOT_STARTED"));
    await mod.start();
    await assert.rejects(mod.prove({ ...request, input: { a: "1" } }), (e: unknown) => isUmpError(e, "INVALID_INPUT"));
    await assert.rejects(
      mod.prove({ ...request, circuit: { ...circuit, proofSystem: "plonk" } }),
      (e: unknown) => isUmpError(e, "UNSUPPORTED"),
    );
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(mod.prove(request, { signal: ac.signal }), (e: unknown) => isUmpError(e, "ABORTED"));
    const bad = { ...circuit, zkey: { path: circuit.vkey.path, sha256: "ab".repeat(32) } };
    await assert.rejects(mod.prove({ ...request, circuit: bad }), (e: unknown) => isUmpError(e, "INVALID_ARTIFACT"));
    // still serves after the errors
    const res = await mod.prove(request);
    assert.equal(res.publicSignals[1], "2");
  });

  it("aborting during the sidecar proof cancels it there (ABORTED) and the next proof works", async () => {
    mod = createNativeProverModule({ binaryPath: BINARY });
    await mod.start();
    const ac = new AbortController();
    await assert.rejects(
      mod.prove(request, { signal: ac.signal, onProgress: (e) => e.stage === "prove" && ac.abort() }),
      (e: unknown) => isUmpError(e, "ABORTED"),
    );
    const res = await mod.prove(request);
    assert.equal(await mod.verify(circuit, res.proof, res.publicSignals), true);
  });

  it("rejects TIMEOUT when a proof exceeds proveTimeoutMs, and stays healthy", async () => {
    // 1 ms: far below the ~10 ms of CPU even this tiny proof needs, so the sidecar's deadline always fires
    mod = createNativeProverModule({ binaryPath: BINARY, proveTimeoutMs: 1 });
    await mod.start();
    await assert.rejects(mod.prove(request), (e: unknown) => isUmpError(e, "TIMEOUT"));
    assert.equal((await mod.health()).healthy, true);
  });

  it("reports itself unavailable when the binary is missing (the runtime then uses WASM)", async () => {
    mod = createNativeProverModule({ binaryPath: "/nonexistent/zkprover" });
    await mod.start();
    const h = await mod.health();
    assert.equal(h.healthy, false);
    assert.match(String(h.details?.lastError), /not found/);
    const pre = await mod.preflight(circuit);
    assert.equal(pre.ok, false);
    await assert.rejects(mod.prove(request), (e: unknown) => isUmpError(e, "UNSUPPORTED"));
  });

  it("reports CRASHED and unhealthy when the sidecar dies, then restarts it and proves again", async () => {
    mod = createNativeProverModule({ binaryPath: BINARY, restartDelayMs: 300 });
    await mod.start();
    await mod.prove(request);
    const pid = mod.sidecarPid;
    assert.ok(pid);
    process.kill(pid, "SIGKILL");
    await waitFor(async () => !(await mod.health()).healthy, 5000);
    await assert.rejects(mod.prove(request), (e: unknown) => isUmpError(e, "CRASHED"));
    assert.equal((await mod.preflight(circuit)).ok, false);
    await waitFor(async () => (await mod.health()).healthy, 10_000);
    assert.notEqual(mod.sidecarPid, pid);
    const h = await mod.health();
    assert.equal(h.details?.restarts, 1);
    const res = await mod.prove(request);
    assert.equal(await mod.verify(circuit, res.proof, res.publicSignals), true);
  });

  it("rejects PROOF_INVALID when the sidecar returns a proof that does not verify", async () => {
    // test double: a 'sidecar' script that answers every prove with a well-formed but wrong proof
    mod = createNativeProverModule({ binaryPath: new URL("../../test/fixtures/lying-sidecar.mjs", import.meta.url).pathname });
    await mod.start();
    await assert.rejects(mod.prove(request), (e: unknown) => isUmpError(e, "PROOF_INVALID"));
  });
});
