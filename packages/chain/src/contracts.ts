/**
 * Typed wrappers over the ZKPool contracts (ethers v6). Every transaction waits for its receipt; a revert is
 * thrown as ChainError { code: "CHAIN_REVERTED", reason: <custom error name> } with the decoded arguments.
 */
import {
  Contract,
  Interface,
  type ContractRunner,
  type TransactionReceipt,
  type ErrorDescription,
} from "ethers";
import { EscrowArtifact, StakeRegistryArtifact } from "./generated/artifacts.js";
import { ChainError, isChainError } from "./errors.js";
import type { AssignmentStruct, CertificateStruct, CircuitEntry, TaskRecord, TaskStatus, TaskStruct } from "./types.js";

export const stakeRegistryInterface = new Interface(StakeRegistryArtifact.abi);
export const escrowInterface = new Interface(EscrowArtifact.abi);

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

/** Decodes a custom error of either contract from a thrown ethers error (null when there is none). */
export function decodeContractError(err: unknown): ErrorDescription | null {
  const data = revertData(err);
  if (data === undefined) return null;
  return escrowInterface.parseError(data) ?? stakeRegistryInterface.parseError(data);
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

abstract class Binding {
  readonly contract: Contract;
  constructor(
    readonly address: string,
    iface: Interface,
    runner: ContractRunner,
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

  protected async send(fn: string, args: unknown[], value?: bigint): Promise<TransactionReceipt> {
    try {
      const overrides = value === undefined ? {} : { value };
      const tx = (await this.contract.getFunction(fn).send(...args, overrides));
      const receipt = await tx.wait();
      if (receipt === null) throw new ChainError({ code: "CHAIN_TX_DROPPED", fn }, `${fn} transaction was dropped; resend it`);
      return receipt;
    } catch (err) {
      throw toChainError(err, fn);
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

/** The read API a node's on-chain StakeSource needs (stake at a snapshot block). */
export interface StakeReader {
  stakeAt(operator: string, block: bigint): Promise<bigint>;
  totalStakeAt(block: bigint): Promise<bigint>;
  /** Every operator with stake > 0 at `block` (checksummed address -> stake). */
  stakeTable(block: bigint): Promise<Map<string, bigint>>;
}

export class StakeRegistryClient extends Binding implements StakeReader {
  constructor(address: string, runner: ContractRunner) {
    super(address, stakeRegistryInterface, runner);
  }
  connect(runner: ContractRunner): StakeRegistryClient {
    return new StakeRegistryClient(this.address, runner);
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
  stakeAt(operator: string, block: bigint): Promise<bigint> {
    return this.read("stakeAt", operator, block);
  }
  totalStakeAt(block: bigint): Promise<bigint> {
    return this.read("totalStakeAt", block);
  }
  holds(operator: string): Promise<bigint> {
    return this.read("holds", operator);
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
  async stakeTable(block: bigint): Promise<Map<string, bigint>> {
    const table = new Map<string, bigint>();
    for (const op of await this.operators()) {
      const s = await this.stakeAt(op, block);
      if (s > 0n) table.set(op, s);
    }
    return table;
  }
}

function taskTuple(t: TaskStruct): unknown[] {
  return [t.requester, t.proofSystem, t.circuitId, t.inputHash, t.publicSignalsHash, t.maxReward, t.penalty,
    t.bidDeadline, t.revealDeadline, t.proofWindow, t.maxRounds, t.stakeEpoch, t.nonce];
}
function assignmentTuple(a: AssignmentStruct): unknown[] {
  return [a.round, a.prover, a.price];
}
function certTuple(c: CertificateStruct): unknown[] {
  return [c.attesters, c.signatures];
}

export interface SettleArgs {
  task: TaskStruct;
  signature: string;
  assignment: AssignmentStruct;
  certificate: CertificateStruct;
  /** Verifier calldata words: 8 for Groth16 (pA, pB, pC as the snarkjs Solidity verifier takes them), 24 otherwise. */
  proof: bigint[];
  publicSignals: bigint[];
}

export class EscrowClient extends Binding {
  constructor(address: string, runner: ContractRunner) {
    super(address, escrowInterface, runner);
  }
  connect(runner: ContractRunner): EscrowClient {
    return new EscrowClient(this.address, runner);
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
  registerCircuit(circuitId: string, verifier: string, proofSystem: number, nPublic: number): Promise<TransactionReceipt> {
    return this.send("registerCircuit", [circuitId, verifier, proofSystem, nPublic]);
  }

  // task lifecycle
  open(task: TaskStruct, signature: string): Promise<TransactionReceipt> {
    return this.send("open", [taskTuple(task), signature]);
  }
  assign(task: TaskStruct, signature: string, assignment: AssignmentStruct, certificate: CertificateStruct): Promise<TransactionReceipt> {
    return this.send("assign", [taskTuple(task), signature, assignmentTuple(assignment), certTuple(certificate)]);
  }
  settle(a: SettleArgs): Promise<TransactionReceipt> {
    return this.send("settle", this.settleArgs(a));
  }
  estimateSettle(a: SettleArgs): Promise<bigint> {
    return this.estimate("settle", this.settleArgs(a));
  }
  reportDefault(task: TaskStruct, signature: string, round: number, prover: string, certificate: CertificateStruct): Promise<TransactionReceipt> {
    return this.send("reportDefault", [taskTuple(task), signature, round, prover, certTuple(certificate)]);
  }
  expire(task: TaskStruct): Promise<TransactionReceipt> {
    return this.send("expire", [taskTuple(task)]);
  }
  private settleArgs(a: SettleArgs): unknown[] {
    return [taskTuple(a.task), a.signature, assignmentTuple(a.assignment), certTuple(a.certificate), a.proof, a.publicSignals];
  }

  // reads
  taskId(task: TaskStruct): Promise<string> {
    return this.read("taskId", taskTuple(task));
  }
  domainSeparator(): Promise<string> {
    return this.read("domainSeparator");
  }
  async taskRecord(taskId: string): Promise<TaskRecord> {
    const r = await this.read<[bigint, bigint, bigint, string, string, bigint, bigint]>("taskRecord", taskId);
    return { status: Number(r[0]) as TaskStatus, round: Number(r[1]), defaults: Number(r[2]), requester: r[3], prover: r[4], locked: r[5], slashed: r[6] };
  }
  async circuit(circuitId: string): Promise<CircuitEntry> {
    const c = await this.read<[string, bigint, bigint, string]>("circuit", circuitId);
    return { verifier: c[0], proofSystem: Number(c[1]), nPublic: Number(c[2]), selector: c[3] };
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

/** Name of the contract custom error in a thrown error (ChainError or raw ethers error), if any. */
export function revertReason(err: unknown): string | undefined {
  if (isChainError(err) && err.type.code === "CHAIN_REVERTED") return String(err.type["reason"]);
  return decodeContractError(err)?.name;
}

/** Decoded ZKPool events (either contract) of a receipt, in log order; logs of other contracts are skipped. */
export function zkpoolEvents(receipt: TransactionReceipt): { name: string; address: string; args: Record<string, unknown> }[] {
  const out: { name: string; address: string; args: Record<string, unknown> }[] = [];
  for (const log of receipt.logs) {
    const parsed = escrowInterface.parseLog(log) ?? stakeRegistryInterface.parseLog(log);
    if (parsed === null) continue;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((p, i) => (args[p.name] = parsed.args[i] as unknown));
    out.push({ name: parsed.name, address: log.address, args });
  }
  return out;
}
