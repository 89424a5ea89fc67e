/**
 * Chain integration of a pool node (issue 6, node item 3): settles completed tasks on the Escrow and reports
 * certified defaults, and shows what this operator has earned.
 *
 * - Settlement: when a task ends completed, the certified prover submits `settle()` at once; any other node
 *   waits `graceSeconds` (so the winner pays the gas in the normal case), re-reads the task's on-chain record
 *   and submits only if it is still unsettled and the round's proof deadline has not passed.
 * - Defaults: for each default certificate, attesters submit `reportDefault()` with the round's Assignment
 *   certificate after the round's deadline, staggered by their rank among the certificate's signers so that
 *   usually one transaction is sent; each re-reads the on-chain record first and skips a round already reported.
 * - v1 reports (SPEC §9.7, §9.8): an Invalid certificate is closed with `reportInvalid()`, a NonReveal
 *   certificate slashes the withholding bidder's bond with `reportNonReveal()`, both staggered the same way.
 * - A settlement after the round's deadline (within `settleGrace`) carries the Completion certificate (§9.5).
 *
 * Every decision reads the certificates and the proof from the node's validated store, so a node that joined
 * late or restarted can still submit. Losing a race (`AlreadySettled`, a round already advanced) is normal
 * and logged at debug.
 */
import { EventEmitter } from "node:events";
import {
  decodeProofSubmission,
  decodeProofWords,
  decodeVote,
  finalDeadline,
  type Vote,
  isRoundVote,
  roundDeadline,
  type Certificate,
  type CertificateOfKind,
  type RoundCertificate,
  type Hex,
  type ProofSubmission,
  type Task,
} from "@zkpool/protocol";
import { TaskStatus, TxErrorCode, certificateStructOf, isTxError, revertReason, taskStructOf, type EscrowClient, type TaskRecord, type VoteStruct } from "@zkpool/chain";
import { AbiCoder, ZeroAddress, ZeroHash, keccak256, type TransactionReceipt } from "ethers";
import type { AcceptedMessage } from "../gossip/interface.js";
import type { AuctionService } from "../auction/service.js";
import type { Logger } from "../logger.js";
import { systemNow } from "../options.js";
import { ChainServiceError, ChainServiceErrorCode } from "./errors.js";

/** The Escrow calls this service makes (an `EscrowClient` connected to the operator's signer is one). */
export type SettlementEscrow = Pick<
  EscrowClient,
  | "settle" | "reportDefault" | "reportInvalid" | "reportNonReveal" | "reportEquivocation" | "nonRevealReported"
  | "equivocationReported" | "taskRecord" | "earnings" | "claim"
>;

export interface ChainSettlementInit {
  auction: AuctionService;
  /** Escrow bound to a signer that pays the gas (the operator's key in a real deployment). */
  escrow: SettlementEscrow;
  /** Seconds a non-winner waits before settling in the winner's place. @default 10 */
  graceSeconds?: number;
  /** Seconds between an attester's rank and the next one's when reporting a default. @default 3 */
  defaultStaggerSeconds?: number;
  /** Report certified defaults, invalid tasks and non-reveals on chain. @default true */
  reportDefaults?: boolean;
  /** Seconds after a round's deadline within which a settlement is still accepted with the Completion certificate (the Escrow's `settleGrace`). @default the node's chainParams, else 0 */
  settleGraceSeconds?: number;
  /** Submit settlements (also for others after the grace). @default true */
  settle?: boolean;
  /** Clock in unix seconds (must follow the chain's block time). @default the node's clock */
  now?: () => bigint;
  logger?: Logger;
}

export interface SettlementRecord {
  taskId: Hex;
  round: number;
  prover: Hex;
  price: bigint;
  /** Transaction hash when this node submitted it. */
  txHash?: string;
  /** "self": this node's transaction settled it; "other": someone else's did. */
  by: "self" | "other";
  /** This node's operator address. */
  observer: Hex;
}

