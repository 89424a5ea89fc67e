/**
 * The role commands (issue 13): operators `fund` (devnet faucet), `prover claim|unstake|withdraw`; requesters
 * `task deposit|balance|withdraw|expire`. Every amount is wei here (bigint); the CLI prints ETH and `--json` wei.
 * Common refusals are checked before anything is sent, so they come back as a CliError that says what to do
 * (and when, for delays: times are chain time, the latest block's timestamp).
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet, getAddress } from "ethers";
import {
  ANVIL_DEV_MNEMONIC, EscrowClient, StakeRegistryClient, TaskStatus, isChainError, revertReason, taskStructOf, zkpoolEvents,
  type TaskStruct,
} from "@zkpool/chain";
import { finalDeadline, type Hex, type Task } from "@zkpool/protocol";
import { formatEth } from "./amounts.js";
import type { NodeConfig } from "./config.js";
import { chainContext, type ChainContext } from "./commands.js";
import { CliError, CliErrorCode } from "./errors.js";

export const DEVNET_CHAIN_ID = 31337n;
/** Dev accounts the faucet may send from, in order (0 is the devnet's deployer, idle once deployed; 1..n are its operators, 9 its requester). */
const FAUCET_ACCOUNTS = [0, 8, 7, 6, 5, 4, 3, 2, 1, 9];
const RECEIPT_TIMEOUT_MS = 60_000;
const TASK_ID = /^0x[0-9a-fA-F]{64}$/;

/** Latest block timestamp (the time the contracts compare delays with). */
export async function chainNow(provider: JsonRpcProvider): Promise<bigint> {
  const b = await provider.getBlock("latest");
  if (b === null) throw new CliError({ code: CliErrorCode.CHAIN_UNREACHABLE }, "the chain returned no latest block");
  return BigInt(b.timestamp);
}

/** "2026-12-01T10:00:00.000Z (in 42 s)" for a chain timestamp. */
export function describeTime(t: bigint, now: bigint): string {
  const iso = new Date(Number(t) * 1000).toISOString();
  return t > now ? `${iso} (in ${t - now} s, chain time)` : `${iso} (passed, chain time)`;
}

/** A contract refusal as a CliError (the contract's error name and arguments in the message). */
function refused(err: unknown, what: string, hint = ""): CliError {
  const reason = revertReason(err);
  const msg = err instanceof Error ? err.message : String(err);
  return new CliError({ code: CliErrorCode.TX_REFUSED, ...(reason !== undefined ? { detail: reason } : {}) }, `${what}: ${msg}${hint !== "" ? `; ${hint}` : ""}`, { cause: err });
}

async function tx<T>(what: string, f: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (isChainError(err)) throw refused(err, what, hint);
    throw err;
  }
}

async function withChain<T>(c: NodeConfig, f: (ctx: ChainContext) => Promise<T>): Promise<T> {
  const ctx = await chainContext(c);
  try {
    return await f(ctx);
  } finally {
    ctx.close();
  }
}

function address(v: string, what: string): string {
  try {
    return getAddress(v);
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, key: what }, `${what} must be an Ethereum address (0x followed by 40 hex digits; got ${v})`, { cause });
  }
}

// ------------------------------------------------------------------------------------------------- fund

export interface FundResult {
  to: string;
  amount: bigint;
  from: string;
  txHash: string;
  balance: bigint;
  chainId: string;
}

/**
 * Devnet faucet: send `amount` from one of anvil's well-known dev accounts. Refused (CLI_NOT_DEVNET) unless the chain
 * id is 31337 or the configured deployment file says `"devnet": true`.
 */
