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
import { ChainStakeSource, EscrowClient, TaskStatus, chainParamsFromPool, revertReason, type Deployment } from "@zkpool/chain";
import { loadCircuit } from "@zkpool/circuits";
import { NodeChainStakeSource, PoolNode, silentLogger, type AcceptedMessage, type Logger } from "@zkpool/node";
import {
  MAX_CLOCK_SKEW,
  addressOf,
  chooseStakeEpoch,
  cost,
  type ChainParams,
  decodeSnarkjsProof,
  encodeTask,
  finalDeadline,
  publicSignalsHash,
  roundDeadline,
  signTask,
  taskId as computeTaskId,
  type Certificate,
  type CertificateOfKind,
  type Hex,
  type ProofSubmission,
  type ProtocolDomain,
  type Task,
} from "@zkpool/protocol";
import { SdkError, SdkErrorCode } from "./errors.js";
import type {
  BalanceReturnType, CircuitArtifactPaths, DepositParameters, DepositReturnType, SubmitTaskParameters, TaskEvents, TaskResult,
  WithdrawParameters, WithdrawReturnType,
} from "./types.js";

/** snarkjs' name of each proof system (SPEC §0: 1 Groth16, 2 PLONK, 3 FFLONK) and back. */
const SNARKJS_SYSTEM = { 1: "groth16", 2: "plonk", 3: "fflonk" } as const;
const PROOF_SYSTEM_ID: Partial<Record<string, 1 | 2 | 3>> = { groth16: 1, plonk: 2, fflonk: 3 };

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
const nowS = (): bigint => BigInt(Math.floor(Date.now() / 1000));
let nonceSeq = 0n;

