import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { Level } from "level";
import { isZkPoolError } from "@zkpool/protocol";
import { DbErrorCode, jsonCodec, MessageRepositories, NodeDb } from "../src/index.js";
import { tempDir } from "./utils.js";

describe("node database", () => {
  const dirs: string[] = [];
  const opened: NodeDb[] = [];
  async function open(): Promise<NodeDb> {
    const dir = await tempDir();
    dirs.push(dir);
    const db = await NodeDb.open({ path: dir });
    opened.push(db);
    return db;
  }
  after(async () => {
    for (const db of opened) if (db.raw.status === "open") await db.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("stamps a new database with the schema version and refuses another version", async () => {
    const db = await open();
    await db.close();
    const raw = new Level<string, string>(db.path);
    await raw.put("meta/schema", "999");
    await raw.close();
    await assert.rejects(NodeDb.open({ path: db.path }), (e: unknown) => isZkPoolError(e, DbErrorCode.SCHEMA_MISMATCH));
  });

  it("refuses a non-empty database without a schema version", async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const raw = new Level<string, string>(dir);
    await raw.put("task/0xabc", "x");
    await raw.close();
    await assert.rejects(NodeDb.open({ path: dir }), (e: unknown) => isZkPoolError(e, DbErrorCode.SCHEMA_MISSING));
  });

  it("scans by id prefix without leaking into neighbouring ids", async () => {
    const db = await open();
    const repo = db.repository("vote", jsonCodec<{ n: bigint }>());
    await repo.put(["0xaa", "1", "a", "x"], { n: 1n });
    await repo.put(["0xaa", "1", "a", "y"], { n: 2n });
    await repo.put(["0xaa", "10", "a", "x"], { n: 3n });
    await repo.put(["0xab", "1", "a", "x"], { n: 4n });
    assert.deepEqual((await repo.values(["0xaa", "1"])).map((v) => v.n), [1n, 2n]);
    assert.deepEqual((await repo.values(["0xaa"])).map((v) => v.n), [1n, 2n, 3n]);
    assert.equal((await repo.values()).length, 4);
    await assert.rejects(repo.put(["a/b"], { n: 0n }), (e: unknown) => isZkPoolError(e, DbErrorCode.INVALID_KEY));
  });

  it("writes a task and its open-index entry atomically and expires the index", async () => {
    const db = await open();
    const repos = new MessageRepositories(db);
    await repos.addTask("0x01", Uint8Array.of(1), 100n);
    await repos.addTask("0x02", Uint8Array.of(2), 200n);
    assert.deepEqual(await repos.openTaskIds(150n), ["0x02"]);
    assert.equal(await repos.closeExpired(150n), 1);
    assert.deepEqual((await repos.openTasks.entries()).map((e) => e.id[0]), ["0x02"]);
    assert.equal(await repos.tasks.has(["0x01"]), true);
    // A batch with an invalid key fails as a whole before anything is written.
    const batch = db.batch();
    repos.tasks.putInBatch(batch, ["0x03"], Uint8Array.of(3));
    assert.throws(() => repos.tasks.putInBatch(batch, ["bad key"], Uint8Array.of(4)));
    assert.equal(await repos.tasks.has(["0x03"]), false);
  });
});
