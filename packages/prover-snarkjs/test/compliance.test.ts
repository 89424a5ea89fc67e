// The UMP module compliance suite (@zkpool/ump/compliance) run on the snarkjs module, all three proof systems.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCircuit } from "@zkpool/circuits";
import type { CatalogCircuit } from "@zkpool/circuits";
import { runModuleComplianceSuite } from "@zkpool/ump/compliance";
import { SnarkjsModule } from "../src/index.js";

const cacheDir = await mkdtemp(join(tmpdir(), "zkpool-snarkjs-compliance-"));
after(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const merkle = await loadCircuit("merkle-10", "groth16");
const range = (s: "plonk" | "fflonk"): Promise<CatalogCircuit> => loadCircuit("range-check-32", s);
const rangeInvalid = { value: "5", lower: "1000", upper: "1000000" };

runModuleComplianceSuite({
  name: "snarkjs-wasm",
  create: () => new SnarkjsModule({ cacheDir, threads: 2 }),
  fixtures: [
    {
      label: "groth16, merkle-10",
      circuit: merkle,
      validInput: merkle.sampleInput,
      // the leaf index must fit in 10 bits
      invalidInput: { ...merkle.sampleInput, index: "5000" },
    },
    ...(await Promise.all(
      (["plonk", "fflonk"] as const).map(async (s) => {
        const c = await range(s);
        return {
          label: `${s}, range-check-32`,
          circuit: c,
          validInput: c.sampleInput,
          invalidInput: rangeInvalid,
        };
      }),
    )),
  ],
  timeoutMs: 60_000,
});
