/**
 * The dashboard's data source over a running node (issue 16): follows the node's accepted gossip (tasks,
 * bids, votes, certificates, proofs, operator records), the auction's task ends, the settlement service's
 * transactions and the UMP's proofs into a TaskTracker, and answers the dashboard's views from the tracker,
 * the node's validated store, the auction store, the UMP runtime and (for a settlement this node did not see)
 * the chain. Read only: it never sends a message or a transaction.
 */
import { EscrowClient, escrowInterface, TaskStatus } from "@zkpool/chain";
import { drawOrder, peerIdHex, type AcceptedMessage, type AuctionService, type ChainSettlementService, type PoolNode, type SettlementRecord } from "@zkpool/node";
import { decodeBidCommit, decodeBidReveal, decodeProofSubmission, type BidCommit, type BidReveal, type Certificate, type ChainParams, type Hex, type OperatorRecord, type ProofSubmission, type Task } from "@zkpool/protocol";
import type { Ump } from "@zkpool/ump";
import type { JsonRpcProvider } from "ethers";
import { TaskTracker, type Phase, type TrackerLimits } from "./tracker.js";
import type { DashboardData, DashboardEvent, RecentTasksPage, RecentTasksQuery } from "./types.js";

export interface DashboardSourceInit {
  node: PoolNode;
  auction: AuctionService;
  /** The node's UMP (modules, load, profiles; its proofs are timed). */
  ump?: Ump;
  settlement?: ChainSettlementService;
  /** Chain lookups for settlements this node did not see (with `escrow`). */
  provider?: JsonRpcProvider;
  escrow?: string;
  chainParams?: ChainParams;
  role: "prover" | "attester";
  /** Unix ms the node started. */
  started?: number;
  limits?: TrackerLimits;
  /** History sample interval, ms. @default 5000 */
  sampleMs?: number;
  /** Tasks read from the store at start. @default 200 */
  seedTasks?: number;
  /** Blocks searched back for a TaskSettled log. @default 50000 */
  logBlocks?: number;
}

const lc = (s: string): string => s.toLowerCase();
const short = (s: string): string => (s.length > 12 ? `${s.slice(0, 10)}…` : s);
const STATUS_NAME: Record<number, string> = { [TaskStatus.None]: "none", [TaskStatus.Open]: "open", [TaskStatus.Settled]: "settled", [TaskStatus.Failed]: "failed", [TaskStatus.Invalid]: "invalid" };
const TASK_SETTLED = escrowInterface.getEvent("TaskSettled")!.topicHash;

/** A value computed at most once per `ms`. */
function every<T>(ms: number, f: () => Promise<T>): () => Promise<T> {
  let last: { at: number; v: Promise<T> } | undefined;
  return () => {
    if (last === undefined || Date.now() - last.at > ms) {
      const v = f();
      last = { at: Date.now(), v };
      v.catch(() => (last = undefined));
    }
    return last.v;
  };
}

export class DashboardSource implements DashboardData {
  readonly tracker: TaskTracker;
  private readonly node: PoolNode;
  private readonly auction: AuctionService;
  private readonly me: string;
  private readonly timer: NodeJS.Timeout;
  private readonly chainCache = new Map<string, { at: number; v: Promise<unknown> }>();
  private readonly stakeNow: () => Promise<ReadonlyMap<string, bigint>>;
  private readonly earningsNow: () => Promise<unknown>;
  private restoreProve: (() => void) | undefined;
  private stopped = false;
  private readonly onAccepted = (m: AcceptedMessage): void => {
    try {
      this.accepted(m);
    } catch (err) {
      this.node.log.debug("dashboard: message not tracked", { topic: m.topic, err: String(err) });
    }
  };
  private readonly onEnded = (e: { taskId: Hex; status: "completed" | "invalid" | "failed"; round?: number; reason?: string }): void => {
    if (e.status === "completed") this.tracker.record(e.taskId, "completed", "ended", `completed in round ${e.round ?? 0}`);
    else this.tracker.record(e.taskId, "failed", "ended", `${e.status}${e.reason !== undefined ? `: ${e.reason}` : ""}`, { reason: e.reason ?? e.status });
    if (e.status !== "completed" && this.tracker.hasOwnBid(e.taskId) && this.tracker.ownBids().find((b) => b.taskId === lc(e.taskId))?.outcome === "pending") {
      this.tracker.ownBid(e.taskId, { outcome: "unassigned" });
    }
  };
  private readonly onSettled = (r: SettlementRecord): void => {
    this.tracker.record(r.taskId, "settled", "settlement", `settled on chain${r.txHash !== undefined ? ` (tx ${short(r.txHash)})` : ""} by ${r.by === "self" ? "this node" : "another node"}: ${r.price} wei to ${short(r.prover)}`,
      { settledBy: r.by, ...(r.txHash !== undefined ? { settledTx: r.txHash } : {}) });
    if (lc(r.prover) === this.me) this.tracker.earned(r.taskId, r.price);
  };
  private readonly onDefaultReported = (r: { taskId: Hex; round: number; prover: Hex; txHash: string }): void => {
    this.tracker.record(r.taskId, undefined, "report", `default of ${short(r.prover)} in round ${r.round} reported on chain (tx ${short(r.txHash)})`);
  };
  private readonly onReported = (r: { kind: string; taskId: Hex; txHash: string }): void => {
    this.tracker.record(r.taskId, undefined, "report", `${r.kind} reported on chain (tx ${short(r.txHash)})`);
  };
  private readonly onPeers = (): void => this.tracker.emit({ type: "peers", data: { peers: this.node.host.getPeers().length } });

