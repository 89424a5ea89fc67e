import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { parseVerificationKey } from "@zkpool/protocol";
import { SidecarClient, SidecarExitedError } from "../src/client.js";
import { BINARY, FIXTURES, fixtureArtifacts } from "./helpers.js";

async function witness(input: Record<string, unknown>): Promise<Uint8Array> {
  const out: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snarkjs.wtns.calculate(input, FIXTURES + "chain.wasm", out);
  assert.ok(out.data);
  return out.data;
}

describe("native sidecar protocol", function () {
  this.timeout(60_000);
  let client: SidecarClient;
  const art = fixtureArtifacts();
  const vkey: unknown = parseVerificationKey(readFileSync(art.vkey.path));

  beforeEach(async () => {
    client = new SidecarClient({ binaryPath: BINARY });
    await client.start();
  });
  afterEach(async () => {
    await client.stop();
  });
  after(async () => {
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    await g.curve_bn128?.terminate();
    delete g.curve_bn128;
  });

  it("reports device and memory in info", async () => {
    const info = await client.request("info").reply;
    assert.equal(info.ok, true);
    assert.equal(info.device, "cpu");
    assert.ok(Number(info.threads) >= 1);
    assert.ok(Number(info.memTotal) > 0);
    assert.deepEqual(info.keys, []);
  });

  it("loads a key once, proves from witness bytes and from a path, and snarkjs accepts the proofs", async () => {
    const load = await client.request("load", { sha256: art.zkey.sha256, path: art.zkey.path }).reply;
    assert.equal(load.ok, true, String(load.message));
    assert.equal(load.cached, false);
    assert.equal(load.domainSize, 1024);
    const again = await client.request("load", { sha256: art.zkey.sha256, path: art.zkey.path }).reply;
    assert.equal(again.cached, true);

    const wtns = await witness({ a: "3", b: "5" });
    const res = await client.request("prove", { sha256: art.zkey.sha256 }, wtns).reply;
    assert.equal(res.ok, true, String(res.message));
    const publicSignals = res.publicSignals as string[];
    assert.equal(publicSignals.length, 2);
    assert.equal(publicSignals[1], "5");
    assert.equal(await snarkjs.groth16.verify(vkey, publicSignals, res.proof), true);

    // a wrong public signal must not verify (the check above could fail)
    assert.equal(await snarkjs.groth16.verify(vkey, [publicSignals[0]!, "6"], res.proof), false);

    // the same proof from a witness file path
    const dir = mkdtempSync(join(tmpdir(), "zkprover-test-"));
    try {
      writeFileSync(join(dir, "w.wtns"), wtns);
      const res2 = await client.request("prove", { sha256: art.zkey.sha256, witnessPath: join(dir, "w.wtns") }).reply;
      assert.equal(res2.ok, true, String(res2.message));
      assert.deepEqual(res2.publicSignals, publicSignals);
      assert.equal(await snarkjs.groth16.verify(vkey, res2.publicSignals, res2.proof), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const info = await client.request("info").reply;
    assert.deepEqual(info.keys, [art.zkey.sha256]);
  });

  it("builds GLV / fixed-base table plans at load within the budget, reports them in load and info, and the proofs verify", async () => {
    const wtns = await witness({ a: "7", b: "11" });
    type Msm = { msm: string; points: number; nonInfinity: number; resident: boolean; tables: boolean; copies: number; bytes: number };
    const seen: Record<string, Msm[]> = {};
    for (const budget of [0, 1, 2, 8]) {
      const sha = `budget-${budget}`;
      const load = await client.request("load", { sha256: sha, path: art.zkey.path, tableBudget: budget }).reply;
      assert.equal(load.ok, true, String(load.message));
      const msms = load.msms as Msm[];
      seen[budget] = msms;
      assert.deepEqual(msms.map((m) => m.msm), ["A", "B1", "B2", "C", "H"]);
      const g1Bytes = msms.filter((m) => m.msm !== "B2").reduce((a, m) => a + m.bytes, 0);
      assert.ok(g1Bytes <= budget * Number(load.keyG1Bytes), `budget ${budget}: ${g1Bytes} > ${budget} x ${String(load.keyG1Bytes)}`);
      assert.equal(typeof load.tableBuildMs, "number");
      for (const m of msms) assert.ok(m.nonInfinity <= m.points);
      const res = await client.request("prove", { sha256: sha }, wtns).reply;
      assert.equal(res.ok, true, String(res.message));
      assert.equal(await snarkjs.groth16.verify(vkey, res.publicSignals as string[], res.proof), true, `budget ${budget}`);
      const sc = res.scalars as Record<string, number>;
      assert.equal(sc.zero! + sc.one! + sc.small! + sc.large!, msms[0]!.nonInfinity);
    }
    // budget 0: nothing resident (plans built per proof); 8: the largest MSM gets shifted tables
    assert.ok(seen[0]!.filter((m) => m.msm !== "B2").every((m) => !m.resident && !m.tables));
    assert.ok(seen[2]!.filter((m) => m.msm !== "B2").every((m) => m.resident));
    const largest = [...seen[8]!].filter((m) => m.msm !== "B2").sort((a, b) => b.nonInfinity - a.nonInfinity)[0]!;
    assert.equal(largest.tables, true);
    assert.ok(largest.copies > 1);
    const info = await client.request("info").reply;
    const tables = info.tables as { sha256: string; tableBytes: number; tableBuildMs: number }[];
    assert.deepEqual(tables.map((t) => t.sha256).sort(), ["budget-0", "budget-1", "budget-2", "budget-8"]);
    assert.ok(tables.every((t) => typeof t.tableBytes === "number" && typeof t.tableBuildMs === "number"));
    const bad = await client.request("load", { sha256: "bad", path: art.zkey.path, tableBudget: "lots" }).reply;
    assert.equal(bad.ok, false);
    assert.equal(bad.code, "BAD_REQUEST");
  });

  it("answers typed errors: unknown key, bad key file, bad witness, unknown op", async () => {
    const noKey = await client.request("prove", { sha256: "00" }, new Uint8Array(8)).reply;
    assert.equal(noKey.ok, false);
    assert.equal(noKey.code, "NO_KEY");

    const badKey = await client.request("load", { sha256: "11", path: art.vkey.path }).reply;
    assert.equal(badKey.code, "BAD_KEY");
    const missing = await client.request("load", { sha256: "12", path: "/nonexistent/x.zkey" }).reply;
    assert.equal(missing.code, "BAD_KEY");

    await client.request("load", { sha256: art.zkey.sha256, path: art.zkey.path }).reply;
    const badW = await client.request("prove", { sha256: art.zkey.sha256 }, new Uint8Array(100)).reply;
    assert.equal(badW.ok, false);
    assert.equal(badW.code, "BAD_WITNESS");

    const unknown = await client.request("frobnicate").reply;
    assert.equal(unknown.code, "BAD_REQUEST");
  });

  it("backpressure and cancellation: a second prove gets BUSY, cancel stops the running proof", async () => {
    await client.request("load", { sha256: art.zkey.sha256, path: art.zkey.path }).reply;
    const wtns = await witness({ a: "1", b: "2" });
    // the three frames are written back to back; the proof takes far longer than reading the next frame
    const first = client.request("prove", { sha256: art.zkey.sha256 }, wtns);
    const second = client.request("prove", { sha256: art.zkey.sha256 }, wtns).reply;
    const cancel = client.request("cancel", { target: first.id }).reply;
    const busy = await second;
    assert.equal(busy.ok, false);
    assert.equal(busy.code, "BUSY");
    assert.equal((await cancel).cancelled, true);
    const res = await first.reply;
    assert.equal(res.ok, false);
    assert.equal(res.code, "CANCELLED");
    // and it proves again afterwards
    const again = await client.request("prove", { sha256: art.zkey.sha256 }, wtns).reply;
    assert.equal(again.ok, true);
  });

  it("rejects pending requests when the process dies", async () => {
    const pending = client.request("load", { sha256: art.zkey.sha256, path: art.zkey.path }).reply;
    client.kill();
    await pending.then(
      () => undefined, // it may have answered before the kill landed
      (err: unknown) => assert.ok(err instanceof SidecarExitedError),
    );
    await assert.rejects(client.request("info").reply, SidecarExitedError);
  });
});
