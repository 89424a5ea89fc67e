import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCircuit } from "@zkpool/circuits";
import type { CatalogCircuit } from "@zkpool/circuits";
import { isZkPoolError, parseVerificationKey, publicSignalsHash } from "@zkpool/protocol";
import { ProvabilityCache, SnarkjsModule } from "../src/index.js";
import type { ProvabilityRequest, ProvabilityVerdict } from "../src/index.js";
import { vkeyDifference } from "../src/provability-check.js";

const SYSTEM = { groth16: 1, plonk: 2, fflonk: 3 } as const;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function request(c: CatalogCircuit, over: Partial<ProvabilityRequest> = {}): ProvabilityRequest {
  return {
    proofSystem: SYSTEM[c.proofSystem],
    wasmPath: c.wasm.path,
    zkeyPath: c.zkey.path,
    vkeyPath: c.vkey.path,
    inputBytes: utf8(JSON.stringify(c.sampleInput)),
    publicSignalsHash: publicSignalsHash(c.expectedPublicSignals.map((s) => BigInt(s))),
    cacheKey: `${c.circuitId}:${Math.random()}`,
    ...over,
  };
}

function expectFailure(v: ProvabilityVerdict, code: string, reason?: RegExp): void {
  assert.equal(v.ok, false, `expected ${code}, got ok`);
  if (v.ok) return;
  assert.equal(v.code, code, `expected ${code}, got ${v.code}: ${v.reason}`);
  if (reason !== undefined) assert.match(v.reason, reason);
}

