/**
 * The requester client. It embeds a light PoolNode (real libp2p, not staked, never bids or votes): the
 * requester serves its own circuit artifacts and input from its content store, publishes the signed task
 * itself and follows the task's bids, certificates and proofs as they are gossiped, so it trusts no node's
 * API. Deposits, withdrawals and settlement state are read from and sent to the Escrow directly.
 */
import { EventEmitter } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, type Wallet } from "ethers";
import * as snarkjs from "snarkjs";
import { ChainStakeSource, CircuitRegistryClient, EscrowClient, TaskStatus, chainParamsFromPool, escrowInterface, revertReason, type Deployment } from "@zkpool/chain";
import { compareInputFields, inputNamesForWasm, listCircuits, loadCircuit } from "@zkpool/circuits";
import { NodeChainStakeSource, PoolNode, silentLogger, type AcceptedMessage, type Logger } from "@zkpool/node";
import {
  ASK_MAX_AGE,
  MAX_CLOCK_SKEW,
  addressOf,
  auctionDeadlines,
  decodeOperatorRecord,
  quoteFromAsks,
  chooseStakeEpoch,
  cost,
  type ChainParams,
  decodeCertificate,
  decodeProofSubmission,
  decodeSnarkjsProof,
  decodeTask,
  encodeProofWords,
  parseVerificationKey,
  encodeTask,
  finalDeadline,
  publicSignalsHash,
  reservePrice,
  roundDeadline,
  signTask,
  splitRound,
  taskAuctionRounds,
  totalRounds,
  taskId as computeTaskId,
  type BidCommit,
  type BidReveal,
  type Certificate,
  type CertificateOfKind,
  type Hex,
  type OperatorRecord,
  type ProofSubmission,
  type ProtocolDomain,
  type Task,
} from "@zkpool/protocol";
import { readCircuit, type ReadCircuit } from "./circuit.js";
import { SdkError, SdkErrorCode } from "./errors.js";
import { checkScheduleLifetime, suggestSchedule, taskScheduleOf } from "./schedule.js";
import type {
  BalanceReturnType, CircuitParameters, DepositParameters, QuoteParameters, QuoteReturnType, RegisterCircuitReturnType, DepositReturnType, FetchProofOptions, ProofSource, SubmitTaskParameters,
  TaskEvents, TaskResult, WithdrawParameters, WithdrawReturnType,
} from "./types.js";

/** snarkjs' name of each proof system (SPEC §0: 1 Groth16, 2 PLONK, 3 FFLONK) and back. */
const SNARKJS_SYSTEM = { 1: "groth16", 2: "plonk", 3: "fflonk" } as const;
const PROOF_SYSTEM_CODE = { groth16: 1, plonk: 2, fflonk: 3 } as const;

export interface ClientOptions {
  /** The requester's key: signs tasks (EIP-712) and pays deposits. An ethers Wallet. */
  signer: Wallet;
  /** Pool nodes to join (multiaddrs with /p2p/<peerId>). */
  bootstrap: string[];
  /** Chain RPC URL. */
  rpcUrl: string;
  /** The pool's deployment (object or the path of its <chainId>.json). */
  deployment: Deployment | string;
  /** libp2p listen addresses of the embedded node. @default ["/ip4/127.0.0.1/tcp/0"] */
  listen?: string[];
  /** Loopback-friendly network settings (local devnets only). @default false */
  devnet?: boolean;
  /** Data directory of the embedded node. @default a temporary directory, removed by close() */
  dataDir?: string;
  logger?: Logger;
}

const lc = (h: string): Hex => h.toLowerCase() as Hex;
/** Least time between two syncs the client starts to look for missing proofs, ms. */
const SYNC_MIN_INTERVAL_MS = 3000;
/** Results of finished handles kept for fetchProof. */
const FINISHED_KEPT = 1024;
const nowS = (): bigint => BigInt(Math.floor(Date.now() / 1000));
let nonceSeq = 0n;

/** @internal A proof a handle may resolve with, from wherever it came. */
export interface ProofCandidate {
  round: number;
  prover: Hex;
  /** Canonical proof bytes (SPEC §1.9). */
  proof: Hex;
  publicSignals: bigint[];
  source: ProofSource;
  /** The settled price, when the candidate is the chain's settlement. */
  price?: bigint;
}

/** Seconds past `finalDeadline + settleGrace` before the chain's "still open" is taken as final (clock skew). */
const SETTLE_MARGIN = 4n * MAX_CLOCK_SKEW;
/**
 * Seconds after that during which a handle that knows of a Completion certificate or a proof keeps trying to get
 * a valid proof before it gives up (the task can no longer settle then: nothing is paid).
 */
const PROOF_FETCH_WINDOW = 300n;
/** Least time between two settlement-log lookups of one handle, ms. */
const CHAIN_LOOKUP_INTERVAL_MS = 2000;
const TASK_ID = /^0x[0-9a-fA-F]{64}$/;

/**
 * The bid in a message of the bids topic: the node's validated form wraps it (`{ kind: "commit", commit }` or
 * `{ kind: "reveal", reveal }`); any other message is returned as is (it names its task at the top level).
 */
function bidOf(message: unknown): { taskId?: string; price?: bigint; auctionRound?: number } {
  const m = message as { kind?: unknown; commit?: BidCommit; reveal?: BidReveal } | null;
  if (m?.kind === "commit" && m.commit !== undefined) return { taskId: m.commit.taskId, ...(m.commit.auctionRound !== undefined ? { auctionRound: m.commit.auctionRound } : {}) };
  if (m?.kind === "reveal" && m.reveal !== undefined) return m.reveal;
  return message ?? {};
}

/**
 * Follows one task. Its result is the truth of certificates AND the chain: it resolves with the Completion-
 * certified proof (gossip, sync or the embedded node's store), or, once the Escrow says Settled, with the proof
 * the settlement carried (the embedded node's store, else the settle transaction's calldata). A task the chain
 * settled never fails. It fails only when the chain says Failed or Invalid, when the attesters certify the
 * task unprovable, or when `finalDeadline + settleGrace` (plus a margin for clock skew) has passed with the
 * chain record still open and neither a Completion certificate nor a proof known (the task can no longer
 * settle then, so nothing is paid).
 */
