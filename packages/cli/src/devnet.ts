/**
 * `zkpool devnet`: anvil + contracts + staked operators + pool nodes and prover nodes as separate OS
 * processes (this CLI's `node start`), a stream of demo tasks from the SDK, live progress and a summary.
 * Embedded defaults only. Ctrl-C stops every process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, readFileSync, closeSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet, formatEther } from "ethers";
import { ANVIL_DEV_MNEMONIC, EscrowClient, StakeRegistryClient, deployContracts, startAnvil, writeDeployment, type Anvil } from "@zkpool/chain";
import { loadCircuit } from "@zkpool/circuits";
import { reservePrice, splitRound } from "@zkpool/protocol";
import { createClient, terminateSnarkjs, type TaskHandle, type ZkPoolClient } from "@zkpool/sdk";
import { writeKeystore } from "./keystore.js";
import { createProgress, progressMode, type Progress } from "./progress.js";

export interface DevnetOptions {
  /** Prover nodes (prove and attest). @default 2 */
  provers?: number;
  /** Attester-only pool nodes. @default 2 */
  attesters?: number;
  /** Demo tasks to run. @default 6 */
  tasks?: number;
  /** Seconds between task submissions. @default 3 */
  interval?: number;
  /** Circuit of the demo tasks (catalog, Groth16). @default "range-check-32" */
  circuit?: string;
  /** JSON lines instead of text. */
  json?: boolean;
  /** Where `out` writes: start-up steps are drawn live on it when it is a terminal (and json is off). */
  terminal?: NodeJS.WriteStream;
  /** Keep the devnet directory (configs, logs) after exit. */
  keep?: boolean;
  /**
   * Demo tasks with a price schedule (SPEC §10.3): `startPrice = maxReward / 1000`, `priceStep = (maxReward - startPrice) / 3`,
   * so the first auction rounds go unbid and re-auctions show. @default false (one auction round at maxReward)
   */
  schedule?: boolean;
  out(line: string): void;
  /** Resolves when the user asks to stop (SIGINT). */
  stopSignal: Promise<unknown>;
}

export interface DevnetSummary {
  tasks: number;
  verified: number;
  settled: number;
  failed: number;
  secondsToFirstProof: number | null;
  tasksPerMinute: number | null;
  totalSeconds: number;
  requesterSpentWei: string;
  earningsWei: Record<string, string>;
  insuranceFundWei: string;
  /**
   * Each settled task: what it paid against its maximum (wei, decimal strings), in settlement order; with a price
   * schedule, `auctionRound` is the auction round that cleared, when it is not the first.
   */
  paid: { taskId: string; priceWei: string; maxRewardWei: string; auctionRound?: number }[];
  /** Process ids of the node processes it started (all stopped when runDevnet returns). */
  pids: number[];
  dir: string;
}

const PASSWORD = "devnet-insecure";
const ETH = 10n ** 18n;
const BIN = fileURLToPath(new URL("./bin.js", import.meta.url));

function devWallet(i: number, provider: JsonRpcProvider): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return new Wallet(hd.privateKey, provider);
}

interface Proc { name: string; child: ChildProcess; dataDir: string; exited: Promise<void> }

function killGroup(p: Proc, signal: NodeJS.Signals): void {
  if (p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) return;
  try {
    process.kill(-p.child.pid, signal);
  } catch {
    /* gone */
  }
}