export async function fund(c: NodeConfig, to: string, amount: bigint): Promise<FundResult> {
  const recipient = address(to, "address");
  if (amount <= 0n) throw new CliError({ code: CliErrorCode.BAD_AMOUNT, key: "--amount" }, "--amount must be more than 0");
  const provider = new JsonRpcProvider(c.rpcUrl, undefined, { batchMaxCount: 1, staticNetwork: true, cacheTimeout: -1, pollingInterval: 250 });
  try {
    let chainId: bigint;
    try {
      chainId = (await provider.getNetwork()).chainId;
    } catch (cause) {
      throw new CliError({ code: CliErrorCode.CHAIN_UNREACHABLE, detail: c.rpcUrl }, `chain RPC ${c.rpcUrl}: ${(cause as Error).message}; start the chain (zkpool devnet) or fix --rpc-url`, { cause });
    }
    let devnetDeployment = false;
    if (c.deployment !== undefined) {
      let d: { chainId?: unknown; devnet?: unknown };
      try {
        d = JSON.parse(readFileSync(c.deployment, "utf8")) as { chainId?: unknown; devnet?: unknown };
      } catch (cause) {
        throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE, path: c.deployment }, `cannot read deployment file ${c.deployment}: ${(cause as Error).message}`, { cause });
      }
      if (String(d.chainId) !== chainId.toString()) {
        throw new CliError({ code: CliErrorCode.CHAIN_UNREACHABLE, detail: c.rpcUrl }, `chain RPC ${c.rpcUrl} serves chain ${chainId}, not the deployment's chain ${String(d.chainId)}; fix --rpc-url or --deployment`);
      }
      devnetDeployment = d.devnet === true;
    }
    if (chainId !== DEVNET_CHAIN_ID && !devnetDeployment) {
      throw new CliError({ code: CliErrorCode.NOT_DEVNET, detail: chainId.toString() },
        `zkpool fund is a devnet faucet: chain ${chainId} at ${c.rpcUrl} is not a devnet (chain id ${DEVNET_CHAIN_ID}, or a deployment file with "devnet": true); get ETH for this chain elsewhere`);
    }
    const mnemonic = Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC);
    const gasMargin = 10n ** 16n;
    for (const i of FAUCET_ACCOUNTS) {
      const w = new Wallet(HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).privateKey, provider);
      if (w.address === recipient) continue;
      if ((await provider.getBalance(w.address)) < amount + gasMargin) continue;
      const sent = await w.sendTransaction({ to: recipient, value: amount });
      const receipt = await sent.wait(1, RECEIPT_TIMEOUT_MS);
      if (receipt === null || receipt.status !== 1) throw new CliError({ code: CliErrorCode.TX_REFUSED }, `the faucet transfer ${sent.hash} failed`);
      return { to: recipient, amount, from: w.address, txHash: sent.hash, balance: await provider.getBalance(recipient), chainId: chainId.toString() };
    }
    throw new CliError({ code: CliErrorCode.INSUFFICIENT_FUNDS }, `no dev account holds ${formatEth(amount)} (plus gas): ask for less with --amount`);
  } finally {
    provider.destroy();
  }
}

// ------------------------------------------------------------------------------------------------ prover

export interface ClaimResult {
  operator: string;
  claimed: bigint;
  txHash: string | null;
}

/** Escrow.claim(): pay out the operator's earnings. Nothing to claim is a no-op (claimed 0, no transaction). */
export async function proverClaim(c: NodeConfig, operator: Wallet): Promise<ClaimResult> {
  return withChain(c, async (ctx) => {
    const escrow = new EscrowClient(ctx.deployment.escrow, operator.connect(ctx.provider));
    const earned = await escrow.earnings(operator.address);
    if (earned === 0n) return { operator: operator.address, claimed: 0n, txHash: null };
    const r = await tx("claim", () => escrow.claim());
    return { operator: operator.address, claimed: earned, txHash: r.hash };
  });
}

export interface UnstakeResult {
  operator: string;
  unstaked: bigint;
  /** Everything now unbonding (a new request adds to it and restarts the delay). */
  unbonding: bigint;
  unlockTime: bigint;
  stake: bigint;
  txHash: string;
  /** Chain time after the request. */
  now: bigint;
}

