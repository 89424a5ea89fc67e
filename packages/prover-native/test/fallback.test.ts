import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createUmp, type Ump } from "@zkpool/ump";
import { snarkjsModule } from "@zkpool/prover-snarkjs";
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

describe("UMP runtime with the native module and the snarkjs WASM module", function () {
  this.timeout(120_000);
  const circuit = fixtureArtifacts();
  const request = (n: number): { taskId: string; circuit: typeof circuit; input: Record<string, string> } => ({
    taskId: "0x" + n.toString(16).padStart(2, "0"),
    circuit,
    input: { a: String(n), b: "2" },
  });
  let ump: Ump | undefined;
  let cacheDir: string;

  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), "zkpool-native-fallback-"));
  });
  afterEach(async () => {
    await ump?.stop();
    ump = undefined;
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("prefers the native module, falls back to WASM while the sidecar is down, and returns to native", async () => {
    const native: NativeProverModule = createNativeProverModule({ binaryPath: BINARY, restartDelayMs: 1000 });
    ump = createUmp({ modules: [snarkjsModule({ cacheDir }), native] });
    await ump.start();
    assert.equal((await ump.prove(request(1))).moduleId, native.manifest.id);

    process.kill(native.sidecarPid!, "SIGKILL");
    await waitFor(async () => !(await native.health()).healthy, 5000);
    const fallback = await ump.prove(request(2));
    assert.equal(fallback.moduleId, "snarkjs-wasm");
    assert.equal(await ump.verify(circuit, fallback.proof, fallback.publicSignals), true);

    await waitFor(async () => (await native.health()).healthy, 15_000);
    assert.equal((await ump.prove(request(3))).moduleId, native.manifest.id);
  });

  it("uses WASM when the native binary is missing", async () => {
    const native = createNativeProverModule({ binaryPath: "/nonexistent/zkprover" });
    ump = createUmp({ modules: [native, snarkjsModule({ cacheDir })] });
    await ump.start();
    const res = await ump.prove(request(4));
    assert.equal(res.moduleId, "snarkjs-wasm");
    assert.equal(await ump.verify(circuit, res.proof, res.publicSignals), true);
  });
});
