import { runModuleComplianceSuite } from "@zkpool/ump/compliance";
import { createNativeProverModule } from "../src/index.js";
import { BINARY, fixtureArtifacts } from "./helpers.js";

runModuleComplianceSuite({
  name: "native-cpu (C++ sidecar)",
  create: () => createNativeProverModule({ binaryPath: BINARY }),
  fixtures: [
    {
      label: "groth16, one Poseidon hash (2^10 domain)",
      circuit: fixtureArtifacts(),
      validInput: { a: "1", b: "2" },
      // a missing input signal: witness generation fails
      invalidInput: { a: "1" },
    },
  ],
  timeoutMs: 120_000,
});