/** StakeRegistry.requestUnstake: `amount` (or all) of the active stake starts unbonding. */
export async function proverUnstake(c: NodeConfig, operator: Wallet, o: { amount?: bigint; all?: boolean }): Promise<UnstakeResult> {
  if ((o.amount === undefined) === (o.all !== true)) throw new CliError({ code: CliErrorCode.BAD_USAGE }, "pass either --amount <eth> or --all");
  return withChain(c, async (ctx) => {
    const registry = new StakeRegistryClient(ctx.deployment.stakeRegistry, operator.connect(ctx.provider));
    const [stake, minStake] = await Promise.all([registry.stakeOf(operator.address), registry.minStake()]);
    if (stake === 0n) throw new CliError({ code: CliErrorCode.NOTHING_PENDING }, `${operator.address} has nothing staked`);
    const amount = o.all === true ? stake : o.amount!;
    if (amount === 0n) throw new CliError({ code: CliErrorCode.BAD_AMOUNT, key: "--amount" }, "--amount must be more than 0");
    if (amount > stake) throw new CliError({ code: CliErrorCode.INSUFFICIENT_FUNDS }, `${operator.address} has ${formatEth(stake)} staked, less than ${formatEth(amount)}; pass --all to unstake everything`);
    const remaining = stake - amount;
    if (remaining !== 0n && remaining < minStake) {
      throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "--amount" },
        `what stays staked must be 0 or at least the minimum stake ${formatEth(minStake)} (${formatEth(remaining)} would stay): unstake at most ${formatEth(stake - minStake)} or pass --all`);
    }
    const r = await tx("requestUnstake", () => registry.requestUnstake(amount));
    const u = await registry.unbondingOf(operator.address);
    return { operator: operator.address, unstaked: amount, unbonding: u.amount, unlockTime: u.unlockTime, stake: remaining, txHash: r.hash, now: await chainNow(ctx.provider) };
  });
}

export interface StakeWithdrawResult {
  operator: string;
  withdrawn: bigint;
  txHash: string;
}

/** StakeRegistry.withdrawStake once the unstake delay has passed (CLI_NOT_READY with the unlock time before). */
export async function proverWithdraw(c: NodeConfig, operator: Wallet): Promise<StakeWithdrawResult> {
  return withChain(c, async (ctx) => {
    const registry = new StakeRegistryClient(ctx.deployment.stakeRegistry, operator.connect(ctx.provider));
    const u = await registry.unbondingOf(operator.address);
    if (u.amount === 0n) throw new CliError({ code: CliErrorCode.NOTHING_PENDING }, `${operator.address} has no stake unbonding: run \`zkpool prover unstake --amount <eth>\` (or --all) first`);
    const now = await chainNow(ctx.provider);
    if (now < u.unlockTime) {
      throw new CliError({ code: CliErrorCode.NOT_READY, detail: u.unlockTime.toString() },
        `the ${formatEth(u.amount)} unstaked unlocks at ${describeTime(u.unlockTime, now)}; run \`zkpool prover withdraw\` again then`);
    }
    const r = await tx("withdrawStake", () => registry.withdrawStake());
    return { operator: operator.address, withdrawn: u.amount, txHash: r.hash };
  });
}

// ------------------------------------------------------------------------------------------------- task

export interface EscrowBalance {
  account: string;
  /** Escrow balance (tasks lock from it at settlement). */
  balance: bigint;
  /** Balance minus the pending withdrawal: what new tasks may use. */
  available: bigint;
  pendingWithdrawal: { amount: bigint; readyAt: bigint; ready: boolean };
  /** ETH in the account itself (outside the escrow). */
  wallet: bigint;
}

async function balanceOf(ctx: ChainContext, account: string): Promise<EscrowBalance> {
  const escrow = new EscrowClient(ctx.deployment.escrow, ctx.provider);
  const [balance, w, wallet, now] = await Promise.all([escrow.balanceOf(account), escrow.pendingWithdrawal(account), ctx.provider.getBalance(account), chainNow(ctx.provider)]);
  return { account, balance, available: balance > w.amount ? balance - w.amount : 0n, pendingWithdrawal: { ...w, ready: w.amount > 0n && now >= w.readyAt }, wallet };
}

/** The escrow balance of `account`: balance, available, pending withdrawal. */
export async function taskBalance(c: NodeConfig, account: string): Promise<EscrowBalance> {
  const a = address(account, "address");
  return withChain(c, (ctx) => balanceOf(ctx, a));
}

