/**
 * SIGTERM ends a node within a few seconds whatever is pending (issue 12.1), and a restart resumes that work.
 *
 * The real path: anvil (interval mining), the contracts, range-check-32 registered, one staked operator running
 * `zkpool node start --prover` as an OS process (it is the whole pool: it bids, attests, proves and settles), a
 * requester (the SDK) that deposits and submits a task. As soon as the task is published, the test stops block
 * production (`evm_setAutomine false`, `evm_setIntervalMining 0`), so the `settle()` the node sends when its task
 * completes stays in the mempool, unmined: a chain transaction pending that cannot be mined. Then SIGTERM: the
 * process must exit within 10 s (a generous bound: the issue saw more than 60 s), with status 0 and its
 * "stopped" line (meanwhile its API serves the task's proof, GET /tasks/<id>/proof). Then the pending transaction is dropped from anvil's pool, mining resumes, and the node is
 * started again from its data directory: it re-submits the settlement from its store and the task settles.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, Mnemonic, Wallet, type JsonRpcProvider } from "ethers";
import {
  ANVIL_DEV_MNEMONIC,
  EscrowClient,
  StakeRegistryClient,
  TaskStatus,
  deployContracts,
  escrowInterface,
  startAnvil,
  testProvider,
  writeDeployment,
  type Anvil,
} from "@zkpool/chain";
import { loadCircuit } from "@zkpool/circuits";
import { createClient, terminateSnarkjs, type ZkPoolClient } from "@zkpool/sdk";
import { writeKeystore } from "../src/index.js";
import { spawnCli, waitFor, type Run, type Spawned } from "./helpers.js";

const ETH = 10n ** 18n;
const PASSWORD = "sigterm-test-insecure";
/** The bound is "a few seconds"; 10 s leaves room for a loaded CI box. */
const EXIT_BOUND_MS = 10_000;

const dev = (i: number, provider: JsonRpcProvider): Wallet =>
  new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey, provider);

