/**
 * The auction service: sealed-bid bidding (prover role), the lottery and agreement (attester role),
 * proving, completion, default and reassignment, composed on top of a started PoolNode.
 *
 * It holds no state that matters only in memory: every decision is re-derived on each tick from the
 * validated messages in the node's repositories plus this service's own records (salts, own votes, task
 * status) in the node's database, so a restarted node resumes every open task where it left off.
 */
import { EventEmitter } from "node:events";
import {
  addressOf,
  auctionDeadlines,
  firstRound,
  reservePrice,
  splitRound,
  taskAuctionRounds,
  bidCommitment,
  circuitId,
  decodeBidCommit,
  decodeBidReveal,
  decodeCertificate,
  decodeProofSubmission,
  decodeTask,
  decodeVote,
  encodeBidCommit,
  encodeBidReveal,
  encodeCertificate,
  encodeSnarkjsProof,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeVote,
  decodeSnarkjsProof,
  MAX_CLOCK_SKEW,
  PROOF_SYSTEMS,
  randomSalt,
  proofHash,
  roundDeadline,
  sameBody,
  signBidCommit,
  signBidReveal,
  signOperatorRecord,
  signProofSubmission,
  signVote,
  attesterSet,
  hasQuorum,
  collateral,
  LIMITS,
  MAX_UINT256,
  sortStandingAsks,
  type StandingAsk,
  type Certificate,
  type CertificateOfKind,
  type Hex,
  type ProofSystem,
  type ProofSubmission,
  type Task,
  type Vote,
  type VoteBody,
  type AttesterSet,
  type Eip712Key,
} from "@zkpool/protocol";
import type { CircuitArtifacts, ProofSystem as UmpProofSystem, Reservation } from "@zkpool/ump";
import type { AcceptedMessage, MessageSource } from "../gossip/interface.js";
import type { ValidatedEvent } from "../gossip/service.js";
import type { NodeMetrics } from "../metrics/interface.js";
import type { Logger } from "../logger.js";
import { peerIdHex } from "../membership/service.js";
import { bidKey, commitsOf, revealsOf } from "../messages/bids.js";
import { certificateKey } from "../messages/certificates.js";
import { slotName } from "../messages/votes.js";
import type { PoolNode } from "../node.js";
import { systemNow } from "../options.js";
import { CostPlusPricing, type PricingStrategy } from "../pricing/strategy.js";
import { applyOutcome, type ProverRating, type RatingOutcome } from "../ratings/book.js";
import type { ProvabilityChecker } from "./provability.js";
import { assigneeFor, drawOrder } from "./draw.js";
import { nextWake, wakePoints } from "./wake.js";
import { AuctionError, AuctionErrorCode } from "./errors.js";
import type { AuctionEvents, AuctionProver, AuctionServiceInit, EquivocationEvidence, NonRevealEvidence, ProofChecker, TaskView } from "./interface.js";
import { AuctionStore, type StoredTaskState } from "./store.js";

const UMP_SYSTEM: Record<number, UmpProofSystem> = { 1: "groth16", 2: "plonk", 3: "fflonk" };
const lc = (h: string): string => h.toLowerCase();
const hex0 = (h: string): string => lc(h).replace(/^0x/, "");

interface RoundCerts {
  assignment?: CertificateOfKind<"assignment">;
  completion?: CertificateOfKind<"completion">;
  default?: CertificateOfKind<"default">;
}

/** Least time between two announcements of this node's operator record, ms. */
const REANNOUNCE_MIN_MS = 5000;
/** A changed standing ask is announced at most this often (SPEC §10.6). */
const ASK_ANNOUNCE_MIN_MS = 10_000;
/** Standing asks are re-announced this often even when unchanged, well inside ASK_MAX_AGE. */
const ASK_REFRESH_MS = 10 * 60_000;
/** An ask that moved by less than this (basis points) is not re-announced before the refresh. */
const ASK_MOVE_BPS = 1000n;

const absDiff = (a: bigint, b: bigint): bigint => (a > b ? a - b : b - a);


/** Circuit artifacts of a task, addressed in the node's content store. */
export function taskCircuit(task: Task, pathOf: (sha256: string) => string, constraints: number): CircuitArtifacts {
  const system = UMP_SYSTEM[task.proofSystem];
  if (system === undefined) {
    throw new AuctionError({ code: AuctionErrorCode.UNSUPPORTED_PROOF_SYSTEM, proofSystem: task.proofSystem }, `proof system ${task.proofSystem} is unknown`);
  }
  const ref = (h: Hex): { sha256: string; path: string } => ({ sha256: hex0(h), path: pathOf(hex0(h)) });
  return {
    circuitId: circuitId(task.proofSystem, task.wasmSha256, task.zkeySha256, task.vkeySha256),
    proofSystem: system,
    wasm: ref(task.wasmSha256),
    zkey: ref(task.zkeySha256),
    vkey: ref(task.vkeySha256),
    constraints,
  };
}

export class AuctionService extends EventEmitter<AuctionEvents> {
  readonly node: PoolNode;
  readonly store: AuctionStore;
  /** Lowercase operator address of this node. */
  readonly address: Hex;
  private readonly operator: Eip712Key;
  private readonly ump: AuctionProver | undefined;
  private readonly verifier: ProofChecker | undefined;
  private readonly pricing: PricingStrategy;
  private readonly provability: ProvabilityChecker | undefined;
  private readonly log: Logger;
  private readonly tickMs: number;
  private readonly active = new Set<Hex>();
  /** Operators-topic followers when the record was last announced, and when (wall clock, ms). */
  private announcedTo = 0;
  private lastAnnounceAt = 0;
  /** Open tasks' clock edges (wakePoints) and when each is looked at next without a message (nextWake). */
  private readonly wakes = new Map<Hex, { points: number[]; at: number }>();
  /** Standing asks (SPEC §10.6) by `circuitId/proofSystem`, most recently priced last; at most LIMITS.maxAsks. */
  private readonly standingAsks = new Map<string, StandingAsk>();
  private asksChangedAt = 0;
  private announcing = false;
  private readonly busy = new Map<Hex, Promise<void>>();
  private readonly again = new Set<Hex>();
  private readonly reservations = new Map<Hex, Reservation>();
  /** Collateral of this prover's live bids and assignments, by task (SPEC §9.3 free stake). */
  private readonly atRisk = new Map<Hex, bigint>();
  private readonly proving = new Set<string>();
  private readonly verified = new Map<string, boolean>();
  private readonly fetching = new Map<string, Promise<void>>();
  private readonly tried = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly onAccepted = (m: AcceptedMessage): void => this.handleAccepted(m);
  private readonly metrics: NodeMetrics;
  /** Tasks already counted as not bid on (metrics only: a refusal is counted once per task). */
  private readonly refused = new Set<Hex>();
  /** Tasks refused by the tasks topic's validation (a re-delivered DUPLICATE is no refusal). */
  private readonly onValidated = (e: ValidatedEvent): void => {
    if (e.outcome !== "accept" && e.reason !== "DUPLICATE" && e.topic.endsWith("/tasks")) this.metrics.taskRefused("validation", e.reason);
  };