/** Escrow.deposit(`amount`). */
export async function taskDeposit(c: NodeConfig, requester: Wallet, amount: bigint): Promise<EscrowBalance & { deposited: bigint; txHash: string }> {
  if (amount <= 0n) throw new CliError({ code: CliErrorCode.BAD_AMOUNT, key: "--amount" }, "--amount must be more than 0");
  return withChain(c, async (ctx) => {
    const have = await ctx.provider.getBalance(requester.address);
    if (have < amount) {
      throw new CliError({ code: CliErrorCode.INSUFFICIENT_FUNDS },
        `${requester.address} holds ${formatEth(have)}, less than the ${formatEth(amount)} to deposit (plus gas)${BigInt(ctx.deployment.chainId) === DEVNET_CHAIN_ID ? `; on a devnet: zkpool fund ${requester.address}` : ""}`);
    }
    const r = await tx("deposit", () => new EscrowClient(ctx.deployment.escrow, requester.connect(ctx.provider)).deposit(amount));
    return { ...(await balanceOf(ctx, requester.address)), deposited: amount, txHash: r.hash };
  });
}

export type WithdrawResult =
  | { action: "requested"; account: string; amount: bigint; readyAt: bigint; txHash: string; now: bigint }
  | { action: "withdrawn"; account: string; amount: bigint; txHash: string }
  | { action: "cancelled"; account: string; amount: bigint; txHash: string };

/**
 * Escrow withdrawals in two steps. With `amount` (or `all`): request a withdrawal (it replaces a pending one and
 * restarts the delay). Without: complete the pending withdrawal once its delay has passed (CLI_NOT_READY with the
 * time before). `cancel`: drop the pending request.
 */
export async function taskWithdraw(c: NodeConfig, requester: Wallet, o: { amount?: bigint; all?: boolean; cancel?: boolean }): Promise<WithdrawResult> {
  const modes = [o.amount !== undefined, o.all === true, o.cancel === true].filter((x) => x).length;
  if (modes > 1) throw new CliError({ code: CliErrorCode.BAD_USAGE }, "pass at most one of --amount <eth>, --all and --cancel");
  return withChain(c, async (ctx) => {
    const escrow = new EscrowClient(ctx.deployment.escrow, requester.connect(ctx.provider));
    const account = requester.address;
    const [balance, pending] = await Promise.all([escrow.balanceOf(account), escrow.pendingWithdrawal(account)]);
    if (o.cancel === true) {
      if (pending.amount === 0n) throw new CliError({ code: CliErrorCode.NOTHING_PENDING }, `${account} has no pending withdrawal to cancel`);
      const r = await tx("cancelWithdrawal", () => escrow.cancelWithdrawal());
      return { action: "cancelled", account, amount: pending.amount, txHash: r.hash };
    }
    if (o.amount !== undefined || o.all === true) {
      const amount = o.all === true ? balance : o.amount!;
      if (amount === 0n) throw new CliError({ code: o.all === true ? CliErrorCode.NOTHING_PENDING : CliErrorCode.BAD_AMOUNT, key: "--amount" }, o.all === true ? `${account} has nothing in the escrow` : "--amount must be more than 0");
      if (amount > balance) throw new CliError({ code: CliErrorCode.INSUFFICIENT_FUNDS }, `${account} has ${formatEth(balance)} in the escrow, less than ${formatEth(amount)}; pass --all to withdraw everything`);
      const r = await tx("requestWithdrawal", () => escrow.requestWithdrawal(amount));
      const w = await escrow.pendingWithdrawal(account);
      return { action: "requested", account, amount, readyAt: w.readyAt, txHash: r.hash, now: await chainNow(ctx.provider) };
    }
    if (pending.amount === 0n) {
      throw new CliError({ code: CliErrorCode.NOTHING_PENDING }, `${account} has no pending withdrawal: request one with \`zkpool task withdraw --amount <eth>\` (or --all), then run \`zkpool task withdraw\` once it is ready`);
    }
    const now = await chainNow(ctx.provider);
    if (now < pending.readyAt) {
      throw new CliError({ code: CliErrorCode.NOT_READY, detail: pending.readyAt.toString() },
        `the withdrawal of ${formatEth(pending.amount)} is ready at ${describeTime(pending.readyAt, now)}; run \`zkpool task withdraw\` again then`);
    }
    if (pending.amount > balance) {
      throw new CliError({ code: CliErrorCode.INSUFFICIENT_FUNDS },
        `tasks locked part of the balance since the request: ${formatEth(balance)} left, ${formatEth(pending.amount)} requested; request less with \`zkpool task withdraw --amount <eth>\``);
    }
    const r = await tx("withdraw", () => escrow.withdraw());
    return { action: "withdrawn", account, amount: pending.amount, txHash: r.hash };
  });
}

