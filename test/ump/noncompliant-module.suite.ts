/**
 * Not a test file on its own (no `.test.` in the name): compliance-teeth.test.ts runs it in a child mocha to
 * show that the compliance suite catches a module that breaks the rules. NonCompliantTestDoubleModule wraps
 * the real snarkjs module and breaks one rule per check.
 */
import { Worker } from "node:worker_threads";
import { runModuleComplianceSuite } from "@zkpool/ump/compliance";
import { SnarkjsModule } from "@zkpool/prover-snarkjs";
import { isUmpError } from "@zkpool/ump";
import type {
  CircuitArtifacts,
  ModuleHealth,
  ModuleManifest,
  PreflightResult,
  ProofResult,
  ProveOptions,
  ProveRequest,
  ProverModule,
  SnarkProof,
} from "@zkpool/ump";
import { merkle, rangeCheck, rangeCheckInvalid, tempDir } from "./fixtures.js";

/** TEST DOUBLE: a deliberately non-compliant module. */
class NonCompliantTestDoubleModule implements ProverModule {
  readonly manifest: ModuleManifest;
  constructor(readonly inner: SnarkjsModule) {
    // Declares one thread but starts extra ones while proving.
    this.manifest = {
      ...inner.manifest,
      id: "non-compliant",
      resources: { ...inner.manifest.resources, threads: 1 },
    };
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return Promise.resolve(); // leaves its workers running
  }
  preflight(c: CircuitArtifacts): Promise<PreflightResult> {
    return this.inner.preflight(c);
  }
  async prove(request: ProveRequest, options: ProveOptions = {}): Promise<ProofResult> {
    const idle = [0, 1, 2].map(() => new Worker("setTimeout(() => {}, 1000)", { eval: true }));
    try {
      // Ignores the AbortSignal; reports progress backwards.
      options.onProgress?.({
        taskId: request.taskId,
        moduleId: this.manifest.id,
        stage: "prove",
        percent: 50,
      });
      options.onProgress?.({
        taskId: request.taskId,
        moduleId: this.manifest.id,
        stage: "witness",
        percent: 10,
      });
      const r = await this.inner.prove(request);
      return { ...r, moduleId: this.manifest.id };
    } catch (err) {
      // Loses the error type.
      throw new Error(isUmpError(err) ? err.message : String(err));
    } finally {
      await Promise.all(idle.map((w) => w.terminate()));
    }
  }
  verify(_c: CircuitArtifacts, _p: SnarkProof, _s: string[]): Promise<boolean> {
    return Promise.resolve(true); // accepts anything
  }
  health(): Promise<ModuleHealth> {
    return this.inner.health();
  }
}

const cache = await tempDir("noncompliant-");
const inner = new SnarkjsModule({ cacheDir: cache.dir });
const c = await rangeCheck("groth16");
const m = await merkle();

runModuleComplianceSuite({
  name: "non-compliant",
  create: () => new NonCompliantTestDoubleModule(inner),
  fixtures: [
    {
      circuit: c,
      validInput: c.sampleInput,
      invalidInput: rangeCheckInvalid(c),
      cancelTask: { circuit: m, input: m.sampleInput },
    },
  ],
});

after(async () => {
  await inner.stop();
  await cache.remove();
});
