/**
 * The role commands (issue 13 item 3) on a real anvil with the real contracts: `fund`, `prover join|claim|unstake|
 * withdraw`, `task deposit|balance|withdraw|expire`, the keystore password precedence, the ETH amount parser, and
 * `prover join` writing a config that `node start --config` runs as printed. Commands run in-process through
 * `main(argv, io)` (the program factory); `node start` runs as the real process.
 * No test doubles: the non-devnet chain for `fund` is a second anvil started with --chain-id 1337, and the
 * "devnet" deployment flag case is a deployment file with `"devnet": true` for that chain.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { HDNodeWallet, Mnemonic, Wallet, formatEther, hexlify, randomBytes, type JsonRpcProvider } from "ethers";
import {
  ANVIL_DEV_MNEMONIC, ChainTestHelper, EscrowClient, StakeRegistryClient, TaskStatus, deployContracts, startAnvil, testProvider, writeDeployment,
  type Anvil,
} from "@zkpool/chain";
import { CliError, CliErrorCode, main, passwordSourceOf, pointToTaskExpire, readConfigFile, resolveConfig, toJson, type CliIo } from "../src/index.js";
import { formatEth, parseEth } from "../src/amounts.js";
import { canBind, savedTaskPath } from "../src/roles.js";
import { spawnCli, waitFor, type Spawned } from "./helpers.js";

const FAST = ["--scrypt-n", "1024"];
const ETH = 10n ** 18n;
const FC_RUNS = Number(process.env["ZKPOOL_FC_RUNS"] ?? 45);

interface Ran { code: number; out: string; err: string; json: Record<string, unknown> | undefined; error: { message: string; type: { code: string } } | undefined }

/** Run the CLI in-process with exactly `env` (nothing from the test runner's environment). */
async function cli(args: string[], env: Record<string, string> = {}, prompt?: (q: string) => Promise<string>): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env },
    stopSignal: () => new Promise<string>(() => undefined),
    ...(prompt !== undefined ? { prompt } : {}),
  };
  const code = await main(args, io);
  const parse = (s: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(s) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const json = args.includes("--json") ? parse(out.join("\n")) : undefined;
  const e = args.includes("--json") ? (parse(err.join("\n"))?.["error"] as Ran["error"]) : undefined;
  return { code, out: out.join("\n"), err: err.join("\n"), json, error: e };
}

