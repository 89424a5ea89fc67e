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
import { copyFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, Wallet } from "ethers";
import {
  ANVIL_DEV_MNEMONIC,
  EscrowClient,
  StakeRegistryClient,
  TaskStatus,
  deployContracts,
  taskStructOf,
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

export interface SettledEvent {
  round: number;
  prover: string;
  proverAmount: bigint;
  royaltyAmount: bigint;
  treasuryAmount: bigint;
  blockNumber: number;
  /** The settle() transaction that paid it (its sender: `provider.getTransaction(txHash)`). */
  txHash: string;
}

export interface TxCounters {
  sent: number;
  mined: number;
  /** By reason (the sender's error code: CHAIN_TX_REVERTED, CHAIN_TX_STUCK, CHAIN_TX_FAILED, ...). */
  failed: Map<string, number>;
  failedTotal: number;
  replaced: number;
  /** `zkpool_node_chain_tx_pending`: transactions queued or in flight (every function). */
  pending: number;
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
      "--listen", "/ip4/127.0.0.1/tcp/0", "--api-port", "0", "--devnet", "--log-level", process.env["ZKPOOL_ADVERSARIAL_LOG_LEVEL"] ?? "info", "--grace-seconds", "5", ...extra];
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

  /**
   * Start the node again from its data directory with the same command line; resolves when its API is up. Every
   * node listens on a port picked at start (tcp/0), so a restarted node comes back on a new port, and the bootstrap
   * address the others were started with is gone once the bootstrap node itself was restarted: the restarted node
   * is given the other nodes' current addresses as its bootstrap list (what a real node's configuration, with
   * stable peer addresses, would list).
   */
  async restart(name: string): Promise<void> {
    const p = this.node(name);
    await unlink(join(p.dataDir, "api.json")).catch(() => undefined);
    const others = this.nodes.filter((n) => n !== p).flatMap((n) => n.api.addrs.filter((a) => a.includes("127.0.0.1")));
    const i = p.args.indexOf("--bootstrap");
    const args = [...(i < 0 ? p.args : [...p.args.slice(0, i), ...p.args.slice(i + 2)]), "--bootstrap", others.join(",")];
    const { child, exited } = this.spawnNode(p.dataDir, args);
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

  /** Every sample of the node's `/metrics` (Prometheus text): `name{labels}` (as exposed) → value. */
  async metricSamples(name: string): Promise<Map<string, number>> {
    const r = await this.apiGet<string>(name, "/metrics");
    const out = new Map<string, number>();
    for (const m of r.body.matchAll(/^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+([0-9.e+-]+|NaN)$/gm)) out.set(m[1]!, Number(m[2]));
    return out;
  }

  /**
   * The node's chain transaction sender metrics for one contract function (`fn` label, e.g. "settle";
   * packages/node/src/metrics/prometheus.ts txMetrics): broadcast, mined, failed by reason, replaced, and the
   * queued-or-in-flight gauge (all functions).
   */
  async txCounters(name: string, fn = "settle"): Promise<TxCounters> {
    const s = await this.metricSamples(name);
    const get = (k: string): number => s.get(k) ?? 0;
    const failed = new Map<string, number>();
    for (const [k, v] of s) {
      const m = /^zkpool_node_chain_tx_failed_total\{(.*)\}$/.exec(k);
      if (m === null || !m[1]!.includes(`fn="${fn}"`)) continue;
      const reason = /reason="([^"]*)"/.exec(m[1]!)?.[1] ?? "";
      failed.set(reason, (failed.get(reason) ?? 0) + v);
    }
    return {
      sent: get(`zkpool_node_chain_tx_sent_total{fn="${fn}"}`),
      mined: get(`zkpool_node_chain_tx_mined_total{fn="${fn}"}`),
      failed,
      failedTotal: [...failed.values()].reduce((a, b) => a + b, 0),
      replaced: get(`zkpool_node_chain_tx_replaced_total{fn="${fn}"}`),
      pending: get("zkpool_node_chain_tx_pending"),
    };
  }

  /** The node's pino log lines (JSON), parsed; lines that are not JSON are skipped. */
  nodeLog(name: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of readFileSync(join(this.node(name).dataDir, "node.log"), "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* a partial line */
      }
    }
    return out;
  }

  /**
   * A copy of a catalog circuit whose wasm carries one extra (random) custom section: it computes the same
   * witness and its proofs verify against the same key, but its wasm hash, hence its circuit id (SPEC §0.3), is
   * in no CircuitRegistry entry. The pool proves its tasks; the chain can never settle them (UnknownCircuit).
   */
  async unregisteredVariant(circuit = "range-check-32"): Promise<{ wasm: string; zkey: string; vkey: string }> {
    const c = this.circuits.get(circuit)!;
    const dir = await mkdtemp(join(this.dir, `unregistered-${circuit}-`));
    const name = Buffer.from("zkpool-adversarial");
    const payload = randomBytes(16);
    // custom section (id 0): size, name length, name, payload; allowed anywhere in a module, ignored by the VM
    const section = Buffer.concat([Uint8Array.of(0, 1 + name.length + payload.length, name.length), name, payload]);
    const out = { wasm: join(dir, "circuit.wasm"), zkey: join(dir, "circuit.zkey"), vkey: join(dir, "vkey.json") };
    await writeFile(out.wasm, Buffer.concat([await readFile(c.wasm.path), section]));
    await copyFile(c.zkey.path, out.zkey);
    await copyFile(c.vkey.path, out.vkey);
    return out;
  }

  /**
   * Publish a funded task of an unregistered circuit (`unregisteredVariant`) as a requester that does not run the
   * SDK's preflight would (any other client can: nodes do not consult the registry, SPEC §9.12). The SDK refuses
   * such a task (SDK_CIRCUIT_NOT_REGISTERED), so its registry check is bypassed for this one call.
   */
  async submitUnregistered(circuit = "range-check-32"): Promise<HonestTask> {
    const c = this.circuits.get(circuit)!;
    const artifacts = await this.unregisteredVariant(circuit);
    const registry = this.client!.circuits;
    registry.isRegistered = (): Promise<boolean> => Promise.resolve(true);
    const t0 = Date.now();
    try {
      const handle = await this.client!.submitTask({
        artifacts,
        input: c.sampleInput,
        publicSignals: c.expectedPublicSignals.map((s) => BigInt(s)),
        maxReward: ETH / 10n,
        windows: HONEST_WINDOWS,
      });
      return new HonestTask(handle, t0, this.params);
    } finally {
      Reflect.deleteProperty(registry, "isRegistered");
    }
  }

  /** Nonces of an address: mined ("latest") and with the mempool ("pending"); equal when nothing is stuck. */
  async nonces(address: string): Promise<{ latest: number; pending: number }> {
    const [latest, pending] = await Promise.all([this.provider.getTransactionCount(address, "latest"), this.provider.getTransactionCount(address, "pending")]);
    return { latest, pending };
  }

  /** The escrow's on-chain record of a task. */
  taskRecord(taskId: string): ReturnType<EscrowClient["taskRecord"]> {
    return this.escrow.taskRecord(taskId);
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
  async settledEvents(): Promise<Map<string, SettledEvent[]>> {
    const ev = escrowInterface.getEvent("TaskSettled")!;
    const logs = await this.provider.getLogs({ address: this.deployment.escrow, topics: [ev.topicHash], fromBlock: 0, toBlock: "latest" });
    const out = new Map<string, SettledEvent[]>();
    for (const l of logs) {
      const p = escrowInterface.parseLog(l)!;
      const id = (p.args[0] as string).toLowerCase();
      const list = out.get(id) ?? [];
      list.push({ round: Number(p.args[1]), prover: p.args[2] as string, proverAmount: p.args[4] as bigint, royaltyAmount: p.args[5] as bigint, treasuryAmount: p.args[6] as bigint, blockNumber: l.blockNumber, txHash: l.transactionHash });
      out.set(id, list);
    }
    return out;
  }

  /** The task's slashing events (TaskDefaulted, NonRevealSlashed, EquivocationSlashed), as `Event(whom, wei)`. */
  async slashesOf(taskId: string): Promise<string[]> {
    const out: string[] = [];
    for (const [event, idTopic] of [["TaskDefaulted", 1], ["NonRevealSlashed", 1], ["EquivocationSlashed", 2]] as const) {
      const ev = escrowInterface.getEvent(event)!;
      const topics: Array<string | null> = [ev.topicHash, null, null];
      topics[idTopic] = taskId;
      const logs = await this.provider.getLogs({ address: this.deployment.escrow, topics, fromBlock: 0, toBlock: "latest" });
      for (const l of logs) {
        const a = escrowInterface.parseLog(l)!.args;
        const who = String(event === "EquivocationSlashed" ? a[0] : event === "TaskDefaulted" ? a[2] : a[1]);
        const whom = this.nodes.find((n) => n.operator.address.toLowerCase() === who.toLowerCase())?.name ?? who;
        out.push(`${event}(${whom}, ${String(event === "NonRevealSlashed" ? a[2] : a[3])} wei)`);
      }
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
  /** The first Assignment certificate the SDK saw (global round, prover), and when. */
  assigned: { round: number; prover: string; at: number } | undefined;

  constructor(
    readonly handle: TaskHandle,
    readonly submittedAt: number,
    readonly params: ChainParams,
  ) {
    handle.on("assigned", (e) => (this.assigned ??= { round: e.round, prover: e.prover.toLowerCase(), at: Date.now() }));
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
  role: "prover" | "attester";
  killedPid: number;
  /** Seconds after the honest task was submitted when the victim got SIGKILL. */
  killAtS: number;
  /** Where in the task the kill landed (by the task's windows and the SDK's view). */
  phase: string;
  /** The victim was the task's certified prover when it was killed. */
  wasAssigned: boolean;
  /** Seconds the victim was down. */
  downS: number;
  /** Seconds from the restarted victim's API being up to the task's reveal deadline (negative: back after it). */
  backBeforeRevealS: number;
  taskId: string;
  task: HonestTask;
  settled: boolean;
  reason?: string;
  latencyS: number;
  /** The restarted victim has peers again and holds the honest task (gossip or sync). */
  rejoined: boolean;
}

/** Where a kill `atS` seconds after submission lands in an honest task's windows. */
function phaseOf(atS: number, assigned: boolean): string {
  const w = HONEST_WINDOWS;
  if (atS < w.bidWindow) return "bidding";
  if (atS < w.bidWindow + w.revealWindow) return "revealing";
  if (atS < w.bidWindow + w.revealWindow + Number(MAX_CLOCK_SKEW)) return "reveal cut-off";
  return assigned ? "assigned, not settled yet (proving, completion votes or settle())" : "after the cut-off, not yet assigned";
}

/**
 * The kill -9 case: submit an honest task, SIGKILL a random node of `victim`'s role (attester by default) at a
 * random point of it (bidding, revealing or proving), restart it from its data directory with the same command
 * line, wait for the task to settle and for the victim to rejoin (peers again, and the task in its store). A
 * prover victim killed before the reveal cut-off (bid + reveal window + MAX_CLOCK_SKEW = 12 s) is a random prover;
 * from the cut-off on, `killAt - 12 s` counts from the moment an attester holds the Assignment certificate (its
 * API, polled every 100 ms) and the victim is the certified prover (the kill lands in its proving, its proof's
 * gossip, the completion votes or its settle(), or just after the settlement).
 */
export async function killDuringHonestTask(pool: Pool, random: () => number = Math.random, opts: { killAtS?: number; victim?: "attester" | "prover" } = {}): Promise<KillRun> {
  const role = opts.victim ?? "attester";
  const candidates = pool.nodes.filter((n) => n.role === role);
  let victim = candidates[Math.floor(random() * candidates.length)]!;
  const h = await pool.submitHonest();
  const w = HONEST_WINDOWS;
  // anywhere from just after publication to the middle of the proof round
  const killAtMs = opts.killAtS !== undefined ? opts.killAtS * 1000 : 300 + random() * (w.bidWindow + w.revealWindow + 4) * 1000;
  const cutOffMs = (w.bidWindow + w.revealWindow + Number(MAX_CLOCK_SKEW)) * 1000;
  let assignedTo: string | undefined;
  if (role === "prover" && killAtMs >= cutOffMs) {
    // after the cut-off a prover victim is the certified prover, killed (killAt - cut-off) after an attester holds
    // the Assignment certificate: in its proving, its proof's gossip, the completion votes or its settle()
    await sleep(Math.max(0, h.submittedAt + cutOffMs - 1000 - Date.now()));
    const observer = pool.nodes.find((n) => n.role === "attester") ?? pool.nodes[0]!;
    const limit = h.submittedAt + cutOffMs + 15_000;
    while (assignedTo === undefined && Date.now() < limit) {
      const v = await pool.apiGet<{ certificates?: Array<{ kind: string; prover?: string }> }>(observer.name, `/tasks/${h.id}`).catch(() => undefined);
      assignedTo = v?.body.certificates?.find((c) => c.kind === "assignment")?.prover?.toLowerCase();
      if (assignedTo === undefined) await sleep(100);
    }
    await sleep(killAtMs - cutOffMs);
  } else {
    await sleep(Math.max(0, h.submittedAt + killAtMs - Date.now()));
  }
  assignedTo ??= h.assigned?.prover;
  if (role === "prover" && assignedTo !== undefined) victim = candidates.find((n) => n.operator.address.toLowerCase() === assignedTo) ?? victim;
  const wasAssigned = assignedTo !== undefined && victim.operator.address.toLowerCase() === assignedTo;
  const killedPid = await pool.kill9(victim.name);
  const killedAt = Date.now();
  const settledBeforeKill = (await pool.taskRecord(h.id).catch(() => undefined))?.status === TaskStatus.Settled;
  await sleep(500 + random() * 1500);
  await pool.restart(victim.name);
  const downS = (Date.now() - killedAt) / 1000;
  const backBeforeRevealS = Number(h.task.revealDeadline) - Date.now() / 1000;
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
  const killAtS = (killedAt - h.submittedAt) / 1000;
  return {
    victim: victim.name, role, killedPid, killAtS, phase: settledBeforeKill ? "after its settlement" : phaseOf(killAtS, assignedTo !== undefined), wasAssigned, downS, backBeforeRevealS, taskId: h.id, task: h,
    settled: r.settled, ...(r.reason !== undefined ? { reason: r.reason } : {}), latencyS: r.latencyS, rejoined,
  };
}

/**
 * What the chain and the nodes say of a kill run's task. `paid`: its TaskSettled events. `clean`: not paid and
 * refundable: its on-chain record is None (never opened: nothing was locked) or Open/Failed (expire() returns the
 * locked cost after finalDeadline + settleGrace), never Settled. `split`: no node holds an Assignment certificate of
 * any round (every round void: the documented SPEC §5.6 split, the only accepted way for the task to fail).
 */
export async function taskOutcome(pool: Pool, taskId: string): Promise<{ paid: number; status: number; clean: boolean; split: boolean; slashes: string[]; views: string[] }> {
  const paid = (await pool.settledEvents()).get(taskId)?.length ?? 0;
  const rec = await pool.taskRecord(taskId);
  let assignments = 0;
  const views: string[] = [];
  for (const n of pool.nodes) {
    const v = await pool.apiGet<{ status?: string; round?: number; reason?: string; certificates?: Array<{ kind: string; round: number; prover?: string }> }>(n.name, `/tasks/${taskId}`).catch(() => undefined);
    const certs = v?.status === 200 ? (v.body.certificates ?? []) : [];
    assignments += certs.filter((c) => c.kind === "assignment").length;
    views.push(`${n.name}: ${v === undefined ? "no answer" : v.status === 200 ? `${v.body.status} round ${v.body.round} ${v.body.reason ?? ""} certificates ${certs.map((c) => `${c.kind}/${c.round}/${c.prover?.slice(0, 8) ?? "-"}`).join(",") || "none"}` : `HTTP ${v.status}`}`);
  }
  const clean = paid === 0 && rec.status !== TaskStatus.Settled && rec.status !== TaskStatus.Invalid;
  return { paid, status: rec.status, clean, split: assignments === 0, slashes: await pool.slashesOf(taskId), views };
}

/** After `finalDeadline + settleGrace`, anyone may expire an unsettled task: call it and return the refund (TaskFailed). */
export async function expireTask(pool: Pool, t: HonestTask, from: Wallet): Promise<{ status: number; refund: bigint }> {
  const closesAt = t.settleBy;
  for (;;) {
    const block = await pool.provider.getBlock("latest");
    if (BigInt(block!.timestamp) > closesAt + 1n) break;
    await sleep(1000);
  }
  const esc = new EscrowClient(pool.deployment.escrow, from);
  const receipt = await esc.expire(taskStructOf(t.task));
  const ev = escrowInterface.getEvent("TaskFailed")!;
  const log = receipt.logs.find((l) => l.topics[0] === ev.topicHash);
  const refund = log !== undefined ? (escrowInterface.parseLog(log)!.args[1] as bigint) : 0n;
  return { status: (await pool.taskRecord(t.id)).status, refund };
}