export interface DefaultReportRecord {
  taskId: Hex;
  round: number;
  prover: Hex;
  txHash: string;
}

export interface ReportRecord {
  kind: "invalid" | "nonReveal" | "equivocation";
  /** The equivocating attester (kind "equivocation"). */
  attester?: Hex;
  taskId: Hex;
  prover?: Hex;
  txHash: string;
}

export interface ChainSettlementEvents {
  settled: [SettlementRecord];
  defaultReported: [DefaultReportRecord];
  reported: [ReportRecord];
  error: [ChainServiceError];
}

/** What this operator has earned (wei), and what this node submitted. */
export interface EarningsView {
  operator: Hex;
  /** Claimable payouts held by the escrow for this operator. */
  claimable: bigint;
  /** Tasks this node saw settled with this operator as prover, and their prices (sum in `earnedInSession`). */
  settledAsProver: SettlementRecord[];
  earnedInSession: bigint;
  settlementsSubmitted: number;
  defaultsReported: number;
}

const lc = (h: string): Hex => h.toLowerCase() as Hex;
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });

export class ChainSettlementService extends EventEmitter<ChainSettlementEvents> {
  private readonly auction: AuctionService;
  private readonly escrow: SettlementEscrow;
  private readonly log: Logger;
  private readonly now: () => bigint;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly handled = new Set<string>();
  private readonly settledTasks: SettlementRecord[] = [];
  private submitted = 0;
  private reported = 0;
  private running = false;

  private readonly onEnded = (e: { taskId: Hex; status: "completed" | "invalid" | "failed"; round?: number; proof?: ProofSubmission }): void => {
    if (e.status !== "completed" || !(this.init.settle ?? true)) return;
    this.track(`s/${lc(e.taskId)}`, () => this.settleTask(lc(e.taskId), e.round ?? e.proof?.round ?? 0, e.proof));
  };
  private readonly onCertificate = (c: Certificate): void => {
    if (!(this.init.reportDefaults ?? true)) return;
    if (c.kind === "default") this.track(`d/${lc(c.taskId)}/${c.round}`, () => this.reportDefault(c));
    else if (c.kind === "invalid") this.track(`i/${lc(c.taskId)}`, () => this.reportInvalid(c));
    else if (c.kind === "nonReveal") this.track(`n/${lc(c.taskId)}/${lc(c.prover)}`, () => this.reportNonReveal(c));
  };

  private readonly onAccepted = (m: AcceptedMessage): void => {
    if (m.topic !== "votes" || !(this.init.reportDefaults ?? true)) return;
    const v = m.message as Vote;
    if (v.kind === "nonReveal") return;
    // a second vote in a slot is stored as evidence (SPEC §9.9): report it once per (attester, task, round, slot)
    const slot = v.kind === "assignment" || v.kind === "invalid" ? "a" : "o";
    const key = `e/${lc(v.taskId)}/${v.round}/${slot}/${lc(v.attester)}`;
    this.track(key, () => this.reportEquivocation(lc(v.taskId), v.round, lc(v.attester), key));
  };

  constructor(private readonly init: ChainSettlementInit) {
    super();
    this.auction = init.auction;
    this.escrow = init.escrow;
    this.log = (init.logger ?? init.auction.node.log).child({ mod: "chain" });
    this.now = init.now ?? init.auction.node.opts.now ?? systemNow;
  }

  start(): void {
    if (this.running) throw new ChainServiceError({ code: ChainServiceErrorCode.ALREADY_STARTED }, "chain settlement service already started");
    this.running = true;
    this.auction.on("ended", this.onEnded);
    this.auction.on("certificate", this.onCertificate);
    this.auction.node.gossip.on("accepted", this.onAccepted);
    // a restarted node resumes what it had not submitted yet (issue 12: a restart resumes pending work)
    this.track("resume", () => this.resume());
  }