export class TaskHandle extends EventEmitter<TaskEvents> {
  status: "open" | "verified" | "settled" | "failed" = "open";
  private readonly seen = new Set<string>();
  /** Bids seen per auction round (SPEC §10.3; round 0 only without a schedule). */
  private readonly bidCounts = new Map<number, { commits: number; reveals: number }>();
  /** Reveals seen in all auction rounds. */
  private reveals = 0;
  private resultValue: TaskResult | undefined;
  private readonly waiters: Array<{ resolve(r: TaskResult): void; reject(e: unknown): void }> = [];
  private failure: SdkError | undefined;
  /** Proof submissions by `${round}/${prover}` (the first one seen of each). */
  private readonly proofs = new Map<string, ProofCandidate>();
  /** Proof bytes that did not verify locally. */
  private readonly rejected = new Set<string>();
  private readonly assignments = new Map<number, Certificate>();
  private readonly completions = new Map<number, CertificateOfKind<"completion">>();
  private settledPrice: bigint | undefined;
  private lastChainLookup = 0;
  /** @internal Block from which settlement logs are searched. */
  fromBlock = 0;

  constructor(
    readonly taskId: Hex,
    readonly task: Task,
    private readonly vkey: unknown,
    private readonly client: ZkPoolClient,
  ) {
    super();
  }

  /** The proof and public signals, verified locally; rejects with SDK_TASK_FAILED if the task fails. */
  result(): Promise<TaskResult> {
    if (this.resultValue !== undefined) return Promise.resolve(this.resultValue);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** @internal */
  onMessage(m: AcceptedMessage): void {
    void this.ingest(m.topic, m.message, m.ctx.source === "sync" ? "sync" : "gossip").catch(() => undefined);
  }

  /** Take in a validated message (gossip, sync or the store) and resolve the result if it completes it. */
  private async ingest(topic: string, message: unknown, source: ProofSource): Promise<void> {
    if (topic === "bids") {
      const b = bidOf(message);
      const auctionRound = b.auctionRound ?? 0;
      // a bid of a later auction round: say first that the earlier ones re-opened, if the clock already shows it
      if (auctionRound > 0) this.checkReauction(nowS());
      const n = this.bidCounts.get(auctionRound) ?? { commits: 0, reveals: 0 };
      if (b.price !== undefined) {
        n.reveals++;
        this.reveals++;
      } else n.commits++;
      this.bidCounts.set(auctionRound, n);
      this.emit("bids", { commits: n.commits, reveals: n.reveals, auctionRound });
    } else if (topic === "proofs") {
      const p = message as ProofSubmission;
      const key = `${p.round}/${lc(p.prover)}`;
      if (!this.proofs.has(key) && !this.rejected.has(lc(p.proof))) {
        this.proofs.set(key, { round: p.round, prover: lc(p.prover), proof: lc(p.proof), publicSignals: [...p.publicSignals], source });
      }
      this.once1(`proved/${p.round}`, () => this.emit("proved", { round: p.round, prover: lc(p.prover) }));
      await this.tryVerify();
    } else if (topic === "certificates") {
      const c = message as Certificate;
      if (c.kind === "assignment") {
        if (!this.assignments.has(c.round)) this.assignments.set(c.round, c);
        const auctionRound = splitRound(this.task, c.round).auction;
        const e = { round: c.round, prover: lc(c.prover), price: c.price, auctionRound, reserve: reservePrice(this.task, auctionRound) };
        // an assignment of a later auction round: the earlier ones re-opened (gossip may not have shown it yet)
        if (auctionRound > 0) this.checkReauction(nowS());
        this.once1(`a/${c.round}`, () => {
          // the first assignment certificate of the task (whatever its round) is the assignment, later ones reassign
          const first = !this.seen.has("assigned");
          this.seen.add("assigned");
          this.emit(first ? "assigned" : "reassigned", e);
          this.emit("proving", { round: c.round, prover: e.prover, deadline: roundDeadline(this.task, c.round) });
        });
      } else if (c.kind === "default") {
        this.once1(`d/${c.round}`, () => this.emit("defaulted", { round: c.round, prover: lc(c.prover) }));
      } else if (c.kind === "completion") {
        if (!this.completions.has(c.round)) this.completions.set(c.round, c);
        await this.tryVerify();
      } else if (c.kind === "invalid") {
        this.once1("invalid", () =>
          this.fail(new SdkError({ code: SdkErrorCode.TASK_INVALID, taskId: this.taskId },
            `the attesters certified ${this.taskId} unprovable (SPEC §9.7): its zkey, wasm or input does not give the committed public signals; check the circuit artifacts and the input`)),
        );
      }
    }
  }

  /**
   * @internal (polled by the client, and run when a bid of a later auction round arrives) SPEC §10.3: auction round a
   * re-opens as round a + 1 once `revealDeadline_a + MAX_CLOCK_SKEW` has passed with no eligible bid. Emits `reauction`
   * once per step, in order, for each round a < R - 1 whose reveal deadline (+ skew + 1 s) the clock has passed while
   * this handle holds no reveal of round a and no assignment of a round of auction a or earlier (or holds an assignment
   * of a later auction round, which only a re-auction can have made).
   */
  checkReauction(now: bigint): void {
    if (this.task.schedule === undefined || this.status !== "open") return;
    const rounds = taskAuctionRounds(this.task);
    const assigned = [...this.assignments.keys()].map((r) => splitRound(this.task, r).auction);
    for (let a = 0; a < rounds - 1; a++) {
      if (assigned.some((x) => x <= a)) return;
      const laterAssigned = assigned.some((x) => x > a);
      const closed = now >= auctionDeadlines(this.task, a).revealDeadline + MAX_CLOCK_SKEW + 1n;
      if (!laterAssigned && (!closed || (this.bidCounts.get(a)?.reveals ?? 0) > 0)) return;
      const next = a + 1;
      this.once1(`reauction/${next}`, () => this.emit("reauction", { auctionRound: next, reserve: reservePrice(this.task, next), ...auctionDeadlines(this.task, next) }));
    }
  }

  private once1(key: string, f: () => void): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    f();
  }

  /** Resolve with a Completion-certified proof, if both the certificate and that prover's proof are known. */
  private async tryVerify(): Promise<void> {
    for (const [round, c] of this.completions) {
      if (this.resultValue !== undefined) return;
      const p = this.proofs.get(`${round}/${lc(c.prover)}`);
      if (p !== undefined) await this.accept(p);
    }
  }

