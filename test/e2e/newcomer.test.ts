/**
 * The newcomer (issue 13): a circuit the pool has never seen, written in a temporary folder with a circomlib
 * include, set up with `zkpool circuit setup`, registered from an account that is not the deployer, proved and
 * settled through `zkpool task submit` (the `examples/own-circuit/run.sh` flow, run as is); the same circuit in
 * PLONK through the SDK (refused before registration, then registered and settled); and a new operator funded,
 * joined, claiming and unstaking with CLI commands only. Against a `zkpool devnet` of OS processes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, Mnemonic, Wallet, parseEther } from "ethers";
import { ANVIL_DEV_MNEMONIC } from "@zkpool/chain";
import { DEV_PTAU } from "@zkpool/circuits";
import { parseVerificationKey } from "@zkpool/protocol";
import { SdkError, SdkErrorCode, createClient, terminateSnarkjs } from "@zkpool/sdk";
import { CLI, startDevnetProcess, type CliRun, type DevnetProcess } from "./devnet-process.js";

const EXAMPLE = fileURLToPath(new URL("../../../examples/own-circuit/", import.meta.url));
/** anvil dev account 8: not the deployer (0), not a devnet operator (1..n) nor its requester (n+1). */
const SDK_REQUESTER = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/8").privateKey;
/** anvil dev account 9: the CLI's PLONK requester. */
const CLI_REQUESTER = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/9").privateKey;

function bash(script: string, args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn("bash", [script, ...args], { env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let so = "", se = "";
    p.stdout.on("data", (d: Buffer) => (so += d.toString()));
    p.stderr.on("data", (d: Buffer) => (se += d.toString()));
    p.on("close", (code) => resolve({ code, stdout: so, stderr: se }));
  });
}

type Verify = (vk: unknown, signals: string[], proof: unknown) => Promise<boolean>;
const snarkjs = (await import("snarkjs")) as unknown as { groth16: { verify: Verify }; plonk: { verify: Verify } };

