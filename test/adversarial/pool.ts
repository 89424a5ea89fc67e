/**
 * A pool of OS processes for the adversarial suite: anvil, the contracts, staked operators and `zkpool node
 * start` processes (the same command line as `zkpool devnet` uses, see packages/cli/src/devnet.ts), run here
 * rather than through `zkpool devnet` so that one node can be killed with SIGKILL and restarted from its data
 * directory with the same arguments. Also: an SDK requester client, node HTTP API and /proc readers, and the
 * on-chain accounting (TaskSettled events, earnings, insurance fund).
 */
import { stopGroups } from "../lib/processes.js";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, unlink } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, Wallet } from "ethers";
import {
  ANVIL_DEV_MNEMONIC,
  EscrowClient,
  StakeRegistryClient,
  deployContracts,
  escrowInterface,
  startAnvil,
  writeDeployment,
  type Anvil,
  type Deployment,
} from "@zkpool/chain";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import { writeKeystore } from "@zkpool/cli";
import { MAX_CLOCK_SKEW, finalDeadline, type ChainParams, type Hex, type ProtocolDomain, type Task } from "@zkpool/protocol";
import { createClient, type TaskHandle, type ZkPoolClient } from "@zkpool/sdk";

export const ETH = 10n ** 18n;
const PASSWORD = "adversarial-insecure";
const BIN = fileURLToPath(new URL("./bin.js", import.meta.resolve("@zkpool/cli")));
/** Honest tasks: the devnet's windows. */
export const HONEST_WINDOWS = { bidWindow: 5, revealWindow: 5, proofWindow: 20, maxRounds: 2 } as const;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const nowS = (): bigint => BigInt(Math.floor(Date.now() / 1000));


export function devWallet(i: number, provider?: JsonRpcProvider): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return new Wallet(hd.privateKey, provider);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** VmRSS of a process in bytes (undefined when it is gone). */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

export const mb = (bytes: number | undefined): string => (bytes === undefined ? "-" : (bytes / 2 ** 20).toFixed(1));

export interface NodeApi {
  url: string;
  peerId: string;
  addrs: string[];
  pid: number;
}

export interface PoolNodeProc {
  name: string;
  role: "prover" | "attester";
  operator: Wallet;
  dataDir: string;
  args: string[];
  child: ChildProcess;
  exited: Promise<void>;
  api: NodeApi;
  /** Every pid this node ever had (a restart adds one). */
  pids: number[];
  restarts: number;
}

export interface PoolInit {
  provers?: number;
  attesters?: number;
  /** Register these catalog circuits (Groth16) besides range-check-32. */
  extraCircuits?: string[];
  log?: (line: string) => void;
}

/** Artifact content hashes of a catalog circuit (what the nodes' content stores key them by). */
export interface CircuitHashes {
  wasm: string;
  zkey: string;
  vkey: string;
}

async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

export class Pool {
  readonly nodes: PoolNodeProc[] = [];
  client: ZkPoolClient | undefined;
  readonly circuits = new Map<string, CatalogCircuit>();
  readonly circuitHashes = new Map<string, CircuitHashes>();
  private stopped = false;

  private constructor(
    readonly dir: string,
    readonly anvil: Anvil,
    readonly provider: JsonRpcProvider,
    readonly deployment: Deployment,
    readonly deploymentPath: string,
    readonly escrow: EscrowClient,
    readonly deployer: Wallet,
    readonly requester: Wallet,
    readonly log: (line: string) => void,
  ) {}

  get domain(): ProtocolDomain {
    return { chainId: BigInt(this.deployment.chainId), escrow: this.deployment.escrow.toLowerCase() as Hex };
  }

  get params(): ChainParams {
    if (this.client === undefined) throw new Error("no client");
    return this.client.params;
  }

  get bootstrap(): string[] {
    return this.nodes[0]!.api.addrs.filter((a) => a.includes("127.0.0.1"));
  }

  /** Every pid started (nodes, restarts included, and anvil). */
  get allPids(): number[] {
    return [...this.nodes.flatMap((n) => n.pids), this.anvil.pid];
  }