export async function runDevnet(o: DevnetOptions): Promise<DevnetSummary> {
  const t0 = Date.now();
  const progress: Progress = createProgress({ mode: progressMode(o.json === true, o.terminal), line: (l) => o.out(l), terminal: o.terminal, since: t0 });
  const say = (text: string, data: Record<string, unknown>): void => progress.event(text, data);
  const provers = o.provers ?? 2;
  const attesters = o.attesters ?? 2;
  const n = provers + attesters;
  const dir = await mkdtemp(join(tmpdir(), "zkpool-devnet-"));
  const procs: Proc[] = [];
  let anvil: Anvil | undefined;
  let provider: JsonRpcProvider | undefined;
  let client: ZkPoolClient | undefined;
  let stopped = false;
  const stopPromise = o.stopSignal.then(() => {
    stopped = true;
    say("stopping (Ctrl-C)", { event: "stopping" });
  });
  try {
    // blocks every second, like a real chain: stake epochs become final and simulations see the current time
    anvil = await progress.run("starting anvil", () => startAnvil({ hardfork: "cancun", blockTime: 1 }),
      (a) => [`anvil ${a.url} (pid ${a.pid})`, { event: "anvil", rpcUrl: a.url, anvilPid: a.pid }]);
    const rpcUrl = anvil.url;
    const anvilPid = anvil.pid;
    // receipts are polled every 250 ms (ethers polls every 4 s by default: each setup transaction would wait that long)
    provider = new JsonRpcProvider(rpcUrl, undefined, { batchMaxCount: 1, cacheTimeout: -1, staticNetwork: true, pollingInterval: 250 });
    const deployer = devWallet(0, provider);
    const { deployed, deploymentPath } = await progress.run("deploying the contracts", async () => {
      const d = await deployContracts(deployer);
      return { deployed: d, deploymentPath: await writeDeployment(join(dir, "deployments"), d.deployment) };
    }, (r) => [`contracts deployed (escrow ${r.deployed.deployment.escrow})`, { event: "deployed", rpcUrl, anvilPid, ...r.deployed.deployment }]);
    const circuitName = o.circuit ?? "range-check-32";
    // any account may register a circuit (SPEC §9.12); the devnet registers its demo circuit, in every proof
    // system it has keys for, so PLONK and FFLONK tasks settle too
    const { circuit, registered } = await progress.run(`registering ${circuitName}`, async (step) => {
      const groth16 = await loadCircuit(circuitName, "groth16");
      const systems: string[] = [];
      for (const [system, code] of [["groth16", 1], ["plonk", 2], ["fflonk", 3]] as const) {
        const c = system === "groth16" ? groth16 : await loadCircuit(circuitName, system).catch(() => undefined);
        if (c === undefined) continue;
        step.update(`registering ${circuitName} (${system})`);
        await deployed.circuitRegistry.register(code, `0x${c.wasm.sha256}`, `0x${c.zkey.sha256}`, readFileSync(c.vkey.path));
        systems.push(system);
      }
      return { circuit: groth16, registered: systems };
    }, (r) => [`${circuitName} registered (${r.registered.join(", ")})`, { event: "registered", circuit: circuitName, registered: r.registered }]);
    const operators = await progress.run(`staking ${n} operators`, async (step) => {
      const ws: Wallet[] = [];
      for (let i = 0; i < n; i++) {
        step.update(`staking ${n} operators (${i + 1}/${n})`);
        const w = devWallet(1 + i, provider!);
        ws.push(w);
        await new StakeRegistryClient(deployed.stakeRegistry.address, w).stake(10n * ETH);
      }
      return ws;
    }, (ws) => [`${n} operators staked 10 ETH each`, { event: "staked", operators: ws.map((w) => w.address), registered }]);

    let bootstrap: string[] = [];
    for (let i = 0; i < n && !stopped; i++) {
      const prover = i < provers;
      const name = `${prover ? "prover" : "pool"}-${i}`;
      const step = progress.start(`starting ${name} (${prover ? "prover" : "attester"})`);
      const dataDir = join(dir, name);
      await mkdir(dataDir, { recursive: true });
      await writeKeystore(join(dataDir, "keystore.json"), operators[i]!.privateKey, PASSWORD, { scryptN: 1024 });
      const args = [BIN, "node", "start", "--data-dir", dataDir, "--deployment", deploymentPath, "--rpc-url", rpcUrl,
        "--listen", "/ip4/127.0.0.1/tcp/0", "--api-port", "0", "--devnet", "--log-level", "info", "--grace-seconds", "5"];
      // cost-plus pricing (SPEC §10: bidding one's cost is dominant), a different cost per prover so the market shows:
      // 0.0001, 0.00015, 0.0002 … ETH per second of proving (a minute-long proof still bids under the 0.1 ETH the
      // demo and the tests offer)
      if (prover) args.push("--prover", "--cost-per-second", formatEther((10n + 5n * BigInt(i)) * 10n ** 13n));
      if (bootstrap.length > 0) args.push("--bootstrap", bootstrap.join(","));
      const log = openSync(join(dataDir, "node.log"), "a");
      const child = spawn(process.execPath, args, { env: { ...process.env, ZKPOOL_PASSWORD: PASSWORD }, stdio: ["ignore", log, log], detached: true });
      closeSync(log);
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      procs.push({ name, child, dataDir, exited });
      const apiFile = join(dataDir, "api.json");
      const end = Date.now() + 60_000;
      while (!existsSync(apiFile) && child.exitCode === null && Date.now() < end && !stopped) await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(apiFile)) {
        if (stopped) {
          step.fail(`${name} not started (stopping)`);
          break;
        }
        const tail = readFileSync(join(dataDir, "node.log"), "utf8").trim().split("\n").slice(-5).join("\n  ");
        step.fail(`${name} did not start`);
        throw new Error(`${name} did not start (exit code ${child.exitCode ?? "none"}); last lines of its log:\n  ${tail}`);
      }
      const api = JSON.parse(readFileSync(apiFile, "utf8")) as { url: string; addrs: string[]; peerId: string };
      if (i === 0) bootstrap = api.addrs.filter((a) => a.includes("127.0.0.1"));
      step.done(`${name} up (pid ${child.pid}, ${prover ? "prover" : "attester"}, API ${api.url}); dashboard ${api.url}/dashboard/`,
        { event: "node", name, pid: child.pid, api: api.url, dashboard: `${api.url}/dashboard/`, role: prover ? "prover" : "attester" });
    }
    if (stopped) return summary();

    const requester = devWallet(9, provider);
    client = await progress.run("connecting the demo requester", async () => {
      const cl = await createClient({ signer: requester, bootstrap, rpcUrl, deployment: deploymentPath, devnet: true });
      client = cl; // closed in finally even if the deposit fails
      await cl.deposit({ amount: 100n * ETH });
      return cl;
    }, () => [`requester ${requester.address} deposited 100 ETH; pool: --rpc-url ${rpcUrl} --deployment ${deploymentPath} --bootstrap ${bootstrap.join(",")} --devnet`,
      { event: "requester", address: requester.address, rpcUrl, deployment: deploymentPath, bootstrap }]);
    if ((o.tasks ?? 6) === 0) say("no demo tasks (--tasks 0): the pool runs until Ctrl-C", { event: "idle" });
    // operator records and meshes: a few heartbeats
    const meshing = progress.start(`waiting for the mesh (${n} nodes)`);
    await Promise.race([new Promise((r) => setTimeout(r, 4000)), stopPromise]);
    if (stopped) meshing.fail("stopping");
    else meshing.done(`pool ready: ${n} nodes, ${provers} of them provers`, { event: "ready", nodes: n, provers });

    const handles: TaskHandle[] = [];
    let firstVerifiedAt: number | undefined;
    let lastVerifiedAt: number | undefined;
    let firstPublishedAt: number | undefined;
    let verified = 0, settled = 0, failed = 0;
    const paid: DevnetSummary["paid"] = [];
    const total = o.tasks ?? 6;
    const settledAll = new Promise<void>((resolve) => {
      const check = (): void => { if (settled + failed >= total) resolve(); };
      for (let k = 0; k < total; k++) {
        void (async () => {
          await new Promise((r) => setTimeout(r, k * (o.interval ?? 3) * 1000));
          if (stopped) return;
          let h: TaskHandle;
          const maxReward = ETH / 10n;
          const startPrice = maxReward / 1000n;
          const schedule = o.schedule === true ? { schedule: { startPrice, priceStep: (maxReward - startPrice) / 3n } } : {};
          try {
            h = await client!.submitTask({ circuit: circuitName, input: circuit.sampleInput, publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)), maxReward, windows: { bidWindow: 5, revealWindow: 5, proofWindow: 20, maxRounds: 2 }, ...schedule });
          } catch (err) {
            failed++;
            say(`task ${k + 1} not submitted: ${(err as Error).message}`, { event: "submitFailed", error: String(err) });
            check();
            return;
          }
          handles.push(h);
          firstPublishedAt ??= Date.now();
          const id = h.taskId.slice(0, 10);
          h.on("published", () => say(`task ${k + 1} ${id} published`, { event: "published", taskId: h.taskId }));
          h.on("reauction", (e) => say(`task ${k + 1} ${id} re-auction: no bid at ${formatEther(reservePrice(h.task, e.auctionRound - 1))} ETH; auction round ${e.auctionRound} at ${formatEther(e.reserve)} ETH`,
            { event: "reauction", taskId: h.taskId, ...e }));
          h.on("assigned", (e) => say(`task ${k + 1} ${id} assigned to ${e.prover.slice(0, 10)} at ${formatEther(e.price)} ETH` +
            (e.auctionRound > 0 ? ` in auction round ${e.auctionRound} (reserve ${formatEther(e.reserve)} ETH)` : ""), { event: "assigned", taskId: h.taskId, ...e }));
          h.on("reassigned", (e) => say(`task ${k + 1} ${id} reassigned (round ${e.round}) to ${e.prover.slice(0, 10)}`, { event: "reassigned", taskId: h.taskId, ...e }));
          h.on("defaulted", (e) => say(`task ${k + 1} ${id} prover ${e.prover.slice(0, 10)} defaulted in round ${e.round}`, { event: "defaulted", taskId: h.taskId, ...e }));
          h.on("proved", (e) => say(`task ${k + 1} ${id} proof submitted by ${e.prover.slice(0, 10)}`, { event: "proved", taskId: h.taskId, ...e }));
          h.on("verified", () => {
            verified++;
            firstVerifiedAt ??= Date.now();
            lastVerifiedAt = Date.now();
            say(`task ${k + 1} ${id} proof verified locally`, { event: "verified", taskId: h.taskId });
          });
          h.on("settled", (e) => {
            settled++;
            const cleared = splitRound(h.task, e.round).auction;
            paid.push({ taskId: h.taskId, priceWei: e.price.toString(), maxRewardWei: h.task.maxReward.toString(), ...(cleared > 0 ? { auctionRound: cleared } : {}) });
            say(`task ${k + 1} ${id} settled on chain: ${formatEther(e.price)} ETH paid of ${formatEther(h.task.maxReward)} max, ${formatEther(e.refunded)} ETH back`, { event: "settled", taskId: h.taskId, ...e, maxReward: h.task.maxReward });
            check();
          });
          h.on("failed", (e) => {
            failed++;
            say(`task ${k + 1} ${id} failed: ${e.reason}`, { event: "failed", taskId: h.taskId, reason: e.reason });
            check();
          });
        })();
      }
    });
    await Promise.race([settledAll, stopPromise]);

    async function summaryInner(): Promise<DevnetSummary> {
      const esc = new EscrowClient(deployed.escrow.address, provider!);
      const earnings: Record<string, string> = {};
      for (const w of [...operators, deployer]) earnings[w.address] = (await esc.earnings(w.address)).toString();
      const spent = 100n * ETH - (await esc.balanceOf(requester.address));
      const span = firstPublishedAt !== undefined && lastVerifiedAt !== undefined ? (lastVerifiedAt - firstPublishedAt) / 60_000 : 0;
      return {
        tasks: total, verified, settled, failed,
        secondsToFirstProof: firstVerifiedAt !== undefined ? (firstVerifiedAt - t0) / 1000 : null,
        tasksPerMinute: span > 0 ? verified / span : null,
        totalSeconds: (Date.now() - t0) / 1000,
        requesterSpentWei: spent.toString(),
        earningsWei: earnings,
        insuranceFundWei: (await esc.insuranceFund()).toString(),
        paid,
        pids: procs.map((p) => p.child.pid ?? 0),
        dir,
      };
    }
    return await summaryInner();

    function summary(): DevnetSummary {
      return { tasks: 0, verified: 0, settled: 0, failed: 0, secondsToFirstProof: null, tasksPerMinute: null, totalSeconds: (Date.now() - t0) / 1000, requesterSpentWei: "0", earningsWei: {}, insuranceFundWei: "0", paid: [], pids: procs.map((p) => p.child.pid ?? 0), dir };
    }
  } finally {
    try {
      const stopping = progress.start(`stopping ${procs.length} nodes and anvil`);
      await client?.close().catch(() => undefined);
      for (const p of procs) killGroup(p, "SIGINT");
      await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((r) => setTimeout(r, 8000).unref())]);
      for (const p of procs) killGroup(p, "SIGKILL");
      provider?.destroy();
      await anvil?.stop();
      await terminateSnarkjs();
      if (o.keep !== true) await rm(dir, { recursive: true, force: true });
      stopping.done(`stopped ${procs.length} nodes and anvil${o.keep === true ? `; kept ${dir}` : ""}`,
        { event: "shutdown", pids: procs.map((p) => p.child.pid ?? 0), dir, kept: o.keep === true });
    } finally {
      await progress.close();
    }
  }
}

