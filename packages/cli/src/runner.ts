/** Runs a pool node from a resolved NodeConfig: network, auction (prover/attester), chain services, API. */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { JsonRpcProvider, type Wallet } from "ethers";
import { ChainStakeSource, EscrowClient, StakeRegistryClient, chainParamsFromPool, circuitRegistryInterface, createTxSender, escrowInterface, stakeRegistryInterface, type Deployment, type ManagedTxSender } from "@zkpool/chain";
import {
  CachedProvabilityChecker,
  ChainSettlementService,
  CostPlusPricing,
  EscrowBalanceSource,
  FixedSharePricing,
  GenesisStakeSource,
  GossipProofVerifier,
  LifecycleSampler,
  NodeChainStakeSource,
  PoolNode,
  PrometheusMetrics,
  createAuctionService,
  createLogger,
  type AuctionService,
  type Logger,
  type MessageRepositories,
  type PricingStrategy,
  type TaskView,
  type StakeSource,
} from "@zkpool/node";
import { decodeProofSubmission, type ChainParams, type Hex, type ProtocolDomain } from "@zkpool/protocol";
import { snarkjsModule } from "@zkpool/prover-snarkjs";
import { createUmp, type Ump } from "@zkpool/ump";
import { startApi, type NoTaskProof, type StatusApi, type TaskPage, type TaskPageQuery, type TaskProof } from "./api.js";
import { parseEth } from "./amounts.js";
import type { NodeConfig } from "./config.js";
import { CliError, CliErrorCode } from "./errors.js";
import { createDashboardSource } from "./dashboard/source.js";
import { readFileSync } from "node:fs";

export interface RunningNode {
  readonly node: PoolNode;
  readonly api: StatusApi;
  readonly operator: string;
  readonly log: Logger;
  stop(): Promise<void>;
}

function readDeploymentFile(path: string): Deployment {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Deployment;
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE, path }, `cannot read deployment file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** What the task views of the API need of the auction. */
export type TaskViewer = Pick<AuctionService, "taskView">;

function taskSummary(v: TaskView): Record<string, unknown> {
  return { taskId: v.taskId, status: v.status, round: v.round, reason: v.reason, requester: v.task.requester, maxReward: v.task.maxReward };
}

/** Stored task ids in key (= id) order within a range of the task bucket. */
function storedTaskIds(repos: MessageRepositories, range: { gt?: string; gte?: string; limit?: number }): AsyncGenerator<string> {
  const b = repos.tasks.bucket;
  return (async function* () {
    for await (const key of repos.db.raw.keys({ ...range, lt: `${b}0` })) yield key.slice(b.length + 1);
  })();
}

/** One page of GET /tasks: at most `limit` tasks with ids after `after`, and the cursor of the next page. */
export async function pageTasks(repos: MessageRepositories, auction: TaskViewer, q: TaskPageQuery): Promise<TaskPage> {
  const b = repos.tasks.bucket;
  const range = q.after !== undefined ? { gt: `${b}/${q.after}` } : { gte: `${b}/` };
  const items: unknown[] = [];
  let seen = 0;
  let last: string | undefined;
  for await (const id of storedTaskIds(repos, { ...range, limit: q.limit + 1 })) {
    if (seen === q.limit) return { items, next: last! };
    seen++;
    last = id;
    const v = await auction.taskView(id as Hex);
    if (v !== undefined) items.push(taskSummary(v));
  }
  return { items };
}

/** Task counts of GET /status (one pass over the store; the API caches the result). */
export async function countTasks(repos: MessageRepositories, auction: TaskViewer): Promise<Record<"total" | "open" | "completed" | "invalid" | "failed", number>> {
  const n = { total: 0, open: 0, completed: 0, invalid: 0, failed: 0 };
  for await (const id of storedTaskIds(repos, { gte: `${repos.tasks.bucket}/` })) {
    const v = await auction.taskView(id as Hex);
    if (v === undefined) continue;
    n.total++;
    if (v.status !== "unfunded") n[v.status]++;
  }
  return n;
}

/**
 * GET /tasks/<id>/proof: the proof submission stored for the task's completed round (the one its Completion
 * certificate names), or why there is none on this node.
 */
export async function taskProofOf(repos: MessageRepositories, auction: TaskViewer, id: string): Promise<TaskProof | NoTaskProof> {
  const v = await auction.taskView(id.toLowerCase() as Hex);
  if (v === undefined) return { missing: "unknown task", detail: "this node stores no task with that id; check the id, or ask a node that received the task" };
  if (v.status === "open" || v.status === "unfunded") {
    return {
      missing: "no proof yet",
      detail: `the task is ${v.status}${v.round !== undefined ? ` (round ${v.round})` : ""}: a proof is served here once a Completion certificate is held; ask again later (GET /tasks/${v.taskId} shows its status)`,
    };
  }
  if (v.status !== "completed") {
    return { missing: "no proof", detail: `the task ended ${v.status}${v.reason !== undefined ? ` (${v.reason})` : ""}: no proof was certified for it` };
  }
  const round = v.round ?? 0;
  const bytes = await repos.proofs.get([v.taskId, String(round)]);
  if (bytes === undefined) {
    return { missing: "proof not held", detail: `the task completed in round ${round} but this node holds no proof submission for that round; ask another pool node's API` };
  }
  const p = decodeProofSubmission(bytes);
  return {
    taskId: v.taskId,
    round: p.round,
    prover: p.prover,
    peerId: p.peerId,
    proofSystem: v.task.proofSystem,
    proof: p.proof,
    publicSignals: p.publicSignals.map((s) => s.toString()),
    signature: p.signature,
  };
}

