import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isZkPoolError } from "@zkpool/protocol";
import { GenesisStakeSource, parseGenesisStakes, StakeErrorCode } from "../src/index.js";
import { operatorWallet, tempDir } from "./utils.js";

describe("genesis stake source", () => {
  const a = operatorWallet(0).address;
  const b = operatorWallet(1).address;
  let dir = "";
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads address -> stake (wei, bigint) from a JSON file; unknown addresses have 0", async () => {
    const path = join(dir, "genesis.json");
    await writeFile(path, JSON.stringify({ version: 1, stakes: { [a.toLowerCase()]: "1000000000000000000000", [b]: "0" } }));
    const src = await GenesisStakeSource.fromFile(path);
    assert.equal(await src.stakeOf(a, 7n), 10n ** 21n);
    assert.equal(await src.stakeOf(b, 7n), 0n);
    assert.equal(await src.stakeOf(operatorWallet(2).address, 7n), 0n);
    assert.deepEqual([...(await src.stakeTable(0n)).keys()], [a]);
  });

  const bad: Array<[string, unknown, string]> = [
    ["a non-object", [1, 2], "(root)"],
    ["a wrong version", { version: 2, stakes: {} }, "version"],
    ["missing stakes", { version: 1 }, "stakes"],
    ["a bad address", { version: 1, stakes: { "0x1234": "1" } }, "stakes.0x1234"],
    ["a number stake", { version: 1, stakes: { [a]: 5 } }, `stakes.${a}`],
    ["a negative stake", { version: 1, stakes: { [a]: "-5" } }, `stakes.${a}`],
    ["a fractional stake", { version: 1, stakes: { [a]: "1.5" } }, `stakes.${a}`],
    ["a duplicate address", { version: 1, stakes: { [a]: "1", [a.toLowerCase()]: "2" } }, `stakes.${a.toLowerCase()}`],
  ];
  for (const [what, doc, field] of bad) {
    it(`rejects ${what} naming the field`, () => {
      assert.throws(
        () => parseGenesisStakes(doc, "g.json"),
        (err: unknown) => isZkPoolError(err, StakeErrorCode.GENESIS_INVALID) && (err.type as { field?: string }).field === field,
      );
    });
  }

  it("reports unreadable and non-JSON files with typed errors", async () => {
    await assert.rejects(GenesisStakeSource.fromFile(join(dir, "missing.json")), (e: unknown) => isZkPoolError(e, StakeErrorCode.GENESIS_UNREADABLE));
    const path = join(dir, "broken.json");
    await writeFile(path, "{ nope");
    await assert.rejects(GenesisStakeSource.fromFile(path), (e: unknown) => isZkPoolError(e, StakeErrorCode.GENESIS_INVALID));
  });
});