  constructor(private readonly init: DashboardSourceInit) {
    this.node = init.node;
    this.auction = init.auction;
    this.me = lc(init.auction.address);
    this.tracker = new TaskTracker(init.limits);
    this.stakeNow = every(5000, () => this.node.opts.stake.stakeTable(0n));
    this.earningsNow = every(2000, () => (init.settlement !== undefined ? init.settlement.earnings() : Promise.resolve(null)));
    this.node.gossip.on("accepted", this.onAccepted);
    this.auction.on("ended", this.onEnded);
    init.settlement?.on("settled", this.onSettled);
    init.settlement?.on("defaultReported", this.onDefaultReported);
    init.settlement?.on("reported", this.onReported);
    this.node.host.addEventListener("peer:connect", this.onPeers);
    this.node.host.addEventListener("peer:disconnect", this.onPeers);
    this.timeProofs();
    this.tracker.sample();
    this.timer = setInterval(() => this.tracker.sample(), init.sampleMs ?? 5000);
    this.timer.unref();
    void this.seed().catch((err: unknown) => this.node.log.debug("dashboard: store seed skipped", { err: String(err) }));
  }

  /** Time the UMP's proofs (the runtime reports each proof's wall time and module): wraps `prove` until stop. */
  private timeProofs(): void {
    const ump = this.init.ump;
    if (ump === undefined || this.init.role !== "prover") return;
    const own = Object.getOwnPropertyDescriptor(ump, "prove");
    const original = ump.prove.bind(ump);
    const tracker = this.tracker;
    const timed: Ump["prove"] = async (...args) => {
      const r = await original(...args);
      tracker.proved(args[0].taskId, r.moduleId, r.durationMs);
      return r;
    };
    ump.prove = timed;
    this.restoreProve = () => {
      if (ump.prove !== timed) return; // wrapped again since: leave it
      if (own !== undefined) Object.defineProperty(ump, "prove", own);
      else delete (ump as { prove?: unknown }).prove;
    };
  }

  /** The newest tasks already in the store (restart): their phase from the auction's state, time unknown. */
  private async seed(): Promise<void> {
    const b = this.node.repos.tasks.bucket;
    const ids: string[] = [];
    for await (const key of this.node.repos.db.raw.keys({ gte: `${b}/`, lt: `${b}0`, limit: this.init.seedTasks ?? 200 })) ids.push(key.slice(b.length + 1));
    for (const id of ids) {
      if (this.stopped || this.tracker.get(id) !== undefined) continue;
      const v = await this.auction.taskView(id as Hex);
      if (v === undefined) continue;
      const phase: Phase = v.status === "completed" ? "completed" : v.status === "open" ? "published" : "failed";
      this.tracker.record(id, phase, "store", `in this node's store at start (${v.status})`, { requester: lc(v.task.requester), maxReward: v.task.maxReward, proofSystem: v.task.proofSystem, ...(v.reason !== undefined ? { reason: v.reason } : {}) }, null);
    }
  }