describe("zkpool node start: SIGTERM with a chain transaction that cannot be mined", function () {
  this.timeout(300_000);
  let dir: string | undefined;
  let anvil: Anvil | undefined;
  let provider: JsonRpcProvider | undefined;
  let client: ZkPoolClient | undefined;
  const procs: Spawned[] = [];

  after(async () => {
    await client?.close().catch(() => undefined);
    await terminateSnarkjs().catch(() => undefined);
    for (const p of procs) {
      p.kill("SIGKILL");
      await p.exited;
    }
    // mining back on, in case the test failed with it off (anvil stops either way)
    await provider?.send("evm_setIntervalMining", [1]).catch(() => undefined);
    provider?.destroy();
    await anvil?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("exits within 10 s of SIGTERM while its settle() is pending, and settles the task after a restart", async function () {
    dir = await mkdtemp(join(tmpdir(), "zkpool-sigterm-"));
    anvil = await startAnvil({ hardfork: "cancun", blockTime: 1 });
    provider = testProvider(anvil.url);
    const p = provider;
    const deployed = await deployContracts(dev(0, p));
    const deployment = await writeDeployment(join(dir, "deployments"), deployed.deployment);
    const circuit = await loadCircuit("range-check-32", "groth16");
    await deployed.circuitRegistry.register(1, `0x${circuit.wasm.sha256}`, `0x${circuit.zkey.sha256}`, readFileSync(circuit.vkey.path));
    const operator = dev(1, p);
    const staked = await new StakeRegistryClient(deployed.deployment.stakeRegistry, operator).stake(10n * ETH);
    // the node announces itself at start with its stake at the newest final epoch: let the stake become final
    const stakedAt = (await p.getBlock(staked.blockNumber))!.timestamp;
    await waitFor(async () => (await p.getBlock("latest"))!.timestamp > stakedAt + 3 && Date.now() / 1000 > stakedAt + 3, "the stake's epoch final", 30_000);

    const dataDir = join(dir, "node");
    await mkdir(dataDir, { recursive: true });
    await writeKeystore(join(dataDir, "keystore.json"), operator.privateKey, PASSWORD, { scryptN: 1024 });
    const args = ["--json", "node", "start", "--data-dir", dataDir, "--deployment", deployment, "--rpc-url", anvil.url,
      "--listen", "/ip4/127.0.0.1/tcp/0", "--api-port", "0", "--devnet", "--log-level", "info", "--prover", "--price-share", "50", "--grace-seconds", "5"];
    const apiFile = join(dataDir, "api.json");
    const start = async (): Promise<{ proc: Spawned; addrs: string[]; url: string }> => {
      await unlink(apiFile).catch(() => undefined);
      const proc = spawnCli(args, { ZKPOOL_PASSWORD: PASSWORD });
      procs.push(proc);
      await waitFor(() => existsSync(apiFile) || proc.child.exitCode !== null, "api.json written", 90_000);
      assert.equal(proc.child.exitCode, null, proc.stderr() + proc.stdout());
      await waitFor(() => proc.stdout().includes('"event":"started"'), "started line", 30_000);
      const api = JSON.parse(readFileSync(apiFile, "utf8")) as { url: string; addrs: string[] };
      return { proc, addrs: api.addrs.filter((a) => a.includes("127.0.0.1")), url: api.url };
    };
    const first = await start();

    client = await createClient({ signer: dev(9, p), bootstrap: first.addrs, rpcUrl: anvil.url, deployment, devnet: true });
    await client.deposit({ amount: ETH });
    const handle = await client.submitTask({
      circuit: "range-check-32",
      input: circuit.sampleInput,
      publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward: ETH / 10n,
      windows: { bidWindow: 4, revealWindow: 5, proofWindow: 90, maxRounds: 1 },
    });
    const taskId = handle.taskId.toLowerCase();

    // No more blocks from here on: whatever the node sends now stays pending.
    await p.send("evm_setAutomine", [false]);
    await p.send("evm_setIntervalMining", [0]);
    const frozenAt = await p.getBlockNumber();

    // the node proves, certifies and sends settle(): a transaction of its operator in the mempool
    const settleTx = async (): Promise<{ hash: string; to: string; input: string } | undefined> => {
      const content = (await p.send("txpool_content", [])) as { pending?: Record<string, Record<string, { hash: string; to: string; input: string }>> };
      const mine = Object.entries(content.pending ?? {}).find(([a]) => a.toLowerCase() === operator.address.toLowerCase());
      return mine === undefined ? undefined : Object.values(mine[1])[0];
    };
    const status = async (): Promise<string> => ((await fetch(`${first.url}/tasks/${taskId}`).then((r) => r.json())) as { status: string }).status;
    try {
      await waitFor(async () => (await settleTx()) !== undefined || (await status()) === "failed", "the node's settle() in the mempool", 120_000);
      assert.notEqual(await status(), "failed");
    } catch (err) {
      throw new Error(`${(err as Error).message} (task ${await status().catch(() => "?")}); the node's log ends:\n${first.proc.stdout().slice(-4000)}`);
    }
    const pending = (await settleTx())!;
    assert.equal(pending.to.toLowerCase(), deployed.deployment.escrow.toLowerCase());
    assert.equal(escrowInterface.parseTransaction({ data: pending.input })?.name, "settle");
    assert.equal(await status(), "completed");
    // the requester can fetch the proof from this process's API meanwhile (GET /tasks/<id>/proof)
    const served = (await fetch(`${first.url}/tasks/${taskId}/proof`).then((r) => r.json())) as { round: number; prover: string; publicSignals: string[] };
    assert.equal(served.round, 0);
    assert.equal(served.prover, operator.address.toLowerCase());
    assert.deepEqual(served.publicSignals, circuit.expectedPublicSignals);
    assert.ok(await p.getTransactionCount(operator.address, "pending") > await p.getTransactionCount(operator.address, "latest"), "the nonce is spent but not mined");
    assert.equal(await p.getBlockNumber(), frozenAt, "no block was mined: the transaction cannot be mined");

    // SIGTERM (to the process, as a service manager sends it) while the receipt wait is open
    const t0 = Date.now();
    first.proc.child.kill("SIGTERM");
    const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), EXIT_BOUND_MS).unref());
    const r = await Promise.race([first.proc.exited, timer]);
    const tookMs = Date.now() - t0;
    assert.notEqual(r, "timeout", `the node still ran ${EXIT_BOUND_MS} ms after SIGTERM; its log ends:\n${first.proc.stdout().slice(-2000)}`);
    const run = r as Run;
    assert.equal(run.signal, null, "it exited, it was not killed by the signal");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /"event":"stopped"/);
    assert.ok(tookMs < EXIT_BOUND_MS);
    assert.equal(await p.getBlockNumber(), frozenAt, "nothing was mined meanwhile");
    this.test!.title += ` (exited ${tookMs} ms after SIGTERM)`;

    // The sent transaction is lost (dropped from the pool) and the chain moves on: a restart resumes the work.
    await p.send("anvil_dropAllTransactions", []);
    assert.equal(await settleTx(), undefined);
    await p.send("evm_setIntervalMining", [1]);
    const escrow = new EscrowClient(deployed.deployment.escrow, p);
    assert.equal((await escrow.taskRecord(taskId)).status, TaskStatus.None, "not settled before the restart");
    const second = await start();
    await waitFor(async () => (await escrow.taskRecord(taskId)).status === TaskStatus.Settled, "the task settled after the restart", 60_000);
    const record = await escrow.taskRecord(taskId);
    assert.equal(record.round, 0);
    second.proc.kill("SIGINT");
    const r2 = await second.proc.exited;
    assert.equal(r2.code, 0, r2.stderr);
  });
});