  constructor(private readonly init: AuctionServiceInit) {
    super();
    this.node = init.node;
    this.operator = init.operator;
    this.address = addressOf(init.operator);
    this.ump = init.ump;
    const umpVerifier = init.ump as Partial<ProofChecker> | undefined;
    this.verifier = init.verifier ?? (typeof umpVerifier?.verify === "function" ? (umpVerifier as ProofChecker) : undefined);
    this.pricing = init.pricing ?? new CostPlusPricing();
    this.provability = init.provability;
    this.log = init.node.log.child({ mod: "auction" });
    this.tickMs = init.tickMs ?? 250;
    this.store = new AuctionStore(init.node.db);
    this.metrics = init.node.metrics;
  }

  private now(): bigint {
    return (this.node.opts.now ?? systemNow)();
  }

  /** Announce the operator record, sync, then resume every open task and follow new ones. */
  async start(): Promise<void> {
    if (this.running) throw new AuctionError({ code: AuctionErrorCode.ALREADY_STARTED }, "Auction service already started");
    this.running = true;
    this.node.gossip.on("accepted", this.onAccepted);
    this.node.gossip.on("validated", this.onValidated);
    if (this.init.announce ?? true) await this.announce();
    if (this.init.syncOnStart ?? true) {
      try {
        await this.node.sync.syncOpenTasks();
      } catch (err) {
        this.log.debug("auction start: sync skipped", { reason: String(err) });
      }
    }
    for (const id of await this.node.repos.openTaskIds(this.now())) this.active.add(id as Hex);
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.tick();
  }

  /** Stop acting (pending work finishes); releases UMP reservations. Does not stop the node or the UMP. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.node.gossip.off("accepted", this.onAccepted);
    this.node.gossip.off("validated", this.onValidated);
    await Promise.allSettled([...this.busy.values()]);
    for (const r of this.reservations.values()) r.release();
    this.reservations.clear();
    this.atRisk.clear();
    this.metrics.collateralAtRisk(0n);
  }

  /**
   * Proof systems this operator advertises: those its UMP modules prove (a prover), or every system the
   * node verifies (an attester-only node checks Groth16, PLONK and FFLONK proofs alike).
   */
  private advertisedProofSystems(): ProofSystem[] {
    if (this.ump === undefined) return [...PROOF_SYSTEMS];
    const served = new Set(this.ump.modules().flatMap((m) => m.manifest.proofSystems));
    const codes = PROOF_SYSTEMS.filter((code) => served.has(UMP_SYSTEM[code]!));
    // A prover whose modules serve none of them still verifies every system as an attester.
    return codes.length > 0 ? codes : [...PROOF_SYSTEMS];
  }

  /** Publish (validate, store, gossip, DHT) this node's signed operator record. */
  async announce(seq = this.now()): Promise<void> {
    this.lastAnnounceAt = Date.now();
    const rec = signOperatorRecord(
      {
        operator: this.address,
        peerId: peerIdHex(this.node.peerId.toString()),
        proofSystems: this.advertisedProofSystems(),
        moduleIds: this.ump === undefined ? [] : [...new Set(this.ump.modules().map((m) => m.manifest.id))].sort(),
        capacity: this.init.capacity ?? 1,
        softwareVersion: "0.1.0",
        seq,
        issuedAt: this.now(),
        ...(this.standingAsks.size > 0 ? { asks: sortStandingAsks(this.standingAsks.values()) } : {}),
      },
      this.operator,
      this.node.opts.domain,
    );
    try {
      await this.node.membership.publish(encodeOperatorRecord(rec));
    } catch (err) {
      // Stored locally even when no peer was there to receive it; sync carries it later.
      this.log.debug("operator record not gossiped", { reason: String(err) });
    }
  }

  private handleAccepted(m: AcceptedMessage): void {
    const msg = m.message as { taskId?: Hex; id?: Hex; kind?: string; commit?: { taskId: Hex }; reveal?: { taskId: Hex } };
    let id: Hex | undefined;
    if (m.topic === "tasks") id = (m.message as { id: Hex }).id;
    else if (m.topic === "bids") id = msg.commit?.taskId ?? msg.reveal?.taskId;
    else if (m.topic === "votes" || m.topic === "certificates" || m.topic === "proofs") id = msg.taskId;
    if (id === undefined) return;
    id = lc(id) as Hex;
    this.active.add(id);
    if (m.topic === "tasks") this.metrics.task("seen");
    if (m.topic === "certificates") {
      this.observeCertificate(m.message as Certificate, m.ctx.source);
      this.emit("certificate", m.message as Certificate);
    }
    this.schedule(id);
  }

  /** Metrics of a certificate this node accepted (once per certificate): won/defaulted, clearing price, latency. */
  private observeCertificate(c: Certificate, source: MessageSource): void {
    if (c.kind === "default" && lc(c.prover) === this.address) this.metrics.task("defaulted");
    if (c.kind !== "assignment") return;
    if (lc(c.prover) === this.address) this.metrics.task("won");
    const at = this.node.opts.now === undefined ? Date.now() / 1000 : Number(this.node.opts.now());
    this.loadTask(lc(c.taskId) as Hex).then(
      (task) => {
        if (task === undefined) return;
        this.metrics.clearingPrice(c.price, task.maxReward);
        // A certificate replayed by sync says how late this node synced, not how fast the pool agreed.
        const { auction, proof } = splitRound(task, c.round);
        if (proof === 0 && source !== "sync") this.metrics.assignmentLatencySeconds(at - Number(auctionDeadlines(task, auction).revealDeadline));
      },
      () => undefined,
    );
  }