  private accepted(m: AcceptedMessage): void {
    switch (m.topic) {
      case "tasks": {
        const { id, task } = m.message as { id: Hex; task: Task };
        if (this.tracker.get(id)?.timeline.some((e) => e.kind === "task") === true) return;
        this.tracker.record(id, "published", "task", `task published by ${short(task.requester)}: max reward ${task.maxReward} wei, ${task.maxRounds} round(s)`,
          { requester: lc(task.requester), maxReward: task.maxReward, proofSystem: task.proofSystem });
        return;
      }
      case "bids": {
        const b = m.message as { kind: "commit"; commit: BidCommit } | { kind: "reveal"; reveal: BidReveal };
        if (b.kind === "commit") {
          const t = this.tracker.touch(b.commit.taskId);
          this.tracker.count("commits");
          this.tracker.record(b.commit.taskId, "bids", "commit", `sealed bid committed by ${short(b.commit.prover)}`, { commits: t.commits + 1 });
          if (lc(b.commit.prover) === this.me) this.tracker.ownBid(b.commit.taskId, {});
        } else {
          const t = this.tracker.touch(b.reveal.taskId);
          this.tracker.count("reveals");
          this.tracker.record(b.reveal.taskId, "bids", "reveal", `bid revealed by ${short(b.reveal.prover)}: ${b.reveal.price} wei`, { reveals: t.reveals + 1 });
          if (lc(b.reveal.prover) === this.me) this.tracker.ownBid(b.reveal.taskId, { price: b.reveal.price });
        }
        return;
      }
      case "votes":
        this.tracker.count("votes");
        return;
      case "certificates": {
        const c = m.message as Certificate;
        this.tracker.count("certificates");
        const signers = `${c.attesters.length} attester${c.attesters.length === 1 ? "" : "s"}`;
        if (c.kind === "assignment") {
          this.tracker.count("assignments");
          this.tracker.record(c.taskId, "assigned", "certificate", `assigned in round ${c.round} to ${short(c.prover)} at ${c.price} wei (${signers})`, { round: c.round, prover: lc(c.prover), price: c.price });
          if (this.tracker.hasOwnBid(c.taskId)) {
            const won = lc(c.prover) === this.me;
            this.tracker.ownBid(c.taskId, { outcome: won ? "won" : "lost", winner: lc(c.prover), winningPrice: c.price });
          }
        } else if (c.kind === "completion") {
          this.tracker.record(c.taskId, "completed", "certificate", `completion certificate, round ${c.round}: proof by ${short(c.prover)} accepted (${signers})`);
        } else if (c.kind === "default") {
          this.tracker.record(c.taskId, undefined, "certificate", `default certificate, round ${c.round}: ${short(c.prover)} did not prove in time (${signers})`);
        } else if (c.kind === "invalid") {
          this.tracker.record(c.taskId, "failed", "certificate", `invalid certificate: the task cannot be proved (${signers})`, { reason: "INVALID" });
        } else {
          this.tracker.record(c.taskId, undefined, "certificate", `non-reveal certificate: ${short(c.prover)} withheld its reveal (${signers})`);
        }
        return;
      }
      case "proofs": {
        const p = m.message as ProofSubmission;
        const t = this.tracker.touch(p.taskId);
        const assignedAt = t.phases.assigned;
        this.tracker.count("proofs");
        this.tracker.record(p.taskId, "proved", "proof", `proof submitted by ${short(p.prover)} for round ${p.round}${assignedAt !== undefined ? ` (${Date.now() - assignedAt} ms after the assignment)` : ""}`,
          { proofBy: lc(p.prover), ...(assignedAt !== undefined ? { proveMs: Date.now() - assignedAt } : {}) });
        return;
      }
      case "operators":
        this.tracker.emit({ type: "peers", data: { operator: lc((m.message as OperatorRecord).operator) } });
        return;
      default:
        return;
    }
  }

  subscribe(listener: (e: DashboardEvent) => void): () => void {
    return this.tracker.subscribe(listener);
  }