  node(name: string): PoolNodeProc {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  static async start(init: PoolInit = {}): Promise<Pool> {
    const log = init.log ?? (() => undefined);
    const provers = init.provers ?? 2;
    const attesters = init.attesters ?? 2;
    const dir = await mkdtemp(join(tmpdir(), "zkpool-adversarial-"));
    const anvil = await startAnvil({ hardfork: "cancun", blockTime: 1 });
    const provider = new JsonRpcProvider(anvil.url, undefined, { batchMaxCount: 1, cacheTimeout: -1, staticNetwork: true, pollingInterval: 250 });
    let pool: Pool | undefined;
    try {
      const deployer = devWallet(0, provider);
      const deployed = await deployContracts(deployer);
      const deploymentPath = await writeDeployment(join(dir, "deployments"), deployed.deployment);
      pool = new Pool(dir, anvil, provider, deployed.deployment, deploymentPath, deployed.escrow, deployer, devWallet(9, provider), log);
      const deployerNonces = new NonceManager(deployer);
      for (const name of ["range-check-32", ...(init.extraCircuits ?? [])]) {
        const c = await loadCircuit(name, "groth16");
        pool.circuits.set(name, c);
        pool.circuitHashes.set(name, { wasm: await sha256File(c.wasm.path), zkey: await sha256File(c.zkey.path), vkey: await sha256File(c.vkey.path) });
        await deployed.circuitRegistry.connect(deployerNonces).register(1, `0x${c.wasm.sha256}`, `0x${c.zkey.sha256}`, readFileSync(c.vkey.path));
      }
      const n = provers + attesters;
      const operators: Wallet[] = [];
      for (let i = 0; i < n; i++) {
        const w = devWallet(1 + i, provider);
        operators.push(w);
        await new StakeRegistryClient(deployed.deployment.stakeRegistry, w).stake(10n * ETH);
      }
      log(`anvil ${anvil.url} (pid ${anvil.pid}); escrow ${deployed.deployment.escrow}; ${n} operators staked 10 ETH`);
      // The first node is the bootstrap; the others start in parallel once it is up.
      const spec = (i: number): { name: string; role: "prover" | "attester"; extra: string[] } =>
        i < provers ? { name: `prover-${i}`, role: "prover", extra: ["--prover", "--price-share", String(40 + 10 * i)] } : { name: `pool-${i}`, role: "attester", extra: [] };
      const first = spec(0);
      await pool.startNode(first.name, first.role, operators[0]!, first.extra);
      await Promise.all(
        Array.from({ length: n - 1 }, (_, k) => spec(k + 1)).map((s, k) => pool!.startNode(s.name, s.role, operators[k + 1]!, s.extra)),
      );
      pool.client = await createClient({ signer: pool.requester, bootstrap: pool.bootstrap, rpcUrl: anvil.url, deployment: deploymentPath, devnet: true });
      await pool.client.deposit({ amount: 100n * ETH });
      return pool;
    } catch (err) {
      await pool?.stop().catch(() => undefined);
      if (pool === undefined) {
        provider.destroy();
        await anvil.stop();
        await rm(dir, { recursive: true, force: true });
      }
      throw err;
    }

  }

  private async startNode(name: string, role: "prover" | "attester", operator: Wallet, extra: string[]): Promise<void> {
    const dataDir = join(this.dir, name);
    await mkdir(dataDir, { recursive: true });
    await writeKeystore(join(dataDir, "keystore.json"), operator.privateKey, PASSWORD, { scryptN: 1024 });
    const args = [BIN, "node", "start", "--data-dir", dataDir, "--deployment", this.deploymentPath, "--rpc-url", this.anvil.url,
      "--listen", "/ip4/127.0.0.1/tcp/0", "--api-port", "0", "--devnet", "--log-level", "info", "--grace-seconds", "5", ...extra];
    if (this.nodes.length > 0) args.push("--bootstrap", this.bootstrap.join(","));
    const { child, exited } = this.spawnNode(dataDir, args);
    const proc: PoolNodeProc = { name, role, operator, dataDir, args, child, exited, api: { url: "", peerId: "", addrs: [], pid: 0 }, pids: [child.pid!], restarts: 0 };
    this.nodes.push(proc);
    proc.api = await this.waitApi(proc);
    this.log(`${name} up (pid ${child.pid}, ${role}, operator ${operator.address}, API ${proc.api.url})`);
  }

  private spawnNode(dataDir: string, args: string[]): { child: ChildProcess; exited: Promise<void> } {
    const log = openSync(join(dataDir, "node.log"), "a");
    const child = spawn(process.execPath, args, { env: { ...process.env, ZKPOOL_PASSWORD: PASSWORD }, stdio: ["ignore", log, log], detached: true });
    closeSync(log);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return { child, exited };
  }

  private async waitApi(p: PoolNodeProc, timeoutMs = 90_000): Promise<NodeApi> {
    const apiFile = join(p.dataDir, "api.json");
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && p.child.exitCode === null && p.child.signalCode === null) {
      if (existsSync(apiFile)) {
        try {
          const api = JSON.parse(readFileSync(apiFile, "utf8")) as NodeApi;
          if (api.pid === p.child.pid) return api;
        } catch {
          /* being written */
        }
      }
      await sleep(100);
    }
    const tail = readFileSync(join(p.dataDir, "node.log"), "utf8").trim().split("\n").slice(-8).join("\n  ");
    throw new Error(`${p.name} did not start (exit ${p.child.exitCode ?? p.child.signalCode ?? "none"}); last lines of its log:\n  ${tail}`);
  }