  /** Every tickMs: the tasks whose next wake-up (a deadline edge, or the safety poll) has come; no database reads. */
  private tick(): void {
    if (!this.running) return;
    this.reannounce();
    const now = Date.now();
    for (const id of this.active) {
      const w = this.wakes.get(id);
      if (w === undefined || w.at <= now) this.schedule(id);
    }
  }

  /**
   * Announce the operator record again when more peers follow the operators topic than at the last announcement
   * (at most every REANNOUNCE_MIN_MS). The announcement at start is usually made before any gossip peer is there:
   * without this, nodes already running never learn the record and ignore this prover's bids (UNKNOWN_PEER).
   */
  private reannounce(): void {
    if (!(this.init.announce ?? true) || this.announcing) return;
    const followers = this.node.gossip.subscribers("operators").length;
    const sinceAnnounce = Date.now() - this.lastAnnounceAt;
    // standing asks: announced once they changed (a new circuit, or a price moved), and refreshed before they age
    const asksDue = this.standingAsks.size > 0 && ((this.asksChangedAt > this.lastAnnounceAt && sinceAnnounce >= ASK_ANNOUNCE_MIN_MS) || sinceAnnounce >= ASK_REFRESH_MS);
    if (!asksDue && (followers <= this.announcedTo || sinceAnnounce < REANNOUNCE_MIN_MS)) return;
    this.announcedTo = Math.max(this.announcedTo, followers);
    this.announcing = true;
    this.announce()
      .catch((err: unknown) => this.log.debug("operator record re-announce failed", { reason: String(err) }))
      .finally(() => (this.announcing = false));
  }

  /** Run step(id), at most one at a time per task; a request while busy runs once more afterwards. */
  private schedule(id: Hex): void {
    if (!this.running) return;
    if (this.busy.has(id)) {
      this.again.add(id);
      return;
    }
    const p = this.step(id)
      .catch((err: unknown) => this.log.warn("auction step failed", { taskId: id, err: String(err) }))
      .finally(() => {
        this.busy.delete(id);
        const w = this.wakes.get(id);
        if (w !== undefined) w.at = this.active.has(id) ? nextWake(w.points, Date.now()) : Number.POSITIVE_INFINITY;
        if (this.again.delete(id)) this.schedule(id);
      });
    this.busy.set(id, p);
  }

  // ------------------------------------------------------------------ reads

  private async loadTask(id: Hex): Promise<Task | undefined> {
    const b = await this.node.repos.tasks.get([id]);
    return b === undefined ? undefined : decodeTask(b);
  }

  private async stakes(task: Task): Promise<{ table: ReadonlyMap<string, bigint>; set: AttesterSet }> {
    const table = await this.node.opts.stake.stakeTable(task.stakeEpoch);
    return { table, set: attesterSet([...table].map(([a, s]) => [lc(a), s] as const)) };
  }

  private async certs(id: Hex, round: number): Promise<RoundCerts> {
    const out: RoundCerts = {};
    for (const e of await this.node.repos.certificates.entries([id, String(round)])) {
      const c = decodeCertificate(e.value);
      // v1-integration: Invalid certificates (round 0's assignment slot, SPEC §9.7) must end the task as invalid.
      if (c.kind === "assignment") out.assignment = c;
      else if (c.kind === "completion") out.completion = c;
      else if (c.kind === "default") out.default = c;
    }
    return out;
  }

  /** Certificates held for a task, by round (one prefix read). */
  private async allCerts(id: Hex): Promise<Map<number, RoundCerts>> {
    const out = new Map<number, RoundCerts>();
    for (const e of await this.node.repos.certificates.entries([id])) {
      const c = decodeCertificate(e.value);
      if (c.kind !== "assignment" && c.kind !== "completion" && c.kind !== "default") continue;
      const rc = out.get(c.round) ?? {};
      if (c.kind === "assignment") rc.assignment = c;
      else if (c.kind === "completion") rc.completion = c;
      else rc.default = c;
      out.set(c.round, rc);
    }
    return out;
  }

  /** Valid reveals held for auction round a of the task. */
  private async reveals(id: Hex, auctionRound: number): Promise<ReturnType<typeof decodeBidReveal>[]> {
    return (await this.node.repos.bids.values([id, revealsOf(auctionRound)])).map((b) => decodeBidReveal(b));
  }

  private async proofOf(id: Hex, round: number): Promise<ProofSubmission | undefined> {
    const b = await this.node.repos.proofs.get([id, String(round)]);
    return b === undefined ? undefined : decodeProofSubmission(b);
  }

  private async ensureContent(hashes: Hex[]): Promise<void> {
    await Promise.all(
      hashes.map((h) => {
        const key = hex0(h);
        let p = this.fetching.get(key);
        if (p === undefined) {
          p = this.node.transfer.fetch(key).then(
            () => undefined,
            (err: unknown) => {
              this.fetching.delete(key);
              throw err;
            },
          );
          this.fetching.set(key, p);
        }
        return p;
      }),
    );
  }

  private async contentBytes(hash: Hex): Promise<Uint8Array> {
    const b = await this.node.transfer.store.get(hex0(hash));
    if (b === undefined) throw new AuctionError({ code: AuctionErrorCode.CONTENT_MISSING, hash }, `content ${hash} is not in the local store`);
    return b;
  }

  private async circuitOf(task: Task): Promise<CircuitArtifacts> {
    const store = this.node.transfer.store;
    const zkeyBytes = (await store.size(hex0(task.zkeySha256))) ?? 0;
    // The task does not carry the constraint count: estimate it from the zkey size (~650 bytes per
    // constraint for Groth16 zkeys made by snarkjs); preflight only needs the order of magnitude.
    return taskCircuit(task, (h) => store.path(h), Math.max(1, Math.floor(zkeyBytes / 650)));
  }

  // ------------------------------------------------------------------ the state machine

