import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concat, keccak256, toBeHex, zeroPadValue } from "ethers";
import { sha256File } from "@zkpool/ump";
import { CIRCUITS, circuitIdOf, COMMITTED_DIR, DEV_PTAU, listCircuits, loadCircuit } from "../src/index.js";
import type { CircuitMeta } from "../src/index.js";
import { isZkPoolError } from "@zkpool/protocol";

/** sha256 of the committed 2^12 dev powers of tau (pinned: every committed key derives from it). */
const DEV_PTAU_SHA256 = "0d9ab74a43ffe870143139573da96fe855c0de8d8d245a4189f2c8d28d93e1b8";

describe("circuits: committed artifacts", () => {
  it("the dev powers of tau has its pinned hash", async () => {
    assert.equal(await sha256File(DEV_PTAU.path), DEV_PTAU_SHA256);
  });

  for (const def of CIRCUITS.filter((c) => c.committed.length > 0)) {
    it(`${def.name}: every committed file matches meta.json, and every committed system is there`, async () => {
      const meta = JSON.parse(
        await readFile(join(COMMITTED_DIR, def.name, "meta.json"), "utf8"),
      ) as CircuitMeta;
      const dir = join(COMMITTED_DIR, def.name);
      assert.equal(await sha256File(join(dir, meta.wasm.file)), meta.wasm.sha256);
      assert.deepEqual(Object.keys(meta.systems).sort(), [...def.committed].sort());
      for (const sys of Object.values(meta.systems)) {
        for (const entry of [sys.zkey, sys.vkey, sys.verifier]) {
          assert.equal(await sha256File(join(dir, entry.file)), entry.sha256, entry.file);
        }
        assert.equal(sys.ptauSha256, DEV_PTAU_SHA256);
      }
      assert.ok(meta.expectedPublicSignals.length > 0);
      assert.deepEqual(meta.sampleInput, def.sampleInput);
    });
  }

  it("no stray files: everything under artifacts/ is listed in a meta.json (or is the ptau / README, or a key's snarkjs JSON)", async () => {
    for (const name of await readdir(COMMITTED_DIR)) {
      if (name === "ptau" || name === "README.md") continue;
      const meta = JSON.parse(await readFile(join(COMMITTED_DIR, name, "meta.json"), "utf8")) as CircuitMeta;
      const listed = new Set(["meta.json", meta.wasm.file]);
      for (const [system, s] of Object.entries(meta.systems)) {
        for (const e of [s.zkey, s.vkey, s.verifier]) listed.add(e.file);
        listed.add(`${system}.vkey.json`); // snarkjs' form of the canonical key, kept for people and tools
      }
      assert.deepEqual((await readdir(join(COMMITTED_DIR, name))).sort(), [...listed].sort());
    }
  });
});

describe("circuits: catalog", () => {
  it("lists hash chains from 2^10 to 2^16, a merkle proof and a range check", () => {
    const names = listCircuits();
    for (const n of [
      "hash-chain-10",
      "hash-chain-12",
      "hash-chain-14",
      "hash-chain-16",
      "merkle-10",
      "range-check-32",
    ]) {
      assert.ok(names.includes(n), n);
    }
  });

  it("loadCircuit returns hash-checked refs, the SPEC circuitId, constraints and the sample", async () => {
    const c = await loadCircuit("merkle-10", "groth16");
    assert.equal(c.proofSystem, "groth16");
    assert.equal(c.constraints, 2633);
    assert.equal(c.nPublic, 2);
    assert.equal(await sha256File(c.zkey.path), c.zkey.sha256);
    assert.equal(await sha256File(c.wasm.path), c.wasm.sha256);
    // keccak256(abi.encode(uint8 1, bytes32 wasm, bytes32 zkey, bytes32 vkey)), encoded by hand
    const expected = keccak256(
      concat([
        zeroPadValue(toBeHex(1), 32),
        "0x" + c.wasm.sha256,
        "0x" + c.zkey.sha256,
        "0x" + c.vkey.sha256,
      ]),
    );
    assert.equal(c.circuitId, expected);
    assert.deepEqual(c.expectedPublicSignals.slice(1), ["662"]); // [root, index]
  });

  it("the circuitId differs per proof system for the same circuit", async () => {
    const ids = await Promise.all(
      (["groth16", "plonk", "fflonk"] as const).map(
        async (s) => (await loadCircuit("range-check-32", s)).circuitId,
      ),
    );
    assert.equal(new Set(ids).size, 3);
    const g = await loadCircuit("range-check-32", "groth16");
    assert.notEqual(circuitIdOf("plonk", g.wasm.sha256, g.zkey.sha256, g.vkey.sha256), g.circuitId);
  });

  it("unknown circuit -> UNKNOWN_CIRCUIT; unbuilt system -> NOT_BUILT with the setup command in the message", async () => {
    await assert.rejects(loadCircuit("nope", "groth16"), (e) => isZkPoolError(e, "UNKNOWN_CIRCUIT"));
    const empty = await mkdtemp(join(tmpdir(), "zkpool-circuits-"));
    try {
      await assert.rejects(loadCircuit("hash-chain-16", "fflonk", { cacheDir: empty }), (e) => {
        assert.ok(isZkPoolError(e, "NOT_BUILT"));
        assert.match((e as Error).message, /zkpool-circuits setup --circuit hash-chain-16 --system fflonk/);
        return true;
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("a tampered artifact is refused with INVALID_ARTIFACT", async () => {
    const root = await mkdtemp(join(tmpdir(), "zkpool-circuits-"));
    try {
      await cp(join(COMMITTED_DIR, "range-check-32"), join(root, "range-check-32"), { recursive: true });
      const zkey = join(root, "range-check-32", "groth16.zkey");
      const bytes = await readFile(zkey);
      const at = bytes.length - 10;
      bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
      await writeFile(zkey, bytes);
      await assert.rejects(loadCircuit("range-check-32", "groth16", { roots: [root] }), (e) =>
        isZkPoolError(e, "INVALID_ARTIFACT"),
      );
      // the other systems are untouched
      await loadCircuit("range-check-32", "plonk", { roots: [root] });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