function ok(r: Ran): Record<string, unknown> {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.err}`);
  return r.json ?? {};
}

describe("role commands on anvil (fund, prover claim/unstake/withdraw, task deposit/balance/withdraw/expire)", function () {
  this.timeout(240_000);
  let dir: string;
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let chain: ChainTestHelper;
  let deploymentPath: string;
  let escrowAddr: string;
  let registryAddr: string;
  let chainFlags: string[];
  const PW = { ZKPOOL_PASSWORD: "pw" };
  const dev = (i: number): Wallet => new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey, provider);

  /** A fresh key imported into <dir>/<name>/keystore.json (password "pw"). */
  async function freshKey(name: string): Promise<{ wallet: Wallet; dataDir: string }> {
    const wallet = Wallet.createRandom();
    const dataDir = join(dir, name);
    ok(await cli(["--json", "keys", "import", "--data-dir", dataDir, ...FAST], { ...PW, ZKPOOL_PRIVATE_KEY: wallet.privateKey }));
    return { wallet: new Wallet(wallet.privateKey, provider), dataDir };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-roles-"));
    anvil = await startAnvil({ hardfork: "cancun" });
    provider = testProvider(anvil.url);
    chain = new ChainTestHelper(provider);
    const deployed = await deployContracts(dev(0));
    deploymentPath = await writeDeployment(join(dir, "deployments"), deployed.deployment);
    escrowAddr = deployed.escrow.address;
    registryAddr = deployed.stakeRegistry.address;
    chainFlags = ["--rpc-url", anvil.url, "--deployment", deploymentPath];
  });
  after(async () => {
    provider?.destroy();
    await anvil?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("fund sends ETH to a fresh key from a dev account (wei in --json, ETH in text); the keystore's address by default", async () => {
    const { wallet, dataDir } = await freshKey("funded");
    const r = ok(await cli(["--json", "fund", wallet.address, "--amount", "2.5", "--rpc-url", anvil.url]));
    assert.equal(r["amount"], (25n * ETH / 10n).toString());
    assert.equal(r["balance"], (25n * ETH / 10n).toString());
    assert.equal(await provider.getBalance(wallet.address), 25n * ETH / 10n);
    const text = await cli(["fund", "--data-dir", dataDir, "--amount", "0.5", "--rpc-url", anvil.url]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^sent 0\.5 ETH to 0x[0-9a-fA-F]{40} from dev account .* it now holds 3\.0 ETH$/);
    assert.equal(await provider.getBalance(wallet.address), 3n * ETH);
    const bad = await cli(["--json", "fund", "0x1234", "--rpc-url", anvil.url]);
    assert.equal(bad.code, 2);
    assert.equal(bad.error?.type.code, CliErrorCode.BAD_USAGE);
  });

  it("fund is refused on a chain that is not a devnet (anvil --chain-id 1337), unless its deployment file says devnet", async () => {
    const other = await startAnvil({ chainId: 1337 });
    const p = testProvider(other.url);
    try {
      const to = Wallet.createRandom().address;
      const r = await cli(["--json", "fund", to, "--rpc-url", other.url]);
      assert.equal(r.code, 1, r.err);
      assert.equal(r.error?.type.code, CliErrorCode.NOT_DEVNET);
      assert.match(r.error.message, /devnet faucet: chain 1337 .* is not a devnet/);
      assert.equal(await p.getBalance(to), 0n);
      const flagged = join(dir, "devnet-1337.json");
      await writeFile(flagged, JSON.stringify({ version: 2, chainId: "1337", devnet: true }));
      ok(await cli(["--json", "fund", to, "--amount", "1", "--rpc-url", other.url, "--deployment", flagged]));
      assert.equal(await p.getBalance(to), ETH);
    } finally {
      p.destroy();
      await other.stop();
    }
  });

  it("prover: join stakes; unstake then withdraw too early is CLI_NOT_READY with the unlock time; after the delay it pays out; claim with nothing is a no-op", async () => {
    const { wallet, dataDir } = await freshKey("prover");
    ok(await cli(["fund", wallet.address, "--amount", "5", "--rpc-url", anvil.url]));
    const join1 = ok(await cli(["--json", "prover", "join", "--stake", "2", "--data-dir", dataDir, ...chainFlags, "--api-port", "0"], PW));
    assert.equal(join1["stake"], (2n * ETH).toString());
    const registry = new StakeRegistryClient(registryAddr, provider);
    assert.equal(await registry.stakeOf(wallet.address), 2n * ETH);

    const claim = await cli(["--json", "prover", "claim", "--data-dir", dataDir, ...chainFlags], PW);
    assert.deepEqual(ok(claim), { operator: wallet.address, claimed: "0", txHash: null });
    const claimText = await cli(["prover", "claim", "--data-dir", dataDir, ...chainFlags], PW);
    assert.equal(claimText.code, 0, claimText.err);
    assert.match(claimText.out, /^nothing to claim: 0x[0-9a-fA-F]{40} has no earnings in the escrow$/);

    const nothing = await cli(["--json", "prover", "withdraw", "--data-dir", dataDir, ...chainFlags], PW);
    assert.equal(nothing.error?.type.code, CliErrorCode.NOTHING_PENDING);
    // what stays staked must be 0 or at least minStake (0.1 ETH on a devnet)
    const dust = await cli(["--json", "prover", "unstake", "--amount", "1.95", "--data-dir", dataDir, ...chainFlags], PW);
    assert.equal(dust.code, 2);
    assert.match(dust.error!.message, /at least the minimum stake 0\.1 ETH .*unstake at most 1\.9 ETH or pass --all/);
    const both = await cli(["prover", "unstake", "--data-dir", dataDir, ...chainFlags], PW);
    assert.equal(both.code, 2);
    assert.match(both.err, /pass either --amount <eth> or --all/);

    const un = ok(await cli(["--json", "prover", "unstake", "--amount", "0.5", "--data-dir", dataDir, ...chainFlags], PW));
    assert.equal(un["unstaked"], (ETH / 2n).toString());
    assert.equal(un["stake"], (3n * ETH / 2n).toString());
    const unlockTime = BigInt(un["unlockTime"] as string);
    assert.deepEqual(await registry.unbondingOf(wallet.address), { amount: ETH / 2n, unlockTime });
    const unText = await cli(["prover", "unstake", "--all", "--data-dir", dataDir, ...chainFlags], PW);
    assert.equal(unText.code, 0, unText.err);
    assert.match(unText.out, /^unstaking 1\.5 ETH \(2\.0 ETH unbonding in all, 0\.0 ETH still staked\); it unlocks at \d{4}-\d\d-\d\dT.*Z \(in \d+ s, chain time\): then run `zkpool prover withdraw`$/);
    const u = await registry.unbondingOf(wallet.address);
    assert.equal(u.amount, 2n * ETH);

    const early = await cli(["--json", "prover", "withdraw", "--data-dir", dataDir, ...chainFlags], PW);
    assert.equal(early.code, 1);
    assert.equal(early.error?.type.code, CliErrorCode.NOT_READY);
    const iso = new Date(Number(u.unlockTime) * 1000).toISOString();
    assert.ok(early.error.message.includes(`unlocks at ${iso} (in `), early.error.message);
    assert.equal((await registry.unbondingOf(wallet.address)).amount, 2n * ETH, "nothing sent");

    await chain.increaseTime(u.unlockTime - (await chain.latestTimestamp()) + 1n);
    const before = await provider.getBalance(wallet.address);
    const w = ok(await cli(["--json", "prover", "withdraw", "--data-dir", dataDir, ...chainFlags], PW));
    assert.equal(w["withdrawn"], (2n * ETH).toString());
    assert.equal((await registry.unbondingOf(wallet.address)).amount, 0n);
    const gained = (await provider.getBalance(wallet.address)) - before;
    assert.ok(gained > 2n * ETH - ETH / 100n && gained < 2n * ETH, `wallet gained ${gained} wei (2 ETH less gas)`);
  });

  it("requester: deposit, balance, withdraw (request, too early, complete) round trip, balances checked in wei", async () => {
    const { wallet, dataDir } = await freshKey("requester");
    const flags = ["--data-dir", dataDir, ...chainFlags];
    const poor = await cli(["--json", "task", "deposit", "--amount", "1", ...flags], PW);
    assert.equal(poor.error?.type.code, CliErrorCode.INSUFFICIENT_FUNDS);
    assert.match(poor.error.message, /on a devnet: zkpool fund 0x/);
    ok(await cli(["fund", wallet.address, "--amount", "10", "--rpc-url", anvil.url]));
    const escrow = new EscrowClient(escrowAddr, provider);

    const dep = ok(await cli(["--json", "task", "deposit", "--amount", "3.000000000000000001", ...flags], PW));
    const three = 3n * ETH + 1n;
    assert.equal(dep["deposited"], three.toString());
    assert.equal(dep["balance"], three.toString());
    assert.equal(await escrow.balanceOf(wallet.address), three);
    const zero = await cli(["--json", "task", "deposit", "--amount", "0", ...flags], PW);
    assert.equal(zero.error?.type.code, CliErrorCode.BAD_AMOUNT);

    const none = await cli(["--json", "task", "withdraw", ...flags], PW);
    assert.equal(none.error?.type.code, CliErrorCode.NOTHING_PENDING);
    assert.match(none.error.message, /zkpool task withdraw --amount <eth>/);
    const tooMuch = await cli(["--json", "task", "withdraw", "--amount", "4", ...flags], PW);
    assert.equal(tooMuch.error?.type.code, CliErrorCode.INSUFFICIENT_FUNDS);

    const req = ok(await cli(["--json", "task", "withdraw", "--amount", "1", ...flags], PW));
    assert.equal(req["action"], "requested");
    assert.equal(req["amount"], ETH.toString());
    const readyAt = BigInt(req["readyAt"] as string);
    // by address, no keystore needed
    const bal = ok(await cli(["--json", "task", "balance", wallet.address, ...chainFlags]));
    assert.equal(bal["balance"], three.toString());
    assert.equal(bal["available"], (three - ETH).toString());
    assert.deepEqual(bal["pendingWithdrawal"], { amount: ETH.toString(), readyAt: readyAt.toString(), ready: false });
    const balText = await cli(["task", "balance", ...flags]);
    assert.equal(balText.code, 0, balText.err);
    assert.match(balText.out, /escrow balance 3\.000000000000000001 ETH, available for tasks 2\.000000000000000001 ETH/);
    assert.match(balText.out, /pending withdrawal 1\.0 ETH, ready at \d{4}-/);

    const early = await cli(["--json", "task", "withdraw", ...flags], PW);
    assert.equal(early.error?.type.code, CliErrorCode.NOT_READY);
    assert.ok(early.error.message.includes(new Date(Number(readyAt) * 1000).toISOString()), early.error.message);

    await chain.increaseTime(readyAt - (await chain.latestTimestamp()) + 1n);
    const walletBefore = await provider.getBalance(wallet.address);
    const done = ok(await cli(["--json", "task", "withdraw", ...flags], PW));
    assert.equal(done["action"], "withdrawn");
    assert.equal(done["amount"], ETH.toString());
    assert.equal(await escrow.balanceOf(wallet.address), three - ETH);
    assert.deepEqual(await escrow.pendingWithdrawal(wallet.address), { amount: 0n, readyAt: 0n });
    const gained = (await provider.getBalance(wallet.address)) - walletBefore;
    assert.ok(gained > ETH - ETH / 100n && gained < ETH, `wallet gained ${gained} wei`);
    const after = ok(await cli(["--json", "task", "balance", wallet.address, ...chainFlags]));
    assert.equal(after["balance"], (three - ETH).toString());
    assert.deepEqual(after["pendingWithdrawal"], { amount: "0", readyAt: "0", ready: false });

    ok(await cli(["--json", "task", "withdraw", "--all", ...flags], PW));
    const cancelled = ok(await cli(["--json", "task", "withdraw", "--cancel", ...flags], PW));
    assert.equal(cancelled["amount"], (three - ETH).toString());
    assert.equal((await escrow.pendingWithdrawal(wallet.address)).amount, 0n);
  });

  it("task expire: a task not yet expired is CLI_TASK_NOT_EXPIRED with the time; after it, expire refunds; again is CLI_TASK_CLOSED (by id too)", async () => {
    const { wallet, dataDir } = await freshKey("expirer");
    ok(await cli(["fund", wallet.address, "--amount", "1", "--rpc-url", anvil.url]));
    const now = await chain.latestTimestamp();
    const h = (): string => hexlify(randomBytes(32));
    const task = {
      requester: wallet.address.toLowerCase(), proofSystem: 1, wasmSha256: h(), zkeySha256: h(), vkeySha256: h(), inputHash: h(), inputSize: 10n,
      publicSignalsHash: h(), maxReward: ETH / 10n, penalty: ETH / 100n, bidDeadline: now + 100n, revealDeadline: now + 110n, proofWindow: 30,
      maxRounds: 1, stakeEpoch: 1n, nonce: 7n, signature: "0x",
    };
    const file = join(dir, "task.json");
    await writeFile(file, toJson({ task }, 2));
    const flags = ["--data-dir", dataDir, ...chainFlags];
    const early = await cli(["--json", "task", "expire", file, ...flags], PW);
    assert.equal(early.code, 1, early.err);
    assert.equal(early.error?.type.code, CliErrorCode.TASK_NOT_EXPIRED);
    const closesAt = now + 110n + 30n + 30n; // revealDeadline + maxRounds * proofWindow + settleGrace (30 s on a devnet)
    assert.ok(early.error.message.includes(`${new Date(Number(closesAt) * 1000).toISOString()} (in `), early.error.message);
    assert.match(early.error.message, /run `zkpool task expire` after that/);

    const junk = join(dir, "junk.json");
    await writeFile(junk, JSON.stringify({ hello: 1 }));
    assert.equal((await cli(["--json", "task", "expire", junk, ...flags], PW)).error?.type.code, CliErrorCode.TASK_NOT_FOUND);
    const unknown = await cli(["--json", "task", "expire", `0x${"cd".repeat(32)}`, ...flags], PW);
    assert.equal(unknown.error?.type.code, CliErrorCode.TASK_NOT_FOUND);
    assert.match(unknown.error.message, /pass its task JSON file/);

    await chain.increaseTime(closesAt - (await chain.latestTimestamp()) + 1n);
    const done = ok(await cli(["--json", "task", "expire", file, ...flags], PW));
    const id = done["taskId"] as string;
    assert.match(id, /^0x[0-9a-f]{64}$/);
    assert.equal(done["refund"], "0", "never opened: nothing was locked");
    assert.equal((await new EscrowClient(escrowAddr, provider).taskRecord(id)).status, TaskStatus.Failed);
    // by id: found where `task submit` saves tasks
    await mkdir(join(dataDir, "tasks"), { recursive: true });
    await copyFile(file, savedTaskPath(dataDir, id));
    const again = await cli(["--json", "task", "expire", id, ...flags], PW);
    assert.equal(again.error?.type.code, CliErrorCode.TASK_CLOSED);
    assert.match(again.error.message, /already closed on chain/);
  });

  it("password precedence: --password-file > ZKPOOL_PASSWORD > config passwordFile > prompt (each order both ways)", async () => {
    const { dataDir } = await freshKey("pw"); // password "pw"
    const right = join(dir, "right.txt");
    const wrong = join(dir, "wrong.txt");
    await writeFile(right, "pw\n");
    await writeFile(wrong, "nope\n");
    const cfg = (pwFile: string): string => join(dir, `cfg-${pwFile === right ? "right" : "wrong"}.json`);
    await writeFile(cfg(right), JSON.stringify({ dataDir, rpcUrl: anvil.url, deployment: deploymentPath, passwordFile: right }));
    await writeFile(cfg(wrong), JSON.stringify({ dataDir, rpcUrl: anvil.url, deployment: deploymentPath, passwordFile: wrong }));
    const asked: string[] = [];
    const prompt = (answer: string) => (q: string): Promise<string> => {
      asked.push(q);
      return Promise.resolve(answer);
    };
    const claim = async (o: { flag?: string; env?: string; config?: string; prompt?: string }): Promise<number> => {
      const args = ["--json", "prover", "claim", "--config", o.config ?? join(dir, "cfg-none.json")];
      if (o.flag !== undefined) args.push("--password-file", o.flag);
      const r = await cli(args, o.env !== undefined ? { ZKPOOL_PASSWORD: o.env } : {}, o.prompt !== undefined ? prompt(o.prompt) : undefined);
      if (r.code !== 0) assert.ok([CliErrorCode.KEYSTORE_BAD_PASSWORD, CliErrorCode.KEYSTORE_NO_PASSWORD].includes(r.error!.type.code as CliErrorCode), r.err);
      return r.code;
    };
    await writeFile(join(dir, "cfg-none.json"), JSON.stringify({ dataDir, rpcUrl: anvil.url, deployment: deploymentPath }));
    // the flag beats everything below it (the old bug: ZKPOOL_PASSWORD won over --password-file)
    assert.equal(await claim({ flag: right, env: "nope", config: cfg(wrong), prompt: "nope" }), 0);
    assert.equal(await claim({ flag: wrong, env: "pw", config: cfg(right), prompt: "pw" }), 3);
    // ZKPOOL_PASSWORD beats the config's passwordFile and the prompt
    assert.equal(await claim({ env: "pw", config: cfg(wrong), prompt: "nope" }), 0);
    assert.equal(await claim({ env: "nope", config: cfg(right), prompt: "pw" }), 3);
    // the config's passwordFile beats the prompt
    assert.equal(await claim({ config: cfg(right), prompt: "nope" }), 0);
    assert.equal(await claim({ config: cfg(wrong), prompt: "pw" }), 3);
    assert.deepEqual(asked, [], "never asked while another source was given");
    // the prompt is the last resort; without any source it is CLI_KEYSTORE_NO_PASSWORD
    assert.equal(await claim({ prompt: "pw" }), 0);
    assert.equal(asked.length, 1);
    assert.equal(await claim({}), 3);
    // ZKPOOL_PASSWORD_FILE is the config's passwordFile (below ZKPOOL_PASSWORD)
    const envFile = await cli(["--json", "prover", "claim", "--config", join(dir, "cfg-none.json")], { ZKPOOL_PASSWORD_FILE: right, ZKPOOL_PASSWORD: "nope" });
    assert.equal(envFile.code, 3);
    // keys commands: the flag beats the environment too
    const keys = await cli(["keys", "check", "--data-dir", dataDir, "--password-file", right], { ZKPOOL_PASSWORD: "nope" });
    assert.equal(keys.code, 0, keys.err);
    // the pure rule
    const env = { ZKPOOL_PASSWORD: "e" };
    const ask = (): Promise<string> => Promise.resolve("p");
    assert.equal(passwordSourceOf({ file: "f", env, configFile: "c", ask }).kind, "flag");
    assert.equal(passwordSourceOf({ env, configFile: "c", ask }).kind, "env");
    assert.equal(passwordSourceOf({ env: {}, configFile: "c", ask }).kind, "config");
    assert.equal(passwordSourceOf({ env: { ZKPOOL_PASSWORD: "" }, ask }).kind, "prompt");
    assert.equal(passwordSourceOf({ env: {}, ask, prompt: false }).kind, "none");
  });

  describe("prover join writes a config that `node start --config` runs as printed", () => {
    let blocker: Server | undefined;
    let proc: Spawned | undefined;
    after(async () => {
      proc?.kill();
      await proc?.exited;
      await new Promise<void>((r) => (blocker !== undefined ? blocker.close(() => r()) : r()));
    });

    it("with 7370 occupied it takes the next free port; the config loads and has a password source", async () => {
      // occupy 7370 (if something else already holds it, it is occupied all the same)
      blocker = createServer();
      await new Promise<void>((resolve) => {
        blocker!.once("error", () => {
          blocker = undefined;
          resolve();
        });
        blocker!.listen({ port: 7370, host: "127.0.0.1", exclusive: true }, () => resolve());
      });
      assert.equal(await canBind("127.0.0.1", 7370), false);
      const { wallet, dataDir } = await freshKey("joiner");
      ok(await cli(["fund", wallet.address, "--amount", "2", "--rpc-url", anvil.url]));
      const out = join(dir, "joiner-config", "prover.json");
      const r = await cli(["prover", "join", "--stake", "1", "--data-dir", dataDir, ...chainFlags, "--config-out", out,
        "--listen", "/ip4/127.0.0.1/tcp/0", "--devnet", "--log-level", "warn"], PW);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /now has 1\.0 ETH staked/);
      const next = /^next: (.*)$/m.exec(r.out)?.[1];
      assert.equal(next, `zkpool node start --config ${out}`);

      const file = readConfigFile(out);
      assert.ok(file.apiPort !== undefined && file.apiPort > 7370, `apiPort ${file.apiPort}`);
      assert.equal(await canBind("127.0.0.1", file.apiPort), true);
      assert.ok(file.passwordFile !== undefined && existsSync(file.passwordFile), "a password file");
      assert.equal(readFileSync(file.passwordFile, "utf8").split("\n")[0], "pw");
      const c = resolveConfig({}, {}, out);
      assert.equal(c.prover, true);
      assert.equal(c.devnet, true);
      assert.equal(c.rpcUrl, anvil.url);
      assert.equal(c.deployment, deploymentPath);

      // exactly as printed, no password in the environment
      const argv = next.split(" ").slice(1);
      proc = spawnCli(["--json", ...argv], {});
      const apiFile = join(dataDir, "api.json");
      await waitFor(() => existsSync(apiFile) || proc!.child.exitCode !== null, "api.json written", 60_000);
      assert.equal(proc.child.exitCode, null, proc.stderr());
      const { url } = JSON.parse(readFileSync(apiFile, "utf8")) as { url: string };
      assert.equal(new URL(url).port, String(file.apiPort));
      const status = (await (await fetch(`${url}/status`)).json()) as Record<string, unknown>;
      assert.equal(status["operator"], wallet.address);
      assert.equal(status["role"], "prover");
      await waitFor(() => proc!.stdout().includes('"event":"started"'), "started line");
      proc.kill("SIGINT");
      const done = await proc.exited;
      assert.equal(done.code, 0, done.stderr);
    });
  });
});

describe("task submit failures point to `zkpool task expire`", () => {
  it("an SDK error telling to run task expire names the CLI command and the saved task file", () => {
    const id = `0x${"ab".repeat(32)}`;
    const sdk = new CliError({ code: CliErrorCode.BAD_USAGE }, `task ${id} got no proof by its final deadline and did not settle on chain; run \`zkpool task expire ${id}\` (Escrow.expire) to refund maxReward`);
    const e = pointToTaskExpire(sdk, id, "/d/tasks/x.json") as CliError;
    assert.equal(e.code, CliErrorCode.TASK_FAILED);
    assert.equal(e.type.key, CliErrorCode.BAD_USAGE);
    assert.match(e.message, /; run `zkpool task expire \/d\/tasks\/x\.json` once its final deadline \+ settle grace has passed to refund maxReward$/);
    assert.doesNotMatch(e.message, /escrow expire\(\)/);
    const other = new Error("boom");
    assert.equal(pointToTaskExpire(other, id, "f"), other);
  });
});