  private async step(id: Hex): Promise<void> {
    const task = await this.loadTask(id);
    if (task === undefined) return;
    if (!this.wakes.has(id)) this.wakes.set(id, { points: wakePoints(task), at: 0 });
    let state = await this.store.taskState(id);
    if (state === undefined) {
      // Funding was checked when the task was accepted (tasks topic, SPEC §9.4); it is re-checked at round 0's vote.
      state = { status: "open", rated: false };
      await this.store.putTaskState(id, state);
    }
    if (state.status !== "open") {
      this.active.delete(id);
      this.wakes.delete(id);
      this.releaseReservation(id);
      this.refused.delete(id);
      return;
    }
    const now = this.now();
    const { table, set } = await this.stakes(task);
    const myStake = set.stakes.get(this.address) ?? 0n;
    const params = this.node.opts.chainParams;
    const certs = await this.allCerts(id);
    // The auction round in force (SPEC §10.3): one with no eligible bid at its cut-off re-opens at the next reserve.
    const auction = await this.auctionRoundOf(id, task, state, certs, table, now);
    const window = auctionDeadlines(task, auction);
    // v1 (SPEC §9.3): a prover bids only when its free stake at the epoch (stake minus the collateral of its
    // own live bids and assignments) covers the task's collateral.
    const eligible = myStake > 0n && this.freeStake(id, myStake) >= (params !== undefined ? collateral(task, params) : 1n);
    // once committed, always reveal (a withheld reveal costs the bond, SPEC §9.8)
    if (this.ump !== undefined && (eligible || (await this.store.bid(id, auction)) !== undefined)) await this.bidStep(id, task, auction, now);
    else if (this.ump !== undefined && now <= window.bidDeadline - MAX_CLOCK_SKEW) this.refuseOnce(id, myStake > 0n ? "NO_FREE_STAKE" : "NOT_STAKED");
    if (now <= window.revealDeadline + MAX_CLOCK_SKEW) return;
    if (myStake > 0n) for (let a = 0; a <= auction; a++) await this.nonRevealStep(id, a, set);
    if ((await this.node.repos.certificates.has([id, "0", "invalid"]))) {
      return this.finish(id, task, { status: "invalid", round: 0, reason: "INVALID", rated: false });
    }

    const first = firstRound(task, auction);
    const reveals = await this.reveals(id, auction);
    const defaulted = new Set<string>();
    for (let k = 0; k < task.maxRounds; k++) {
      const r = first + k;
      const rc = certs.get(r) ?? {};
      if (rc.completion !== undefined) return this.finish(id, task, { status: "completed", round: r, rated: false });
      if (rc.assignment === undefined) {
        if (k > 0 && now <= roundDeadline(task, r - 1) + MAX_CLOCK_SKEW) return; // previous round still open
        if (now <= roundDeadline(task, r) + MAX_CLOCK_SKEW) {
          const pick = assigneeFor(drawOrder(id, task, reveals, table, params, auction), defaulted);
          // Nobody left to assign (every eligible bidder defaulted): the task fails below.
          if (pick === undefined) break;
          if (myStake > 0n) {
            const body = k === 0 ? await this.firstRoundVote(id, task, r, pick) : { kind: "assignment" as const, taskId: id, round: r, prover: pick.prover as Hex, price: pick.price };
            if (body === "unfunded") return this.finish(id, task, { status: "unfunded", round: r, reason: "UNFUNDED", rated: false });
            if (body !== undefined) await this.vote(body);
          }
          await this.tryAssemble(id, r, "a", set);
          if (k === 0 && (await this.node.repos.certificates.has([id, "0", "invalid"]))) {
            return this.finish(id, task, { status: "invalid", round: 0, reason: "INVALID", rated: false });
          }
          return;
        }
        continue; // void round (no assignment certificate by its deadline): the next round re-draws
      }
      const a = rc.assignment;
      this.afterAssignment(id, a);
      if (lc(a.prover) === this.address && this.ump !== undefined) this.startProving(id, task, r, now);
      if (rc.default !== undefined) {
        defaulted.add(lc(rc.default.prover));
        continue;
      }
      if (myStake > 0n) await this.outcomeStep(id, task, r, a, now);
      await this.tryAssemble(id, r, "cd", set);
      const after = await this.certs(id, r);
      if (after.completion !== undefined) return this.finish(id, task, { status: "completed", round: r, rated: false });
      if (after.default === undefined) return;
      defaulted.add(lc(after.default.prover));
    }
    const last = first + task.maxRounds - 1;
    const noBids = reveals.length === 0 || drawOrder(id, task, reveals, table, params, auction).length === 0;
    // Every round of the auction round is over (defaulted or void), nobody is left to assign, or (the last auction
    // round) no eligible bid came at all: "no bids" is known at the reveal cut-off (SPEC §10.3).
    if ((noBids && defaulted.size === 0 && !certs.has(first)) || defaulted.size >= task.maxRounds || now > roundDeadline(task, last) + MAX_CLOCK_SKEW) {
      const reason = defaulted.size > 0 ? "ALL_ROUNDS_DEFAULTED" : noBids ? "NO_BIDS" : "NO_CERTIFICATE";
      await this.finish(id, task, { status: "failed", round: last, reason, rated: false });
    }
  }

