/** The real `zkpool` process: rejections (bad flags, config files, keystore passwords), precedence, and a node started on anvil. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import { ANVIL_DEV_MNEMONIC, StakeRegistryClient, deployContracts, startAnvil, testProvider, writeDeployment, type Anvil } from "@zkpool/chain";
import { runCli, spawnCli, waitFor, type Spawned } from "./helpers.js";

const FAST = ["--scrypt-n", "1024"];

describe("zkpool CLI (spawned process)", function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-cli-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("rejections", () => {
    it("an unknown flag exits 2 and names the flag", async () => {
      const r = await runCli(["node", "start", "--bogus-flag"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unknown option '--bogus-flag'/);
    });

    it("a bad flag value exits 2 and says what is allowed", async () => {
      const r = await runCli(["config", "show", "--api-port", "-5"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /apiPort must be a non-negative integer/);
      const l = await runCli(["config", "show", "--log-level", "loud"]);
      assert.equal(l.code, 2);
      assert.match(l.stderr, /logLevel must be one of silent, error, warn, info, debug, trace/);
    });

    it("a config file that is not JSON, has an unknown key, or a wrong type exits 2 naming the file and key", async () => {
      const notJson = join(dir, "bad.json");
      await writeFile(notJson, "{ logLevel: warn");
      let r = await runCli(["config", "show", "--config", notJson]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /bad\.json is not valid JSON/);

      const unknown = join(dir, "unknown.json");
      await writeFile(unknown, JSON.stringify({ logLevle: "warn" }));
      r = await runCli(["config", "show", "--config", unknown]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unknown key "logLevle"/);

      const wrongType = join(dir, "type.json");
      await writeFile(wrongType, JSON.stringify({ apiPort: "eighty" }));
      r = await runCli(["node", "start", "--config", wrongType]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /type\.json: apiPort must be a non-negative integer/);

      r = await runCli(["config", "show", "--config", join(dir, "missing.json")]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot read config file .*missing\.json/);
    });

    it("a wrong keystore password exits 3 with a clear message (keys check and node start)", async () => {
      const ks = join(dir, "ks1.json");
      const created = await runCli(["--json", "keys", "create", "--keystore", ks, ...FAST], { ZKPOOL_PASSWORD: "right horse" });
      assert.equal(created.code, 0, created.stderr);
      const { address } = JSON.parse(created.stdout) as { address: string };
      assert.match(address, /^0x[0-9a-fA-F]{40}$/);

      const ok = await runCli(["keys", "check", "--keystore", ks], { ZKPOOL_PASSWORD: "right horse" });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, new RegExp(address));

      const bad = await runCli(["keys", "check", "--keystore", ks], { ZKPOOL_PASSWORD: "wrong horse" });
      assert.equal(bad.code, 3);
      assert.match(bad.stderr, /wrong password for keystore/);

      const pwFile = join(dir, "pw.txt");
      await writeFile(pwFile, "wrong again\n");
      const start = await runCli(["node", "start", "--keystore", ks, "--password-file", pwFile, "--genesis", join(dir, "g.json"), "--chain-id", "31337", "--escrow", address]);
      assert.equal(start.code, 3);
      assert.match(start.stderr, /wrong password for keystore/);
    });

    it("no password source, a missing keystore, an existing keystore and a malformed key are refused", async () => {
      const ks = join(dir, "ks2.json");
      let r = await runCli(["keys", "create", "--keystore", ks, ...FAST]);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /no keystore password: set ZKPOOL_PASSWORD/);
      r = await runCli(["node", "start", "--keystore", join(dir, "none.json")], { ZKPOOL_PASSWORD: "x" });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /no keystore at .*none\.json; create one with `zkpool keys create`/);
      r = await runCli(["keys", "import", "--keystore", ks, ...FAST], { ZKPOOL_PASSWORD: "x", ZKPOOL_PRIVATE_KEY: "0x1234" });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /private key must be 32 bytes of hex/);
      const key = Wallet.createRandom();
      r = await runCli(["keys", "import", "--keystore", ks, ...FAST], { ZKPOOL_PASSWORD: "x", ZKPOOL_PRIVATE_KEY: key.privateKey });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(key.address));
      r = await runCli(["keys", "import", "--keystore", ks, ...FAST], { ZKPOOL_PASSWORD: "x", ZKPOOL_PRIVATE_KEY: key.privateKey });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /a keystore already exists/);
      assert.equal((JSON.parse(readFileSync(ks, "utf8")) as { address: string }).address.toLowerCase(), key.address.slice(2).toLowerCase());
    });
  });

  it("precedence: flags > ZKPOOL_* environment > config file > defaults", async () => {
    const file = join(dir, "prec.json");
    await writeFile(file, JSON.stringify({ logLevel: "warn", apiPort: 1111, capacity: 3, bootstrap: ["/ip4/1.2.3.4/tcp/1/p2p/x"] }));
    const show = async (args: string[], env: Record<string, string>): Promise<Record<string, unknown>> => {
      const r = await runCli(["--json", "config", "show", "--config", file, ...args], env);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    let c = await show([], {});
    assert.equal(c["logLevel"], "warn");
    assert.equal(c["apiPort"], 1111);
    assert.equal(c["graceSeconds"], 10, "default");
    c = await show([], { ZKPOOL_LOG_LEVEL: "debug", ZKPOOL_API_PORT: "2222" });
    assert.equal(c["logLevel"], "debug");
    assert.equal(c["apiPort"], 2222);
    assert.equal(c["capacity"], 3, "file value kept where env is silent");
    c = await show(["--log-level", "error", "--prover"], { ZKPOOL_LOG_LEVEL: "debug", ZKPOOL_API_PORT: "2222" });
    assert.equal(c["logLevel"], "error");
    assert.equal(c["apiPort"], 2222);
    assert.equal(c["prover"], true);
    c = await show(["--bootstrap", "/ip4/5.6.7.8/tcp/2/p2p/y,/ip4/5.6.7.9/tcp/3/p2p/z"], {});
    assert.deepEqual(c["bootstrap"], ["/ip4/5.6.7.8/tcp/2/p2p/y", "/ip4/5.6.7.9/tcp/3/p2p/z"]);
  });

  describe("node start on anvil", function () {
    let anvil: Anvil | undefined;
    let proc: Spawned | undefined;

    after(async () => {
      proc?.kill();
      await proc?.exited;
      await anvil?.stop();
    });

    it("serves /status, /tasks, /earnings and Prometheus /metrics, and stops cleanly on SIGINT", async () => {
      anvil = await startAnvil({ hardfork: "cancun", blockTime: 1 });
      const provider = testProvider(anvil.url);
      const dev = (i: number): Wallet => new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey, provider);
      const deployed = await deployContracts(dev(0));
      const deployment = await writeDeployment(join(dir, "deployments"), deployed.deployment);
      const operator = dev(1);

      const dataDir = join(dir, "node1");
      const env = { ZKPOOL_PASSWORD: "pw", ZKPOOL_PRIVATE_KEY: operator.privateKey };
      const imp = await runCli(["keys", "import", "--data-dir", dataDir, ...FAST], env);
      assert.equal(imp.code, 0, imp.stderr);
      const chainFlags = ["--deployment", deployment, "--rpc-url", anvil.url];
      const join1 = await runCli(["--json", "prover", "join", "--stake", "10", "--data-dir", dataDir, ...chainFlags, "--capacity", "2", "--price-share", "60"], { ZKPOOL_PASSWORD: "pw" });
      assert.equal(join1.code, 0, join1.stderr);
      assert.equal((JSON.parse(join1.stdout) as { stake: string }).stake, (10n ** 19n).toString());
      assert.equal(await new StakeRegistryClient(deployed.stakeRegistry.address, provider).stakeOf(operator.address), 10n ** 19n);
      const written = JSON.parse(readFileSync(join(dataDir, "config.json"), "utf8")) as Record<string, unknown>;
      assert.equal(written["prover"], true);
      assert.equal(written["capacity"], 2);
      assert.equal(written["priceShare"], 60);
      const badStake = await runCli(["prover", "join", "--stake", "ten", "--data-dir", dataDir, ...chainFlags], { ZKPOOL_PASSWORD: "pw" });
      assert.equal(badStake.code, 2);
      assert.match(badStake.stderr, /--stake must be an amount in ETH/);
      provider.destroy();

      proc = spawnCli(["--json", "node", "start", "--data-dir", dataDir, "--deployment", deployment, "--rpc-url", anvil.url,
        "--listen", "/ip4/127.0.0.1/tcp/0", "--api-port", "0", "--devnet", "--log-level", "warn"], { ZKPOOL_PASSWORD: "pw" });
      const apiFile = join(dataDir, "api.json");
      await waitFor(() => existsSync(apiFile) || proc!.child.exitCode !== null, "api.json written");
      assert.equal(proc.child.exitCode, null, proc.stderr());
      const { url } = JSON.parse(readFileSync(apiFile, "utf8")) as { url: string };

      const status = (await (await fetch(`${url}/status`)).json()) as Record<string, unknown>;
      assert.equal(status["operator"], operator.address);
      assert.equal(status["chainId"], "31337");
      assert.equal(status["escrow"], deployed.escrow.address.toLowerCase());
      assert.deepEqual(status["tasks"], { total: 0, open: 0, completed: 0, invalid: 0, failed: 0 });
      assert.deepEqual(await (await fetch(`${url}/tasks`)).json(), []);
      const earnings = (await (await fetch(`${url}/earnings`)).json()) as Record<string, unknown>;
      assert.equal(earnings["claimable"], "0");
      const metrics = await fetch(`${url}/metrics`);
      assert.match(metrics.headers.get("content-type") ?? "", /text\/plain/);
      const text = await metrics.text();
      assert.match(text, /# TYPE zkpool_node_peers gauge/);
      assert.match(text, /process_cpu_seconds_total/);
      assert.equal((await fetch(`${url}/nope`)).status, 404);
      // a bad task id is the client's mistake (400, says what is wrong), not an internal error
      const bad = await fetch(`${url}/tasks/bad%2Fid`);
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { detail: string }).detail, /64 hex digits/);
      assert.equal((await fetch(`${url}/tasks/0x${"ab".repeat(32)}`)).status, 404);
      assert.equal((await fetch(`${url}/tasks?limit=5000`)).status, 400);
      assert.deepEqual(await (await fetch(`${url}/tasks?limit=10&after=0x${"00".repeat(32)}`)).json(), []);

      const ps = await runCli(["--json", "prover", "status", "--data-dir", dataDir, ...chainFlags]);
      assert.equal(ps.code, 0, ps.stderr);
      const pst = JSON.parse(ps.stdout) as { stake: string; claimableEarnings: string; node: { operator: string } };
      assert.equal(pst.stake, (10n ** 19n).toString());
      assert.equal(pst.claimableEarnings, "0");
      assert.equal(pst.node.operator, operator.address);
      const ts = await runCli(["task", "status", `0x${"ab".repeat(32)}`, ...chainFlags]);
      assert.equal(ts.code, 0, ts.stderr);
      assert.match(ts.stdout, /none \(never touched on chain\)/);

      await waitFor(() => proc!.stdout().includes('"event":"started"'), "started line");
      proc.kill("SIGINT");
      const r = await proc.exited;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /"event":"stopped"/);
    });
  });
});
