import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { estimateFromProfile } from "../src/profile/estimate.js";
import { ProfileStore, PROFILE_FILE } from "../src/profile/store.js";
import { isUmpError } from "../src/errors.js";
import type { ModuleProfile } from "../src/interface.js";

const profile = (samples: [number, number][]): ModuleProfile => ({
  moduleId: "m",
  moduleVersion: "1.0.0",
  proofSystem: "groth16",
  samples: samples.map(([constraints, ms]) => ({ constraints, ms, memoryBytes: constraints * 100 })),
  measuredAt: 1,
});

describe("estimate model (integer least squares)", () => {
  it("reproduces an exact line and extrapolates it", () => {
    // ms = 100 + c / 8
    const p = profile([
      [4096, 612],
      [16384, 2148],
      [65536, 8292],
    ]);
    assert.deepEqual(estimateFromProfile(p, 32768), { ms: 4196, memoryBytes: 3276800 });
    assert.equal(estimateFromProfile(p, 131072)?.ms, 16484);
  });

  it("rounds up and stays deterministic", () => {
    const p = profile([
      [1000, 10],
      [2000, 21],
      [3000, 29],
    ]);
    // fit: a = 1.333.., b = 0.0095 -> 1.333 + 14.25 = 15.58 -> 16
    assert.equal(estimateFromProfile(p, 1500)?.ms, 16);
  });

  it("scales one sample proportionally and never goes below a measured smaller size", () => {
    const one = profile([[1000, 500]]);
    assert.equal(estimateFromProfile(one, 3000)?.ms, 1500);
    // noisy: slope <= 0 falls back to proportional on the largest sample, floored by measurements <= c
    const noisy = profile([
      [1000, 900],
      [2000, 800],
    ]);
    assert.equal(estimateFromProfile(noisy, 4000)?.ms, 1600);
    assert.equal(estimateFromProfile(noisy, 1500)?.ms, 900);
    assert.equal(estimateFromProfile(profile([]), 1000), undefined);
  });
});

describe("ProfileStore", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ump-profiles-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips profiles through the JSON file, keyed by module version and proof system", async () => {
    const a = new ProfileStore(dir);
    await a.load();
    assert.equal(a.all().length, 0);
    a.set(profile([[1000, 10]]));
    a.set({ ...profile([[1000, 70]]), proofSystem: "plonk" });
    await a.save();
    const b = new ProfileStore(dir);
    await b.load();
    assert.equal(b.get("m", "1.0.0", "plonk")?.samples[0]?.ms, 70);
    assert.equal(b.get("m", "1.0.0", "groth16")?.samples[0]?.ms, 10);
    assert.equal(b.get("m", "2.0.0", "groth16"), undefined, "a new module version needs a new benchmark");
    assert.equal(b.forModule("m", "1.0.0").length, 2);
  });

  it("refuses a file that is not a profile store with a typed error", async () => {
    await writeFile(join(dir, PROFILE_FILE), "{not json");
    const s = new ProfileStore(dir);
    await assert.rejects(s.load(), (err) => isUmpError(err, "INTERNAL") && /delete it/.test(err.message));
  });
});
