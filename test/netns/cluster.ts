/**
 * The pool of the multi-host test on a Topology: anvil listening on the bridge's IP (root namespace), the
 * contracts, staked operators, one pool node per namespace (node-main.js: the CLI's runner, listening on the
 * namespace's own IP, bootstrapping by /ip4/<node 0's IP>/tcp/4001/p2p/…, status API on its IP), and an SDK
 * requester in the root namespace listening on the bridge's IP. Honest tasks are pool.ts's HonestTask.
 */
import { stopGroups } from "../lib/processes.js";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider, NonceManager, type Wallet } from "ethers";
import { StakeRegistryClient, anvilBinary, deployContracts, escrowInterface, writeDeployment, type Deployment } from "@zkpool/chain";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import type { NodeConfig } from "@zkpool/cli";
import type { ChainParams } from "@zkpool/protocol";
import { createClient, type TaskWindows, type ZkPoolClient } from "@zkpool/sdk";
import { ETH, HonestTask, devWallet, sleep } from "../adversarial/pool.js";
import type { CertificateEvent, NodeSpec } from "./node-main.js";
import type { Topology } from "./netns.js";

const NODE_MAIN = fileURLToPath(new URL("./node-main.js", import.meta.url));
const P2P_PORT = 4001;
const API_PORT = 7370;

export interface ClusterNode {
  name: string;
  index: number;
  role: "prover" | "attester";
  operator: Wallet;
  dataDir: string;
  events: string;
  operators: string;
  child: ChildProcess;
  exited: Promise<void>;
  api: { url: string; peerId: string; addrs: string[]; pid: number };
}