  /** Verify a candidate here and resolve the result with it; false if it does not verify. */
  private async accept(p: ProofCandidate): Promise<boolean> {
    if (this.resultValue !== undefined) return true;
    if (this.rejected.has(p.proof)) return false;
    const v = await this.client.verifyCandidate(this.task, this.vkey, p);
    if (this.resultValue !== undefined) return true;
    if (v === undefined) {
      this.rejected.add(p.proof);
      const key = `${p.round}/${p.prover}`;
      if (this.proofs.get(key)?.proof === p.proof) this.proofs.delete(key);
      return false;
    }
    if (p.price !== undefined) this.settledPrice = p.price;
    this.resultValue = { taskId: this.taskId, round: p.round, prover: p.prover, proof: v.proof, publicSignals: v.publicSignals, verified: true, source: p.source };
    if (this.failure === undefined) this.status = "verified";
    this.emit("verified", this.resultValue);
    for (const w of this.waiters.splice(0)) w.resolve(this.resultValue);
    return true;
  }

  /** @internal */
  fail(e: SdkError): void {
    if (this.failure !== undefined || this.resultValue !== undefined) return;
    this.failure = e;
    this.status = "failed";
    this.emit("failed", { reason: e.message });
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  /** A Completion certificate or a proof is known (so a proof exists, or may still arrive). */
  private evidence(): boolean {
    return this.completions.size > 0 || this.proofs.size > 0 || this.rejected.size > 0;
  }

  /** Something should be here and is not: a certified proof, or the certificate of a proof past its round. */
  private missing(now: bigint): boolean {
    for (const [round, c] of this.completions) if (!this.proofs.has(`${round}/${lc(c.prover)}`)) return true;
    for (const p of this.proofs.values()) if (now > roundDeadline(this.task, p.round) + SETTLE_MARGIN) return true;
    return false;
  }

  /** Load the task's certificates and proofs from the embedded node's store (what gossip or sync stored). */
  private async absorbStore(): Promise<void> {
    const repos = this.client.node.repos;
    for (let r = 0; r < totalRounds(this.task); r++) {
      for (const kind of ["assignment", "completion"] as const) {
        try {
          const b = await repos.certificates.get([this.taskId, String(r), kind]);
          if (b !== undefined) await this.ingest("certificates", decodeCertificate(b), "store");
        } catch {
          /* unreadable entry: skip */
        }
      }
      try {
        const b = await repos.proofs.get([this.taskId, String(r)]);
        if (b !== undefined) await this.ingest("proofs", decodeProofSubmission(b), "store");
      } catch {
        /* unreadable entry: skip */
      }
    }
  }

  /** Try every known proof (certified or not); true once the result is set. */
  private async acceptAny(): Promise<boolean> {
    for (const p of [...this.proofs.values()]) if (await this.accept(p)) return true;
    return this.resultValue !== undefined;
  }

  /**
   * Find a proof: the embedded node's store; when the chain settled the task, the settlement's own proof
   * (from its calldata); then a sync with connected pool nodes and the store again. With `any`, a proof that
   * verifies here is taken without a Completion certificate (the chain settled it, or it was asked for).
   */
  private async recover(o: { settled: boolean; any: boolean; sync: boolean; waitSync?: boolean }): Promise<void> {
    await this.absorbStore();
    if (this.resultValue !== undefined || (o.any && (await this.acceptAny()))) return;
    if (o.settled && Date.now() - this.lastChainLookup >= CHAIN_LOOKUP_INTERVAL_MS) {
      this.lastChainLookup = Date.now();
      const c = await this.client.settledProof(this.taskId, this.task, this.fromBlock).catch(() => undefined);
      if (c !== undefined) {
        this.settledPrice = c.price;
        if (await this.accept(c)) return;
        this.fail(new SdkError({ code: SdkErrorCode.PROOF_INVALID, taskId: this.taskId },
          `task ${this.taskId} settled on chain with a proof that does not verify against your verification key: the Escrow's registered verifier and your vkey disagree; report this with the task id`));
        return;
      }
    }
    if (!o.sync) return;
    await this.client.syncFromPeers(o.waitSync ?? false);
    await this.absorbStore();
    if (o.any) await this.acceptAny();
  }

  /** @internal What `client.fetchProof` does for this task: find a proof now, settled or not. */
  async fetch(sync: boolean): Promise<TaskResult | undefined> {
    if (this.resultValue !== undefined) return this.resultValue;
    const rec = await this.client.escrow.taskRecord(this.taskId).catch(() => undefined);
    await this.recover({ settled: rec?.status === TaskStatus.Settled, any: true, sync, waitSync: true });
    return this.resultValue;
  }

  /**
   * @internal polled by the client: settlement / refund on chain, failure once the task can no longer settle.
   * Resolves true when the handle is done.
   */
  async poll(escrow: Pick<EscrowClient, "taskRecord">): Promise<boolean> {
    if (this.status === "settled" || this.failure !== undefined) return true;
    this.checkReauction(nowS());
    const rec = await escrow.taskRecord(this.taskId);
    if (rec.status === TaskStatus.Settled) {
      // The chain is the truth: the task was proved and paid for. Get that proof; never fail.
      if (this.resultValue === undefined) await this.recover({ settled: true, any: true, sync: true });
      if (this.failure !== undefined) return true;
      if (this.resultValue === undefined) return false;
      const a = this.assignments.get(this.resultValue.round);
      const price = this.settledPrice ?? (a?.kind === "assignment" ? a.price : 0n);
      this.status = "settled";
      this.emit("settled", { round: this.resultValue.round, prover: this.resultValue.prover, price, refunded: this.task.maxReward - price });
      return true;
    }
    if (rec.status === TaskStatus.Failed) {
      this.fail(new SdkError({ code: SdkErrorCode.TASK_FAILED, taskId: this.taskId, reason: "failed on chain" },
        `task ${this.taskId} failed on chain: maxReward (and the penalty, if a prover defaulted) returned to your escrow balance`));
      this.emit("refunded", { amount: this.task.maxReward });
      return true;
    }
    if (rec.status === TaskStatus.Invalid) {
      this.fail(new SdkError({ code: SdkErrorCode.TASK_INVALID, taskId: this.taskId },
        `task ${this.taskId} was closed on chain as unprovable (SPEC §9.7): maxReward returned to your escrow balance, the premium kept; check the circuit artifacts and the input`));
      this.emit("refunded", { amount: this.task.maxReward });
      return true;
    }
    // Open or None: the Escrow takes a settlement until finalDeadline + settleGrace (chain time).
    const now = nowS();
    const closed = now > finalDeadline(this.task) + this.client.params.settleGrace + SETTLE_MARGIN;
    const giveUp = closed && now > finalDeadline(this.task) + this.client.params.settleGrace + SETTLE_MARGIN + PROOF_FETCH_WINDOW;
    if (this.resultValue !== undefined) return giveUp; // verified; it can settle no more after the window
    // A certified proof we have not got, or a proof whose certificate is overdue: look for it (store, then
    // sync). Past the settlement window, look again before concluding anything.
    if (closed || this.missing(now)) await this.recover({ settled: false, any: closed, sync: true });
    if (this.resultValue !== undefined || this.failure !== undefined || !closed) return this.failure !== undefined;
    if (!this.evidence()) {
      this.fail(new SdkError({ code: SdkErrorCode.TASK_FAILED, taskId: this.taskId, reason: this.assignments.size === 0 ? "no assignment" : "no proof" },
        this.assignments.size === 0
          ? (this.reveals > 0
            ? `task ${this.taskId} got no assignment: ${this.reveals} bid(s) were revealed but the attesters' assignment votes formed no certificate (they saw different bids; check the pool's connectivity); nothing was locked`
            : this.task.schedule !== undefined
              ? `task ${this.taskId} got no assignment: no prover bid in any of its ${taskAuctionRounds(this.task)} auction rounds, up to the reserve maxReward (raise maxReward, lengthen the bid or rebid window, or check that provers run); nothing was locked`
              : `task ${this.taskId} got no assignment: no prover bid in time (raise maxReward, lengthen the bid window, or check that provers run); nothing was locked`)
          : `task ${this.taskId} got no proof by its final deadline and did not settle on chain; run \`zkpool task expire ${this.taskId}\` (Escrow.expire) to refund maxReward`));
      return true;
    }
    if (!giveUp) return false;
    const invalid = this.rejected.size > 0 && this.proofs.size === 0;
    this.fail(new SdkError({ code: invalid ? SdkErrorCode.PROOF_INVALID : SdkErrorCode.TASK_FAILED, taskId: this.taskId, reason: invalid ? "invalid proof" : "proof not obtained" },
      invalid
        ? `the proof submitted for ${this.taskId} does not verify locally and the task did not settle on chain; run \`zkpool task expire ${this.taskId}\` (Escrow.expire) to refund maxReward and report this with the task id`
        : `a proof of ${this.taskId} was certified but no pool node served it, and the task did not settle on chain (nothing was paid); run \`zkpool task expire ${this.taskId}\` (Escrow.expire) to refund maxReward; client.fetchProof() may still find the proof`));
    return true;
  }

  /** @internal */
  closed(): void {
    this.fail(new SdkError({ code: SdkErrorCode.CLOSED, taskId: this.taskId }, "the client was closed before the task ended"));
  }
}

export class ZkPoolClient {
  private readonly handles = new Map<Hex, TaskHandle>();
  private readonly polling = new Set<Hex>();
  private readonly finished = new Map<Hex, TaskResult>();
  private timer: NodeJS.Timeout | undefined;
  private committed = 0n;
  private syncing: Promise<void> | undefined;
  private lastSyncAt = 0;
  private readonly onAccepted = (m: AcceptedMessage): void => {
    const id = bidOf(m.message).taskId;
    if (id !== undefined) this.handles.get(lc(id))?.onMessage(m);
  };