const json = (r: CliRun): Record<string, unknown> => {
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe("e2e: a newcomer brings a circuit and an operator joins (CLI and SDK only)", function () {
  this.timeout(600_000);
  let dir: string;
  let devnet: DevnetProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-newcomer-"));
    devnet = await startDevnetProcess(dir, ["--provers", "2", "--attesters", "1"]);
  });
  after(async () => {
    await devnet?.stop();
    await terminateSnarkjs();
    await rm(dir, { recursive: true, force: true });
  });

  it("own circuit in a temporary folder: setup, register from a new key, `zkpool task submit` proves and settles it", async () => {
    const src = join(dir, "src");
    await mkdir(src);
    await copyFile(join(EXAMPLE, "own.circom"), join(src, "own.circom"));
    await copyFile(join(EXAMPLE, "input.json"), join(src, "input.json"));
    const work = join(dir, "groth16");
    await mkdir(work);
    const env = {
      HOME: dir, ZKPOOL_EXAMPLE_DIR: work, ZKPOOL_CIRCUIT: join(src, "own.circom"), ZKPOOL_INPUT: join(src, "input.json"),
      ZKPOOL_PTAU: DEV_PTAU.path, ZKPOOL_PROOF_SYSTEM: "groth16",
    };
    const r = await bash(join(EXAMPLE, "run.sh"), [...devnet.chainFlags, "--bootstrap", devnet.bootstrap.join(",")], env);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stdout + r.stderr, /^ERROR:|\[INFO\]|template instances/m, "no raw circom output reaches the user");
    assert.match(r.stdout, /registered groth16 circuit 0x[0-9a-f]{64}/);
    assert.match(r.stdout, /settled on chain/);

    const proof = JSON.parse(await readFile(join(work, "proof.json"), "utf8")) as { proof: unknown; publicSignals: string[] };
    const vkey = parseVerificationKey(await readFile(join(work, "own", "own.groth16.vkey")));
    assert.equal(await snarkjs.groth16.verify(vkey, proof.publicSignals, proof.proof), true);
    assert.equal(proof.publicSignals[1], "1000000", "the public bound");

    // the chain lists it, registered by the newcomer's key (not the deployer)
    const newcomer = json(await devnet.cli(["--json", "keys", "show", "--keystore", join(work, "newcomer.json")]))["address"] as string;
    const id = /registered groth16 circuit (0x[0-9a-f]{64})/.exec(r.stdout)![1]!;
    const shown = json(await devnet.cli(["--json", "circuit", "show", id, ...devnet.chainFlags]));
    assert.equal((shown["registrant"] as string).toLowerCase(), newcomer.toLowerCase());
    assert.notEqual((shown["registrant"] as string).toLowerCase(), (devnet.event("deployed")!["deployer"] as string).toLowerCase());
    const listed = json(await devnet.cli(["--json", "circuit", "list", ...devnet.chainFlags])) as unknown as { circuitId: string }[];
    assert.ok(listed.some((e) => e.circuitId === id) && listed.length >= 2, "the devnet's demo circuit and the newcomer's");
    // registering again is a no-op
    const again = json(await devnet.cli(["--json", "circuit", "register", "--dir", join(work, "own"), "--keystore", join(work, "newcomer.json"), ...devnet.chainFlags],
      { ZKPOOL_PASSWORD: "example-insecure" }));
    assert.equal(again["registered"], false);
    assert.equal(again["circuitId"], id);
  });

  it("the same circuit in PLONK through the SDK: refused before registration (nothing published), then registered and settled; then `zkpool task submit --proof-system plonk`", async () => {
    const src = join(dir, "src");
    const out = join(dir, "plonk");
    json(await devnet.cli(["--json", "circuit", "setup", join(src, "own.circom"), "--out", out, "--proof-system", "plonk", "--ptau", DEV_PTAU.path]));
    const artifacts = { wasm: join(out, "own.wasm"), zkey: join(out, "own.plonk.zkey"), vkey: join(out, "own.plonk.vkey") };
    const input = JSON.parse(await readFile(join(src, "input.json"), "utf8")) as Record<string, unknown>;
    const client = await createClient({ signer: new Wallet(SDK_REQUESTER), rpcUrl: devnet.rpcUrl, deployment: devnet.deployment, bootstrap: devnet.bootstrap, devnet: true });
    try {
      await client.deposit({ amount: parseEther("2") });
      const before = await client.balance();
      await assert.rejects(client.submitTask({ artifacts, input, maxReward: parseEther("0.1") }),
        (e) => e instanceof SdkError && e.code === SdkErrorCode.CIRCUIT_NOT_REGISTERED && /zkpool circuit register/.test(e.message));
      assert.equal((await client.balance()).available, before.available, "nothing was locked or spent");
      const reg = await client.registerCircuit({ artifacts, proofSystem: "plonk" });
      assert.equal(reg.registered, true);
      assert.equal(reg.proofSystem, "plonk");
      assert.deepEqual(await client.isCircuitRegistered({ artifacts }), { circuitId: reg.circuitId, registered: true });
      const task = await client.submitTask({ artifacts, input, maxReward: parseEther("0.1"), windows: { bidWindow: 8, revealWindow: 6, proofWindow: 90 } });
      const settled = new Promise<{ price: bigint }>((resolve) => task.once("settled", resolve));
      const result = await task.result();
      assert.equal(await snarkjs.plonk.verify(parseVerificationKey(await readFile(artifacts.vkey)), result.publicSignals, result.proof), true);
      assert.ok((await settled).price > 0n);
    } finally {
      await client.close();
    }
    // and through the CLI: `task submit --proof-system plonk` on the same registered circuit (a second requester)
    const env = { ZKPOOL_PASSWORD: "plonk-pw", ZKPOOL_PRIVATE_KEY: CLI_REQUESTER };
    const ks = join(dir, "plonk-requester.json");
    json(await devnet.cli(["--json", "keys", "import", "--keystore", ks, "--scrypt-n", "1024"], env));
    const proofFile = join(dir, "plonk-proof.json");
    const sub = json(await devnet.cli(["--json", "task", "submit", "--wasm", artifacts.wasm, "--zkey", artifacts.zkey, "--vkey", artifacts.vkey, "--proof-system", "plonk",
      "--input", join(src, "input.json"), "--max-reward", "0.1", "--deposit", "1", "--out", proofFile, "--keystore", ks, ...devnet.chainFlags,
      "--bootstrap", devnet.bootstrap.join(","), "--devnet", "--bid-window", "8", "--reveal-window", "6", "--proof-window", "90"], { ZKPOOL_PASSWORD: "plonk-pw" }));
    assert.equal(sub["settled"], true);
    const written = JSON.parse(await readFile(proofFile, "utf8")) as { proof: unknown; publicSignals: string[] };
    assert.equal(await snarkjs.plonk.verify(parseVerificationKey(await readFile(artifacts.vkey)), written.publicSignals, written.proof), true);
  });

  it("a new operator: keys create, fund, prover join (its node starts exactly as printed), claim (nothing yet), unstake, all with CLI commands", async () => {
    const op = join(dir, "operator");
    const env = { ZKPOOL_PASSWORD: "operator-pw" };
    const created = json(await devnet.cli(["--json", "keys", "create", "--data-dir", op, "--scrypt-n", "1024"], env));
    const address = created["address"] as string;
    const funded = json(await devnet.cli(["--json", "fund", address, "--amount", "3", ...devnet.chainFlags]));
    assert.equal(funded["amount"], parseEther("3").toString(), "--json carries wei");
    // the pool flags as the devnet prints them ("pool: --rpc-url … --deployment … --bootstrap … --devnet")
    const joined = json(await devnet.cli(["--json", "prover", "join", "--stake", "1", "--data-dir", op, ...devnet.chainFlags, "--bootstrap", devnet.bootstrap.join(","), "--devnet"], env));
    assert.equal(joined["stake"], parseEther("1").toString());
    assert.match(joined["next"] as string, /^zkpool node start --config \S+$/);
    const cfg = JSON.parse(await readFile(joined["config"] as string, "utf8")) as { devnet?: boolean; passwordFile?: string };
    assert.equal(cfg.devnet, true, "the config carries the devnet flag it was joined with");
    // run the printed command as is (no password in the environment: the config names its password file)
    const node = spawn(process.execPath, [CLI, ...(joined["next"] as string).split(" ").slice(1)], { env: { PATH: process.env["PATH"] ?? "", HOME: dir }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let log = "";
    node.stdout.on("data", (d: Buffer) => (log += d.toString()));
    node.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => node.on("exit", (code) => r(code)));
    try {
      const url = `http://127.0.0.1:${joined["apiPort"] as number}/status`;
      const end = Date.now() + 60_000;
      let status: { operator?: string } | undefined;
      while (status === undefined && Date.now() < end && node.exitCode === null) {
        status = await fetch(url).then((r) => (r.ok ? (r.json() as Promise<{ operator?: string }>) : undefined), () => undefined);
        if (status === undefined) await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(status !== undefined, `the joined node answers ${url}:\n${log}`);
      assert.equal(String(status.operator).toLowerCase(), address.toLowerCase());
      process.kill(-node.pid!, "SIGTERM");
      assert.equal(await exited, 0, log);
    } finally {
      if (node.exitCode === null) process.kill(-node.pid!, "SIGKILL");
    }
    const claim = json(await devnet.cli(["--json", "prover", "claim", "--data-dir", op, ...devnet.chainFlags], env));
    assert.equal(claim["txHash"], null, "nothing to claim is a no-op");
    const unstake = json(await devnet.cli(["--json", "prover", "unstake", "--all", "--data-dir", op, ...devnet.chainFlags], env));
    assert.equal(unstake["unstaked"], parseEther("1").toString());
    const early = await devnet.cli(["--json", "prover", "withdraw", "--data-dir", op, ...devnet.chainFlags], env);
    assert.notEqual(early.code, 0);
    assert.match(early.stderr + early.stdout, /CLI_NOT_READY|unlock/);
  });
});