describe("prover-snarkjs: checkProvable (SPEC §9.7)", function () {
  this.timeout(60_000);
  let dir: string;
  let mod: SnarkjsModule;
  let range: CatalogCircuit;
  let merkle: CatalogCircuit;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-provability-"));
    mod = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 1 });
    await mod.start();
    range = await loadCircuit("range-check-32", "groth16");
    merkle = await loadCircuit("merkle-10", "groth16");
  });
  after(async () => {
    await mod.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const system of ["groth16", "plonk", "fflonk"] as const) {
    it(`range-check-32 ${system}: the sample task is provable`, async () => {
      const c = await loadCircuit("range-check-32", system);
      assert.deepEqual(await mod.checkProvable(request(c)), { ok: true });
    });
  }

  it("merkle-10 groth16: the sample task is provable", async () => {
    assert.deepEqual(await mod.checkProvable(request(merkle)), { ok: true });
  });

  it("a truncated or corrupt zkey is BAD_ZKEY with a clear reason", async () => {
    const zkey = await readFile(range.zkey.path);
    const cut = join(dir, "cut.zkey");
    await writeFile(cut, zkey.subarray(0, zkey.length - 1000));
    expectFailure(await mod.checkProvable(request(range, { zkeyPath: cut })), "BAD_ZKEY", /truncated/);
    await writeFile(cut, zkey.subarray(0, 20));
    expectFailure(await mod.checkProvable(request(range, { zkeyPath: cut })), "BAD_ZKEY", /truncated/);
    await writeFile(cut, utf8("not a zkey at all"));
    expectFailure(await mod.checkProvable(request(range, { zkeyPath: cut })), "BAD_ZKEY", /does not start/);
    await writeFile(cut, new Uint8Array(0));
    expectFailure(await mod.checkProvable(request(range, { zkeyPath: cut })), "BAD_ZKEY", /too short/);
  });

  it("a vkey of another circuit is ARTIFACTS_MISMATCH", async () => {
    expectFailure(
      await mod.checkProvable(request(range, { vkeyPath: merkle.vkey.path })),
      "ARTIFACTS_MISMATCH",
      /differ at \$\./,
    );
    const notJson = join(dir, "vkey.json");
    await writeFile(notJson, utf8("{"));
    expectFailure(await mod.checkProvable(request(range, { vkeyPath: notJson })), "ARTIFACTS_MISMATCH");
  });

  it("the same vkey written with numbers instead of strings still matches", async () => {
    const vkey = parseVerificationKey(await readFile(range.vkey.path));
    const renumbered = JSON.stringify(vkey, (_k, v: unknown) =>
      typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : v,
    );
    const path = join(dir, "renumbered.vkey.json");
    await writeFile(path, utf8(renumbered));
    assert.deepEqual(await mod.checkProvable(request(range, { vkeyPath: path })), { ok: true });
    assert.equal(vkeyDifference({ a: ["1", 2], b: "0x10" }, { b: 16, a: [1, "2"] }), undefined);
    assert.equal(vkeyDifference({ a: "1" }, { a: "1", extra: 0 }), "$.extra (unexpected)");
    assert.equal(vkeyDifference({ a: ["1", "2"] }, { a: ["1"] }), "$.a (length 1, expected 2)");
  });

  it("a wasm of another circuit is ARTIFACTS_MISMATCH; a wasm that is not wasm is BAD_WASM", async () => {
    expectFailure(
      await mod.checkProvable(
        request(range, { wasmPath: merkle.wasm.path, inputBytes: utf8(JSON.stringify(merkle.sampleInput)) }),
      ),
      "ARTIFACTS_MISMATCH",
      /wires/,
    );
    const junk = join(dir, "junk.wasm");
    await writeFile(junk, utf8("\0asm but not really"));
    expectFailure(await mod.checkProvable(request(range, { wasmPath: junk })), "BAD_WASM");
  });

  it("a zkey or vkey of another proof system is WRONG_PROOF_SYSTEM", async () => {
    expectFailure(
      await mod.checkProvable(request(range, { proofSystem: 2 })),
      "WRONG_PROOF_SYSTEM",
      /groth16/,
    );
    const plonk = await loadCircuit("range-check-32", "plonk");
    expectFailure(
      await mod.checkProvable(request(range, { vkeyPath: plonk.vkey.path })),
      "WRONG_PROOF_SYSTEM",
      /verification key is a plonk key/,
    );
  });

  it("an input that gives other public signals is PUBLIC_SIGNALS_MISMATCH", async () => {
    const input = utf8(JSON.stringify({ value: "5000", lower: "10", upper: "100000" }));
    expectFailure(
      await mod.checkProvable(request(range, { inputBytes: input })),
      "PUBLIC_SIGNALS_MISMATCH",
      /\[10, 100000\]/,
    );
    // …and is provable for the task that commits to those signals
    assert.deepEqual(
      await mod.checkProvable(
        request(range, { inputBytes: input, publicSignalsHash: publicSignalsHash([10n, 100000n]) }),
      ),
      { ok: true },
    );
  });

  it("an input that is not a JSON object, or does not satisfy the circuit, is BAD_INPUT", async () => {
    for (const text of ["[1, 2]", "42", '"value"', "null", "{not json"]) {
      expectFailure(await mod.checkProvable(request(range, { inputBytes: utf8(text) })), "BAD_INPUT");
    }
    expectFailure(
      await mod.checkProvable(request(range, { inputBytes: new Uint8Array([0x7b, 0xff, 0x7d]) })),
      "BAD_INPUT",
      /UTF-8/,
    );
    expectFailure(
      await mod.checkProvable(
        request(range, { inputBytes: utf8('{"value":"5","lower":"1000","upper":"1000000"}') }),
      ),
      "BAD_INPUT",
      /does not satisfy/,
    );
    expectFailure(
      await mod.checkProvable(request(range, { inputBytes: utf8('{"value":"5"}') })),
      "BAD_INPUT",
    );
    const small = new SnarkjsModule({
      cacheDir: join(dir, "cache"),
      threads: 1,
      maxProvabilityInputBytes: 8,
    });
    await small.start();
    try {
      expectFailure(await small.checkProvable(request(range)), "BAD_INPUT", /more than the 8 allowed/);
      assert.equal(small.provabilityRuns, 0);
    } finally {
      await small.stop();
    }
  });

  it("caches by cache key: a second call, or a concurrent one, does not run the worker again", async () => {
    const req = request(range);
    const before = mod.provabilityRuns;
    const [a, b] = await Promise.all([mod.checkProvable(req), mod.checkProvable(req)]);
    assert.deepEqual([a, b], [{ ok: true }, { ok: true }]);
    assert.equal(mod.provabilityRuns, before + 1);
    assert.deepEqual(await mod.checkProvable(req), { ok: true });
    assert.equal(mod.provabilityRuns, before + 1);
    // the cached witness is still compared with each task's own commitment
    expectFailure(
      await mod.checkProvable({ ...req, publicSignalsHash: publicSignalsHash([1n]) }),
      "PUBLIC_SIGNALS_MISMATCH",
    );
    assert.equal(mod.provabilityRuns, before + 1);
    // failure verdicts are cached too
    const bad = request(range, { inputBytes: utf8("[]") });
    await mod.checkProvable(bad);
    await mod.checkProvable(bad);
    assert.equal(mod.provabilityRuns, before + 2);
  });

  it("a node-side failure throws and is not cached", async () => {
    const req = request(range, { zkeyPath: join(dir, "missing.zkey") });
    const before = mod.provabilityRuns;
    for (let i = 0; i < 2; i++) {
      await assert.rejects(mod.checkProvable(req), (e: unknown) => isZkPoolError(e, "INVALID_ARTIFACT"));
    }
    assert.equal(mod.provabilityRuns, before + 2);
  });

  it("a check over its time limit is killed with TIMEOUT, not cached, and the next check runs", async () => {
    const slow = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 1, provabilityTimeoutMs: 1 });
    await slow.start();
    try {
      const req = request(range);
      await assert.rejects(slow.checkProvable(req), (e: unknown) => isZkPoolError(e, "TIMEOUT"));
      await assert.rejects(slow.checkProvable(req), (e: unknown) => isZkPoolError(e, "TIMEOUT"));
      assert.equal(slow.provabilityRuns, 2);
    } finally {
      await slow.stop();
    }
    // the shared module is unaffected
    assert.deepEqual(await mod.checkProvable(request(range)), { ok: true });
  });

  it("does not block the event loop while it checks", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      assert.deepEqual(await mod.checkProvable(request(merkle)), { ok: true });
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 1, `the main thread ticked ${ticks} times during the check`);
  });

  it("is refused before start() and after stop()", async () => {
    const m = new SnarkjsModule({ cacheDir: join(dir, "cache"), threads: 1 });
    await assert.rejects(m.checkProvable(request(range)), (e: unknown) => isZkPoolError(e, "NOT_STARTED"));
    await m.start();
    await m.stop();
    await assert.rejects(m.checkProvable(request(range)), (e: unknown) => isZkPoolError(e, "NOT_STARTED"));
  });
});

describe("prover-snarkjs: ProvabilityCache", () => {
  it("is bounded (LRU), shares in-flight promises, and forgets errors", async () => {
    const cache = new ProvabilityCache<number>(2);
    let runs = 0;
    const run = (v: number) => () => {
      runs++;
      return Promise.resolve(v);
    };
    assert.equal(await cache.get("a", run(1)), 1);
    assert.equal(await cache.get("b", run(2)), 2);
    assert.equal(await cache.get("a", run(9)), 1); // a is now the most recent
    assert.equal(await cache.get("c", run(3)), 3); // evicts b
    assert.equal(cache.size, 2);
    assert.equal(await cache.get("b", run(4)), 4);
    assert.equal(runs, 4);
    await assert.rejects(cache.get("e", () => Promise.reject(new Error("boom"))));
    await assert.rejects(
      cache.get("e", () => {
        throw new Error("sync boom");
      }),
    );
    assert.equal(await cache.get("e", run(5)), 5);
  });
});