// ----------------------------------------------------------------------------------------------- expire

const hex = (v: unknown, field: string): Hex => {
  if (typeof v !== "string" || !/^(0x)?[0-9a-fA-F]*$/.test(v)) throw new Error(`${field} must be hex`);
  return (v.startsWith("0x") ? v : `0x${v}`) as Hex;
};
const big = (v: unknown, field: string): bigint => {
  if (typeof v === "bigint") return v;
  if ((typeof v === "string" && /^\d+$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  throw new Error(`${field} must be a non-negative integer (a decimal string)`);
};
const int = (v: unknown, field: string): number => Number(big(v, field));

/** A signed protocol Task from its JSON (as `task submit` saves it, or a node's GET /tasks/<id>: bigints as decimal strings). */
export function taskFromJson(json: unknown, source: string): Task {
  const o = (typeof json === "object" && json !== null && "task" in json ? json.task : json) as Record<string, unknown> | null;
  try {
    if (typeof o !== "object" || o === null) throw new Error("not a JSON object");
    return {
      requester: hex(o["requester"], "requester"),
      proofSystem: int(o["proofSystem"], "proofSystem") as Task["proofSystem"],
      wasmSha256: hex(o["wasmSha256"], "wasmSha256"),
      zkeySha256: hex(o["zkeySha256"], "zkeySha256"),
      vkeySha256: hex(o["vkeySha256"], "vkeySha256"),
      inputHash: hex(o["inputHash"], "inputHash"),
      inputSize: o["inputSize"] === undefined ? 0n : big(o["inputSize"], "inputSize"),
      publicSignalsHash: hex(o["publicSignalsHash"], "publicSignalsHash"),
      maxReward: big(o["maxReward"], "maxReward"),
      penalty: big(o["penalty"], "penalty"),
      bidDeadline: big(o["bidDeadline"], "bidDeadline"),
      revealDeadline: big(o["revealDeadline"], "revealDeadline"),
      proofWindow: int(o["proofWindow"], "proofWindow"),
      maxRounds: int(o["maxRounds"], "maxRounds"),
      stakeEpoch: big(o["stakeEpoch"], "stakeEpoch"),
      nonce: big(o["nonce"], "nonce"),
      signature: o["signature"] === undefined ? "0x" : hex(o["signature"], "signature"),
    };
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, path: source }, `${source} does not hold a task: ${(cause as Error).message}`, { cause });
  }
}

/** Where `task submit` saves each task it publishes (what `task expire <taskId>` reads). */
export function savedTaskPath(dataDir: string, taskId: string): string {
  return join(dataDir, "tasks", `${taskId.toLowerCase()}.json`);
}

/** The task behind `ref`: a task JSON file, or a task id (saved by `task submit` in the data dir, else a node's API). */
export async function findTask(c: NodeConfig, ref: string, apiUrl?: string): Promise<{ task: Task; source: string; id?: string }> {
  if (!TASK_ID.test(ref)) {
    let text: string;
    try {
      text = readFileSync(ref, "utf8");
    } catch (cause) {
      throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, path: ref }, `${ref} is neither a task id (0x + 64 hex digits) nor a readable task file: ${(cause as Error).message}`, { cause });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, path: ref }, `${ref} is not JSON: ${(cause as Error).message}`, { cause });
    }
    return { task: taskFromJson(json, ref), source: ref };
  }
  const id = ref.toLowerCase();
  const saved = savedTaskPath(c.dataDir, id);
  if (existsSync(saved)) return { task: taskFromJson(JSON.parse(readFileSync(saved, "utf8")), saved), source: saved, id };
  let url = apiUrl;
  const apiFile = join(c.dataDir, "api.json");
  if (url === undefined && existsSync(apiFile)) {
    try {
      url = (JSON.parse(readFileSync(apiFile, "utf8")) as { url?: string }).url;
    } catch {
      url = undefined;
    }
  }
  if (url !== undefined) {
    const r = await fetch(`${url.replace(/\/$/, "")}/tasks/${id}`, { signal: AbortSignal.timeout(5000) }).catch((cause: unknown) => {
      throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, detail: url }, `node API ${url} does not answer: ${String(cause)}; pass the task file instead`, { cause });
    });
    if (r.ok) return { task: taskFromJson(await r.json(), `${url}/tasks/${id}`), source: `${url}/tasks/${id}`, id };
    if (r.status !== 404) throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, detail: url }, `node API ${url} answered ${r.status} for task ${id}`);
  }
  throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, detail: id },
    `task ${id} is not saved in ${join(c.dataDir, "tasks")}${url !== undefined ? ` and the node at ${url} does not know it` : ""}: pass its task JSON file (task submit saves it), or --api-url <a pool node's API>`);
}