  /**
   * The auction round in force for this node (SPEC §10.3). From the stored one, it moves past every auction round
   * whose cut-off (`revealDeadline_a + MAX_CLOCK_SKEW`) has passed with no eligible bid held, no assignment
   * certificate and no own assignment vote in it, up to the last one; it also follows an assignment certificate of
   * a later auction round (the pool moved on while this node held a late reveal). The result is persisted, so it
   * never goes back and this node never votes an assignment in an auction round it has left.
   */
  private async auctionRoundOf(id: Hex, task: Task, state: StoredTaskState, certs: ReadonlyMap<number, RoundCerts>, table: ReadonlyMap<string, bigint>, now: bigint): Promise<number> {
    const rounds = taskAuctionRounds(task);
    let a = state.auction ?? 0;
    for (const [r, c] of certs) if (c.assignment !== undefined) a = Math.max(a, splitRound(task, r).auction);
    while (a + 1 < rounds && now > auctionDeadlines(task, a).revealDeadline + MAX_CLOCK_SKEW) {
      const first = firstRound(task, a);
      let cleared = false;
      for (let k = 0; k < task.maxRounds && !cleared; k++) cleared = certs.get(first + k)?.assignment !== undefined;
      if (cleared || (await this.store.ownVote(id, first, "a")) !== undefined) break;
      if (drawOrder(id, task, await this.reveals(id, a), table, this.node.opts.chainParams, a).length > 0) break;
      a += 1;
      this.metrics.task("reauctioned");
      this.log.info("re-auction: no eligible bid", { taskId: id, auctionRound: a, reserve: reservePrice(task, a).toString() });
      this.emit("reauction", { taskId: id, auctionRound: a, reserve: reservePrice(task, a), ...auctionDeadlines(task, a) });
    }
    if (a !== (state.auction ?? 0)) await this.store.putTaskState(id, { ...state, auction: a });
    return a;
  }

  /**
   * Record this prover's standing ask for the task's circuit (SPEC §10.6): what its pricing asks for that circuit
   * now, at penalty 0 and no reward cap. A changed ask is announced in the operator record (reannounce).
   */
  private noteAsk(task: Task, estimatedMs: number, load: number): void {
    const at = (maxReward: bigint): bigint | undefined => this.pricing.price({ task: { ...task, penalty: 0n, maxReward }, estimatedMs, load, slots: 1 });
    const price = at(MAX_UINT256);
    // a strategy that prices relative to the reward (e.g. a fixed share of it) has no standing ask
    if (price === undefined || price <= 0n || price > MAX_UINT256 || at(MAX_UINT256 >> 1n) !== price) return;
    const circuit = lc(circuitId(task.proofSystem, task.wasmSha256, task.zkeySha256, task.vkeySha256)) as Hex;
    const key = `${circuit}/${task.proofSystem}`;
    const before = this.standingAsks.get(key);
    this.standingAsks.delete(key);
    this.standingAsks.set(key, { circuitId: circuit, proofSystem: task.proofSystem, price });
    if (this.standingAsks.size > LIMITS.maxAsks) this.standingAsks.delete(this.standingAsks.keys().next().value!);
    // a move under ASK_MOVE_BPS does not re-announce (the ask is a guide; the sealed bid is what counts)
    if (before === undefined || absDiff(before.price, price) * 10_000n > before.price * ASK_MOVE_BPS) this.asksChangedAt = Date.now();
  }

  /** The standing asks this node announces (SPEC §10.6), ascending by (circuitId, proofSystem). */
  asks(): StandingAsk[] {
    return sortStandingAsks(this.standingAsks.values());
  }

  /**
   * Prover role, in auction round a (SPEC §10.3): commit before its bid deadline (salt persisted first), reveal
   * inside its reveal window. Each auction round is priced again against its own reserve.
   */
  private async bidStep(id: Hex, task: Task, auction: number, now: bigint): Promise<void> {
    const ump = this.ump as AuctionProver;
    const window = auctionDeadlines(task, auction);
    const reserve = reservePrice(task, auction);
    let bid = await this.store.bid(id, auction);
    if (bid === undefined) {
      if (now > window.bidDeadline - MAX_CLOCK_SKEW) return;
      try {
        await this.ensureContent([task.wasmSha256, task.zkeySha256, task.vkeySha256, task.inputHash]);
      } catch (err) {
        this.log.debug("not bidding: artifacts unavailable", { taskId: id, reason: String(err) });
        return;
      }
      if (this.now() > window.bidDeadline - MAX_CLOCK_SKEW) return;
      const circuit = await this.circuitOf(task);
      const deadlineMs = Number(roundDeadline(task, firstRound(task, auction)) - MAX_CLOCK_SKEW) * 1000;
      let reservation: Reservation;
      try {
        reservation = await ump.reserve({ circuit, deadlineMs });
      } catch (err) {
        this.log.info("not bidding: no capacity", { taskId: id, reason: String(err) });
        this.refuseOnce(id, "NO_CAPACITY");
        await this.store.putBid(id, { price: 0n, salt: "0x", commitment: "0x", revealed: true }, auction);
        return;
      }
      const load = ump.load();
      const price = this.pricing.price({
        task,
        estimatedMs: reservation.estimatedMs,
        load: load.queued + load.running + load.reserved - 1,
        slots: 1,
        ownRating: await this.store.rating(this.address),
      });
      this.noteAsk(task, reservation.estimatedMs, load.queued + load.running + load.reserved - 1);
      // above this auction round's reserve: no bid now; a later round of the schedule may reach the price
      if (price === undefined || price <= 0n || price > reserve) {
        reservation.release();
        this.refuseOnce(id, "NO_PRICE");
        await this.store.putBid(id, { price: 0n, salt: "0x", commitment: "0x", revealed: true }, auction);
        this.log.info("not bidding: price above the reserve", { taskId: id, auctionRound: auction, reserve: reserve.toString(), ...(price !== undefined ? { price: price.toString() } : {}) });
        return;
      }
      const salt = randomSalt();
      const commitment = bidCommitment(id, this.address, price, salt);
      bid = { price, salt, commitment, revealed: false };
      await this.store.putBid(id, bid, auction); // persisted before anything is sent
      this.reservations.set(id, reservation);
      if (this.node.opts.chainParams !== undefined) {
        this.atRisk.set(id, collateral(task, this.node.opts.chainParams));
        this.reportAtRisk();
      }
      const round = auction > 0 ? { auctionRound: auction } : {};
      const commit = signBidCommit({ taskId: id, prover: this.address, peerId: this.node.nodeKey.peerId, commitment, ...round }, this.node.nodeKey, this.node.opts.domain);
      await this.publish("bids", encodeBidCommit(commit));
      this.metrics.task("bid");
      this.metrics.bidPrice(price, task.maxReward);
      this.log.info("bid committed", { taskId: id, auctionRound: auction });
      return;
    }
    if (bid.revealed || bid.price === 0n) return;
    if (now <= window.bidDeadline + MAX_CLOCK_SKEW || now > window.revealDeadline) return;
    const reveal = signBidReveal(
      { taskId: id, prover: this.address, peerId: this.node.nodeKey.peerId, price: bid.price, salt: bid.salt, ...(auction > 0 ? { auctionRound: auction } : {}) },
      this.node.nodeKey,
      this.node.opts.domain,
    );
    await this.publish("bids", encodeBidReveal(reveal));
    await this.store.putBid(id, { ...bid, revealed: true }, auction);
    this.log.info("bid revealed", { taskId: id, auctionRound: auction });
  }