export interface RunNodeOptions {
  /** Human-readable logs (pino-pretty) instead of JSON lines. @default false */
  prettyLogs?: boolean;
}

export async function runNode(c: NodeConfig, operator: Wallet, o: RunNodeOptions = {}): Promise<RunningNode> {
  await mkdir(c.dataDir, { recursive: true });
  // pretty lines for a person at a terminal; JSON lines for everything else (files, pipes, log shippers)
  const log = createLogger({ level: c.logLevel, name: "zkpool", pretty: o.prettyLogs === true });
  const metrics = new PrometheusMetrics({ collectDefault: true });
  const started = Date.now();
  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const f of cleanup.reverse()) await f().catch((err: unknown) => log.warn("stop step failed", { err: String(err) }));
    cleanup.length = 0;
  };
  try {
    let domain: ProtocolDomain;
    let stake: StakeSource;
    let provider: JsonRpcProvider | undefined;
    let deployment: Deployment | undefined;
    let chainParams: ChainParams | undefined;
    if (c.deployment !== undefined) {
      deployment = readDeploymentFile(c.deployment);
      provider = new JsonRpcProvider(c.rpcUrl, undefined, { batchMaxCount: 1, staticNetwork: true });
      const p = provider;
      cleanup.push(() => Promise.resolve(p.destroy()));
      let chainId: bigint;
      try {
        chainId = (await provider.getNetwork()).chainId;
        await provider.getBlockNumber();
      } catch (cause) {
        throw new CliError({ code: CliErrorCode.CHAIN_UNREACHABLE, detail: c.rpcUrl }, `chain RPC ${c.rpcUrl} does not answer; start the chain or fix --rpc-url`, { cause });
      }
      if (chainId.toString() !== deployment.chainId) {
        throw new CliError({ code: CliErrorCode.CHAIN_UNREACHABLE, detail: `chain ${chainId}` },
          `${c.rpcUrl} serves chain ${chainId} but the deployment ${c.deployment} is for chain ${deployment.chainId}`);
      }
      domain = { chainId, escrow: deployment.escrow.toLowerCase() as Hex };
      // The v1 rules' parameters come from the contracts themselves (SPEC §9.1): one source of truth.
      try {
        chainParams = chainParamsFromPool(await new EscrowClient(deployment.escrow, provider).parameters());
      } catch (cause) {
        throw new CliError({ code: CliErrorCode.CHAIN_UNREACHABLE, detail: deployment.escrow },
          `cannot read the pool parameters from the Escrow at ${deployment.escrow}: is ${c.deployment} a protocol v1 deployment on this chain? Redeploy if not`, { cause });
      }
      stake = new NodeChainStakeSource(new ChainStakeSource({ stakeRegistry: deployment.stakeRegistry, runner: provider, epochSeconds: chainParams.epochSeconds }));
    } else if (c.genesis !== undefined) {
      if (c.chainId === undefined || c.escrow === undefined) {
        throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE }, "genesis mode needs chainId and escrow (the network every message is signed for)");
      }
      domain = { chainId: BigInt(c.chainId), escrow: c.escrow.toLowerCase() as Hex };
      stake = await GenesisStakeSource.fromFile(c.genesis);
    } else {
      throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE },
        "no stake source: set deployment (a chain deployment file, with rpcUrl) or genesis (a static stake file)");
    }

    // A UMP proves (prover role) and verifies submitted proofs (every attester, and every node's gossip check).
    const snark = snarkjsModule({ workers: 1, threads: c.proverThreads, cacheDir: join(c.dataDir, "artifacts") });
    const ump: Ump = createUmp({
      modules: [snark],
      concurrency: c.capacity,
    });
    await ump.start();
    cleanup.push(() => ump.stop());
    // Invalid proofs are not forwarded (SPEC §2.8 step 10).
    const proofVerifier = new GossipProofVerifier(ump);

    const escrowReader = provider !== undefined && deployment !== undefined ? new EscrowClient(deployment.escrow, provider) : undefined;
    const node = await PoolNode.create({
      dataDir: c.dataDir,
      domain,
      stake,
      proofVerifier,
      ...(chainParams !== undefined ? { chainParams } : {}),
      ...(escrowReader !== undefined ? { balances: new EscrowBalanceSource(escrowReader) } : {}),
      logger: log,
      metrics,
      network: { listen: c.listen, bootstrap: c.bootstrap, devnet: c.devnet },
    });
    cleanup.push(() => node.stop());
    proofVerifier.attach(node);
    await node.start();

    const auction: AuctionService = createAuctionService({
      node,
      operator,
      verifier: ump,
      // Attesters check that a task can be proved before assigning it (SPEC §9.7).
      provability: new CachedProvabilityChecker(snark),
      ...(c.prover ? { ump, capacity: c.capacity } : {}),
      ...(c.prover ? { pricing: pricingOf(c) } : {}),
    });
    await auction.start();
    cleanup.push(() => auction.stop());

    // Lifecycle gauges (issue 16): UMP load and module health every 5 s; with a chain, this operator's stake
    // and claimable earnings at most every 15 s.
    const stakeReader = provider !== undefined && deployment !== undefined ? new StakeRegistryClient(deployment.stakeRegistry, provider) : undefined;
    const sampler = new LifecycleSampler({
      metrics,
      ump,
      ...(stakeReader !== undefined ? { stake: () => stakeReader.stakeOf(operator.address) } : {}),
      ...(escrowReader !== undefined ? { claimable: () => escrowReader.earnings(operator.address) } : {}),
      onError: (what, err) => log.debug("metrics sample failed", { what, err: String(err) }),
    });
    sampler.start();
    cleanup.push(() => sampler.stop());

    let settlement: ChainSettlementService | undefined;
    if (provider !== undefined && deployment !== undefined && c.settle) {
      // The node owns its nonce: simulate first, never spend a nonce on a revert, bump stuck transactions
      // (issue 12). Stopped before the settlement service's waits so SIGTERM ends within seconds.
      const sender: ManagedTxSender = createTxSender({
        signer: operator.connect(provider),
        provider,
        chainId: domain.chainId,
        interfaces: [escrowInterface, stakeRegistryInterface, circuitRegistryInterface],
        metrics: metrics.txMetrics(),
        log: (event, fields) => log.debug(`tx ${event}`, fields),
      });
      await sender.start();
      const s = new ChainSettlementService({
        auction,
        escrow: new EscrowClient(deployment.escrow, provider, { sender }),
        graceSeconds: c.graceSeconds,
      });
      s.start();
      settlement = s;
      // stop the sender at once (it aborts pending sends) while the service winds down its waits
      cleanup.push(async () => {
        const stopping = s.stop();
        await sender.stop();
        await stopping;
      });
    }

    // /tasks and /status read the task store page by page (issue 12: no request scans every task; the API
    // computes /status at most once a second and shares that computation between concurrent requests).
    const tasks = (q: TaskPageQuery): Promise<TaskPage> => pageTasks(node.repos, auction, q);
    // web dashboard (issue 16): read-only views over the node, auction, settlement and UMP, served by the API
    const dashboard = createDashboardSource({ node, auction, ump, settlement, provider, escrow: deployment?.escrow, chainParams, role: c.prover ? "prover" : "attester", started });
    cleanup.push(() => dashboard.stop());
    const api = await startApi(c.apiHost, c.apiPort, {
      status: async () => ({
        peerId: node.peerId.toString(),
        operator: operator.address,
        addrs: node.multiaddrs.map((a) => a.toString()),
        peers: node.host.getPeers().length,
        chainId: domain.chainId,
        escrow: domain.escrow,
        role: c.prover ? "prover" : "attester",
        uptimeSeconds: Math.floor((Date.now() - started) / 1000),
        tasks: await countTasks(node.repos, auction),
      }),
      tasks,
      task: async (id) => {
        const v = await auction.taskView(id.toLowerCase() as Hex);
        if (v === undefined) return undefined;
        return { ...v, certificates: await auction.certificates(v.taskId) };
      },
      taskProof: (id) => taskProofOf(node.repos, auction, id),
      earnings: async () => (settlement !== undefined ? settlement.earnings() : { operator: operator.address, claimable: null, note: "no chain configured" }),
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
      dashboard,
    }, { log: (msg, fields) => log.warn(msg, fields) });
    cleanup.push(() => api.close());
    // written whole, then renamed: a reader (the devnet, `task expire`) never sees a half-written file
    const apiFile = join(c.dataDir, "api.json");
    await writeFile(`${apiFile}.tmp`, JSON.stringify({ url: api.url, peerId: node.peerId.toString(), addrs: node.multiaddrs.map((a) => a.toString()), pid: process.pid }) + "\n");
    await rename(`${apiFile}.tmp`, apiFile);
    log.info("zkpool node running", { api: api.url, operator: operator.address, role: c.prover ? "prover" : "attester" });
    return { node, api, operator: operator.address, log, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The prover's bid pricing: a fixed share of maxReward (`priceShare`), else cost plus (`costPerSecond`, issue 14). */
export function pricingOf(c: NodeConfig): PricingStrategy {
  if (c.priceShare !== undefined) return new FixedSharePricing(c.priceShare);
  return new CostPlusPricing(c.costPerSecond !== undefined ? { costPerSecondWei: parseEth(c.costPerSecond, "costPerSecond") } : {});
}
