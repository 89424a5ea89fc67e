// The module compliance suite on the real snarkjs WASM module, for Groth16, PLONK and FFLONK.
import { runModuleComplianceSuite } from "@zkpool/ump/compliance";
import { SnarkjsModule } from "@zkpool/prover-snarkjs";
import { complianceFixtures, tempDir } from "./fixtures.js";

const fixtures = await complianceFixtures();

describe("prover-snarkjs", function () {
  let cache: { dir: string; remove: () => Promise<void> } | undefined;
  after(async () => {
    await cache?.remove();
  });

  runModuleComplianceSuite({
    name: "snarkjs-wasm",
    create: async () => {
      cache = await tempDir("snarkjs-compliance-");
      return new SnarkjsModule({ cacheDir: cache.dir });
    },
    fixtures,
  });
});