  private constructor(
    readonly node: PoolNode,
    readonly escrow: EscrowClient,
    /** The permissionless circuit registry (SPEC §9.12). */
    readonly circuits: CircuitRegistryClient,
    readonly provider: JsonRpcProvider,
    readonly domain: ProtocolDomain,
    /** The pool's v1 parameters, read from the Escrow (SPEC §9.1). */
    readonly params: ChainParams,
    private readonly signer: Wallet,
    private readonly tempDir: string | undefined,
    /** Block of the deployment: settlement logs are never older. */
    private readonly deploymentBlock: number,
    private readonly log: Logger,
  ) {}

  get address(): Hex {
    return lc(this.signer.address);
  }

  /** @internal use createClient */
  static async create(o: ClientOptions): Promise<ZkPoolClient> {
    if (o.bootstrap.length === 0) throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS }, "bootstrap is empty: pass at least one pool node multiaddr (…/p2p/<peerId>)");
    let deployment: Deployment;
    if (typeof o.deployment === "string") {
      try {
        deployment = JSON.parse(await readFile(o.deployment, "utf8")) as Deployment;
      } catch (cause) {
        throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: String(cause) }, `cannot read the deployment file ${o.deployment}`, { cause });
      }
    } else deployment = o.deployment;
    const provider = new JsonRpcProvider(o.rpcUrl, undefined, { batchMaxCount: 1, staticNetwork: true, cacheTimeout: -1, pollingInterval: 1000 });
    let chainId: bigint;
    try {
      chainId = (await provider.getNetwork()).chainId;
    } catch (cause) {
      provider.destroy();
      throw new SdkError({ code: SdkErrorCode.CHAIN_UNREACHABLE }, `chain RPC ${o.rpcUrl} does not answer; check rpcUrl`, { cause });
    }
    if (chainId.toString() !== deployment.chainId) {
      provider.destroy();
      throw new SdkError({ code: SdkErrorCode.CHAIN_UNREACHABLE }, `${o.rpcUrl} is chain ${chainId}, the deployment is for chain ${deployment.chainId}`);
    }
    const domain: ProtocolDomain = { chainId, escrow: lc(deployment.escrow) };
    let params: ChainParams;
    try {
      params = chainParamsFromPool(await new EscrowClient(deployment.escrow, provider).parameters());
    } catch (cause) {
      provider.destroy();
      throw new SdkError({ code: SdkErrorCode.CHAIN_UNREACHABLE, reason: String(cause) },
        `cannot read the pool parameters from the Escrow at ${deployment.escrow}: is the deployment a protocol v1 pool on ${o.rpcUrl}?`, { cause });
    }
    const tempDir = o.dataDir === undefined ? await mkdtemp(join(tmpdir(), "zkpool-sdk-")) : undefined;
    const log = o.logger ?? silentLogger();
    try {
      const node = await PoolNode.create({
        dataDir: o.dataDir ?? tempDir!,
        domain,
        stake: new NodeChainStakeSource(new ChainStakeSource({ stakeRegistry: deployment.stakeRegistry, runner: provider, epochSeconds: params.epochSeconds })),
        chainParams: params,
        logger: log,
        network: { listen: o.listen ?? ["/ip4/127.0.0.1/tcp/0"], bootstrap: o.bootstrap, devnet: o.devnet ?? false },
      });
      await node.start();
      const signer = o.signer.connect(provider);
      const c = new ZkPoolClient(node, new EscrowClient(deployment.escrow, signer), new CircuitRegistryClient(deployment.circuitRegistry, signer), provider, domain, params, signer, tempDir,
        Number.isSafeInteger(deployment.blockNumber) ? deployment.blockNumber : 0, log);
      node.gossip.on("accepted", c.onAccepted);
      c.timer = setInterval(() => c.pollAll(), 1000);
      c.timer.unref();
      return c;
    } catch (err) {
      provider.destroy();
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
      throw err;
    }
  }

  private pollAll(): void {
    for (const [id, h] of this.handles) {
      // one poll per handle at a time (a poll that syncs can take longer than the interval)
      if (this.polling.has(id)) continue;
      this.polling.add(id);
      h.poll(this.escrow).then((done) => {
        if (done && this.handles.get(id) === h) {
          this.handles.delete(id);
          this.committed -= cost(h.task, this.params);
          void h.result().then((r) => this.remember(r), () => undefined);
        }
      }).catch((err: unknown) => this.log.debug("task poll failed", { taskId: id, err: String(err) }))
        .finally(() => this.polling.delete(id));
    }
  }

  private remember(r: TaskResult): void {
    this.finished.set(r.taskId, r);
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.keys().next().value!);
  }

  /**
   * @internal Sync open tasks' messages from connected pool nodes (what gossip lost arrives through the same
   * validation and reaches the handles). One sync at a time, shared; at most one started per interval: within
   * it, resolves at once, or with `wait` (an explicit request) waits for the interval to end and syncs.
   */
  async syncFromPeers(wait = false): Promise<void> {
    if (this.syncing !== undefined) {
      await this.syncing;
      if (!wait) return;
    }
    const left = this.lastSyncAt + SYNC_MIN_INTERVAL_MS - Date.now();
    if (left > 0) {
      if (!wait) return;
      await new Promise((r) => setTimeout(r, left));
      if (this.syncing !== undefined) return this.syncing;
    }
    this.lastSyncAt = Date.now();
    const run = this.node.sync.syncOpenTasks().then(
      (r) => this.log.debug("synced for missing proofs", { peers: r.length, accepted: r.reduce((n, x) => n + x.accepted, 0) }),
      (err: unknown) => this.log.debug("sync for missing proofs failed", { err: String(err) }),
    ).finally(() => {
      this.syncing = undefined;
      this.lastSyncAt = Date.now();
    });
    this.syncing = run;
    await run;
  }

  /**
   * @internal The proof a settlement of `taskId` carried: the Escrow's TaskSettled log, then the calldata of
   * the settle() transaction that emitted it (a direct call of the Escrow).
   */
  async settledProof(taskId: Hex, task: Task, fromBlock: number): Promise<ProofCandidate | undefined> {
    const event = escrowInterface.getEvent("TaskSettled")!;
    const escrow = lc(this.escrow.address);
    const logs = await this.provider.getLogs({ address: escrow, topics: [event.topicHash, taskId], fromBlock: Math.max(fromBlock, this.deploymentBlock), toBlock: "latest" });
    for (const l of logs.reverse()) {
      const ev = escrowInterface.parseLog(l);
      const tx = await this.provider.getTransaction(l.transactionHash);
      if (ev === null || tx === null || lc(tx.to ?? "") !== escrow) continue;
      try {
        const call = escrowInterface.parseTransaction({ data: tx.data });
        if (call?.name !== "settle") continue;
        const words = (call.args[4] as bigint[]).map((w) => BigInt(w));
        const publicSignals = (call.args[5] as bigint[]).map((w) => BigInt(w));
        return {
          round: Number(ev.args[1]),
          prover: lc(String(ev.args[2])),
          proof: encodeProofWords(task.proofSystem, words),
          publicSignals,
          source: "chain",
          price: BigInt(ev.args[3] as bigint),
        };
      } catch (err) {
        this.log.debug("settlement calldata not usable", { taskId, tx: l.transactionHash, err: String(err) });
      }
    }
    return undefined;
  }

  /** @internal Check a proof against the task (public signals) and the verification key; its snarkjs form if valid. */
  async verifyCandidate(task: Task, vkey: unknown, p: ProofCandidate): Promise<{ proof: unknown; publicSignals: string[] } | undefined> {
    try {
      if (lc(publicSignalsHash(p.publicSignals)) !== lc(task.publicSignalsHash)) return undefined;
      const proof = decodeSnarkjsProof(task.proofSystem, p.proof);
      const publicSignals = p.publicSignals.map((s) => s.toString());
      await sharedCurve();
      return (await snarkjs[SNARKJS_SYSTEM[task.proofSystem]].verify(vkey, publicSignals, proof)) ? { proof, publicSignals } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The proof of a task, verified here, if one exists: this client's handle, the embedded node's store (what
   * gossip and sync brought), the chain (when the task settled, the proof its settlement carried) and, when
   * still missing, a sync with connected pool nodes. Undefined when no proof is known (yet). A proof found for a
   * task this client follows also resolves that handle's result. Works for tasks of other sessions too (the task
   * must be in the embedded node's store or served by a pool node; pass `vkey` if the pool cannot serve it).
   */
  async fetchProof(taskId: string, o: FetchProofOptions = {}): Promise<TaskResult | undefined> {
    if (typeof taskId !== "string" || !TASK_ID.test(taskId)) {
      throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: "taskId" }, `fetchProof: ${JSON.stringify(taskId)} is not a task id (0x and 64 hex digits)`);
    }
    const id = lc(taskId);
    const sync = o.sync ?? true;
    const handle = this.handles.get(id);
    if (handle !== undefined) return handle.fetch(sync);
    const done = this.finished.get(id);
    if (done !== undefined) return done;
    let task = await this.storedTask(id);
    if (task === undefined && sync) {
      await this.syncFromPeers(true);
      task = await this.storedTask(id);
    }
    if (task === undefined) return undefined;
    const h = new TaskHandle(id, task, o.vkey ?? (await this.vkeyOf(task)), this);
    h.fromBlock = this.deploymentBlock;
    const r = await h.fetch(sync);
    if (r !== undefined) this.remember(r);
    return r;
  }

  private async storedTask(id: Hex): Promise<Task | undefined> {
    const b = await this.node.repos.tasks.get([id]);
    return b === undefined ? undefined : decodeTask(b);
  }

  private async vkeyOf(task: Task): Promise<unknown> {
    const hash = task.vkeySha256.slice(2).toLowerCase();
    try {
      const bytes = (await this.node.transfer.store.get(hash)) ?? (await this.node.transfer.fetch(hash, { signal: AbortSignal.timeout(10_000) }));
      return parseVerificationKey(bytes);
    } catch (cause) {
      throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: "vkey" },
        `fetchProof: the verification key ${task.vkeySha256} is neither stored here nor served by the pool; pass { vkey }`, { cause });
    }
  }

  /** Deposit `amount` wei into the escrow. */
  async deposit(p: DepositParameters): Promise<DepositReturnType> {
    const r = await this.tx(() => this.escrow.deposit(p.amount));
    return { txHash: r.hash, balance: await this.escrow.balanceOf(this.address) };
  }

  /** Start a delayed withdrawal of `amount` (the escrow's withdrawalDelay applies). */
  async requestWithdrawal(p: WithdrawParameters): Promise<WithdrawReturnType> {
    const r = await this.tx(() => this.escrow.requestWithdrawal(p.amount));
    return { txHash: r.hash, readyAt: (await this.escrow.pendingWithdrawal(this.address)).readyAt };
  }

  /** Complete a withdrawal whose delay has passed. */
  async withdraw(): Promise<WithdrawReturnType> {
    const r = await this.tx(() => this.escrow.withdraw());
    return { txHash: r.hash };
  }

  async balance(): Promise<BalanceReturnType> {
    const [balance, w] = await Promise.all([this.escrow.balanceOf(this.address), this.escrow.pendingWithdrawal(this.address)]);
    return { balance, pendingWithdrawal: w.amount, readyAt: w.readyAt, available: balance > w.amount ? balance - w.amount : 0n };
  }

  private async tx<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (cause) {
      const reason = revertReason(cause) ?? String(cause);
      throw new SdkError({ code: SdkErrorCode.TX_FAILED, reason }, `escrow transaction refused: ${reason}`, { cause });
    }
  }

  /**
   * Register a circuit on chain by its verification key (SPEC §9.12): anyone may, and registering a circuit that
   * is already there changes nothing (`registered: false`). Pass a catalog `circuit` or your own `artifacts`.
   */
  async registerCircuit(p: CircuitParameters): Promise<RegisterCircuitReturnType> {
    const c = await this.readCircuit(p);
    const r = await this.tx(() => this.circuits.register(c.proofSystem, c.wasmSha256, c.zkeySha256, c.vkeyBytes));
    return { circuitId: lc(r.circuitId), proofSystem: SNARKJS_SYSTEM[c.proofSystem], registered: r.registered, txHash: r.receipt.hash };
  }

  /**
   * A price quote for a circuit from the standing asks that provers announce in their operator records (SPEC §10.6):
   * the asks of staked provers issued within ASK_MAX_AGE, the maximum reward that at least three of them would bid
   * at, and the expected payment under the market rule (§10.2) if they bid their asks. With an ask below the maximum
   * (`maxReward`, else the suggested one) it also suggests a price schedule (§10.3) for `submitTask({ schedule })`:
   * `startPrice` = the lowest ask, `priceStep = ceil((max - startPrice) / 3)` (at most 4 auction rounds). Nothing is published.
   */
  async quote(p: QuoteParameters): Promise<QuoteReturnType> {
    const c = await this.readCircuit(p);
    const circuit = lc(c.circuitId);
    if (p.maxReward !== undefined && (typeof p.maxReward !== "bigint" || p.maxReward <= 0n)) {
      throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS }, "maxReward must be a positive bigint (wei)");
    }
    const waitUntil = Date.now() + Math.max(0, p.waitMs ?? 0);
    for (;;) {
      const now = nowS();
      // an operator's newest record (it may run several nodes, one record each) holds its current asks
      const newest = new Map<Hex, OperatorRecord>();
      for (const bytes of await this.node.repos.operators.values([])) {
        let rec: OperatorRecord;
        try {
          rec = decodeOperatorRecord(bytes);
        } catch {
          continue;
        }
        const prev = newest.get(lc(rec.operator));
        if (prev === undefined || rec.issuedAt > prev.issuedAt) newest.set(lc(rec.operator), rec);
      }
      const asks: QuoteReturnType["asks"] = [];
      for (const [prover, rec] of newest) {
        if (rec.issuedAt + ASK_MAX_AGE < now) continue;
        const a = rec.asks?.find((x) => lc(x.circuitId) === circuit && x.proofSystem === c.proofSystem);
        if (a === undefined) continue;
        const stake = await this.node.opts.stake.stakeOf(prover, 0n).catch(() => 0n);
        if (stake > 0n) asks.push({ prover, price: a.price, stake, issuedAt: rec.issuedAt });
      }
      if (asks.length > 0 || Date.now() >= waitUntil) {
        const q = quoteFromAsks({ asks, ...(p.maxReward === undefined ? {} : { maxReward: p.maxReward }) });
        const byProver = new Map(asks.map((a) => [a.prover, a]));
        const schedule = suggestSchedule(q.asks[0]?.price, p.maxReward ?? q.suggestedMaxReward);
        return {
          circuitId: circuit,
          proofSystem: SNARKJS_SYSTEM[c.proofSystem],
          asks: q.asks.map((e) => byProver.get(e.prover as Hex)!),
          willing: q.willing,
          ...(q.suggestedMaxReward === undefined ? {} : { suggestedMaxReward: q.suggestedMaxReward }),
          ...(q.expectedPrice === undefined ? {} : { expectedPrice: q.expectedPrice }),
          ...(q.priceRange === undefined ? {} : { priceRange: q.priceRange }),
          ...(schedule === undefined ? {} : { suggestedSchedule: schedule }),
        };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Whether the chain has the circuit (catalog name or artifacts) under its proof system. */
  async isCircuitRegistered(p: CircuitParameters): Promise<{ circuitId: Hex; registered: boolean }> {
    const c = await this.readCircuit(p);
    return { circuitId: c.circuitId, registered: await this.circuits.isRegistered(c.circuitId, c.proofSystem) };
  }

  /** readCircuit, with an unknown catalog name answered by the catalog circuits this chain has registered. */
  private async readCircuit(p: CircuitParameters): Promise<ReadCircuit> {
    try {
      return await readCircuit(p);
    } catch (err) {
      if (!(err instanceof SdkError) || err.code !== SdkErrorCode.UNKNOWN_CIRCUIT) throw err;
      const here = await this.registeredCatalogCircuits().catch(() => undefined);
      const known = here === undefined ? "" : here.length === 0
        ? "; no catalog circuit is registered on this chain (register one: zkpool circuit register --circuit <name>)"
        : `; catalog circuits registered on this chain: ${here.join(", ")}`;
      throw new SdkError(err.type, `${err.message}${known}`, { cause: err.cause });
    }
  }

  /** `name (system)` of each built catalog circuit whose circuit id the chain's registry has. */
  async registeredCatalogCircuits(): Promise<string[]> {
    const out: string[] = [];
    for (const name of listCircuits()) {
      for (const system of ["groth16", "plonk", "fflonk"] as const) {
        const c = await loadCircuit(name, system, { verifyHashes: false }).catch(() => undefined);
        if (c !== undefined && (await this.circuits.isRegistered(c.circuitId, PROOF_SYSTEM_CODE[system]))) out.push(`${name} (${system})`);
      }
    }
    return out;
  }

  /**
   * The public signals `input` gives (witness calculation; also checks the input satisfies the circuit).
   * A missing or unknown input field is named (SDK_INPUT_MISSING / SDK_INPUT_UNKNOWN with `field`) when the circuit's
   * input names are known: `inputNames`, else the circuit.json (`zkpool circuit setup`), catalog meta.json or circom
   * .sym + .r1cs beside the wasm (the wasm itself holds only hashes of the names). Without them an unknown field is
   * still named (the wasm rejects it by name) and a missing one is reported by count. Nothing the witness calculator
   * prints reaches the console: its text is folded into the error.
   */
  static async publicSignalsOf(wasm: string, vkey: { nPublic: number }, input: Record<string, unknown>, o: { inputNames?: readonly string[] } = {}): Promise<bigint[]> {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new SdkError({ code: SdkErrorCode.BAD_INPUT, reason: "not an object" }, `the input must be a JSON object of the circuit's input signals (got ${Array.isArray(input) ? "an array" : String(input)})`);
    }
    const known = o.inputNames !== undefined ? { names: [...o.inputNames], source: "inputNames" } : await inputNamesForWasm(wasm).catch(() => undefined);
    if (known !== undefined) {
      const { missing, unknown } = compareInputFields(known.names, input);
      const also = (what: string, list: string[]): string => (list.length > 0 ? `; ${what}: ${list.join(", ")}` : "");
      if (missing.length > 0) {
        throw new SdkError({ code: SdkErrorCode.INPUT_MISSING, field: missing[0]!, reason: missing.join(",") },
          `the input lacks the field "${missing[0]}"${also("also missing", missing.slice(1))}${also("fields that are no input of the circuit", unknown)} (the circuit's inputs: ${known.names.join(", ")})`);
      }
      if (unknown.length > 0) {
        throw new SdkError({ code: SdkErrorCode.INPUT_UNKNOWN, field: unknown[0]!, reason: unknown.join(",") },
          `the input field "${unknown[0]}" is no input of the circuit${also("also unknown", unknown.slice(1))} (its inputs: ${known.names.join(", ")}): remove it or fix its name`);
      }
    }
    const w = { type: "mem" as const };
    const printed: string[] = [];
    try {
      await withConsoleCaptured(printed, () => snarkjs.wtns.calculate(input, wasm, w));
    } catch (cause) {
      throw witnessError(cause, printed, input);
    }
    const values = await snarkjs.wtns.exportJson(w);
    return values.slice(1, 1 + vkey.nPublic).map((v) => BigInt(v));
  }

  /** Publish a task; the handle follows it to a verified proof and settlement. */
  async submitTask(p: SubmitTaskParameters): Promise<TaskHandle> {
    if (typeof p.maxReward !== "bigint" || p.maxReward <= 0n) {
      throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: "maxReward" }, `maxReward must be a positive bigint (wei) (got ${String(p.maxReward)}); nothing was published`);
    }
    const win = { bidWindow: 8, revealWindow: 8, proofWindow: 30, maxRounds: 2, ...p.windows };
    // the price schedule first (SPEC §10.3): a mistake in it is known before any file is read or anything is sent
    const schedule = taskScheduleOf({ maxReward: p.maxReward, schedule: p.schedule, bidWindow: win.bidWindow });
    checkScheduleLifetime(win, p.maxReward, schedule, this.params.maxTaskLifetime);
    const { paths, wasm, zkey, vkey, vkeyBytes, proofSystem, circuitId } = await this.readCircuit(p);
    const signals = p.publicSignals !== undefined ? [...p.publicSignals] : await ZkPoolClient.publicSignalsOf(paths.wasm, vkey, p.input);
    // Preflight: a task of a circuit the chain does not have can be proved but never settled (SPEC §9.12).
    if (!(await this.circuits.isRegistered(circuitId, proofSystem))) {
      const what = p.circuit !== undefined ? `--circuit ${p.circuit} --proof-system ${vkey.protocol}` : `--wasm ${paths.wasm} --zkey ${paths.zkey} --vkey ${paths.vkey}`;
      throw new SdkError({ code: SdkErrorCode.CIRCUIT_NOT_REGISTERED, reason: circuitId },
        `circuit ${circuitId} (${vkey.protocol}) is not registered on chain, so its proofs could not settle; nothing was published. Register it first: zkpool circuit register ${what} (or client.registerCircuit())`);
    }
    // SPEC §9.4: the pool funds a task only if its cost (maxReward + premium), with the costs of this
    // requester's open tasks, fits the available balance; otherwise nodes ignore it as UNFUNDED.
    const penalty = p.penalty ?? p.maxReward / 10n;
    const taskCost = cost({ maxReward: p.maxReward, penalty }, this.params);
    const { available } = await this.balance();
    if (available < this.committed + taskCost) {
      throw new SdkError({ code: SdkErrorCode.INSUFFICIENT_BALANCE, need: (this.committed + taskCost).toString(), have: available.toString() },
        `escrow balance ${available} wei is less than ${this.committed + taskCost} wei (this task's cost ${taskCost} = maxReward + insurance premium, plus your open tasks); deposit first`);
    }
    // A connected peer is not enough: until a pool node's subscription to the tasks topic has arrived, a
    // publish reaches nobody (seen on a loaded CI box: the first task of a fresh client got no bid).
    const reachable = (): boolean => this.node.gossip.subscribers("tasks").length > 0;
    if (!reachable()) {
      const end = Date.now() + 10_000;
      while (!reachable() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      if (!reachable()) {
        throw new SdkError({ code: SdkErrorCode.NOT_CONNECTED }, "no pool node connected: check the bootstrap addresses and that the pool runs");
      }
    }
    const input = new TextEncoder().encode(JSON.stringify(p.input));
    const t = this.node.transfer;
    const [w, z, v, i] = await Promise.all([t.add(wasm), t.add(zkey), t.add(vkeyBytes), t.add(input)]);
    const bidDeadline = nowS() + BigInt(win.bidWindow);
    const task = signTask({
      requester: addressOf(this.signer),
      proofSystem,
      wasmSha256: `0x${w}`,
      zkeySha256: `0x${z}`,
      vkeySha256: `0x${v}`,
      inputHash: `0x${i}`,
      inputSize: BigInt(input.byteLength),
      publicSignalsHash: publicSignalsHash(signals),
      maxReward: p.maxReward,
      penalty,
      bidDeadline,
      revealDeadline: bidDeadline + BigInt(win.revealWindow),
      proofWindow: win.proofWindow,
      maxRounds: win.maxRounds,
      // a recent epoch that every node already counts as final (SPEC §9.1)
      stakeEpoch: chooseStakeEpoch(nowS() - 2n * MAX_CLOCK_SKEW, bidDeadline, this.params),
      nonce: p.nonce ?? BigInt(Date.now()) * 1000n + (nonceSeq++ % 1000n),
      ...(schedule !== undefined ? { schedule } : {}),
    }, this.signer, this.domain);
    const id = lc(computeTaskId(task, this.domain));
    const handle = new TaskHandle(id, task, vkey, this);
    // settlement logs of this task can only be newer than this block
    handle.fromBlock = await this.provider.getBlockNumber().catch(() => this.deploymentBlock);
    this.handles.set(id, handle);
    this.committed += taskCost;
    try {
      await this.node.gossip.publish("tasks", encodeTask(task));
    } catch (cause) {
      this.handles.delete(id);
      this.committed -= taskCost;
      throw new SdkError({ code: SdkErrorCode.NOT_CONNECTED, reason: String(cause) }, `task not published: ${String(cause)}; check that pool nodes are connected`, { cause });
    }
    setImmediate(() => handle.emit("published", { taskId: id, bidDeadline: task.bidDeadline, revealDeadline: task.revealDeadline }));
    return handle;
  }

  /** Stop the embedded node and release everything (waiting handles reject with SDK_CLOSED). */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.node.gossip.off("accepted", this.onAccepted);
    for (const h of this.handles.values()) h.closed();
    this.handles.clear();
    await this.node.stop();
    await this.syncing;
    this.provider.destroy();
    if (this.tempDir !== undefined) await rm(this.tempDir, { recursive: true, force: true });
  }
}