  private afterAssignment(id: Hex, a: CertificateOfKind<"assignment">): void {
    if (lc(a.prover) !== this.address) this.releaseReservation(id);
  }

  private releaseReservation(id: Hex): void {
    this.reservations.get(id)?.release();
    this.reservations.delete(id);
    if (this.atRisk.delete(id)) this.reportAtRisk();
  }

  /** Metrics: this prover's collateral at risk changed. */
  private reportAtRisk(): void {
    let sum = 0n;
    for (const c of this.atRisk.values()) sum += c;
    this.metrics.collateralAtRisk(sum);
  }

  /** Metrics: count a task this prover does not bid on, once per task. */
  private refuseOnce(id: Hex, reason: string): void {
    if (this.refused.has(id)) return;
    this.refused.add(id);
    this.metrics.taskRefused("bid", reason);
  }

  /** Stake minus the collateral at risk in this prover's other live tasks. */
  private freeStake(id: Hex, stake: bigint): bigint {
    let used = 0n;
    for (const [k, c] of this.atRisk) if (k !== id) used += c;
    return stake > used ? stake - used : 0n;
  }

  /** Prove a round assigned to us, in the UMP (worker threads), and gossip the proof. */
  private startProving(id: Hex, task: Task, round: number, now: bigint): void {
    const key = `${id}/${round}`;
    if (this.proving.has(key) || now > roundDeadline(task, round)) return;
    this.proving.add(key);
    const ump = this.ump as AuctionProver;
    const run = async (): Promise<void> => {
      if ((await this.proofOf(id, round)) !== undefined) return;
      await this.ensureContent([task.wasmSha256, task.zkeySha256, task.vkeySha256, task.inputHash]);
      const inputBytes = await this.node.transfer.store.get(hex0(task.inputHash));
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(new TextDecoder().decode(inputBytes)) as Record<string, unknown>;
        if (typeof input !== "object" || input === null || Array.isArray(input)) throw new TypeError("not an object");
      } catch (cause) {
        throw new AuctionError({ code: AuctionErrorCode.BAD_INPUT_DOCUMENT, taskId: id }, "the task's input document is not a JSON object of circuit inputs", { cause });
      }
      const reservation = this.reservations.get(id);
      this.reservations.delete(id);
      const result = await ump.prove(
        { taskId: id, circuit: await this.circuitOf(task), input, deadlineMs: Number(roundDeadline(task, round)) * 1000 },
        reservation === undefined ? {} : { reservation },
      );
      const proof = signProofSubmission(
        {
          taskId: id,
          round,
          prover: this.address,
          peerId: this.node.nodeKey.peerId,
          proof: encodeSnarkjsProof(task.proofSystem, result.proof),
          publicSignals: result.publicSignals.map((s) => BigInt(s)),
        },
        this.node.nodeKey,
        this.node.opts.domain,
      );
      await this.publish("proofs", encodeProofSubmission(proof));
      this.metrics.task("proved");
      this.metrics.provingSeconds(result.moduleId, result.proofSystem, result.durationMs / 1000);
      this.log.info("proof published", { taskId: id, round, ms: result.durationMs });
    };
    run()
      .catch((err: unknown) => {
        this.log.warn("proving failed", { taskId: id, round, err: String(err) });
      })
      .finally(() => this.schedule(id));
  }

  /**
   * Attester, the first round of the auction round that has bids (round 0 without a price schedule): re-check the
   * funding rule (SPEC §9.4), then provability (§9.7). Returns the vote to sign (Assignment, or Invalid for an
   * unprovable task), `"unfunded"`, or undefined when this node cannot tell yet (artifacts not fetched, checker
   * busy or failing): it then signs nothing this tick.
   */
  private async firstRoundVote(id: Hex, task: Task, round: number, pick: { prover: string; price: bigint }): Promise<VoteBody | "unfunded" | undefined> {
    if ((await this.store.ownVote(id, round, "a")) === undefined && this.node.funding !== undefined) {
      const f = await this.node.funding.check(id, task);
      if (f.funded === false) {
        this.log.info("not voting: the requester no longer funds the task", { taskId: id, available: f.available?.toString() });
        return "unfunded";
      }
    }
    const assignment: VoteBody = { kind: "assignment", taskId: id, round, prover: pick.prover as Hex, price: pick.price };
    if (this.provability === undefined || (await this.store.ownVote(id, round, "a")) !== undefined) return assignment;
    let verdict;
    try {
      await this.ensureContent([task.wasmSha256, task.zkeySha256, task.vkeySha256, task.inputHash]);
      const c = await this.circuitOf(task);
      verdict = await this.provability.checkProvable({
        proofSystem: task.proofSystem,
        wasmPath: c.wasm.path,
        zkeyPath: c.zkey.path,
        vkeyPath: c.vkey.path,
        inputBytes: await this.contentBytes(task.inputHash),
        publicSignalsHash: task.publicSignalsHash,
        cacheKey: [task.wasmSha256, task.zkeySha256, task.vkeySha256, task.inputHash].map(lc).join(":"),
      });
    } catch (err) {
      this.log.warn("provability check could not run; not voting yet", { taskId: id, reason: String(err) });
      return undefined;
    }
    if (verdict.ok) return assignment;
    this.log.warn("task is not provable: voting Invalid", { taskId: id, code: verdict.code, reason: verdict.reason });
    return { kind: "invalid", taskId: id, round: 0 };
  }

  /** Attester: once auction round a's reveals are closed, a NonReveal vote for every commitment of it without a valid reveal (SPEC §9.8). */
  private async nonRevealStep(id: Hex, auctionRound: number, set: AttesterSet): Promise<void> {
    for (const e of await this.nonReveals(id, auctionRound)) {
      if (await this.node.repos.certificates.has([id, "nr", lc(e.prover)])) continue;
      await this.vote({ kind: "nonReveal", taskId: id, round: 0, prover: lc(e.prover) as Hex, commitment: lc(e.commitment) as Hex });
      await this.tryAssemble(id, 0, slotName({ kind: "nonReveal", prover: e.prover }), set);
    }
  }

  /** Attester: completion vote on a valid proof in time, default vote once the round is over without one. */
  private async outcomeStep(id: Hex, task: Task, round: number, a: CertificateOfKind<"assignment">, now: bigint): Promise<void> {
    if ((await this.store.ownVote(id, round, "cd")) !== undefined) return;
    const proof = await this.proofOf(id, round);
    const valid = proof !== undefined && lc(proof.prover) === lc(a.prover) && (await this.proofValid(task, proof));
    if (valid) {
      await this.vote({ kind: "completion", taskId: id, round, prover: a.prover, proofHash: proofHash(proof.proof) });
      return;
    }
    // The node stores the first proof that passes its checks; one that then fails verification is no proof.
    if (now > roundDeadline(task, round) + MAX_CLOCK_SKEW) {
      await this.vote({ kind: "default", taskId: id, round, prover: a.prover });
    }
  }

  private async proofValid(task: Task, p: ProofSubmission): Promise<boolean> {
    const key = `${lc(p.taskId)}/${p.round}/${lc(p.signature)}`;
    const known = this.verified.get(key);
    if (known !== undefined) return known;
    if (this.verifier === undefined) return false;
    await this.ensureContent([task.vkeySha256]);
    const circuit = await this.circuitOf(task);
    const t0 = process.hrtime.bigint();
    const ok = await this.verifier.verify(
      circuit,
      decodeSnarkjsProof(task.proofSystem, p.proof),
      p.publicSignals.map((s) => s.toString()),
    );
    this.metrics.verificationSeconds(circuit.proofSystem, Number(process.hrtime.bigint() - t0) / 1e9);
    this.verified.set(key, ok);
    if (!ok) this.log.warn("submitted proof does not verify", { taskId: p.taskId, round: p.round, prover: p.prover });
    return ok;
  }

  /** Sign a vote once per slot: the stored vote (if any) wins, so a restart never signs a second one. */
  private async vote(body: VoteBody): Promise<void> {
    const slot = slotName(body);
    const mine = await this.store.ownVote(body.taskId, body.round, slot);
    if (mine !== undefined) {
      if (!sameBody(mine, body)) this.log.debug("keeping earlier vote in slot", { taskId: body.taskId, round: body.round, kind: body.kind });
      return;
    }
    const v = signVote({ ...body, attester: this.address }, this.operator, this.node.opts.domain);
    const held = await this.store.claimVoteSlot(v);
    await this.publish("votes", encodeVote(held));
    this.log.debug("voted", { taskId: body.taskId, round: body.round, kind: body.kind, ...("prover" in body ? { prover: body.prover } : {}) });
  }

  /** Assemble and gossip a certificate for (task, round, slot) once the votes held reach quorum. */
  private async tryAssemble(id: Hex, round: number, slot: string, set: AttesterSet): Promise<void> {
    const entries = await this.node.repos.votes.entries([id, String(round), slot]);
    const tk = `${id}/${round}/${slot}`;
    if (this.tried.get(tk) === entries.length) return;
    this.tried.set(tk, entries.length);
    const votes: Vote[] = entries.map((e) => decodeVote(e.value));
    // Group by signed struct, one vote per attester per struct; stake first (cheap), signatures after.
    const groups = new Map<string, { body: Vote; stake: bigint; seen: Set<string> }>();
    for (const v of votes) {
      const k = structKey(v);
      const g = groups.get(k) ?? { body: v, stake: 0n, seen: new Set<string>() };
      if (!g.seen.has(lc(v.attester))) {
        g.seen.add(lc(v.attester));
        g.stake += set.stakes.get(lc(v.attester) as Hex) ?? 0n;
      }
      groups.set(k, g);
    }
    for (const g of groups.values()) {
      if (!hasQuorum(g.stake, set.total)) continue;
      const kind = g.body.kind;
      if (await this.node.repos.certificates.has(certificateKey(g.body))) continue;
      // Stored votes passed validation (signature included) on receipt: build from them without recovering
      // every signature again; our own certificate is still verified once by the certificates pipeline.
      const cert = certificateFromValidatedVotes(g.body, votes, set);
      if (cert === undefined) continue;
      await this.publish("certificates", encodeCertificate(cert));
      this.log.info("certificate assembled", { taskId: id, round, kind, ...("prover" in cert ? { prover: cert.prover } : {}), signers: cert.attesters.length });
    }
  }

  private async publish(topic: "bids" | "votes" | "certificates" | "proofs", data: Uint8Array): Promise<void> {
    try {
      await this.node.gossip.publish(topic, data);
    } catch (err) {
      // Stored locally already when valid (gossipsub may have no peer on the topic yet); sync and later
      // re-publication carry it. A message our own validation refused is a bug worth a warning.
      const code = (err as { type?: { code?: string } }).type?.code;
      if (code !== undefined) this.log.warn("own message refused", { topic, code });
      else this.log.debug("publish without peers", { topic, reason: String(err) });
    }
  }

  /** Close the task (terminal), update ratings once, release capacity and tell listeners. */
  private async finish(id: Hex, task: Task, s: StoredTaskState): Promise<void> {
    const outcomes: Array<[string, RatingOutcome]> = [];
    for (const c of (await this.allCerts(id)).values()) {
      if (c.assignment !== undefined) outcomes.push([c.assignment.prover, "assigned"]);
      if (c.completion !== undefined) outcomes.push([c.completion.prover, "completed"]);
      if (c.default !== undefined) outcomes.push([c.default.prover, "defaulted"]);
    }
    for (const e of await this.nonReveals(id)) outcomes.push([e.prover, "nonReveal"]);
    const book = new Map<string, ProverRating>();
    for (const [p, o] of outcomes) {
      const cur = book.get(lc(p)) ?? (await this.store.rating(p));
      book.set(lc(p), applyOutcome(cur, o));
    }
    await this.store.finishTask(id, s, [...book.values()]);
    this.node.funding?.end(id, task.requester);
    this.active.delete(id);
    this.wakes.delete(id);
    this.releaseReservation(id);
    this.refused.delete(id);
    if (s.status !== "open") this.metrics.taskEnded(s.status);
    for (const k of [...this.tried.keys()]) if (k.startsWith(id)) this.tried.delete(k);
    for (const k of [...this.verified.keys()]) if (k.startsWith(id)) this.verified.delete(k);
    const proof = s.status === "completed" ? await this.proofOf(id, s.round ?? 0) : undefined;
    this.log.info("task ended", { taskId: id, status: s.status, round: s.round, reason: s.reason });
    this.emit("ended", {
      taskId: id,
      status: s.status === "completed" ? "completed" : s.status === "invalid" ? "invalid" : "failed",
      ...(s.round !== undefined ? { round: s.round } : {}),
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
      ...(proof !== undefined ? { proof } : {}),
    });
  }

  // ------------------------------------------------------------------ operator views

  async taskView(id: Hex): Promise<TaskView | undefined> {
    const key = lc(id) as Hex;
    const task = await this.loadTask(key);
    if (task === undefined) return undefined;
    const s = await this.store.taskState(key);
    return {
      taskId: key,
      task,
      status: s?.status ?? "open",
      ...(s?.round !== undefined ? { round: s.round } : {}),
      ...(s?.reason !== undefined ? { reason: s.reason } : {}),
    };
  }

  /** Certificates held for a task, by round. */
  async certificates(id: Hex): Promise<Certificate[]> {
    return (await this.node.repos.certificates.values([lc(id)])).map((b) => decodeCertificate(b));
  }

  /** Ratings of every prover this node has seen certified outcomes for. */
  ratings(): Promise<ProverRating[]> {
    return this.store.ratings();
  }

  /** Equivocating attesters of a task: both signed votes of each slot that holds two (SPEC §5.4). */
  async equivocations(id: Hex): Promise<EquivocationEvidence[]> {
    const bySlot = new Map<string, { id: string[]; value: Uint8Array }[]>();
    for (const e of await this.node.repos.votes.entries([lc(id)])) {
      const k = e.id.slice(0, 4).join("/");
      bySlot.set(k, [...(bySlot.get(k) ?? []), e]);
    }
    const out: EquivocationEvidence[] = [];
    for (const list of bySlot.values()) {
      if (list.length < 2) continue;
      const [a, b] = list as [{ id: string[]; value: Uint8Array }, { id: string[]; value: Uint8Array }];
      out.push({
        taskId: lc(id) as Hex,
        round: Number(a.id[1]),
        slot: a.id[2] === "a" ? "assignment" : "outcome",
        attester: a.id[3] as Hex,
        votes: [a.value, b.value],
      });
    }
    return out;
  }

  /**
   * Commits without a valid reveal, of every auction round whose reveal window has closed (SPEC §4.8), or of
   * auction round `only`.
   */
  async nonReveals(id: Hex, only?: number): Promise<NonRevealEvidence[]> {
    const key = lc(id) as Hex;
    const task = await this.loadTask(key);
    if (task === undefined) return [];
    const out: NonRevealEvidence[] = [];
    for (let a = only ?? 0; a < (only === undefined ? taskAuctionRounds(task) : only + 1); a++) {
      if (this.now() <= auctionDeadlines(task, a).revealDeadline + MAX_CLOCK_SKEW) break;
      for (const e of await this.node.repos.bids.entries([key, commitsOf(a)])) {
        const c = decodeBidCommit(e.value);
        if (!(await this.node.repos.bids.has(bidKey({ kind: "reveal", reveal: { ...c, price: 0n, salt: "0x" } })))) {
          out.push({ taskId: key, prover: c.prover, commitment: c.commitment, commit: e.value });
        }
      }
    }
    return out;
  }
}