  /** SIGKILL the node's process (its whole process group), at once. */
  async kill9(name: string): Promise<number> {
    const p = this.node(name);
    const pid = p.child.pid!;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
    await p.exited;
    return pid;
  }

  /** Start the node again from its data directory with the same command line; resolves when its API is up. */
  async restart(name: string): Promise<void> {
    const p = this.node(name);
    await unlink(join(p.dataDir, "api.json")).catch(() => undefined);
    const { child, exited } = this.spawnNode(p.dataDir, p.args);
    p.child = child;
    p.exited = exited;
    p.pids.push(child.pid!);
    p.restarts++;
    p.api = await this.waitApi(p);
    this.log(`${name} restarted (pid ${child.pid}, API ${p.api.url})`);
  }

  async apiGet<T>(name: string, path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(this.node(name).api.url + path, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, body: (res.headers.get("content-type")?.includes("json") === true ? JSON.parse(text) : text) as T };
  }

  /** Task ids a node stores and views (`GET /tasks`), lowercase. */
  async storedTaskIds(name: string): Promise<string[]> {
    const r = await this.apiGet<Array<{ taskId: string }>>(name, "/tasks");
    return r.body.map((t) => t.taskId.toLowerCase());
  }

  /** The node's gossip validation counters: `${topicName}/${outcome}/${reason}` → count. */
  async gossipCounters(name: string): Promise<Map<string, number>> {
    const r = await this.apiGet<string>(name, "/metrics");
    const out = new Map<string, number>();
    const re = /^zkpool_node_gossip_messages_total\{([^}]*)\}\s+([0-9.e+]+)$/gm;
    for (const m of r.body.matchAll(re)) {
      const labels = new Map<string, string>([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
      const topic = (labels.get("topic") ?? "").split("/").pop() ?? "";
      out.set(`${topic}/${labels.get("outcome") ?? ""}/${labels.get("reason") ?? ""}`, Number(m[2]));
    }
    return out;
  }

  /** Submit an honest task through the SDK (range-check-32 unless told). */
  async submitHonest(circuit = "range-check-32"): Promise<HonestTask> {
    const c = this.circuits.get(circuit)!;
    const t0 = Date.now();
    const handle = await this.client!.submitTask({
      circuit,
      input: c.sampleInput,
      publicSignals: c.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward: ETH / 10n,
      windows: HONEST_WINDOWS,
    });
    return new HonestTask(handle, t0, this.params);
  }

  /** Every TaskSettled event of the escrow: task id → events. */
  async settledEvents(): Promise<Map<string, Array<{ round: number; prover: string; proverAmount: bigint; royaltyAmount: bigint; treasuryAmount: bigint; blockNumber: number }>>> {
    const ev = escrowInterface.getEvent("TaskSettled")!;
    const logs = await this.provider.getLogs({ address: this.deployment.escrow, topics: [ev.topicHash], fromBlock: 0, toBlock: "latest" });
    const out = new Map<string, Array<{ round: number; prover: string; proverAmount: bigint; royaltyAmount: bigint; treasuryAmount: bigint; blockNumber: number }>>();
    for (const l of logs) {
      const p = escrowInterface.parseLog(l)!;
      const id = (p.args[0] as string).toLowerCase();
      const list = out.get(id) ?? [];
      list.push({ round: Number(p.args[1]), prover: p.args[2] as string, proverAmount: p.args[4] as bigint, royaltyAmount: p.args[5] as bigint, treasuryAmount: p.args[6] as bigint, blockNumber: l.blockNumber });
      out.set(id, list);
    }
    return out;
  }

  /** Sum of a numeric argument of every `event` of the escrow. */
  async sumOfEvent(event: string, arg: string): Promise<bigint> {
    const ev = escrowInterface.getEvent(event)!;
    const logs = await this.provider.getLogs({ address: this.deployment.escrow, topics: [ev.topicHash], fromBlock: 0, toBlock: "latest" });
    const i = ev.inputs.findIndex((x) => x.name === arg);
    return logs.reduce((a, l) => a + (escrowInterface.parseLog(l)!.args[i] as bigint), 0n);
  }

  /** Operators' + treasury earnings, the insurance fund, and what the requester spent (100 ETH deposit - balance). */
  async accounting(): Promise<{ earned: bigint; fund: bigint; spent: bigint; slashed: bigint }> {
    const esc = new EscrowClient(this.deployment.escrow, this.provider);
    let earned = 0n;
    for (const w of [...this.nodes.map((n) => n.operator), this.deployer]) earned += await esc.earnings(w.address);
    const slashed = (await this.sumOfEvent("TaskDefaulted", "slashed")) + (await this.sumOfEvent("NonRevealSlashed", "slashed")) + (await this.sumOfEvent("EquivocationSlashed", "slashed"));
    return { earned, fund: await esc.insuranceFund(), spent: 100n * ETH - (await esc.balanceOf(this.requester.address)), slashed };
  }

  /** Stop everything: the client, every node (SIGINT, then SIGKILL after 8 s), anvil. Idempotent. */
  async stop(opts: { keep?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.client?.close().catch(() => undefined);
    await stopGroups(this.nodes);
    this.provider.destroy();
    await this.anvil.stop();
    if (opts.keep !== true) await rm(this.dir, { recursive: true, force: true });
  }
}

/** An honest SDK task: resolves when it settled on chain (or failed), with its latency. */
export class HonestTask {
  readonly done: Promise<{ settled: boolean; reason?: string; latencyS: number }>;

  constructor(
    readonly handle: TaskHandle,
    readonly submittedAt: number,
    readonly params: ChainParams,
  ) {
    this.done = new Promise((resolve) => {
      handle.on("settled", () => resolve({ settled: true, latencyS: (Date.now() - submittedAt) / 1000 }));
      handle.on("failed", (e) => resolve({ settled: false, reason: e.reason, latencyS: (Date.now() - submittedAt) / 1000 }));
    });
  }

  get id(): string {
    return this.handle.taskId.toLowerCase();
  }

  get task(): Task {
    return this.handle.task;
  }

  /** The last moment the escrow accepts a settlement of this task: finalDeadline + settleGrace. */
  get settleBy(): bigint {
    return finalDeadline(this.task) + this.params.settleGrace;
  }

  /** Wait for settlement, at most until the task's windows (plus slack for the SDK's poll) are over. */
  async wait(): Promise<{ settled: boolean; reason?: string; latencyS: number }> {
    const limitMs = Number(this.settleBy + 4n * MAX_CLOCK_SKEW - nowS()) * 1000 + 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ settled: boolean; reason?: string; latencyS: number }>((resolve) => {
      timer = setTimeout(() => resolve({ settled: false, reason: "not settled within its windows", latencyS: (Date.now() - this.submittedAt) / 1000 }), Math.max(limitMs, 1000));
    });
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface KillRun {
  victim: string;
  killedPid: number;
  /** Seconds after the honest task was submitted when the victim got SIGKILL. */
  killAtS: number;
  /** Seconds the victim was down. */
  downS: number;
  taskId: string;
  task: HonestTask;
  settled: boolean;
  reason?: string;
  latencyS: number;
  /** The restarted victim has peers again and holds the honest task (gossip or sync). */
  rejoined: boolean;
}

/**
 * The kill -9 case: submit an honest task, SIGKILL a random attester node at a random point of it (bidding,
 * revealing or proving), restart it from its data directory with the same command line, wait for the task to
 * settle and for the victim to rejoin (peers again, and the task in its store).
 */
export async function killDuringHonestTask(pool: Pool, random: () => number = Math.random, opts: { killAtS?: number } = {}): Promise<KillRun> {
  const attesters = pool.nodes.filter((n) => n.role === "attester");
  const victim = attesters[Math.floor(random() * attesters.length)]!;
  const h = await pool.submitHonest();
  const w = HONEST_WINDOWS;
  // anywhere from just after publication to the middle of the proof round
  const killAtMs = opts.killAtS !== undefined ? opts.killAtS * 1000 : 300 + random() * (w.bidWindow + w.revealWindow + 4) * 1000;
  await sleep(Math.max(0, h.submittedAt + killAtMs - Date.now()));
  const killedPid = await pool.kill9(victim.name);
  const killedAt = Date.now();
  await sleep(500 + random() * 1500);
  await pool.restart(victim.name);
  const downS = (Date.now() - killedAt) / 1000;
  const r = await h.wait();
  let rejoined = false;
  const end = Date.now() + 30_000;
  while (!rejoined && Date.now() < end) {
    try {
      const st = await pool.apiGet<{ peers: number }>(victim.name, "/status");
      rejoined = st.body.peers >= 1 && (await pool.storedTaskIds(victim.name)).includes(h.id);
    } catch {
      /* API busy */
    }
    if (!rejoined) await sleep(500);
  }
  return { victim: victim.name, killedPid, killAtS: (killedAt - h.submittedAt) / 1000, downS, taskId: h.id, task: h, settled: r.settled, ...(r.reason !== undefined ? { reason: r.reason } : {}), latencyS: r.latencyS, rejoined };
}