  /**
   * Re-submits from the validated store: settlements of completed tasks still inside their settle window, and
   * reports of the certificates held. Each submission re-reads the chain first, so work already done is skipped.
   */
  private async resume(): Promise<void> {
    const node = this.auction.node;
    for (const e of await node.repos.tasks.entries()) {
      if (!this.running) return;
      const id = lc(e.id[0] as string);
      const view = await this.auction.taskView(id);
      if (view === undefined) continue;
      // past the report window nothing about the task can be submitted any more
      if (this.now() > finalDeadline(view.task) + (node.opts.chainParams?.reportWindow ?? 0n)) continue;
      if (view.status === "completed" && (this.init.settle ?? true)) {
        const round = view.round ?? 0;
        if (this.now() > roundDeadline(view.task, round) + this.settleGrace()) continue;
        const bytes = await node.repos.proofs.get([id, String(round)]);
        if (bytes !== undefined) this.track(`s/${id}`, () => this.settleTask(id, round, decodeProofSubmission(bytes)));
      }
      for (const c of await this.auction.certificates(id)) this.onCertificate(c);
    }
  }

  /** Stop listening and wait for submissions in flight (pending waits are cut short). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.auction.off("ended", this.onEnded);
    this.auction.off("certificate", this.onCertificate);
    this.auction.node.gossip.off("accepted", this.onAccepted);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claimable earnings on chain plus what this node saw and did. */
  async earnings(): Promise<EarningsView> {
    const operator = lc(this.auction.address);
    const mine = this.settledTasks.filter((s) => lc(s.prover) === operator);
    return {
      operator,
      claimable: await this.escrow.earnings(operator),
      settledAsProver: mine,
      earnedInSession: mine.reduce((a, s) => a + s.price, 0n),
      settlementsSubmitted: this.submitted,
      defaultsReported: this.reported,
    };
  }

  /** Withdraw this operator's claimable earnings to its address. */
  claim(): Promise<TransactionReceipt> {
    return this.escrow.claim();
  }