/**
 * A certificate for `body` from votes that were already validated (signatures checked on receipt): one vote
 * per staked attester on exactly this struct, sorted by attester; undefined below quorum. Use
 * `assembleCertificate` from @zkpool/protocol for votes of unknown provenance.
 */
export function certificateFromValidatedVotes(body: VoteBody, votes: Iterable<Vote>, set: AttesterSet): Certificate | undefined {
  const sigs = new Map<Hex, Hex>();
  let stake = 0n;
  for (const v of votes) {
    if (!sameBody(v, body)) continue;
    const a = lc(v.attester) as Hex;
    const s = set.stakes.get(a) ?? 0n;
    if (s === 0n || sigs.has(a)) continue;
    sigs.set(a, lc(v.signature) as Hex);
    stake += s;
  }
  if (!hasQuorum(stake, set.total)) return undefined;
  const attesters = [...sigs.keys()].sort();
  return { ...voteBodyOnly(body), attesters, signatures: attesters.map((a) => sigs.get(a)!) };
}

/** The struct of a vote or body without attester/signature fields. */
function voteBodyOnly(b: VoteBody): VoteBody {
  const { taskId, round } = b;
  switch (b.kind) {
    case "assignment":
      return { kind: "assignment", taskId, round, prover: b.prover, price: b.price };
    case "completion":
      return { kind: "completion", taskId, round, prover: b.prover, proofHash: b.proofHash };
    case "default":
      return { kind: "default", taskId, round, prover: b.prover };
    case "invalid":
      return { kind: "invalid", taskId, round: 0 };
    case "nonReveal":
      return { kind: "nonReveal", taskId, round: 0, prover: b.prover, commitment: b.commitment };
  }
}

/** Groups votes on exactly the same struct (kind and every field). */
function structKey(v: VoteBody): string {
  switch (v.kind) {
    case "assignment":
      return `a/${lc(v.prover)}/${v.price}`;
    case "completion":
      return `c/${lc(v.prover)}/${lc(v.proofHash)}`;
    case "default":
      return `d/${lc(v.prover)}`;
    case "invalid":
      return "i";
    case "nonReveal":
      return `n/${lc(v.prover)}/${lc(v.commitment)}`;
  }
}

/** Create the auction service for a started node (see AuctionServiceInit); call `start()` next. */
export function createAuctionService(init: AuctionServiceInit): AuctionService {
  return new AuctionService(init);
}
