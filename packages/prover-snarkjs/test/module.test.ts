import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCircuit } from "@zkpool/circuits";
import type { CatalogCircuit } from "@zkpool/circuits";
import { isZkPoolError } from "@zkpool/protocol";
import { ArtifactCache } from "@zkpool/ump";
import type { ProgressEvent, ProofSystem } from "@zkpool/ump";
import { SnarkjsModule } from "../src/index.js";

const TASK = "0x" + "ab".repeat(32);

function rejectsWith(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(
      isZkPoolError(e, code),
      `expected ${code}, got ${String((e as { code?: string }).code)}: ${String(e)}`,
    );
    return true;
  };
}

describe("prover-snarkjs: SnarkjsModule", function () {
  this.timeout(60_000);
  let dir: string;
  let mod: SnarkjsModule;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-snarkjs-"));
    mod = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 2 });
    await mod.start();
  });
  after(async () => {
    await mod.stop();
    await rm(dir, { recursive: true, force: true });
  });

  // Groth16 on every circuit; PLONK and FFLONK on the smallest one (they are 7-10x slower).
  const cases: [string, ProofSystem][] = [
    ["range-check-32", "groth16"],
    ["hash-chain-10", "groth16"],
    ["merkle-10", "groth16"],
    ["range-check-32", "plonk"],
    ["range-check-32", "fflonk"],
  ];
  for (const [name, system] of cases) {
    it(`${name} ${system}: proves the sample, gets the expected public signals, verifies`, async () => {
      const circuit = await loadCircuit(name, system);
      const result = await mod.prove({ taskId: TASK, circuit, input: circuit.sampleInput });
      assert.equal(result.proofSystem, system);
      assert.equal(result.moduleId, "snarkjs-wasm");
      assert.ok(Number.isInteger(result.durationMs) && result.durationMs >= 0);
      assert.deepEqual(result.publicSignals, circuit.expectedPublicSignals);
      assert.equal(await mod.verify(circuit, result.proof, result.publicSignals), true);
      // a different public signal, or a proof for other signals, does not verify (and does not throw)
      const forged = [...result.publicSignals];
      forged[0] = (BigInt(forged[0]!) + 1n).toString();
      assert.equal(await mod.verify(circuit, result.proof, forged), false);
    });
  }

  it("verify() answers false for a malformed proof instead of throwing", async () => {
    const circuit = await loadCircuit("range-check-32", "groth16");
    assert.equal(
      await mod.verify(circuit, { pi_a: ["1", "2"], protocol: "groth16" }, circuit.expectedPublicSignals),
      false,
    );
  });

  it("an input that does not satisfy the circuit is INVALID_INPUT", async () => {
    const circuit = await loadCircuit("range-check-32", "groth16");
    await assert.rejects(
      mod.prove({ taskId: TASK, circuit, input: { value: "5", lower: "1000", upper: "1000000" } }),
      rejectsWith("INVALID_INPUT"),
    );
    await assert.rejects(
      mod.prove({ taskId: TASK, circuit, input: { value: "5" } }),
      rejectsWith("INVALID_INPUT"),
    );
    await assert.rejects(
      mod.prove({ taskId: TASK, circuit, input: { ...circuit.sampleInput, extra: "1" } }),
      rejectsWith("INVALID_INPUT"),
    );
  });

  it("a tampered zkey (hash mismatch) is INVALID_ARTIFACT and is never cached", async () => {
    const circuit = await loadCircuit("hash-chain-10", "groth16");
    const bad = join(dir, "tampered.zkey");
    const bytes = await readFile(circuit.zkey.path);
    bytes.writeUInt8(bytes.readUInt8(1000) ^ 1, 1000);
    await writeFile(bad, bytes);
    const fresh = new SnarkjsModule({ cacheDir: join(dir, "cache-tamper"), threads: 1 });
    await fresh.start();
    try {
      await assert.rejects(
        fresh.prove({
          taskId: TASK,
          circuit: { ...circuit, zkey: { sha256: circuit.zkey.sha256, path: bad } },
          input: circuit.sampleInput,
        }),
        rejectsWith("INVALID_ARTIFACT"),
      );
      assert.equal(
        await new ArtifactCache({ dir: join(dir, "cache-tamper") }).has(circuit.zkey.sha256),
        false,
      );
    } finally {
      await fresh.stop();
    }
  });

  it("a cached artifact corrupted on disk is detected before use (INVALID_ARTIFACT), then re-imported", async () => {
    const circuit = await loadCircuit("range-check-32", "groth16");
    await mod.prove({ taskId: TASK, circuit, input: circuit.sampleInput }); // now cached
    const cache = new ArtifactCache({ dir: join(dir, "cache") });
    const cached = cache.pathOf(circuit.zkey.sha256);
    const bytes = await readFile(cached);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    await writeFile(cached, bytes);
    // The ref's own path still points at the good committed file, but the cache copy is used and checked.
    await assert.rejects(
      mod.prove({ taskId: TASK, circuit, input: circuit.sampleInput }),
      rejectsWith("INVALID_ARTIFACT"),
    );
    assert.equal(await cache.has(circuit.zkey.sha256), false, "the corrupt copy is evicted");
    const again = await mod.prove({ taskId: TASK, circuit, input: circuit.sampleInput });
    assert.deepEqual(again.publicSignals, circuit.expectedPublicSignals);
  });

  it("a well-formed key of another circuit is rejected with a typed error", async () => {
    const chain = await loadCircuit("hash-chain-10", "groth16");
    const range = await loadCircuit("range-check-32", "groth16");
    const mixed: CatalogCircuit = { ...range, zkey: chain.zkey };
    await assert.rejects(mod.prove({ taskId: TASK, circuit: mixed, input: range.sampleInput }), (e) => {
      assert.ok(isZkPoolError(e, "INVALID_ARTIFACT") || isZkPoolError(e, "PROOF_INVALID"), String(e));
      return true;
    });
    // and a vkey of another circuit makes the self-check fail
    const wrongVkey: CatalogCircuit = { ...range, vkey: chain.vkey };
    await assert.rejects(
      mod.prove({ taskId: TASK, circuit: wrongVkey, input: range.sampleInput }),
      rejectsWith("PROOF_INVALID"),
    );
  });

  it("reports progress: queued, witness, prove, verify, done, percent never going back", async () => {
    const circuit = await loadCircuit("hash-chain-10", "groth16");
    const events: ProgressEvent[] = [];
    await mod.prove(
      { taskId: TASK, circuit, input: circuit.sampleInput },
      { onProgress: (e) => events.push(e) },
    );
    const stages = [...new Set(events.map((e) => e.stage))];
    assert.deepEqual(stages, ["queued", "witness", "prove", "verify", "done"]);
    assert.ok(events.filter((e) => e.stage === "prove").length > 3, "several prove steps");
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.percent >= events[i - 1]!.percent);
    assert.equal(events.at(-1)!.percent, 100);
    assert.ok(events.every((e) => e.taskId === TASK && e.moduleId === "snarkjs-wasm"));
  });

  it("an abort during proving rejects ABORTED, kills the worker, and the module keeps proving", async () => {
    const circuit = await loadCircuit("merkle-10", "groth16");
    const ac = new AbortController();
    let sawProve = false;
    const p = mod.prove(
      { taskId: TASK, circuit, input: circuit.sampleInput },
      {
        signal: ac.signal,
        onProgress: (e) => {
          if (e.stage === "prove" && !sawProve) {
            sawProve = true;
            ac.abort();
          }
        },
      },
    );
    await assert.rejects(p, rejectsWith("ABORTED"));
    assert.ok(sawProve);
    const h = await mod.health();
    assert.equal(h.healthy, true);
    assert.equal(h.details?.liveWorkers, 0, "the aborted worker was terminated");
    const ok = await mod.prove({ taskId: TASK, circuit, input: circuit.sampleInput });
    assert.deepEqual(ok.publicSignals, circuit.expectedPublicSignals);
  });

  it("an already-aborted signal rejects ABORTED without starting", async () => {
    const circuit = await loadCircuit("range-check-32", "groth16");
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(
      mod.prove({ taskId: TASK, circuit, input: circuit.sampleInput }, { signal: ac.signal }),
      rejectsWith("ABORTED"),
    );
  });

  it("a queued job can be aborted before it reaches a worker", async () => {
    const circuit = await loadCircuit("hash-chain-10", "groth16");
    const first = mod.prove({ taskId: TASK, circuit, input: circuit.sampleInput });
    const ac = new AbortController();
    const stages: string[] = [];
    const second = mod.prove(
      { taskId: TASK, circuit, input: circuit.sampleInput },
      { signal: ac.signal, onProgress: (e) => stages.push(e.stage) },
    );
    ac.abort();
    await assert.rejects(second, rejectsWith("ABORTED"));
    assert.deepEqual(stages, ["queued"]);
    await first;
  });

  it("a proof past the module timeout is killed with TIMEOUT", async () => {
    const slow = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 1, timeoutMs: 1 });
    await slow.start();
    try {
      const circuit = await loadCircuit("merkle-10", "groth16");
      await assert.rejects(
        slow.prove({ taskId: TASK, circuit, input: circuit.sampleInput }),
        rejectsWith("TIMEOUT"),
      );
    } finally {
      await slow.stop();
    }
  });

  it("honours resources.threads: ffjavascript starts exactly that many threads", async () => {
    const one = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 1, warm: true });
    await one.start();
    try {
      assert.equal((await one.health()).details?.threadsStarted, 1);
      assert.equal((await mod.health()).details?.threadsStarted, 2);
    } finally {
      await one.stop();
    }
  });

  it("starts proving workers on the first proof and terminates them when idle (idleMs); the next proof starts a fresh one", async () => {
    const m = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 1, idleMs: 300 });
    await m.start();
    try {
      assert.equal((await m.health()).details?.liveWorkers, 0, "no proving worker before the first proof");
      const circuit = await loadCircuit("range-check-32", "groth16");
      const first = await m.prove({ taskId: TASK, circuit, input: circuit.sampleInput });
      assert.equal((await m.health()).details?.liveWorkers, 1);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await m.health()).details?.liveWorkers, 0, "the idle worker was terminated");
      assert.equal(await m.verify(circuit, first.proof, first.publicSignals), true);
      const again = await m.prove({ taskId: TASK, circuit, input: circuit.sampleInput });
      assert.deepEqual(again.publicSignals, circuit.expectedPublicSignals);
      assert.equal((await m.health()).details?.crashes, 0, "idle terminations are not crashes");
    } finally {
      await m.stop();
    }
  });

  it("NOT_STARTED before start() and after stop(); UNSUPPORTED for a proof system it does not serve", async () => {
    const m = new SnarkjsModule({ cacheDir: join(dir, "cache"), proofSystems: ["groth16"] });
    const circuit = await loadCircuit("range-check-32", "groth16");
    await assert.rejects(
      m.prove({ taskId: TASK, circuit, input: circuit.sampleInput }),
      rejectsWith("NOT_STARTED"),
    );
    assert.equal((await m.health()).healthy, false);
    await m.start();
    await assert.rejects(
      m.prove({
        taskId: TASK,
        circuit: await loadCircuit("range-check-32", "plonk"),
        input: circuit.sampleInput,
      }),
      rejectsWith("UNSUPPORTED"),
    );
    await m.stop();
    await assert.rejects(
      m.prove({ taskId: TASK, circuit, input: circuit.sampleInput }),
      rejectsWith("NOT_STARTED"),
    );
  });

  it("stop() rejects a running proof", async () => {
    const m = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 1 });
    await m.start();
    const circuit = await loadCircuit("merkle-10", "groth16");
    const rejected = assert.rejects(
      m.prove({ taskId: TASK, circuit, input: circuit.sampleInput }),
      rejectsWith("ABORTED"),
    );
    await m.stop();
    await rejected;
  });

  it("copying the artifact elsewhere keeps working: artifacts are addressed by hash, not path", async () => {
    const circuit = await loadCircuit("range-check-32", "groth16");
    const moved = join(dir, "moved.zkey");
    await copyFile(circuit.zkey.path, moved);
    const r = await mod.prove({
      taskId: TASK,
      circuit: { ...circuit, zkey: { ...circuit.zkey, path: moved } },
      input: circuit.sampleInput,
    });
    assert.equal(await mod.verify(circuit, r.proof, r.publicSignals), true);
  });
});