export interface ExpireResult {
  taskId: string;
  /** Returned to the requester's escrow balance. */
  refund: bigint;
  txHash: string;
  source: string;
}

/** Escrow.expire(task) for a task past its final deadline + settle grace that never settled: refunds the requester. */
export async function taskExpire(c: NodeConfig, caller: Wallet, ref: string, o: { apiUrl?: string } = {}): Promise<ExpireResult> {
  const found = await findTask(c, ref, o.apiUrl);
  return withChain(c, async (ctx) => {
    const escrow = new EscrowClient(ctx.deployment.escrow, caller.connect(ctx.provider));
    let struct: TaskStruct;
    try {
      struct = taskStructOf(found.task);
    } catch (cause) {
      throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, path: found.source }, `${found.source} does not hold a valid task: ${(cause as Error).message}`, { cause });
    }
    const id = (await escrow.taskId(struct)).toLowerCase();
    if (found.id !== undefined && found.id !== id) {
      throw new CliError({ code: CliErrorCode.TASK_NOT_FOUND, path: found.source }, `${found.source} holds task ${id}, not ${found.id}`);
    }
    const rec = await escrow.taskRecord(id);
    if (rec.status === TaskStatus.Settled) throw new CliError({ code: CliErrorCode.TASK_CLOSED, detail: "settled" }, `task ${id} settled on chain (proved and paid): nothing to expire`);
    if (rec.status === TaskStatus.Failed || rec.status === TaskStatus.Invalid) {
      throw new CliError({ code: CliErrorCode.TASK_CLOSED, detail: rec.status === TaskStatus.Failed ? "failed" : "invalid" }, `task ${id} is already closed on chain (refunded to the requester's escrow balance): nothing to expire`);
    }
    const { settleGrace } = await escrow.parameters();
    const closesAt = finalDeadline(struct) + settleGrace;
    const now = await chainNow(ctx.provider);
    if (now <= closesAt) {
      throw new CliError({ code: CliErrorCode.TASK_NOT_EXPIRED, detail: closesAt.toString() },
        `task ${id} can still settle until its final deadline + settle grace, ${describeTime(closesAt, now)}; run \`zkpool task expire\` after that`);
    }
    const r = await tx("expire", () => escrow.expire(struct));
    const ev = zkpoolEvents(r).find((e) => e.name === "TaskFailed");
    return { taskId: id, refund: ev !== undefined ? BigInt(ev.args["refund"] as bigint) : 0n, txHash: r.hash, source: found.source };
  });
}

// ------------------------------------------------------------------------------------------------- ports

/** Whether `port` can be bound on `host` now (a listening socket is opened and closed). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.unref();
    s.once("error", () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** `start` if it can be bound on `host`, else the next port that can (probed by binding). */
export async function freePort(host: string, start: number, tries = 200): Promise<number> {
  for (let p = start; p < start + tries && p <= 65535; p++) if (await canBind(host, p)) return p;
  throw new CliError({ code: CliErrorCode.API_LISTEN_FAILED, detail: `${host}:${start}` }, `no free port on ${host} from ${start} to ${Math.min(65535, start + tries - 1)}; pass --api-port <port>`);
}
