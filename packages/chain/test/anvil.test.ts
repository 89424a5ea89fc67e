import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainError, readDeployment, startAnvil, deployToRpc, testProvider, type Anvil } from "../src/index.js";
import { devWallet } from "./helpers/pool.js";

describe("chain: anvil and deployment", function () {
  this.timeout(60_000);
  let anvil: Anvil | undefined;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-chain-"));
  });
  afterEach(async () => {
    await anvil?.stop();
    anvil = undefined;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("starts anvil on a free port, and stop() ends the process", async () => {
    anvil = await startAnvil({ chainId: 31338 });
    const second = await startAnvil();
    try {
      assert.notEqual(anvil.port, second.port);
      const p = testProvider(anvil.url);
      assert.equal((await p.getNetwork()).chainId, 31338n);
      p.destroy();
    } finally {
      await second.stop();
    }
    assert.throws(() => process.kill(second.pid, 0), /ESRCH/);
  });

  it("deploys to an RPC URL with a key and writes <chainId>.json that reads back", async () => {
    anvil = await startAnvil();
    const key = devWallet(0, testProvider(anvil.url)).privateKey;
    const { deployment, path, escrow, stakeRegistry } = await deployToRpc({ rpcUrl: anvil.url, privateKey: key, deploymentsDir: dir, feeBps: 300 });
    assert.equal(path, join(dir, "31337.json"));
    assert.deepEqual(JSON.parse(await readFile(path, "utf8")), deployment);
    assert.deepEqual(await readDeployment(dir, 31337n), deployment);
    assert.equal(deployment.parameters.feeBps, 300);
    const p = testProvider(anvil.url);
    assert.ok((await p.getCode(escrow.address)).length > 2);
    assert.equal(await stakeRegistry.connect(p).escrow(), escrow.address);
    p.destroy();
    await assert.rejects(readDeployment(dir, 1n), (e) => e instanceof ChainError && e.code === "CHAIN_NO_DEPLOYMENT");
  });
});
