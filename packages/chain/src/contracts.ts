/**
 * Typed wrappers over the ZKPool contracts (ethers v6). Every transaction waits for its receipt; a revert is
 * thrown as ChainError { code: "CHAIN_REVERTED", reason: <custom error name> } with the decoded arguments.
 */
import {
  Contract,
  getAddress,
  Interface,
  type ContractRunner,
  type TransactionReceipt,
  type ErrorDescription,
} from "ethers";
import { CircuitRegistryArtifact, EscrowArtifact, StakeRegistryArtifact } from "./generated/artifacts.js";
import { ChainError, isChainError } from "./errors.js";
import type { AssignmentStruct, CertificateStruct, CircuitEntry, PoolParameters, TaskRecord, TaskStatus, TaskStruct, VoteStruct } from "./types.js";
import type { TxSender } from "./tx/interface.js";
import { isCanonicalVerificationKey, toHex, verificationKeyLength, type ChainParams } from "@zkpool/protocol";

export const stakeRegistryInterface = new Interface(StakeRegistryArtifact.abi);
export const escrowInterface = new Interface(EscrowArtifact.abi);
export const circuitRegistryInterface = new Interface(CircuitRegistryArtifact.abi);

/** Finds revert data in an ethers / JSON-RPC error object, however deeply the provider nested it. */
function revertData(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== "object" || err === null) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e["data"] === "string" && e["data"].startsWith("0x") && e["data"].length >= 10) return e["data"];
  for (const k of ["data", "error", "info", "cause"]) {
    const d = revertData(e[k], depth + 1);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Decodes a custom error of any ZKPool contract from a thrown ethers error (null when there is none). */
export function decodeContractError(err: unknown): ErrorDescription | null {
  const data = revertData(err);
  if (data === undefined) return null;
  return escrowInterface.parseError(data) ?? stakeRegistryInterface.parseError(data) ?? circuitRegistryInterface.parseError(data);
}

function stringify(v: unknown): string {
  return typeof v === "bigint" ? v.toString() : Array.isArray(v) ? `[${v.map(stringify).join(",")}]` : String(v);
}

/** Wraps a failed call in a ChainError naming the custom error (code CHAIN_REVERTED) or CHAIN_RPC_FAILED. */
export function toChainError(err: unknown, what: string): ChainError {
  if (isChainError(err)) return err;
  const decoded = decodeContractError(err);
  if (decoded) {
    const args = decoded.fragment.inputs.map((p, i) => `${p.name}=${stringify(decoded.args[i])}`).join(", ");
    return new ChainError(
      { code: "CHAIN_REVERTED", reason: decoded.name, args },
      `${what} was refused by the contract: ${decoded.name}(${args})`,
      { cause: err },
    );
  }
  // ethers' full message embeds the whole transaction (kilobytes of bytecode for a deployment): keep it short
  const short = (err as { shortMessage?: unknown }).shortMessage;
  const msg = (typeof short === "string" ? short : err instanceof Error ? err.message : String(err)).slice(0, 300);
  return new ChainError({ code: "CHAIN_RPC_FAILED", what }, `${what} failed: ${msg}`, { cause: err });
}

/** How a binding sends transactions: through a TxSender (owns the nonce, never stalls; issue 12) when given. */
export interface BindingOptions {
  sender?: TxSender;
}

/** Options of one transaction sent through a TxSender. */
export interface SendOptions {
  /** Resolves true once the transaction is no longer needed (the sender drops it). */
  moot?: () => Promise<boolean>;
}

/** Receipt polling of Binding.send (callers without a TxSender). */
const RECEIPT_POLL_MS = 250;
const RECEIPT_TIMEOUT_MS = 120_000;

/** Fixed gas added to every estimate (see Binding.send). */
const GAS_EXTRA = 100_000n;

abstract class Binding {
  readonly contract: Contract;
  constructor(
    readonly address: string,
    iface: Interface,
    readonly runner: ContractRunner,
    readonly options: BindingOptions = {},
  ) {
    this.contract = new Contract(address, iface, runner);
  }

  protected async read<T>(fn: string, ...args: unknown[]): Promise<T> {
    try {
      return (await this.contract.getFunction(fn).staticCall(...args)) as T;
    } catch (err) {
      throw toChainError(err, fn);
    }
  }

  protected async send(fn: string, args: unknown[], value?: bigint, opts: SendOptions = {}): Promise<TransactionReceipt> {
    const sender = this.options.sender;
    if (sender !== undefined) {
      const data = this.contract.interface.encodeFunctionData(fn, args);
      // the sender simulates first and throws CHAIN_TX_REVERTED with the decoded custom error
      return sender.send({ to: this.address, data, ...(value !== undefined ? { value } : {}) }, { label: fn, ...(opts.moot ? { moot: opts.moot } : {}) });
    }
    try {
      // An estimate made against one block can be short in the next (the StakeRegistry writes a new checkpoint
      // instead of updating the block's one): add a fixed margin.
      const f = this.contract.getFunction(fn);
      const estimate = await f.estimateGas(...args, value === undefined ? {} : { value });
      const overrides = { gasLimit: (estimate * 12n) / 10n + GAS_EXTRA, ...(value === undefined ? {} : { value }) };
      const tx = (await f.send(...args, overrides)) as { hash: string };
      return await this.receipt(fn, tx.hash);
    } catch (err) {
      throw toChainError(err, fn);
    }
  }

  /**
   * Polls for the receipt itself rather than `tx.wait()`: ethers' wait subscribes to blocks, and a block poll still
   * in flight when a short-lived caller (the CLI) destroys its provider rejects unhandled.
   */
  private async receipt(fn: string, hash: string): Promise<TransactionReceipt> {
    const provider = this.runner.provider;
    if (!provider) throw new ChainError({ code: "CHAIN_NO_PROVIDER", fn }, `${fn}: the signer must be connected to a provider`);
    const end = Date.now() + RECEIPT_TIMEOUT_MS;
    for (;;) {
      const r = await provider.getTransactionReceipt(hash);
      if (r !== null) {
        if (r.status !== 1) throw new ChainError({ code: "CHAIN_TX_REVERTED", fn, txHash: hash }, `${fn} transaction ${hash} reverted on chain`);
        return r;
      }
      if (Date.now() > end) throw new ChainError({ code: "CHAIN_TX_DROPPED", fn, txHash: hash }, `${fn} transaction ${hash} was not mined within ${RECEIPT_TIMEOUT_MS / 1000} s; check the chain and resend it`);
      await new Promise((r) => setTimeout(r, RECEIPT_POLL_MS));
    }
  }

  /** Gas the transaction would use (throws the decoded refusal if it would revert). */
  protected async estimate(fn: string, args: unknown[], value?: bigint): Promise<bigint> {
    try {
      return await this.contract.getFunction(fn).estimateGas(...args, value === undefined ? {} : { value });
    } catch (err) {
      throw toChainError(err, fn);
    }
  }
}

/** The read API a node's on-chain StakeSource needs (stake at a stake epoch, SPEC §9.1). */
export interface StakeReader {
  stakeAt(operator: string, epoch: bigint): Promise<bigint>;
  totalStakeAt(epoch: bigint): Promise<bigint>;
  /** Every listed operator with stake > 0 at `epoch` (checksummed address -> stake). */
  stakeTable(epoch: bigint): Promise<Map<string, bigint>>;
}

export class StakeRegistryClient extends Binding implements StakeReader {
  constructor(address: string, runner: ContractRunner, options: BindingOptions = {}) {
    super(address, stakeRegistryInterface, runner, options);
  }
  connect(runner: ContractRunner, options: BindingOptions = {}): StakeRegistryClient {
    return new StakeRegistryClient(this.address, runner, options);
  }

  stake(amount: bigint): Promise<TransactionReceipt> {
    return this.send("stake", [], amount);
  }
  requestUnstake(amount: bigint): Promise<TransactionReceipt> {
    return this.send("requestUnstake", [amount]);
  }
  withdrawStake(): Promise<TransactionReceipt> {
    return this.send("withdrawStake", []);
  }
  setEscrow(escrow: string): Promise<TransactionReceipt> {
    return this.send("setEscrow", [escrow]);
  }

  stakeOf(operator: string): Promise<bigint> {
    return this.read("stakeOf", operator);
  }
  totalStake(): Promise<bigint> {
    return this.read("totalStake");
  }
  /** Stake at stake epoch `epoch` (SPEC §9.1). */
  stakeAt(operator: string, epoch: bigint): Promise<bigint> {
    return this.read("stakeAt", operator, epoch);
  }
  totalStakeAt(epoch: bigint): Promise<bigint> {
    return this.read("totalStakeAt", epoch);
  }
  epochSeconds(): Promise<bigint> {
    return this.read("epochSeconds");
  }
  minStake(): Promise<bigint> {
    return this.read("minStake");
  }
  unstakeDelay(): Promise<bigint> {
    return this.read("unstakeDelay");
  }
  escrow(): Promise<string> {
    return this.read("escrow");
  }
  async unbondingOf(operator: string): Promise<{ amount: bigint; unlockTime: bigint }> {
    const [amount, unlockTime] = await this.read<[bigint, bigint]>("unbondingOf", operator);
    return { amount, unlockTime };
  }
  async operators(): Promise<string[]> {
    const n = await this.read<bigint>("operatorCount");
    const out: string[] = [];
    for (let start = 0n; start < n; start += 500n) out.push(...(await this.read<string[]>("operators", start, 500n)));
    return out;
  }
  /**
   * Every operator with stake > 0 at `epoch`. Operators that left since (withdrew or were slashed to 0) are not
   * listed; they cannot have left before the epoch's horizon unless slashed (SPEC §9.2, §9.10).
   */
  async stakeTable(epoch: bigint): Promise<Map<string, bigint>> {
    const table = new Map<string, bigint>();
    const ops = await this.operators();
    const stakes = await Promise.all(ops.map((op) => this.stakeAt(op, epoch)));
    ops.forEach((op, i) => {
      if (stakes[i]! > 0n) table.set(getAddress(op), stakes[i]!);
    });
    return table;
  }
}

function taskTuple(t: TaskStruct): unknown[] {
  return [t.requester, t.proofSystem, t.circuitId, t.inputHash, t.publicSignalsHash, t.maxReward, t.penalty,
    t.bidDeadline, t.revealDeadline, t.proofWindow, t.maxRounds, t.stakeEpoch, t.nonce, t.startPrice, t.priceStep, t.rebidWindow];
}
function assignmentTuple(a: AssignmentStruct): unknown[] {
  return [a.round, a.prover, a.price];
}
function certTuple(c: CertificateStruct): unknown[] {
  return [c.attesters, c.signatures];
}

function voteTuple(v: VoteStruct): unknown[] {
  return [v.kind, v.taskId, v.round, v.prover, v.price, v.proofHash];
}

/** An empty certificate: what `settle` takes as the Completion certificate before the round's deadline. */
export const NO_CERTIFICATE: CertificateStruct = Object.freeze({ attesters: [], signatures: [] });

export interface SettleArgs {
  task: TaskStruct;
  signature: string;
  assignment: AssignmentStruct;
  certificate: CertificateStruct;
  /** Verifier calldata words: 8 for Groth16 (pA, pB, pC as the snarkjs Solidity verifier takes them), 24 otherwise. */
  proof: bigint[];
  publicSignals: bigint[];
  /** The round's Completion certificate; needed only after the round's deadline (SPEC §9.5). @default empty */
  completionCertificate?: CertificateStruct;
}

export interface ReportDefaultArgs {
  task: TaskStruct;
  signature: string;
  assignment: AssignmentStruct;
  assignmentCertificate: CertificateStruct;
  defaultCertificate: CertificateStruct;
}

export interface ReportNonRevealArgs {
  task: TaskStruct;
  signature: string;
  prover: string;
  commitment: string;
  certificate: CertificateStruct;
}

/** `Escrow.parameters()`: every deployment parameter, read from the chain. */
export type OnChainParameters = PoolParameters;

export class EscrowClient extends Binding {
  constructor(address: string, runner: ContractRunner, options: BindingOptions = {}) {
    super(address, escrowInterface, runner, options);
  }
  connect(runner: ContractRunner, options: BindingOptions = {}): EscrowClient {
    return new EscrowClient(this.address, runner, options);
  }

  // balances
  deposit(amount: bigint): Promise<TransactionReceipt> {
    return this.send("deposit", [], amount);
  }
  requestWithdrawal(amount: bigint): Promise<TransactionReceipt> {
    return this.send("requestWithdrawal", [amount]);
  }
  cancelWithdrawal(): Promise<TransactionReceipt> {
    return this.send("cancelWithdrawal", []);
  }
  withdraw(): Promise<TransactionReceipt> {
    return this.send("withdraw", []);
  }
  claim(): Promise<TransactionReceipt> {
    return this.send("claim", []);
  }
  fundInsurance(amount: bigint): Promise<TransactionReceipt> {
    return this.send("fundInsurance", [], amount);
  }
  setRoyaltyRecipient(recipient: string): Promise<TransactionReceipt> {
    return this.send("setRoyaltyRecipient", [recipient]);
  }

  // task lifecycle
  open(task: TaskStruct, signature: string): Promise<TransactionReceipt> {
    return this.send("open", [taskTuple(task), signature]);
  }
  settle(a: SettleArgs, opts: SendOptions = {}): Promise<TransactionReceipt> {
    return this.send("settle", this.settleArgs(a), undefined, opts);
  }
  estimateSettle(a: SettleArgs): Promise<bigint> {
    return this.estimate("settle", this.settleArgs(a));
  }
  reportDefault(a: ReportDefaultArgs, opts: SendOptions = {}): Promise<TransactionReceipt> {
    return this.send("reportDefault", [taskTuple(a.task), a.signature, assignmentTuple(a.assignment), certTuple(a.assignmentCertificate), certTuple(a.defaultCertificate)], undefined, opts);
  }
  reportInvalid(task: TaskStruct, signature: string, certificate: CertificateStruct, opts: SendOptions = {}): Promise<TransactionReceipt> {
    return this.send("reportInvalid", [taskTuple(task), signature, certTuple(certificate)], undefined, opts);
  }
  reportNonReveal(a: ReportNonRevealArgs, opts: SendOptions = {}): Promise<TransactionReceipt> {
    return this.send("reportNonReveal", [taskTuple(a.task), a.signature, a.prover, a.commitment, certTuple(a.certificate)], undefined, opts);
  }
  reportEquivocation(voteA: VoteStruct, signatureA: string, voteB: VoteStruct, signatureB: string, opts: SendOptions = {}): Promise<TransactionReceipt> {
    return this.send("reportEquivocation", [voteTuple(voteA), signatureA, voteTuple(voteB), signatureB], undefined, opts);
  }
  expire(task: TaskStruct, opts: SendOptions = {}): Promise<TransactionReceipt> {
    return this.send("expire", [taskTuple(task)], undefined, opts);
  }
  private settleArgs(a: SettleArgs): unknown[] {
    return [taskTuple(a.task), a.signature, assignmentTuple(a.assignment), certTuple(a.certificate), a.proof, a.publicSignals,
      certTuple(a.completionCertificate ?? NO_CERTIFICATE)];
  }

  // reads
  taskId(task: TaskStruct): Promise<string> {
    return this.read("taskId", taskTuple(task));
  }
  domainSeparator(): Promise<string> {
    return this.read("domainSeparator");
  }
  async taskRecord(taskId: string): Promise<TaskRecord> {
    const r = await this.read<[bigint, bigint, bigint, boolean, boolean, string, bigint, bigint]>("taskRecord", taskId);
    return { status: Number(r[0]) as TaskStatus, round: Number(r[1]), defaults: Number(r[2]), funded: r[3], penaltyPaid: r[4], requester: r[5], locked: r[6], slashed: r[7] };
  }
  /** Every deployment parameter (SPEC §9.1 and the fee split), read from the contracts in one call. */
  async parameters(): Promise<OnChainParameters> {
    const [p, epochSeconds, minStake, unstakeDelay] = await this.read<[unknown[], bigint, bigint, bigint]>("parameters");
    const n = (i: number): bigint => BigInt(p[i] as bigint);
    return {
      treasury: p[0] as string,
      feeBps: Number(n(1)),
      treasuryShareBps: Number(n(2)),
      royaltyBps: Number(n(3)),
      premiumBps: n(4),
      coverageBps: n(5),
      maxSnapshotAge: n(6),
      maxTaskLifetime: n(7),
      settleGrace: n(8),
      reportWindow: n(9),
      withdrawalDelay: n(10),
      attesterShareBps: n(11),
      epochSeconds,
      minStake,
      unstakeDelay,
    };
  }
  collateral(maxReward: bigint, penalty: bigint): Promise<bigint> {
    return this.read("collateral", maxReward, penalty);
  }
  cost(maxReward: bigint, penalty: bigint): Promise<bigint> {
    return this.read("cost", maxReward, penalty);
  }
  balanceOf(account: string): Promise<bigint> {
    return this.read("balanceOf", account);
  }
  earnings(account: string): Promise<bigint> {
    return this.read("earnings", account);
  }
  insuranceFund(): Promise<bigint> {
    return this.read("insuranceFund");
  }
  /** Whether `keccak256(abi.encode(attester, taskId, round, slot))`'s equivocation was slashed (slot 1 assignment, 2 outcome). */
  equivocationReported(key: string): Promise<boolean> {
    return this.read("equivocationReported", key);
  }
  nonRevealReported(taskId: string, prover: string): Promise<boolean> {
    return this.read("nonRevealReported", taskId, prover);
  }
  async pendingWithdrawal(account: string): Promise<{ amount: bigint; readyAt: bigint }> {
    const [amount, readyAt] = await this.read<[bigint, bigint]>("pendingWithdrawal", account);
    return { amount, readyAt };
  }
  /** Balance a node may count on for new tasks: free balance minus any pending withdrawal. */
  async availableBalance(account: string): Promise<bigint> {
    const [b, w] = await Promise.all([this.balanceOf(account), this.pendingWithdrawal(account)]);
    return b > w.amount ? b - w.amount : 0n;
  }
}

/** `ChainParams` (the form @zkpool/protocol's rules take) of on-chain parameters. */
export function chainParamsFromPool(p: PoolParameters): ChainParams {
  return {
    epochSeconds: p.epochSeconds, minStake: p.minStake, unstakeDelay: p.unstakeDelay, maxSnapshotAge: p.maxSnapshotAge,
    maxTaskLifetime: p.maxTaskLifetime, settleGrace: p.settleGrace, reportWindow: p.reportWindow,
    withdrawalDelay: p.withdrawalDelay, premiumBps: p.premiumBps, coverageBps: p.coverageBps, feeBps: BigInt(p.feeBps),
    attesterShareBps: p.attesterShareBps,
  };
}

/** Name of the contract custom error in a thrown error (ChainError or raw ethers error), if any. */
export function revertReason(err: unknown): string | undefined {
  if (isChainError(err) && err.type.code === "CHAIN_REVERTED") return String(err.type["reason"]);
  if (isChainError(err) && err.type.code === "CHAIN_TX_REVERTED" && typeof err.type["errorName"] === "string") return err.type["errorName"];
  return decodeContractError(err)?.name;
}

/** Decoded ZKPool events (any of its contracts) of a receipt, in log order; logs of other contracts are skipped. */
export function zkpoolEvents(receipt: TransactionReceipt): { name: string; address: string; args: Record<string, unknown> }[] {
  const out: { name: string; address: string; args: Record<string, unknown> }[] = [];
  for (const log of receipt.logs) {
    const parsed = escrowInterface.parseLog(log) ?? stakeRegistryInterface.parseLog(log) ?? circuitRegistryInterface.parseLog(log);
    if (parsed === null) continue;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((p, i) => (args[p.name] = parsed.args[i] as unknown));
    out.push({ name: parsed.name, address: log.address, args });
  }
  return out;
}

/** What `register` did: the id, and whether this call registered it (false: it was already there, a no-op). */
export interface Registration {
  circuitId: string;
  registered: boolean;
  receipt: TransactionReceipt;
}

/**
 * The permissionless circuit registry (SPEC §9.12): anyone registers a circuit by its canonical verification key;
 * the contract derives the circuit id from that key, so an id always names the key proofs are checked against.
 */
export class CircuitRegistryClient extends Binding {
  constructor(address: string, runner: ContractRunner, options: BindingOptions = {}) {
    super(address, circuitRegistryInterface, runner, options);
  }
  connect(runner: ContractRunner, options: BindingOptions = {}): CircuitRegistryClient {
    return new CircuitRegistryClient(this.address, runner, options);
  }

  /**
   * Registers a circuit by its canonical key artifact (`encodeVerificationKey`: header word, then the words) and
   * its wasm and zkey hashes (0x hex). Registering a circuit that is already there is a no-op.
   */
  async register(proofSystem: number, wasmSha256: string, zkeySha256: string, vkey: Uint8Array): Promise<Registration> {
    if (!isCanonicalVerificationKey(vkey) || vkey[5] !== proofSystem)
      throw new ChainError({ code: "CHAIN_BAD_KEY", proofSystem }, `register: the key is not a canonical verification key of proof system ${proofSystem} (encode it with encodeVerificationKey)`);
    const words = vkey.subarray(32);
    const nPublic = words.length >= 32 ? Number(BigInt(toHex(words.subarray(0, 32)))) : -1;
    if (nPublic < 0 || words.length !== 32 * verificationKeyLength(proofSystem, nPublic))
      throw new ChainError({ code: "CHAIN_BAD_KEY", proofSystem }, `register: the key's length does not match its nPublic`);
    const args = [proofSystem, wasmSha256, zkeySha256, toHex(words)];
    const circuitId = await this.read<string>("register", ...args);
    const receipt = await this.send("register", args);
    // registered by this call exactly when it emitted CircuitRegistered (a second registration is a no-op)
    const registered = zkpoolEvents(receipt).some((e) => e.name === "CircuitRegistered" && e.address.toLowerCase() === this.address.toLowerCase());
    return { circuitId, registered, receipt };
  }
  async circuit(circuitId: string): Promise<CircuitEntry | undefined> {
    const c = await this.read<[string, bigint, bigint, bigint, string, string, string, string]>("circuit", circuitId);
    if (/^0x0{40}$/.test(c[0])) return undefined;
    return {
      circuitId, key: c[0], proofSystem: Number(c[1]), nPublic: Number(c[2]), registeredAt: c[3], registrant: c[4],
      wasmSha256: c[5], zkeySha256: c[6], vkeySha256: c[7],
    };
  }
  isRegistered(circuitId: string, proofSystem: number): Promise<boolean> {
    return this.read("isRegistered", circuitId, proofSystem);
  }
  /** The key's words as the chain holds them (without the header word). */
  async verificationKeyWords(circuitId: string): Promise<Uint8Array> {
    const hex = await this.read<string>("verificationKey", circuitId);
    return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
  }
  async circuitCount(): Promise<number> {
    return Number(await this.read<bigint>("circuitCount"));
  }
  /** Registered circuit ids in registration order, read `page` at a time. */
  async circuitIds(page = 500): Promise<string[]> {
    const n = await this.circuitCount();
    const out: string[] = [];
    while (out.length < n) out.push(...(await this.read<string[]>("circuitIds", out.length, page)));
    return out;
  }
  /** Whether the proof verifies against the registered key (reverts UnknownCircuit / MalformedProof). */
  verify(circuitId: string, proofSystem: number, proof: readonly bigint[], publicSignals: readonly bigint[]): Promise<boolean> {
    return this.read("verify", circuitId, proofSystem, proof, publicSignals);
  }
}