  async pool(): Promise<unknown> {
    const host = this.node.host;
    const records = await this.node.membership.list();
    const byPeer = new Map(records.map((r) => [lc(r.peerId), r]));
    let stakes: ReadonlyMap<string, bigint> = new Map();
    let stakeError: string | undefined;
    try {
      stakes = await this.stakeNow();
    } catch (err) {
      stakeError = String(err);
    }
    const stakeOf = new Map([...stakes].map(([a, s]) => [lc(a), s]));
    const ratings = new Map((await this.auction.ratings()).map((r) => [lc(r.prover), r]));
    const peers = host.getConnections().slice(0, 200).map((c) => {
      const id = c.remotePeer.toString();
      let op: OperatorRecord | undefined;
      try {
        op = byPeer.get(lc(peerIdHex(id)));
      } catch {
        op = undefined;
      }
      return { peerId: id, addr: c.remoteAddr.toString(), direction: c.direction, operator: op !== undefined ? lc(op.operator) : null };
    });
    const operators = new Map<string, Record<string, unknown>>();
    for (const r of records) {
      operators.set(lc(r.operator), {
        operator: lc(r.operator), peerId: r.peerId, proofSystems: r.proofSystems, moduleIds: r.moduleIds, capacity: r.capacity,
        softwareVersion: r.softwareVersion, issuedAt: r.issuedAt, stake: stakeOf.get(lc(r.operator)) ?? 0n, rating: ratings.get(lc(r.operator)) ?? null, self: lc(r.operator) === this.me,
      });
    }
    for (const [a, s] of stakeOf) if (!operators.has(a)) operators.set(a, { operator: a, stake: s, rating: ratings.get(a) ?? null, self: a === this.me, record: false });
    return {
      node: {
        peerId: this.node.peerId.toString(), operator: this.me, role: this.init.role, chainId: this.node.opts.domain.chainId, escrow: this.node.opts.domain.escrow,
        uptimeSeconds: this.init.started !== undefined ? Math.floor((Date.now() - this.init.started) / 1000) : null, addrs: this.node.multiaddrs.map((a) => a.toString()),
      },
      peers,
      operators: [...operators.values()].slice(0, 500),
      totalStake: [...stakeOf.values()].reduce((a, b) => a + b, 0n),
      ...(stakeError !== undefined ? { stakeError } : {}),
      counters: { ...this.tracker.counters },
      recent: this.tracker.recent({ limit: 25 }).items,
      history: this.tracker.history.slice(-360),
    };
  }

  async operator(): Promise<unknown> {
    const ump = this.init.ump;
    const modules = ump === undefined ? [] : ump.modules().map((m) => {
      const measured = this.tracker.proofs.filter((p) => p.moduleId === m.manifest.id);
      const profiles = m.manifest.proofSystems.map((ps) => ump.profile(m.manifest.id, ps)).filter((p) => p !== undefined);
      return {
        id: m.manifest.id, version: m.manifest.version, kind: m.manifest.kind, proofSystems: m.manifest.proofSystems, state: m.state, ...(m.error !== undefined ? { error: m.error } : {}),
        proofs: measured.length,
        meanProofMs: measured.length > 0 ? Math.round(measured.reduce((a, p) => a + p.durationMs, 0) / measured.length) : null,
        lastProofMs: measured.at(-1)?.durationMs ?? null,
        profiles: profiles.map((p) => ({ proofSystem: p.proofSystem, measuredAt: p.measuredAt, samples: p.samples.slice(0, 20) })),
      };
    });
    let earnings: unknown = null;
    let earningsError: string | undefined;
    try {
      earnings = await this.earningsNow();
    } catch (err) {
      earningsError = String(err);
    }
    const c = this.tracker.counters;
    return {
      operator: this.me,
      role: this.init.role,
      counters: { bidsMade: c.bidsMade, wins: c.wins, losses: c.losses, earnedWei: c.earnedWei },
      bids: this.tracker.ownBids().slice(0, 200),
      earnings,
      ...(earningsError !== undefined ? { earningsError } : {}),
      earningsSeries: this.tracker.earnings.slice(-500),
      ump: ump === undefined ? null : { load: ump.load(), modules, proofs: this.tracker.proofs.slice(-100) },
    };
  }

  tasks(q: RecentTasksQuery): Promise<RecentTasksPage> {
    return Promise.resolve(this.tracker.recent(q));
  }

