// The UMP compliance suite on the example module (Groth16 on the committed demo circuits).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCircuit } from "@zkpool/circuits";
import { runModuleComplianceSuite } from "@zkpool/ump/compliance";
import { ExampleAcceleratorModule } from "./module.js";

const range = await loadCircuit("range-check-32", "groth16");
const merkle = await loadCircuit("merkle-10", "groth16");
let dir: string | undefined;

describe("examples/custom-prover", function () {
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  runModuleComplianceSuite({
    name: "example-accelerator",
    create: async () => {
      dir = await mkdtemp(join(tmpdir(), "example-module-"));
      return new ExampleAcceleratorModule({ cacheDir: dir, payoutAddress: "0x00000000000000000000000000000000000a11ce" });
    },
    fixtures: [
      {
        label: "range-check-32 groth16",
        circuit: range,
        validInput: range.sampleInput,
        invalidInput: { ...range.sampleInput, value: "5" },
        cancelTask: { circuit: merkle, input: merkle.sampleInput },
      },
    ],
  });
});