/**
 * Run `f` with console.log / error / warn / info / debug collected into `into` instead of printed: circom's witness
 * calculator (circom_runtime) writes "ERROR: …" and the circuit's log() output there, and takes no logger.
 * Other code logging during the (short) calculation is collected too.
 */
async function withConsoleCaptured<T>(into: string[], f: () => Promise<T>): Promise<T> {
  const methods = ["log", "error", "warn", "info", "debug"] as const;
  const saved = methods.map((m): unknown => Reflect.get(console, m)); // the originals, restored as they were
  for (const m of methods) console[m] = (...args: unknown[]) => void into.push(args.map(String).join(" "));
  try {
    return await f();
  } finally {
    methods.forEach((m, i) => Reflect.set(console, m, saved[i]));
  }
}

/** A typed error from a failed witness calculation: circom's message, cleaned up, with the field it names. */
function witnessError(cause: unknown, printed: string[], input: Record<string, unknown>): SdkError {
  const given = Object.keys(input);
  const msg = String((cause as Error)?.message ?? cause).replace(/\s+/g, " ").trim();
  const field = (re: RegExp): string | undefined => re.exec(msg)?.[1];
  const unknown = field(/Signal (\S+) not found/);
  if (unknown !== undefined) {
    return new SdkError({ code: SdkErrorCode.INPUT_UNKNOWN, field: unknown, reason: msg },
      `the input field "${unknown}" is no input of the circuit: remove it or fix its name`, { cause });
  }
  const count = /Not all inputs have been set\. Only (\d+) out of (\d+)/.exec(msg);
  if (count !== null) {
    return new SdkError({ code: SdkErrorCode.INPUT_MISSING, reason: msg, need: count[2]!, have: count[1]! },
      `the input lacks a field: it sets ${count[1]} of the circuit's ${count[2]} input values (fields given: ${given.join(", ") || "none"}). ` +
      "The circuit's input names are unknown here: keep the circuit.json of `zkpool circuit setup` (or circom's .sym and .r1cs) beside the wasm to have the missing field named", { cause });
  }
  const size = /(Not enough|Too many) values for input signal (\S+)/.exec(msg);
  if (size !== null && size[1] === "Too many" && !Array.isArray(input[size[2]!])) {
    // a scalar is "too many" only for a name the wasm does not know (its size is 0): an unknown field
    return new SdkError({ code: SdkErrorCode.INPUT_UNKNOWN, field: size[2]!, reason: msg },
      `the input field "${size[2]}" is no input of the circuit: remove it or fix its name`, { cause });
  }
  if (size !== null) {
    return new SdkError({ code: SdkErrorCode.BAD_INPUT, field: size[2]!, reason: msg },
      `the input field "${size[2]}" has ${size[1] === "Too many" ? "too many values (or is no input of the circuit)" : "too few values"}: an array input must have every element, nested as declared`, { cause });
  }
  // circom's own text (e.g. "Assert Failed. Error in template RangeCheck_3 line: 12"), without the raw "ERROR:" lines
  const detail = [msg, ...printed.filter((l) => !/^ERROR:/.test(l.trim()) && !msg.includes(l.trim()))].filter((l) => l !== "").join("; ");
  return new SdkError({ code: SdkErrorCode.BAD_INPUT, reason: detail }, `the input does not satisfy the circuit: ${detail}`, { cause });
}

/** Create a requester client (starts an embedded light pool node). Close it with `client.close()`. */
export function createClient(o: ClientOptions): Promise<ZkPoolClient> {
  return ZkPoolClient.create(o);
}

/** Stops snarkjs' curve worker threads (call once at the very end of a process that verified proofs). */
export async function terminateSnarkjs(): Promise<void> {
  const building = bn128;
  bn128 = undefined;
  if (building !== undefined) await building.catch(() => undefined);
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}

interface Curve {
  terminate(): Promise<void>;
}
let bn128: Promise<Curve> | undefined;

/**
 * snarkjs builds its BN254 curve (with worker threads) on first use and caches it only once it is built, so
 * concurrent first verifications would each build one, and all but the cached one would outlive terminateSnarkjs()
 * and keep the process alive. Every verification awaits this one build first.
 */
function sharedCurve(): Promise<Curve> {
  if (bn128 === undefined) {
    const building = snarkjs.curves.getCurveFromName("bn128");
    bn128 = building;
    building.catch(() => {
      if (bn128 === building) bn128 = undefined; // a failed build is retried by the next verification
    });
  }
  return bn128;
}