export class TaskHandle extends EventEmitter<TaskEvents> {
  status: "open" | "verified" | "settled" | "failed" = "open";
  private readonly seen = new Set<string>();
  private commits = 0;
  private reveals = 0;
  private resultValue: TaskResult | undefined;
  private readonly waiters: Array<{ resolve(r: TaskResult): void; reject(e: unknown): void }> = [];
  private failure: SdkError | undefined;
  private proofs = new Map<string, ProofSubmission>();
  private assignments = new Map<number, Certificate>();
  private completion: CertificateOfKind<"completion"> | undefined;

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
    if (m.topic === "bids") {
      const b = m.message as { commitment?: string; price?: bigint };
      if (b.price !== undefined) this.reveals++;
      else this.commits++;
      this.emit("bids", { commits: this.commits, reveals: this.reveals });
    } else if (m.topic === "proofs") {
      const p = m.message as ProofSubmission;
      this.proofs.set(`${p.round}/${lc(p.prover)}`, p);
      this.once1(`proved/${p.round}`, () => this.emit("proved", { round: p.round, prover: lc(p.prover) }));
      void this.tryVerify();
    } else if (m.topic === "certificates") {
      const c = m.message as Certificate;
      if (c.kind === "assignment") {
        this.assignments.set(c.round, c);
        const e = { round: c.round, prover: lc(c.prover), price: c.price };
        this.once1(`a/${c.round}`, () => {
          this.emit(c.round === 0 ? "assigned" : "reassigned", e);
          this.emit("proving", { round: c.round, prover: e.prover, deadline: roundDeadline(this.task, c.round) });
        });
      } else if (c.kind === "default") {
        this.once1(`d/${c.round}`, () => this.emit("defaulted", { round: c.round, prover: lc(c.prover) }));
      } else if (c.kind === "completion") {
        this.completion = c;
        void this.tryVerify();
      } else if (c.kind === "invalid") {
        this.once1("invalid", () =>
          this.fail(new SdkError({ code: SdkErrorCode.TASK_INVALID, taskId: this.taskId },
            `the attesters certified ${this.taskId} unprovable (SPEC §9.7): its zkey, wasm or input does not give the committed public signals; check the circuit artifacts and the input`)),
        );
      }
    }
  }

  private once1(key: string, f: () => void): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    f();
  }

  private async tryVerify(): Promise<void> {
    const c = this.completion;
    if (c === undefined || this.resultValue !== undefined) return;
    const p = this.proofs.get(`${c.round}/${lc(c.prover)}`);
    if (p === undefined) return;
    const proof = decodeSnarkjsProof(this.task.proofSystem, p.proof);
    const signals = p.publicSignals.map((s) => s.toString());
    const ok = await snarkjs[SNARKJS_SYSTEM[this.task.proofSystem]].verify(this.vkey, signals, proof);
    if (this.resultValue !== undefined) return;
    if (!ok) {
      return this.fail(new SdkError({ code: SdkErrorCode.PROOF_INVALID, taskId: this.taskId },
        `the certified proof of ${this.taskId} does not verify locally; report this with the task id`));
    }
    this.resultValue = { taskId: this.taskId, round: c.round, prover: lc(c.prover), proof, publicSignals: signals, verified: true };
    this.status = "verified";
    this.emit("verified", this.resultValue);
    for (const w of this.waiters.splice(0)) w.resolve(this.resultValue);
  }

  /** @internal */
  fail(e: SdkError): void {
    if (this.failure !== undefined || this.resultValue !== undefined) return;
    this.failure = e;
    this.status = "failed";
    this.emit("failed", { reason: e.message });
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  /** @internal polled by the client: settlement / refund on chain, failure after the final deadline. */
  async poll(escrow: EscrowClient): Promise<boolean> {
    if (this.status === "settled") return true;
    const rec = await escrow.taskRecord(this.taskId);
    if (rec.status === TaskStatus.Settled && this.resultValue !== undefined) {
      const a = this.assignments.get(this.resultValue.round);
      const price = a?.kind === "assignment" ? a.price : 0n;
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
    if (this.resultValue === undefined && nowS() > finalDeadline(this.task) + 4n * MAX_CLOCK_SKEW) {
      this.fail(new SdkError({ code: SdkErrorCode.TASK_FAILED, taskId: this.taskId, reason: this.assignments.size === 0 ? "no assignment" : "no proof" },
        this.assignments.size === 0
          ? `task ${this.taskId} got no assignment: no prover bid in time (raise maxReward, lengthen the bid window, or check that provers run); nothing was locked`
          : `task ${this.taskId} got no proof by its final deadline; call escrow expire() to refund maxReward`));
      return true;
    }
    return false;
  }

  /** @internal */
  closed(): void {
    this.fail(new SdkError({ code: SdkErrorCode.CLOSED, taskId: this.taskId }, "the client was closed before the task ended"));
  }
}

export class ZkPoolClient {
  private readonly handles = new Map<Hex, TaskHandle>();
  private timer: NodeJS.Timeout | undefined;
  private committed = 0n;
  private readonly onAccepted = (m: AcceptedMessage): void => {
    const id = (m.message as { taskId?: string }).taskId;
    if (id !== undefined) this.handles.get(lc(id))?.onMessage(m);
  };

  private constructor(
    readonly node: PoolNode,
    readonly escrow: EscrowClient,
    readonly provider: JsonRpcProvider,
    readonly domain: ProtocolDomain,
    /** The pool's v1 parameters, read from the Escrow (SPEC §9.1). */
    readonly params: ChainParams,
    private readonly signer: Wallet,
    private readonly tempDir: string | undefined,
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
    const provider = new JsonRpcProvider(o.rpcUrl, undefined, { batchMaxCount: 1, staticNetwork: true, cacheTimeout: -1 });
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
    try {
      const node = await PoolNode.create({
        dataDir: o.dataDir ?? tempDir!,
        domain,
        stake: new NodeChainStakeSource(new ChainStakeSource({ stakeRegistry: deployment.stakeRegistry, runner: provider, epochSeconds: params.epochSeconds })),
        chainParams: params,
        logger: o.logger ?? silentLogger(),
        network: { listen: o.listen ?? ["/ip4/127.0.0.1/tcp/0"], bootstrap: o.bootstrap, devnet: o.devnet ?? false },
      });
      await node.start();
      const signer = o.signer.connect(provider);
      const c = new ZkPoolClient(node, new EscrowClient(deployment.escrow, signer), provider, domain, params, signer, tempDir);
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
      h.poll(this.escrow).then((done) => {
        if (done) {
          this.handles.delete(id);
          this.committed -= cost(h.task, this.params);
        }
      }).catch(() => undefined);
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

  private async artifacts(p: SubmitTaskParameters): Promise<CircuitArtifactPaths> {
    if ((p.circuit === undefined) === (p.artifacts === undefined)) {
      throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS }, "pass exactly one of circuit (a catalog name) or artifacts ({ wasm, zkey, vkey } paths)");
    }
    if (p.artifacts !== undefined) return p.artifacts;
    try {
      const c = await loadCircuit(p.circuit!, p.proofSystem ?? "groth16");
      return { wasm: c.wasm.path, zkey: c.zkey.path, vkey: c.vkey.path };
    } catch (cause) {
      throw new SdkError({ code: SdkErrorCode.UNKNOWN_CIRCUIT, reason: String(cause) }, `unknown circuit ${p.circuit}: ${(cause as Error).message}`, { cause });
    }
  }

  /** The public signals `input` gives (witness calculation; also checks the input satisfies the circuit). */
  static async publicSignalsOf(wasm: string, vkey: { nPublic: number }, input: Record<string, unknown>): Promise<bigint[]> {
    const w = { type: "mem" as const };
    try {
      await snarkjs.wtns.calculate(input, wasm, w);
    } catch (cause) {
      throw new SdkError({ code: SdkErrorCode.BAD_INPUT, reason: String(cause) }, `the input does not satisfy the circuit: ${(cause as Error).message}`, { cause });
    }
    const values = await snarkjs.wtns.exportJson(w);
    return values.slice(1, 1 + vkey.nPublic).map((v) => BigInt(v));
  }

  /** Publish a task; the handle follows it to a verified proof and settlement. */
  async submitTask(p: SubmitTaskParameters): Promise<TaskHandle> {
    const paths = await this.artifacts(p);
    const [wasm, zkey, vkeyBytes] = await Promise.all([readFile(paths.wasm), readFile(paths.zkey), readFile(paths.vkey)]);
    const vkey = JSON.parse(vkeyBytes.toString("utf8")) as { nPublic: number; protocol?: string };
    const system = vkey.protocol ?? p.proofSystem ?? "groth16";
    const proofSystem = PROOF_SYSTEM_ID[system];
    if (proofSystem === undefined || (p.proofSystem !== undefined && p.proofSystem !== system)) {
      throw new SdkError({ code: SdkErrorCode.BAD_OPTIONS, reason: system },
        `the verification key is for ${system}${p.proofSystem !== undefined ? ` but proofSystem is ${p.proofSystem}` : ""}: pass groth16, plonk or fflonk artifacts whose key matches proofSystem`);
    }
    const signals = p.publicSignals !== undefined ? [...p.publicSignals] : await ZkPoolClient.publicSignalsOf(paths.wasm, vkey, p.input);
    // SPEC §9.4: the pool funds a task only if its cost (maxReward + premium), with the costs of this
    // requester's open tasks, fits the available balance; otherwise nodes ignore it as UNFUNDED.
    const penalty = p.penalty ?? p.maxReward / 10n;
    const taskCost = cost({ maxReward: p.maxReward, penalty }, this.params);
    const { available } = await this.balance();
    if (available < this.committed + taskCost) {
      throw new SdkError({ code: SdkErrorCode.INSUFFICIENT_BALANCE, need: (this.committed + taskCost).toString(), have: available.toString() },
        `escrow balance ${available} wei is less than ${this.committed + taskCost} wei (this task's cost ${taskCost} = maxReward + insurance premium, plus your open tasks); deposit first`);
    }
    if (this.node.host.getPeers().length === 0) {
      const end = Date.now() + 10_000;
      while (this.node.host.getPeers().length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      if (this.node.host.getPeers().length === 0) {
        throw new SdkError({ code: SdkErrorCode.NOT_CONNECTED }, "no pool node connected: check the bootstrap addresses and that the pool runs");
      }
    }
    const input = new TextEncoder().encode(JSON.stringify(p.input));
    const t = this.node.transfer;
    const [w, z, v, i] = await Promise.all([t.add(wasm), t.add(zkey), t.add(vkeyBytes), t.add(input)]);
    const win = { bidWindow: 8, revealWindow: 8, proofWindow: 30, maxRounds: 2, ...p.windows };
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
    }, this.signer, this.domain);
    const id = lc(computeTaskId(task, this.domain));
    const handle = new TaskHandle(id, task, vkey, this);
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
    this.provider.destroy();
    if (this.tempDir !== undefined) await rm(this.tempDir, { recursive: true, force: true });
  }
}

/** Create a requester client (starts an embedded light pool node). Close it with `client.close()`. */
export function createClient(o: ClientOptions): Promise<ZkPoolClient> {
  return ZkPoolClient.create(o);
}

/** Stops snarkjs' curve worker threads (call once at the very end of a process that verified proofs). */
export async function terminateSnarkjs(): Promise<void> {
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}