  private track(key: string, fn: () => Promise<void>): void {
    if (!this.running || this.handled.has(key)) return;
    this.handled.add(key);
    const p = fn()
      .catch((err: unknown) => {
        const e = err instanceof ChainServiceError ? err : new ChainServiceError(
          { code: ChainServiceErrorCode.SUBMIT_FAILED, taskId: key, action: ACTION_OF[key.slice(0, 1)] ?? "settle", reason: String(err) },
          `chain submission failed: ${String(err)}`,
        );
        this.log.warn("chain submission failed", { key, code: e.code, reason: e.message });
        if (this.listenerCount("error") > 0) this.emit("error", e);
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async certs(taskId: Hex, round: number): Promise<{ assignment?: RoundCertificate; completion?: RoundCertificate; default?: RoundCertificate }> {
    const out: { assignment?: RoundCertificate; completion?: RoundCertificate; default?: RoundCertificate } = {};
    for (const c of await this.auction.certificates(taskId)) if (isRoundVote(c) && c.round === round) out[c.kind] = c;
    return out;
  }

  private async loadTask(taskId: Hex): Promise<Task> {
    const view = await this.auction.taskView(taskId);
    if (view === undefined) throw this.missing(taskId, 0, "task");
    return view.task;
  }

  private missing(taskId: Hex, round: number, what: string): ChainServiceError {
    return new ChainServiceError(
      { code: ChainServiceErrorCode.MISSING_EVIDENCE, taskId, round, missing: what },
      `cannot settle ${taskId} round ${round}: this node holds no ${what} for it yet (it syncs from peers; retry later)`,
    );
  }

  /** Submit `settle()` for a completed task (the winner at once, others after the grace). */
  async settleTask(taskId: Hex, round: number, proof?: ProofSubmission): Promise<void> {
    const task = await this.loadTask(taskId);
    const c = await this.certs(taskId, round);
    if (c.assignment === undefined) throw this.missing(taskId, round, "assignment certificate");
    if (c.completion === undefined) throw this.missing(taskId, round, "completion certificate");
    if (proof === undefined) throw this.missing(taskId, round, "proof");
    const prover = lc(c.assignment.prover);
    const record: Omit<SettlementRecord, "by"> = {
      taskId, round, prover, price: c.assignment.kind === "assignment" ? c.assignment.price : 0n, observer: lc(this.auction.address),
    };
    const deadline = roundDeadline(task, round);
    const closesAt = deadline + this.settleGrace();
    if (prover !== lc(this.auction.address)) {
      const left = Number(closesAt - this.now()) - 3;
      const wait = Math.max(0, Math.min(this.init.graceSeconds ?? 10, left));
      await sleep(wait * 1000, this.abort.signal);
      if (!this.running) return;
      const rec = await this.escrow.taskRecord(taskId);
      if (rec.status === TaskStatus.Settled) return this.noteSettled({ ...record, by: "other" });
      if (this.now() > closesAt) {
        this.log.warn("too late to settle for the prover", { taskId, round });
        return;
      }
    }
    let receipt: TransactionReceipt;
    try {
      receipt = await this.escrow.settle(
        {
          task: taskStructOf(task),
          signature: task.signature,
          assignment: { round, prover, price: record.price },
          certificate: certificateStructOf(c.assignment),
          proof: decodeProofWords(task.proofSystem, proof.proof),
          publicSignals: proof.publicSignals,
          // needed only after the round's deadline (SPEC §9.5); sent near it too, in case blocks run ahead of us
          ...(this.now() + LATE_MARGIN_SECONDS >= deadline ? { completionCertificate: certificateStructOf(c.completion) } : {}),
        },
        { moot: async () => (await this.escrow.taskRecord(taskId)).status === TaskStatus.Settled },
      );
    } catch (err) {
      const reason = revertReason(err);
      if (reason === "AlreadySettled" || isMoot(err)) return this.noteSettled({ ...record, by: "other" });
      // mined but reverted: another node's settlement landed first in the same block
      if ((await this.escrow.taskRecord(taskId)).status === TaskStatus.Settled) return this.noteSettled({ ...record, by: "other" });
      throw new ChainServiceError(
        { code: ChainServiceErrorCode.SUBMIT_FAILED, taskId, action: "settle", reason: reason ?? String(err) },
        `settle(${taskId}) failed: ${reason ?? String(err)}`,
        { cause: err },
      );
    }
    this.submitted++;
    this.log.info("task settled on chain", { taskId, round, prover, price: record.price.toString(), tx: receipt.hash });
    this.noteSettled({ ...record, by: "self", txHash: receipt.hash });
  }

  private noteSettled(r: SettlementRecord): void {
    if (this.settledTasks.some((s) => s.taskId === r.taskId)) return;
    this.settledTasks.push(r);
    if (lc(r.prover) === lc(this.auction.address)) this.auction.node.metrics.task("settled");
    this.emit("settled", r);
  }

  private settleGrace(): bigint {
    if (this.init.settleGraceSeconds !== undefined) return BigInt(this.init.settleGraceSeconds);
    return this.auction.node.opts.chainParams?.settleGrace ?? 0n;
  }

  /** Waits until `at` (unix seconds) plus this node's stagger among `attesters`; false once stopped. */
  private async waitTurn(at: bigint, attesters: readonly Hex[]): Promise<boolean> {
    const me = lc(this.auction.address);
    const rank = attesters.findIndex((a) => lc(a) === me);
    const stagger = (rank < 0 ? attesters.length : rank) * (this.init.defaultStaggerSeconds ?? 3);
    await sleep(Math.max(0, Number(at - this.now()) + 1 + stagger) * 1000, this.abort.signal);
    return this.running;
  }

  /** Submit `reportDefault()` for a default certificate, after the round's deadline, staggered by rank. */
  async reportDefault(cert: CertificateOfKind<"default">): Promise<void> {
    const taskId = lc(cert.taskId);
    const task = await this.loadTask(taskId);
    if (!(await this.waitTurn(roundDeadline(task, cert.round), cert.attesters))) return;
    const assignment = (await this.certs(taskId, cert.round)).assignment;
    if (assignment === undefined || assignment.kind !== "assignment") throw this.missing(taskId, cert.round, "assignment certificate");
    const done = async (): Promise<boolean> => {
      const rec: TaskRecord = await this.escrow.taskRecord(taskId);
      return rec.status === TaskStatus.Settled || rec.status === TaskStatus.Invalid || rec.round > cert.round;
    };
    for (let attempt = 0; attempt < 5 && this.running; attempt++) {
      if (await done()) return;
      try {
        const receipt = await this.escrow.reportDefault(
          {
            task: taskStructOf(task),
            signature: task.signature,
            assignment: { round: cert.round, prover: lc(assignment.prover), price: assignment.price },
            assignmentCertificate: certificateStructOf(assignment),
            defaultCertificate: certificateStructOf(cert),
          },
          { moot: done },
        );
        this.reported++;
        this.log.info("default reported on chain", { taskId, round: cert.round, prover: cert.prover, tx: receipt.hash });
        this.emit("defaultReported", { taskId, round: cert.round, prover: lc(cert.prover), txHash: receipt.hash });
        return;
      } catch (err) {
        const reason = revertReason(err);
        // the block clock may lag ours by a second or two
        if (reason === "DeadlineNotReached") {
          await sleep(2000, this.abort.signal);
          continue;
        }
        if (isMoot(err) || reason === "WrongRound" || reason === "AlreadySettled" || reason === "TaskClosed" || (await done())) return;
        throw this.submitFailed(taskId, "reportDefault", err);
      }
    }
  }

  /** Submit `reportInvalid()` for an Invalid certificate (SPEC §9.7), staggered by rank. */
  async reportInvalid(cert: CertificateOfKind<"invalid">): Promise<void> {
    const taskId = lc(cert.taskId);
    const task = await this.loadTask(taskId);
    if (!(await this.waitTurn(this.now(), cert.attesters))) return;
    const done = async (): Promise<boolean> => (await this.escrow.taskRecord(taskId)).status === TaskStatus.Invalid;
    if (await done()) return;
    try {
      const receipt = await this.escrow.reportInvalid(taskStructOf(task), task.signature, certificateStructOf(cert), { moot: done });
      this.reported++;
      this.log.info("invalid task reported on chain", { taskId, tx: receipt.hash });
      this.emit("reported", { kind: "invalid", taskId, txHash: receipt.hash });
    } catch (err) {
      const reason = revertReason(err);
      if (isMoot(err) || reason === "TaskClosed" || reason === "AlreadySettled" || (await done())) return;
      throw this.submitFailed(taskId, "reportInvalid", err);
    }
  }

  /** Submit `reportNonReveal()` for a NonReveal certificate (SPEC §9.8), staggered by rank. */
  async reportNonReveal(cert: CertificateOfKind<"nonReveal">): Promise<void> {
    const taskId = lc(cert.taskId);
    const prover = lc(cert.prover);
    const task = await this.loadTask(taskId);
    if (!(await this.waitTurn(task.revealDeadline, cert.attesters))) return;
    const done = (): Promise<boolean> => this.escrow.nonRevealReported(taskId, prover);
    for (let attempt = 0; attempt < 5 && this.running; attempt++) {
      if (await done()) return;
      try {
        const receipt = await this.escrow.reportNonReveal(
          { task: taskStructOf(task), signature: task.signature, prover, commitment: cert.commitment, certificate: certificateStructOf(cert) },
          { moot: done },
        );
        this.reported++;
        this.log.info("non-reveal reported on chain", { taskId, prover, tx: receipt.hash });
        this.emit("reported", { kind: "nonReveal", taskId, prover, txHash: receipt.hash });
        return;
      } catch (err) {
        const reason = revertReason(err);
        if (reason === "DeadlineNotReached") {
          await sleep(2000, this.abort.signal);
          continue;
        }
        if (isMoot(err) || reason === "AlreadyReported" || (await done())) return;
        throw this.submitFailed(taskId, "reportNonReveal", err);
      }
    }
  }

  /**
   * Submit `reportEquivocation()` (SPEC §9.9) if this node holds two different votes of `attester` in one slot
   * of (taskId, round). Reached for every accepted vote, so it returns at once unless the slot holds two.
   */
  async reportEquivocation(taskId: Hex, round: number, attester: Hex, trackKey?: string): Promise<void> {
    const evidence = (await this.auction.equivocations(taskId)).find((e) => e.round === round && lc(e.attester) === attester);
    if (evidence === undefined) {
      // not (yet) an equivocation: let a later vote in this slot try again
      if (trackKey !== undefined) this.handled.delete(trackKey);
      return;
    }
    const [a, b] = evidence.votes.map((bytes) => decodeVote(bytes)) as [Vote, Vote];
    const key = equivocationKey(attester, taskId, round, evidence.slot === "assignment" ? 1 : 2);
    const done = (): Promise<boolean> => this.escrow.equivocationReported(key);
    if (await done()) return;
    try {
      const receipt = await this.escrow.reportEquivocation(voteStructOf(a), a.signature, voteStructOf(b), b.signature, { moot: done });
      this.reported++;
      this.log.warn("attester equivocation reported on chain", { taskId, round, attester, tx: receipt.hash });
      this.emit("reported", { kind: "equivocation", taskId, attester, txHash: receipt.hash });
    } catch (err) {
      if (isMoot(err) || revertReason(err) === "AlreadyReported" || (await done())) return;
      throw this.submitFailed(taskId, "reportEquivocation", err);
    }
  }

  private submitFailed(taskId: Hex, action: ChainAction, err: unknown): ChainServiceError {
    const reason = revertReason(err) ?? String(err);
    return new ChainServiceError(
      { code: ChainServiceErrorCode.SUBMIT_FAILED, taskId, action, reason },
      `${action}(${taskId}) failed: ${reason}`,
      { cause: err },
    );
  }
}

type ChainAction = "settle" | "reportDefault" | "reportInvalid" | "reportNonReveal" | "reportEquivocation";
const ACTION_OF: Record<string, ChainAction> = { s: "settle", d: "reportDefault", i: "reportInvalid", n: "reportNonReveal", e: "reportEquivocation", r: "settle" };

const VOTE_KIND_CODE = { assignment: 1, completion: 2, default: 3, invalid: 4 } as const;

/** The Escrow's Vote struct of a protocol vote (not a NonReveal: it has no slot to equivocate in). */
function voteStructOf(v: Vote): VoteStruct {
  if (v.kind === "nonReveal") throw new Error("a NonReveal vote is not equivocation evidence");
  return {
    kind: VOTE_KIND_CODE[v.kind],
    taskId: v.taskId,
    round: v.round,
    prover: v.kind === "invalid" ? ZeroAddress : v.prover,
    price: v.kind === "assignment" ? v.price : 0n,
    proofHash: v.kind === "completion" ? v.proofHash : ZeroHash,
  };
}

/** The Escrow's `equivocationReported` key: keccak256(abi.encode(attester, taskId, round, slot)). */
function equivocationKey(attester: Hex, taskId: Hex, round: number, slot: 1 | 2): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32", "uint32", "uint8"], [attester, taskId, round, slot]));
}

/** Seconds before a round's deadline from which a settlement carries the Completion certificate. */
const LATE_MARGIN_SECONDS = 5n;

const isMoot = (err: unknown): boolean => isTxError(err, TxErrorCode.MOOT);

export function createChainSettlementService(init: ChainSettlementInit): ChainSettlementService {
  return new ChainSettlementService(init);
}