  async task(id: string): Promise<unknown> {
    const view = await this.auction.taskView(id as Hex);
    const tracked = this.tracker.get(id);
    if (view === undefined) return tracked === undefined ? undefined : { taskId: id, tracked, task: null };
    const repos = this.node.repos;
    const commits = (await repos.bids.values([id, "c"])).slice(0, 200).map((b) => decodeBidCommit(b)).map((c) => ({ prover: lc(c.prover), commitment: c.commitment }));
    const reveals = (await repos.bids.values([id, "r"])).slice(0, 200).map((b) => decodeBidReveal(b));
    const certificates = (await this.auction.certificates(id as Hex)).slice(0, 50).map((c) => ({ ...c, signatures: undefined, signers: c.attesters.length }));
    const proofs = (await repos.proofs.values([id])).slice(0, 10).map((b) => decodeProofSubmission(b))
      .map((p) => ({ round: p.round, prover: lc(p.prover), proof: p.proof, publicSignals: p.publicSignals }));
    const task = view.task;
    const nowS = BigInt(Math.floor(Date.now() / 1000));
    let draw: unknown = { pending: true, detail: "the draw happens when the reveal window closes" };
    if (nowS > task.revealDeadline) {
      try {
        const table = await this.node.opts.stake.stakeTable(task.stakeEpoch);
        draw = { pending: false, order: drawOrder(id as Hex, task, reveals, table, this.init.chainParams).slice(0, 50) };
      } catch (err) {
        draw = { pending: false, error: String(err) };
      }
    }
    return {
      taskId: view.taskId,
      status: view.status,
      round: view.round ?? null,
      reason: view.reason ?? null,
      phase: tracked?.phase ?? (view.status === "completed" ? "completed" : view.status === "open" ? "published" : "failed"),
      task: {
        requester: lc(task.requester), proofSystem: task.proofSystem, maxReward: task.maxReward, penalty: task.penalty, bidDeadline: task.bidDeadline,
        revealDeadline: task.revealDeadline, proofWindow: task.proofWindow, maxRounds: task.maxRounds, stakeEpoch: task.stakeEpoch, inputSize: task.inputSize,
        wasmSha256: task.wasmSha256, zkeySha256: task.zkeySha256, vkeySha256: task.vkeySha256, inputHash: task.inputHash,
      },
      timeline: tracked?.timeline ?? [],
      phases: tracked?.phases ?? {},
      commits,
      reveals: reveals.map((r) => ({ prover: lc(r.prover), price: r.price })),
      draw,
      certificates,
      proofs,
      settlement: await this.settlement(id, tracked?.settledTx, tracked?.settledBy, view.status),
    };
  }

  /** The settlement: this node's record, else the Escrow's task record and its TaskSettled log (cached 3 s). */
  private async settlement(id: string, txHash: string | undefined, by: string | undefined, status: string): Promise<unknown> {
    if (txHash !== undefined) return { status: "settled", txHash, by, source: "this node" };
    const { provider, escrow } = this.init;
    if (provider === undefined || escrow === undefined || status === "open") return by !== undefined ? { status: "settled", by, source: "this node" } : null;
    const hit = this.chainCache.get(id);
    if (hit !== undefined && Date.now() - hit.at < 3000) return hit.v;
    const v = (async () => {
      try {
        const st: number = (await new EscrowClient(escrow, provider).taskRecord(id)).status;
        const out: Record<string, unknown> = { status: STATUS_NAME[st] ?? String(st), source: "chain" };
        if (st === TaskStatus.Settled) {
          const latest = await provider.getBlockNumber();
          const logs = await provider.getLogs({ address: escrow, topics: [TASK_SETTLED, id], fromBlock: Math.max(0, latest - (this.init.logBlocks ?? 50_000)), toBlock: latest });
          const log = logs[0];
          if (log !== undefined) {
            const ev = escrowInterface.parseLog(log);
            Object.assign(out, { txHash: log.transactionHash, blockNumber: log.blockNumber, prover: lc(String(ev?.args["prover"])), price: ev?.args["price"] as bigint, refund: ev?.args["refund"] as bigint });
          }
        }
        return out;
      } catch (err) {
        return { status: "unknown", source: "chain", error: String(err).slice(0, 200) };
      }
    })();
    this.chainCache.set(id, { at: Date.now(), v });
    while (this.chainCache.size > 256) this.chainCache.delete(this.chainCache.keys().next().value!);
    return v;
  }

  stop(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.stopped = true;
    clearInterval(this.timer);
    this.node.gossip.off("accepted", this.onAccepted);
    this.auction.off("ended", this.onEnded);
    this.init.settlement?.off("settled", this.onSettled);
    this.init.settlement?.off("defaultReported", this.onDefaultReported);
    this.init.settlement?.off("reported", this.onReported);
    this.node.host.removeEventListener("peer:connect", this.onPeers);
    this.node.host.removeEventListener("peer:disconnect", this.onPeers);
    this.restoreProve?.();
    this.tracker.stop();
    return Promise.resolve();
  }
}

export function createDashboardSource(init: DashboardSourceInit): DashboardSource {
  return new DashboardSource(init);
}
