import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { loadCircuit } from "@zkpool/circuits";
import { SnarkjsModule, defaultEstimateMs, estimateFromProfile } from "../src/index.js";

describe("prover-snarkjs: preflight", () => {
  it("without a profile: a conservative default that grows with size and with the proof system", async () => {
    const m = new SnarkjsModule({ cacheDir: "/nonexistent" });
    const small = await loadCircuit("range-check-32", "groth16");
    const big = await loadCircuit("merkle-10", "groth16");
    const a = await m.preflight(small);
    const b = await m.preflight(big);
    assert.equal(a.ok, true);
    assert.ok(b.estimatedMs > a.estimatedMs);
    assert.ok(b.estimatedMemoryBytes > a.estimatedMemoryBytes);
    assert.ok(Number.isInteger(a.estimatedMs) && Number.isInteger(a.estimatedMemoryBytes));
    assert.ok(defaultEstimateMs("plonk", 65536) > defaultEstimateMs("groth16", 65536));
    assert.ok(defaultEstimateMs("fflonk", 65536) > defaultEstimateMs("plonk", 65536));
    // 2^16 Groth16 measured ~6.9 s on a 2-core machine: the default must not promise less
    assert.ok(defaultEstimateMs("groth16", 65536) >= 6900);
    // PLONK follows the gate count, seen through the zkey size: 948 constraints, 25 MB zkey, measured 10 s
    assert.ok(defaultEstimateMs("plonk", 948, 25_399_872) >= 10_000);
  });

  it("with a profile: scales from the nearest measured sample", async () => {
    const m = new SnarkjsModule({ cacheDir: "/nonexistent" });
    const c = await loadCircuit("merkle-10", "groth16");
    m.setProfile({
      moduleId: "snarkjs-wasm",
      moduleVersion: "0.1.0",
      proofSystem: "groth16",
      samples: [
        { constraints: 2633, ms: 1234, memoryBytes: 1 },
        { constraints: 65536, ms: 9000, memoryBytes: 1 },
      ],
      measuredAt: 0,
    });
    assert.equal((await m.preflight(c)).estimatedMs, 1234);
    const profile = {
      moduleId: "snarkjs-wasm",
      moduleVersion: "0.1.0",
      proofSystem: "groth16" as const,
      samples: [{ constraints: 1000, ms: 100, memoryBytes: 1 }],
      measuredAt: 0,
    };
    const doubled = estimateFromProfile(profile, 2000)!;
    assert.ok(doubled > 200 && doubled < 230, String(doubled)); // n log n
    // a profile of another module is ignored
    const other = new SnarkjsModule({ cacheDir: "/nonexistent" });
    other.setProfile({ ...profile, moduleId: "native" });
    assert.equal(
      (await other.preflight(c)).estimatedMs,
      defaultEstimateMs("groth16", c.constraints, (await stat(c.zkey.path)).size),
    );
  });

  it("says no, with a reason, for an unserved system, a foreign circuit, too many constraints, or too much memory", async () => {
    const c = await loadCircuit("range-check-32", "plonk");
    const only = new SnarkjsModule({ proofSystems: ["groth16"] });
    const r1 = await only.preflight(c);
    assert.equal(r1.ok, false);
    assert.match(r1.reason ?? "", /plonk/);
    const restricted = new SnarkjsModule({ circuits: ["0x" + "00".repeat(32)] });
    assert.equal((await restricted.preflight(c)).ok, false);
    const tiny = new SnarkjsModule({ maxConstraints: 10 });
    assert.equal((await tiny.preflight(c)).ok, false);
    const lowMem = new SnarkjsModule({ memoryBytes: 1024 });
    assert.match((await lowMem.preflight(c)).reason ?? "", /bytes/);
  });
});
