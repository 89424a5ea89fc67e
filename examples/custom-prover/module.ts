/**
 * A custom prover module: your accelerator behind the UMP interface. This one delegates proving to the snarkjs
 * WASM module (replace `inner` with your GPU/FPGA/native code) and declares itself as its own module with its
 * own author and payout address, the address that earns the accelerator royalty when operators run it
 * (they declare it on chain with `zkpool prover join --royalty-recipient <address>`).
 */
import { SnarkjsModule } from "@zkpool/prover-snarkjs";
import type { CircuitArtifacts, ModuleHealth, ModuleManifest, PreflightResult, ProofResult, ProveOptions, ProveRequest, ProverModule, SnarkProof } from "@zkpool/ump";

export interface ExampleModuleInit {
  cacheDir: string;
  payoutAddress: string;
}

export class ExampleAcceleratorModule implements ProverModule {
  readonly manifest: ModuleManifest;
  private readonly inner: SnarkjsModule;

  constructor(init: ExampleModuleInit) {
    this.inner = new SnarkjsModule({ cacheDir: init.cacheDir, workers: 1, threads: 1, proofSystems: ["groth16"] });
    const base = this.inner.manifest;
    this.manifest = {
      ...base,
      id: "example-accelerator",
      version: "0.1.0",
      proofSystems: ["groth16"],
      author: { name: "Example Accelerator Authors", payoutAddress: init.payoutAddress },
    };
  }

  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  preflight(circuit: CircuitArtifacts): Promise<PreflightResult> {
    return this.inner.preflight(circuit);
  }
  async prove(request: ProveRequest, options?: ProveOptions): Promise<ProofResult> {
    const onProgress = options?.onProgress;
    const r = await this.inner.prove(request, {
      ...(options?.signal !== undefined ? { signal: options.signal } : {}),
      ...(onProgress !== undefined ? { onProgress: (e) => onProgress({ ...e, moduleId: this.manifest.id }) } : {}),
    });
    return { ...r, moduleId: this.manifest.id }; // results name the module that produced them
  }
  verify(circuit: CircuitArtifacts, proof: SnarkProof, publicSignals: string[]): Promise<boolean> {
    return this.inner.verify(circuit, proof, publicSignals);
  }
  health(): Promise<ModuleHealth> {
    return this.inner.health();
  }
}
