import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../src/logger.js";

/** The file's text once something was written to it (the logger writes asynchronously). */
async function written(path: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(path, "utf8").catch(() => "");
    if (text.endsWith("\n")) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path}: nothing written`);
}

describe("node: logger", () => {
  it("writes JSON lines by default and human-readable lines with pretty (a terminal)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zkpool-log-"));
    try {
      createLogger({ destination: join(dir, "json.log"), name: "zkpool" }).info("pool node started", { peers: 3 });
      createLogger({ destination: join(dir, "pretty.log"), name: "zkpool", pretty: true }).info("pool node started", { peers: 3 });
      const json = JSON.parse((await written(join(dir, "json.log"))).trim()) as { msg: string; peers: number };
      assert.deepEqual([json.msg, json.peers], ["pool node started", 3]);
      const pretty = await written(join(dir, "pretty.log"));
      assert.match(pretty, /INFO.*\(zkpool\).*pool node started/);
      assert.match(pretty, /peers.*3/);
      assert.throws(() => JSON.parse(pretty.split("\n")[0]!));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