interface AnvilProc {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/** anvil on `host` (the bridge's IP), a free port; resolves once it listens. */
async function startAnvil(host: string, log: string): Promise<AnvilProc> {
  const fd = openSync(log, "a");
  const child = spawn(anvilBinary(), ["--host", host, "--port", "0", "--chain-id", "31337", "--accounts", "10", "--balance", "10000", "--hardfork", "cancun", "--block-time", "1"],
    { stdio: ["ignore", "pipe", fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`anvil did not listen on ${host}: ${out}`)), 15_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Listening on [\d.]+:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited (${code}): ${out}`));
    });
  });
  child.stdout!.resume();
  return { url: `http://${host}:${port}`, child, exited };
}


export interface ClusterInit {
  provers: number;
  attesters: number;
  log: (line: string) => void;
}

export class Cluster {
  readonly nodes: ClusterNode[] = [];
  client: ZkPoolClient | undefined;
  provider: JsonRpcProvider | undefined;
  deployment: Deployment | undefined;
  private deploymentPath = "";
  private circuit: CatalogCircuit | undefined;
  private anvil: AnvilProc | undefined;
  private stopped = false;
  /** What the start-up convergence step did (see convergeOperatorRecords). */
  convergence: { ms: number; missing: string[] } = { ms: 0, missing: [] };

  private constructor(
    readonly topo: Topology,
    readonly dir: string,
    readonly log: (line: string) => void,
  ) {}

  get params(): ChainParams {
    return this.client!.params;
  }

  /** Every pid this cluster started (nodes and anvil). */
  get pids(): number[] {
    return [...this.nodes.map((n) => n.child.pid!), ...(this.anvil?.child.pid !== undefined ? [this.anvil.child.pid] : [])];
  }

  static async start(topo: Topology, init: ClusterInit): Promise<Cluster> {
    const n = init.provers + init.attesters;
    if (topo.nodes.length < n) throw new Error(`the topology has ${topo.nodes.length} namespaces for ${n} nodes`);
    const c = new Cluster(topo, await mkdtemp(join(tmpdir(), "zkpool-netns-")), init.log);
    try {
      await c.setup(init);
      return c;
    } catch (err) {
      await c.stop({ keep: true });
      console.log(`netns-diag: cluster start failed; node logs kept in ${c.dir}`);
      throw err;
    }
  }

  private async setup(init: ClusterInit): Promise<void> {
    this.anvil = await startAnvil(this.topo.hostIp, join(this.dir, "anvil.log"));
    this.topo.track(this.anvil.child.pid, `--host ${this.topo.hostIp}`);
    this.provider = new JsonRpcProvider(this.anvil.url, undefined, { batchMaxCount: 1, cacheTimeout: -1, staticNetwork: true, pollingInterval: 250 });
    const deployer = devWallet(0, this.provider);
    const deployed = await deployContracts(deployer);
    this.deployment = deployed.deployment;
    this.deploymentPath = await writeDeployment(join(this.dir, "deployments"), deployed.deployment);
    const circuit = await loadCircuit("range-check-32", "groth16");
    this.circuit = circuit;
    await deployed.circuitRegistry.connect(new NonceManager(deployer)).register(1, `0x${circuit.wasm.sha256}`, `0x${circuit.zkey.sha256}`, readFileSync(circuit.vkey.path));
    const n = init.provers + init.attesters;
    const operators: Wallet[] = [];
    for (let i = 0; i < n; i++) {
      const w = devWallet(1 + i, this.provider);
      operators.push(w);
      await new StakeRegistryClient(deployed.deployment.stakeRegistry, w).stake(10n * ETH);
    }
    this.log(`anvil ${this.anvil.url} (pid ${this.anvil.child.pid}); ${n} operators staked; nodes on ${this.topo.nodes.slice(0, n).map((x) => x.ip).join(", ")} (${this.topo.mode})`);
    const role = (i: number): "prover" | "attester" => (i < init.provers ? "prover" : "attester");
    // node 0 first (the bootstrap), then the others at once
    await this.startNode(0, role(0), operators[0]!, []);
    const boot = this.bootstrap(0);
    await Promise.all(Array.from({ length: n - 1 }, (_, k) => k + 1).map((i) => this.startNode(i, role(i), operators[i]!, boot)));
    // every node connected to every other (DHT discovery through node 0), at most 30 s
    const end = Date.now() + 30_000;
    let peers: number[] = [];
    while (Date.now() < end) {
      peers = await Promise.all(this.nodes.map((x) => this.status(x).then((s) => s.peers, () => 0)));
      if (peers.every((p) => p >= n - 1)) break;
      await sleep(500);
    }
    this.log(`peers per node: ${peers.join(", ")}`);
    this.convergence = await this.convergeOperatorRecords();
    const hostIp = this.topo.hostIp;
    this.client = await createClient({
      signer: devWallet(9, this.provider),
      // the requester knows every pool node (its tasks reach each one directly)
      bootstrap: this.nodes.flatMap((_, i) => this.bootstrap(i)),
      rpcUrl: this.anvil.url,
      deployment: this.deploymentPath,
      devnet: true,
      listen: [`/ip4/${hostIp}/tcp/0`],
    });
    await this.client.deposit({ amount: 100n * ETH });
  }

  /** Node i's multiaddrs on its namespace's IP. */
  bootstrap(i: number): string[] {
    const node = this.nodes[i]!;
    return node.api.addrs.filter((a) => a.includes(`/ip4/${this.topo.nodes[i]!.ip}/`));
  }

  private async startNode(i: number, role: "prover" | "attester", operator: Wallet, bootstrap: string[]): Promise<void> {
    const name = role === "prover" ? `prover-${i}` : `attester-${i}`;
    const nsIp = this.topo.nodes[i]!.ip;
    const dataDir = join(this.dir, name);
    await mkdir(dataDir, { recursive: true });
    const config: Partial<NodeConfig> = {
      dataDir,
      deployment: this.deploymentPath,
      rpcUrl: this.anvil!.url,
      listen: [`/ip4/${nsIp}/tcp/${P2P_PORT}`],
      bootstrap,
      apiHost: nsIp,
      apiPort: API_PORT,
      devnet: true,
      logLevel: (process.env["ZKPOOL_NETNS_LOG_LEVEL"] ?? "info") as NodeConfig["logLevel"],
      graceSeconds: 5,
      prover: role === "prover",
      capacity: 2,
      ...(role === "prover" ? { priceShare: 40 + 10 * i } : {}),
    };
    const spec: NodeSpec = { config, privateKey: operator.privateKey, events: join(dataDir, "certificates.jsonl"), operators: join(dataDir, "operators.json") };
    const specPath = join(dataDir, "spec.json");
    await writeFile(specPath, JSON.stringify(spec));
    const run = this.topo.execArgs(i, process.execPath, [NODE_MAIN, specPath]);
    const fd = openSync(join(dataDir, "node.log"), "a");
    const child = spawn(run.cmd, run.args, { stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const node: ClusterNode = { name, index: i, role, operator, dataDir, events: spec.events, operators: spec.operators, child, exited, api: { url: "", peerId: "", addrs: [], pid: 0 } };
    this.nodes.push(node);
    this.nodes.sort((a, b) => a.index - b.index);
    const apiFile = join(dataDir, "api.json");
    const end = Date.now() + 90_000;
    while (Date.now() < end && child.exitCode === null && child.signalCode === null) {
      if (existsSync(apiFile)) {
        try {
          const api = JSON.parse(readFileSync(apiFile, "utf8")) as ClusterNode["api"];
          if (api.pid === child.pid) {
            node.api = api;
            this.log(`${name} up in ${this.topo.nodes[i]!.ns} (pid ${child.pid}, ${api.addrs.join(" ")})`);
            return;
          }
        } catch {
          /* being written */
        }
      }
      await sleep(100);
    }
    const tail = readFileSync(join(dataDir, "node.log"), "utf8").trim().split("\n").slice(-8).join("\n  ");
    throw new Error(`${name} did not start (exit ${child.exitCode ?? child.signalCode ?? "none"}); last lines of its log:\n  ${tail}`);
  }

  async status(node: ClusterNode): Promise<{ peers: number }> {
    const res = await fetch(node.api.url + "/status", { signal: AbortSignal.timeout(10_000) });
    return (await res.json()) as { peers: number };
  }

  /** The peer ids (hex) of the operator records node `n` holds, as it last wrote them. */
  private heldRecords(n: ClusterNode): Set<string> | undefined {
    try {
      return new Set((JSON.parse(readFileSync(n.operators, "utf8")) as { peerIds: string[] }).peerIds);
    } catch {
      return undefined;
    }
  }

  /**
   * Start-up convergence of operator records. A node announces its record at start, usually before it knows any
   * gossip peer; it re-announces once more peers follow the operators topic, and it catches up from each peer as
   * it connects (packages/node: AuctionService.reannounce, PoolNode.onPeerConnect). This waits, without touching
   * the nodes, until every node holds every node's record, and fails after `timeoutMs`: the nodes must converge on
   * their own (before that fix they did not, and tasks failed with NO_CERTIFICATE). `missing` is what was missing
   * at the first look, `ms` how long convergence took.
   */
  async convergeOperatorRecords(timeoutMs = 45_000): Promise<{ ms: number; missing: string[] }> {
    const start = Date.now();
    const n = this.nodes.length;
    let first: string[] | undefined;
    for (;;) {
      const held = this.nodes.map((x) => this.heldRecords(x));
      if (held.every((h) => h !== undefined)) {
        const missing = this.nodes.flatMap((x, k) => (held[k]!.size < n ? [`${x.name} held ${held[k]!.size}/${n}`] : []));
        first ??= missing;
        if (missing.length === 0) return { ms: Date.now() - start, missing: first };
        if (Date.now() - start > timeoutMs) throw new Error(`operator records did not converge in ${timeoutMs} ms: ${missing.join(", ")}`);
      } else if (Date.now() - start > timeoutMs) {
        throw new Error("a node never wrote its operator records file");
      }
      await sleep(1000);
    }
  }

  /**
   * One line per node: peers, gossip mesh peers per topic, and the gossip messages it did not accept
   * (`topic/outcome/reason=count`), from its /status and /metrics.
   */
  async diagnostics(): Promise<string[]> {
    const out: string[] = [];
    for (const n of this.nodes) {
      try {
        const peers = (await this.status(n)).peers;
        const text = await (await fetch(n.api.url + "/metrics", { signal: AbortSignal.timeout(10_000) })).text();
        const mesh: string[] = [];
        const refused: string[] = [];
        for (const m of text.matchAll(/^zkpool_node_(gossip_mesh_peers|gossip_messages_total)\{([^}]*)\}\s+([0-9.e+]+)$/gm)) {
          const labels = new Map([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
          const topic = (labels.get("topic") ?? "").split("/").pop() ?? "";
          if (m[1] === "gossip_mesh_peers") mesh.push(`${topic}=${m[3]}`);
          else if (labels.get("outcome") !== "accept") refused.push(`${topic}/${labels.get("outcome")}/${labels.get("reason")}=${m[3]}`);
        }
        out.push(`${n.name}: peers ${peers}; mesh ${mesh.join(" ")}; not accepted ${refused.join(" ") || "-"}`);
      } catch (err) {
        out.push(`${n.name}: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** Submit an honest range-check-32 task through the SDK. */
  async submitHonest(windows: TaskWindows): Promise<HonestTask> {
    const c = this.circuit!;
    const t0 = Date.now();
    const handle = await this.client!.submitTask({
      circuit: "range-check-32",
      input: c.sampleInput,
      publicSignals: c.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward: ETH / 10n,
      windows,
    });
    return new HonestTask(handle, t0, this.params);
  }

  /** TaskSettled events of the escrow per task id (lowercase). */
  async settledCount(): Promise<Map<string, number>> {
    const ev = escrowInterface.getEvent("TaskSettled")!;
    const logs = await this.provider!.getLogs({ address: this.deployment!.escrow, topics: [ev.topicHash], fromBlock: 0, toBlock: "latest" });
    const out = new Map<string, number>();
    for (const l of logs) {
      const id = (escrowInterface.parseLog(l)!.args[0] as string).toLowerCase();
      out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }

  /** Every certificate event of every node: node name → events. */
  certificateEvents(): Map<string, CertificateEvent[]> {
    const out = new Map<string, CertificateEvent[]>();
    for (const n of this.nodes) {
      const text = existsSync(n.events) ? readFileSync(n.events, "utf8") : "";
      out.set(n.name, text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as CertificateEvent));
    }
    return out;
  }

  /** Stop the client, every node (SIGINT, SIGKILL after 8 s), anvil. Idempotent. */
  async stop(opts: { keep?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.client?.close().catch(() => undefined);
    await stopGroups(this.nodes);
    this.provider?.destroy();
    if (this.anvil !== undefined && this.anvil.child.exitCode === null && this.anvil.child.signalCode === null) {
      this.anvil.child.kill("SIGTERM");
      const t = setTimeout(() => this.anvil?.child.kill("SIGKILL"), 3000);
      await this.anvil.exited;
      clearTimeout(t);
    }
    if (opts.keep !== true) await rm(this.dir, { recursive: true, force: true });
  }
}