/** Text form of the summary. */
export function formatSummary(s: DevnetSummary): string {
  const lines = [
    "devnet summary",
    `  tasks ${s.tasks}: ${s.verified} verified, ${s.settled} settled on chain, ${s.failed} failed`,
    `  time from command to first verified proof: ${s.secondsToFirstProof === null ? "-" : `${s.secondsToFirstProof.toFixed(1)} s`}`,
    `  tasks completed per minute: ${s.tasksPerMinute === null ? "-" : s.tasksPerMinute.toFixed(1)}`,
    `  requester spent ${formatEther(BigInt(s.requesterSpentWei))} ETH; insurance fund ${formatEther(BigInt(s.insuranceFundWei))} ETH`,
    ...paidLines(s.paid),
    ...Object.entries(s.earningsWei).map(([a, v]) => `  earnings ${a}: ${formatEther(BigInt(v))} ETH`),
    `  total ${s.totalSeconds.toFixed(1)} s`,
  ];
  return lines.join("\n");
}

/** What the settled tasks paid against their maximum: each task, and the mean ratio (in basis points, integers). */
function paidLines(paid: DevnetSummary["paid"]): string[] {
  if (paid.length === 0) return [];
  const bps = paid.map((p) => (BigInt(p.priceWei) * 10_000n) / BigInt(p.maxRewardWei));
  const mean = bps.reduce((a, b) => a + b, 0n) / BigInt(bps.length);
  return [
    `  paid against the maximum: mean ${Number(mean) / 100} % over ${paid.length} settled task${paid.length === 1 ? "" : "s"}`,
    ...paid.map((p, i) => `    ${p.taskId.slice(0, 10)}: ${formatEther(BigInt(p.priceWei))} of ${formatEther(BigInt(p.maxRewardWei))} ETH (${Number(bps[i]!) / 100} %` +
      `${p.auctionRound !== undefined && p.auctionRound > 0 ? `, auction round ${p.auctionRound}` : ""})`),
  ];
}
