/**
 * Self-benchmark: prove a few circuits of different sizes with a module on this hardware and turn the timings
 * into one ModuleProfile per proof system, for preflight (see estimate.ts for the model).
 *
 * Each circuit gets `warmupRuns` unmeasured proofs (the first proof in a worker pays library start-up), then
 * `runs` measured proofs; the sample is the median ms and the peak memory growth of the process tree
 * (threads and sidecar processes included) over the measured runs.
 */
import { UmpError } from "../errors.js";
import type {
  CircuitArtifacts,
  CircuitInput,
  ModuleProfile,
  ProofSystem,
  ProverModule,
} from "../interface.js";
import { startPeakSampler } from "../proc.js";

export interface BenchmarkCircuit {
  circuit: CircuitArtifacts;
  input: CircuitInput;
}

export interface BenchmarkOptions {
  /** Measured proofs per circuit. @default 3 */
  runs?: number;
  /** Unmeasured proofs per circuit before measuring. @default 1 */
  warmupRuns?: number;
  /** Clock for `measuredAt`. @default Date.now */
  now?: () => number;
  /** Called after each circuit is measured. */
  onSample?: (s: { proofSystem: ProofSystem; constraints: number; ms: number; memoryBytes: number }) => void;
  signal?: AbortSignal;
}

/**
 * Measure `module` (already started) on each circuit it serves. Circuits of proof systems the module does
 * not serve are skipped. Throws `UNSUPPORTED` when it serves none of them.
 */
export async function benchmarkModule(
  module: ProverModule,
  circuits: BenchmarkCircuit[],
  opts: BenchmarkOptions = {},
): Promise<ModuleProfile[]> {
  const runs = opts.runs ?? 3;
  const warmupRuns = opts.warmupRuns ?? 1;
  const now = opts.now ?? Date.now;
  const { id, version, proofSystems } = module.manifest;
  const bySystem = new Map<ProofSystem, ModuleProfile>();
  let seq = 0;
  for (const { circuit, input } of circuits) {
    if (!proofSystems.includes(circuit.proofSystem)) continue;
    const prove = async (): Promise<number> => {
      const t0 = performance.now();
      await module.prove(
        { taskId: `0xbe${(seq++).toString(16).padStart(62, "0")}`, circuit, input },
        opts.signal ? { signal: opts.signal } : {},
      );
      return Math.ceil(performance.now() - t0);
    };
    for (let i = 0; i < warmupRuns; i++) await prove();
    const times: number[] = [];
    const sampler = startPeakSampler();
    let peak;
    try {
      for (let i = 0; i < Math.max(1, runs); i++) times.push(await prove());
    } finally {
      peak = sampler.stop();
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor((times.length - 1) / 2)] ?? 0;
    const memoryBytes = Math.max(0, peak.peakRssBytes - peak.baseline.rssBytes);
    const fresh: ModuleProfile = {
      moduleId: id,
      moduleVersion: version,
      proofSystem: circuit.proofSystem,
      samples: [],
      measuredAt: 0,
    };
    const profile = bySystem.get(circuit.proofSystem) ?? fresh;
    profile.samples.push({ constraints: circuit.constraints, ms, memoryBytes });
    profile.measuredAt = now();
    bySystem.set(circuit.proofSystem, profile);
    opts.onSample?.({ proofSystem: circuit.proofSystem, constraints: circuit.constraints, ms, memoryBytes });
  }
  if (bySystem.size === 0) {
    throw new UmpError(
      { code: "UNSUPPORTED", moduleId: id },
      `module ${id} serves none of the benchmark circuits' proof systems (${proofSystems.join(", ")})`,
    );
  }
  for (const p of bySystem.values()) p.samples.sort((a, b) => a.constraints - b.constraints);
  return [...bySystem.values()];
}