describe("ETH amounts (parseEth / formatEth)", () => {
  it("parse(format(x)) == x for any wei amount, and the text form carries the unit", () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (x) => {
      assert.equal(parseEth(formatEther(x), "--amount"), x);
      const text = formatEth(x);
      assert.ok(text.endsWith(" ETH"));
      assert.equal(parseEth(text.slice(0, -4), "--amount"), x);
    }), { numRuns: FC_RUNS });
  });

  it("rejects junk, negatives and more than 18 decimals with CLI_BAD_AMOUNT naming the flag", () => {
    const rejects = (v: string): void => {
      assert.throws(() => parseEth(v, "--amount"), (e: { type?: { code?: string; key?: string }; message?: string }) =>
        e.type?.code === CliErrorCode.BAD_AMOUNT && e.type.key === "--amount" && /--amount must be an amount in ETH/.test(e.message ?? ""), v);
    };
    const decimal = /^\s*\d+(\.\d{1,18})?\s*$/;
    fc.assert(fc.property(fc.string(), (s) => {
      fc.pre(!decimal.test(s));
      rejects(s);
    }), { numRuns: FC_RUNS });
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), (x) => rejects(`-${formatEther(x)}`)), { numRuns: FC_RUNS });
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.stringMatching(/^\d{19,30}$/), (i, frac) => rejects(`${i}.${frac}`)), { numRuns: FC_RUNS });
    for (const v of ["", " ", "1e18", "0x10", "+1", "1.", ".5", "1,5", "1 ETH", "NaN", "Infinity", "--1", "1.2.3"]) rejects(v);
    assert.equal(parseEth("0", "--stake"), 0n);
    assert.throws(() => parseEth("0", "--amount", { allowZero: false }), /must be more than 0/);
    assert.equal(parseEth("0.000000000000000001", "--amount"), 1n);
    assert.equal(parseEth(" 12.5 ", "--amount"), 12n * 10n ** 18n + 5n * 10n ** 17n);
  });
});
