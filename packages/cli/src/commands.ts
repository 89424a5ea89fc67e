/** `zkpool prover join|status` and `zkpool task submit|status`. */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { JsonRpcProvider, Wallet, formatEther, getAddress } from "ethers";
import { EscrowClient, StakeRegistryClient, TaskStatus, escrowInterface, type Deployment } from "@zkpool/chain";
import {
  MIN_REBID_WINDOW, createClient, terminateSnarkjs, type CircuitParameters, type QuoteReturnType, type TaskHandle, type TaskResult, type TaskScheduleParameters, type ZkPoolClient,
} from "@zkpool/sdk";
import { LIMITS, MAX_AUCTION_ROUNDS, MAX_CLOCK_SKEW, isZkPoolError, reservePrice, splitRound, taskAuctionRounds } from "@zkpool/protocol";
import { parseEth } from "./amounts.js";
import { toJson } from "./api.js";
import { keystorePath, type NodeConfig } from "./config.js";
import { CliError, CliErrorCode } from "./errors.js";
import type { Progress, Step } from "./progress.js";
import { freePort, savedTaskPath } from "./roles.js";

export { formatEth, parseEth } from "./amounts.js";

export interface ChainContext { provider: JsonRpcProvider; deployment: Deployment; close(): void }

export async function chainContext(c: NodeConfig): Promise<ChainContext> {
  if (c.deployment === undefined) {
    throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE }, "no chain deployment: pass --deployment <chainId>.json (or set deployment in the config / ZKPOOL_DEPLOYMENT)");
  }
  let deployment: Deployment;
  try {
    deployment = JSON.parse(readFileSync(c.deployment, "utf8")) as Deployment;
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE, path: c.deployment }, `cannot read deployment file ${c.deployment}: ${(cause as Error).message}`, { cause });
  }
  const provider = new JsonRpcProvider(c.rpcUrl, undefined, { batchMaxCount: 1, staticNetwork: true, cacheTimeout: -1, pollingInterval: 1000 });
  try {
    const id = (await provider.getNetwork()).chainId;
    if (id.toString() !== deployment.chainId) throw new Error(`chain ${id} is not the deployment's chain ${deployment.chainId}`);
  } catch (cause) {
    provider.destroy();
    throw new CliError({ code: CliErrorCode.CHAIN_UNREACHABLE, detail: c.rpcUrl }, `chain RPC ${c.rpcUrl}: ${(cause as Error).message}; start the chain or fix --rpc-url`, { cause });
  }
  return { provider, deployment, close: () => provider.destroy() };
}

export interface ProverJoinOptions {
  stake: bigint;
  royaltyRecipient?: string;
  configOut: string;
  /** Password file to record in the config (the --password-file flag or the config's passwordFile). */
  passwordFile?: string;
  /** The keystore password: saved to <dataDir>/keystore.password (mode 600) when no password file is known. */
  password: string;
}

/**
 * Stake, declare the accelerator royalty recipient, and write the prover node's config file: everything
 * `zkpool node start --config <file>` needs (chain, deployment, keystore, a password file, a free API port).
 */
export async function proverJoin(c: NodeConfig, operator: Wallet, o: ProverJoinOptions): Promise<Record<string, unknown>> {
  const ctx = await chainContext(c);
  try {
    const signer = operator.connect(ctx.provider);
    const registry = new StakeRegistryClient(ctx.deployment.stakeRegistry, signer);
    const txs: string[] = [];
    if (o.stake > 0n) txs.push((await registry.stake(o.stake)).hash);
    if (o.royaltyRecipient !== undefined) txs.push((await new EscrowClient(ctx.deployment.escrow, signer).setRoyaltyRecipient(getAddress(o.royaltyRecipient))).hash);
    const configOut = resolve(o.configOut);
    const existing = existsSync(configOut) ? (JSON.parse(readFileSync(configOut, "utf8")) as Record<string, unknown>) : {};
    const dataDir = resolve(c.dataDir);
    let passwordFile = o.passwordFile !== undefined ? resolve(o.passwordFile) : undefined;
    let passwordSaved = false;
    if (passwordFile === undefined) {
      passwordFile = join(dataDir, "keystore.password");
      await mkdir(dataDir, { recursive: true });
      await writeFile(passwordFile, o.password + "\n", { mode: 0o600 });
      passwordSaved = true;
    }
    // 7370 unless taken, else the next free port (0 stays 0: the node picks one and writes api.json)
    const apiPort = c.apiPort === 0 ? 0 : await freePort(c.apiHost, c.apiPort);
    const cfg = {
      ...existing,
      dataDir, rpcUrl: c.rpcUrl, deployment: resolve(c.deployment!), keystore: resolve(keystorePath(c)), passwordFile,
      listen: c.listen, apiHost: c.apiHost, apiPort, logLevel: c.logLevel,
      prover: true, capacity: c.capacity, proverThreads: c.proverThreads, settle: c.settle, graceSeconds: c.graceSeconds,
      ...(c.priceShare !== undefined ? { priceShare: c.priceShare } : {}),
      ...(c.bootstrap.length > 0 ? { bootstrap: c.bootstrap } : {}),
      ...(c.devnet ? { devnet: true } : {}),
    };
    await mkdir(dirname(configOut), { recursive: true });
    await writeFile(configOut, JSON.stringify(cfg, null, 2) + "\n");
    return {
      operator: operator.address, stake: await registry.stakeOf(operator.address), txs, config: configOut, apiPort, passwordFile, passwordSaved,
      next: `zkpool node start --config ${configOut}`,
    };
  } finally {
    ctx.close();
  }
}

/** On-chain stake, unbonding and earnings of an operator, and its node's status if its API answers. */
export async function proverStatus(c: NodeConfig, operator: string): Promise<Record<string, unknown>> {
  const ctx = await chainContext(c);
  try {
    const registry = new StakeRegistryClient(ctx.deployment.stakeRegistry, ctx.provider);
    const escrow = new EscrowClient(ctx.deployment.escrow, ctx.provider);
    const [stake, unbonding, earnings] = await Promise.all([
      registry.stakeOf(operator), registry.unbondingOf(operator), escrow.earnings(operator),
    ]);
    let node: unknown = null;
    const apiFile = join(c.dataDir, "api.json");
    if (existsSync(apiFile)) {
      try {
        const { url } = JSON.parse(readFileSync(apiFile, "utf8")) as { url: string };
        node = await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(2000) })).json();
      } catch {
        node = "not running";
      }
    }
    return { operator, stake, unbonding, claimableEarnings: earnings, node };
  } finally {
    ctx.close();
  }
}

export function formatProverStatus(s: Record<string, unknown>): string {
  const u = s["unbonding"] as { amount: bigint; unlockTime: bigint };
  const node = s["node"] as Record<string, unknown> | string | null;
  return [
    `operator ${String(s["operator"])}`,
    `  stake ${formatEther(s["stake"] as bigint)} ETH (unbonding ${formatEther(u.amount)} ETH${u.amount > 0n ? `, unlocks at ${new Date(Number(u.unlockTime) * 1000).toISOString()} (chain time)` : ""})`,
    `  claimable earnings ${formatEther(s["claimableEarnings"] as bigint)} ETH`,
    `  node: ${node === null ? "no api.json in the data dir" : typeof node === "string" ? node : `${String(node["role"])}, ${String(node["peers"])} peers, tasks ${JSON.stringify(node["tasks"])}`}`,
  ].join("\n");
}

const STATUS_NAMES = ["none (never touched on chain)", "open", "settled", "failed (refunded)", "invalid (unprovable; refunded less the premium)"];

export async function taskStatus(c: NodeConfig, taskId: string): Promise<Record<string, unknown>> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(taskId)) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "taskId" }, `task id must be 0x followed by 64 hex digits (got ${taskId})`);
  const ctx = await chainContext(c);
  try {
    const rec = await new EscrowClient(ctx.deployment.escrow, ctx.provider).taskRecord(taskId);
    return { taskId, chain: { ...rec, statusName: STATUS_NAMES[rec.status] ?? String(rec.status) } };
  } finally {
    ctx.close();
  }
}

/**
 * The SDK's task failures say "run `zkpool task expire <taskId>` (Escrow.expire)". Such an error becomes
 * CLI_TASK_FAILED (the SDK's code in `key`) naming `zkpool task expire <task file>`; any other error is returned as is.
 */
export function pointToTaskExpire(err: unknown, taskId: string, taskFile: string): unknown {
  const sdkHint = /run `zkpool task expire 0x[0-9a-fA-F]{64}` \(Escrow\.expire\)/g;
  if (!isZkPoolError(err) || !sdkHint.test(err.message)) return err;
  return new CliError({ code: CliErrorCode.TASK_FAILED, key: err.code, detail: taskId },
    err.message.replace(sdkHint, `run \`zkpool task expire ${taskFile}\` once its final deadline + settle grace has passed`), { cause: err });
}

export const PROOF_SYSTEMS = ["groth16", "plonk", "fflonk"] as const;
export type ProofSystemName = (typeof PROOF_SYSTEMS)[number];

/** `--proof-system` value, checked (CLI_BAD_USAGE listing the choices). */
export function parseProofSystem(v: string): ProofSystemName {
  const s = v.trim().toLowerCase();
  if (!(PROOF_SYSTEMS as readonly string[]).includes(s)) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "proof-system" }, `--proof-system must be one of ${PROOF_SYSTEMS.join(", ")} (got ${JSON.stringify(v)})`);
  }
  return s as ProofSystemName;
}

export interface TaskSubmitOptions {
  circuit?: string;
  /** Proof system of the catalog circuit (own artifacts: must match the vkey's). @default "groth16" */
  proofSystem?: ProofSystemName;
  wasm?: string;
  zkey?: string;
  vkey?: string;
  input: string;
  /** Where the signed task is saved (what `task expire` reads). @default <dataDir>/tasks/<taskId>.json */
  taskOut?: string;
  maxReward: bigint;
  penalty?: bigint;
  deposit?: bigint;
  out: string;
  bidWindow?: number;
  revealWindow?: number;
  proofWindow?: number;
  maxRounds?: number;
  /** Price schedule (SPEC §10.3), from `parseScheduleFlags`; absent: one auction round at maxReward. */
  schedule?: TaskScheduleParameters;
  /** Where the task's phases are shown (live on a terminal, lines otherwise). */
  progress: Progress;
}

export interface ScheduleFlags {
  /** `--start-price` (ETH). */
  startPrice?: string;
  /** `--price-step` (ETH). */
  priceStep?: string;
  /** `--rebid-window` (seconds). */
  rebidWindow?: string | number;
}

/** Default `--price-step`: `ceil((max - start) / 3)`, so the reserve reaches --max-reward in (at most) 4 auction rounds. */
export function defaultPriceStep(startPrice: bigint, maxReward: bigint): bigint {
  return (maxReward - startPrice + 2n) / 3n;
}

const usage = (key: string, message: string): CliError => new CliError({ code: CliErrorCode.BAD_USAGE, key }, message);

/**
 * `task submit`'s price schedule flags (SPEC §10.3) against `--max-reward` (wei): undefined without `--start-price`.
 * `--start-price` is the first auction round's reserve (`0 < start < max`); `--price-step` the rise per round
 * (default `ceil((max - start) / 3)`: 4 auction rounds), at most 16 rounds; `--rebid-window` the seconds provers
 * have to bid in each later round (5..86400; default the bid window, at least 5). Amounts are ETH (CLI_BAD_AMOUNT otherwise);
 * anything out of range is CLI_BAD_USAGE naming the flag and the range.
 */
export function parseScheduleFlags(f: ScheduleFlags, maxReward: bigint): TaskScheduleParameters | undefined {
  if (f.startPrice === undefined) {
    const given = [f.priceStep !== undefined ? "--price-step" : "", f.rebidWindow !== undefined ? "--rebid-window" : ""].filter((x) => x !== "");
    if (given.length === 0) return undefined;
    throw usage("start-price", `${given.join(" and ")} shape${given.length === 1 ? "s" : ""} a price schedule: pass --start-price <ETH> too ` +
      "(the reserve of the first auction round, below --max-reward), or leave the schedule flags out for a fixed price at --max-reward");
  }
  const startPrice = parseEth(f.startPrice, "--start-price", { allowZero: false });
  if (startPrice >= maxReward) {
    throw usage("start-price", `--start-price ${formatEther(startPrice)} ETH must be below --max-reward ${formatEther(maxReward)} ETH: ` +
      "the reserve starts there and rises to --max-reward; leave --start-price out for a fixed price at --max-reward");
  }
  const priceStep = f.priceStep === undefined ? defaultPriceStep(startPrice, maxReward) : parseEth(f.priceStep, "--price-step", { allowZero: false });
  const rounds = taskAuctionRounds({ maxReward, schedule: { startPrice, priceStep, rebidWindow: 1 } });
  if (rounds > MAX_AUCTION_ROUNDS) {
    const least = (maxReward - startPrice + BigInt(MAX_AUCTION_ROUNDS - 2)) / BigInt(MAX_AUCTION_ROUNDS - 1);
    throw usage("price-step", `--price-step ${formatEther(priceStep)} ETH is too small: from --start-price ${formatEther(startPrice)} to --max-reward ` +
      `${formatEther(maxReward)} ETH it makes ${rounds} auction rounds, at most ${MAX_AUCTION_ROUNDS} are allowed: use --price-step ${formatEther(least)} or more`);
  }
  let rebidWindow: number | undefined;
  if (f.rebidWindow !== undefined) {
    const v = String(f.rebidWindow).trim();
    rebidWindow = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(rebidWindow) || rebidWindow < MIN_REBID_WINDOW || rebidWindow > LIMITS.maxRebidWindow) {
      throw usage("rebid-window", `--rebid-window must be a whole number of seconds from ${MIN_REBID_WINDOW} to ${LIMITS.maxRebidWindow} (got ${JSON.stringify(f.rebidWindow)}): ` +
        `how long provers have to bid in each later auction round (nodes open it ${MAX_CLOCK_SKEW} s after the previous round's reveal deadline ` +
        `and provers commit until ${MAX_CLOCK_SKEW} s before its bid deadline)`);
    }
  }
  return { startPrice, priceStep, ...(rebidWindow !== undefined ? { rebidWindow } : {}) };
}

/** `HH:MM:SS UTC (in N s)` of a unix time (local clock). */
function clockTime(t: bigint): string {
  const left = t - BigInt(Math.floor(Date.now() / 1000));
  return `${new Date(Number(t) * 1000).toISOString().slice(11, 19)} UTC${left > 0n ? ` (in ${left} s)` : ""}`;
}

/** Seconds `task submit` waits for the settlement once the proof is verified. */
const SETTLE_WAIT_MS = 60_000;
const short = (h: string): string => `${h.slice(0, 10)}…`;

/** The hash of the transaction that settled `taskId` (its TaskSettled log), if the chain has one. */
async function settleTxOf(client: Pick<ZkPoolClient, "provider" | "escrow">, h: TaskHandle): Promise<string | undefined> {
  try {
    const event = escrowInterface.getEvent("TaskSettled")!;
    const logs = await client.provider.getLogs({ address: client.escrow.address, topics: [event.topicHash, h.taskId], fromBlock: h.fromBlock, toBlock: "latest" });
    return logs.at(-1)?.transactionHash;
  } catch {
    return undefined; // only shown
  }
}

export interface Followed {
  result: TaskResult;
  /** The settlement, unless none came within SETTLE_WAIT_MS. */
  settled?: { price: bigint; tx?: string };
}

/**
 * @internal (exported for tests) The phases of one published task, from its handle's events, as progress steps:
 * bidding → proving → verifying → settling. With a price schedule each re-auction ends the bidding step with a
 * `re-auction: …` line and starts the next auction round's. An event of a later phase ends the running step (the
 * SDK may get a proof before it saw the assignment); events of an earlier phase are ignored.
 */
export async function followTask(p: Progress, client: Pick<ZkPoolClient, "provider" | "escrow">, h: TaskHandle, o: Pick<TaskSubmitOptions, "maxReward" | "out">, taskFile: string): Promise<Followed> {
  const PHASES = ["bidding", "proving", "verifying", "settling"] as const;
  let phase: (typeof PHASES)[number] = "bidding";
  let step: Step = p.start(`bidding: waiting for sealed bids on ${short(h.taskId)}`);
  /** Ends the running step with `text`/`data` and starts the step `title` of phase `next`. */
  const next = (to: (typeof PHASES)[number], text: string, data: Record<string, unknown>, title: string): void => {
    step.done(text, data);
    phase = to;
    step = p.start(title);
  };
  const later = (than: (typeof PHASES)[number]): boolean => PHASES.indexOf(than) > PHASES.indexOf(phase);
  // listened to from the start: the chain may settle before the proof is verified here
  const settlement = new Promise<{ price: bigint }>((resolve) => h.once("settled", resolve));
  const scheduled = h.task.schedule !== undefined;
  /** The auction round being bid on (SPEC §10.3; always 0 without a schedule), and the bids seen in it. */
  let auction = 0;
  let bids = { commits: 0, reveals: 0 };
  h.on("bids", (b) => {
    if (b.auctionRound < auction) return; // a late bid of a round that is over
    auction = b.auctionRound;
    bids = { commits: b.commits, reveals: b.reveals };
    if (phase === "bidding") {
      step.update(`bidding${b.auctionRound > 0 ? ` (auction round ${b.auctionRound})` : ""}: ${b.commits} sealed, ${b.reveals} revealed`, { event: "bids", taskId: h.taskId, ...b });
    }
  });
  let announced = 0;
  h.on("reauction", (e) => {
    if (phase !== "bidding" || e.auctionRound <= announced) return;
    announced = e.auctionRound;
    const previous = reservePrice(h.task, e.auctionRound - 1);
    if (auction < e.auctionRound) {
      auction = e.auctionRound;
      bids = { commits: 0, reveals: 0 };
    }
    next("bidding", `re-auction: no bid at ${formatEther(previous)} ETH; auction round ${e.auctionRound} at ${formatEther(e.reserve)} ETH, bids until ${clockTime(e.bidDeadline)}`,
      { event: "reauction", taskId: h.taskId, ...e, previousReserve: previous, maxReward: o.maxReward },
      `bidding (auction round ${e.auctionRound} at ${formatEther(e.reserve)} ETH): waiting for sealed bids`);
  });
  h.on("assigned", (e) => {
    if (!later("proving")) return;
    // the bids the requester's node saw (gossip may not bring it every bid)
    const seen = bids.commits + bids.reveals > 0;
    const against = scheduled
      ? `in auction round ${e.auctionRound} (reserve ${formatEther(e.reserve)} ETH, max ${formatEther(o.maxReward)})`
      : `(max ${formatEther(o.maxReward)})`;
    next("proving", `assigned to ${e.prover} at ${formatEther(e.price)} ETH ${against}${seen ? ` after ${bids.commits} sealed, ${bids.reveals} revealed bids` : ""}`,
      { event: "assigned", taskId: h.taskId, ...e, maxReward: o.maxReward, ...(seen ? bids : {}) }, `proving: ${short(e.prover)} (round ${e.round})`);
  });
  h.on("defaulted", (e) => {
    if (phase === "proving") step.update(`prover ${e.prover} defaulted in round ${e.round}; waiting for the next round`, { event: "defaulted", taskId: h.taskId, ...e });
  });
  h.on("reassigned", (e) => {
    if (phase !== "proving" && !later("proving")) return;
    next("proving", `round ${e.round}: reassigned to ${e.prover} at ${formatEther(e.price)} ETH`, { event: "reassigned", taskId: h.taskId, ...e },
      `proving: ${short(e.prover)} (round ${e.round})`);
  });
  h.on("proved", (e) => {
    if (!later("verifying")) return;
    next("verifying", `proof submitted by ${e.prover} (round ${e.round})`, { event: "proved", taskId: h.taskId, ...e }, "verifying the proof locally");
  });
  let result: TaskResult;
  try {
    result = await h.result();
  } catch (err) {
    step.fail(`task failed: ${(err as Error).message}`, { event: "failed", taskId: h.taskId, reason: (err as Error).message });
    throw pointToTaskExpire(err, h.taskId, taskFile);
  }
  await writeFile(o.out, JSON.stringify({ taskId: result.taskId, proof: result.proof, publicSignals: result.publicSignals }, null, 2) + "\n");
  next("settling", `proof by ${result.prover} verified locally, written to ${o.out}`, { event: "verified", taskId: h.taskId, prover: result.prover, round: result.round, out: o.out },
    "settling on chain");
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([settlement, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), SETTLE_WAIT_MS)))]);
  clearTimeout(timer);
  if (settled === undefined) {
    step.done(`not settled within ${SETTLE_WAIT_MS / 1000} s; see \`zkpool task status ${h.taskId}\``, { event: "unsettled", taskId: h.taskId });
    return { result };
  }
  const tx = await settleTxOf(client, h);
  const refunded = o.maxReward - settled.price;
  const cleared = splitRound(h.task, result.round).auction;
  const where = scheduled ? ` (auction round ${cleared}, reserve ${formatEther(reservePrice(h.task, cleared))} ETH)` : "";
  step.done(`settled on chain: ${formatEther(settled.price)} ETH paid of ${formatEther(o.maxReward)} max${where}, ${formatEther(refunded)} ETH back${tx !== undefined ? ` (tx ${tx})` : ""}`,
    { event: "settled", taskId: h.taskId, price: settled.price, maxReward: o.maxReward, refunded, ...(tx !== undefined ? { tx } : {}), ...(scheduled ? { auctionRound: cleared } : {}) });
  return { result, settled: { price: settled.price, ...(tx !== undefined ? { tx } : {}) } };
}

/** Submit a task through the SDK, wait for the verified proof, write it to `out`, wait for settlement. */
export interface TaskQuoteOptions {
  /** The circuit (catalog name, or own artifacts) and proof system. */
  circuit: CircuitParameters;
  /** Price the expectation at this maximum reward (wei). */
  maxReward?: bigint;
  /** Wait up to this long (ms) for a first ask. */
  waitMs: number;
}

/** What a requester command needs to reach the pool: the deployment and a bootstrap node (a clear error otherwise). */
function requesterChain(c: NodeConfig): string {
  if (c.deployment === undefined) throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE }, "pass --deployment <chainId>.json");
  if (c.bootstrap.length === 0) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "bootstrap" }, "pass --bootstrap <multiaddr of a pool node> (see `curl <node api>/status`)");
  return c.deployment;
}

/** `zkpool task quote`: the provers' standing asks for a circuit and what a task would pay (SPEC §10.6). */
export async function taskQuote(c: NodeConfig, o: TaskQuoteOptions): Promise<QuoteReturnType> {
  const deployment = requesterChain(c);
  // a quote reads what the pool announces and signs nothing: a throwaway key, no keystore password
  const client = await createClient({ signer: new Wallet(Wallet.createRandom().privateKey), bootstrap: c.bootstrap, rpcUrl: c.rpcUrl, deployment, devnet: c.devnet });
  try {
    return await client.quote({ ...o.circuit, ...(o.maxReward !== undefined ? { maxReward: o.maxReward } : {}), waitMs: o.waitMs });
  } finally {
    await client.close();
  }
}

/** The quote as text: one line per ask, then the suggestions (maximum, schedule) and the expectation. */
export function formatQuote(q: QuoteReturnType, maxReward?: bigint): string {
  if (q.asks.length === 0) {
    return `no standing ask for circuit ${q.circuitId} (${q.proofSystem}) yet: provers announce one once they have priced the circuit (after their first bid on it); submit with a --max-reward you choose`;
  }
  const lines = [`circuit ${q.circuitId} (${q.proofSystem}): ${q.asks.length} standing ask${q.asks.length === 1 ? "" : "s"}`];
  for (const a of q.asks) lines.push(`  ${a.prover}  ${formatEther(a.price)} ETH  (stake ${formatEther(a.stake)} ETH)`);
  if (q.suggestedMaxReward !== undefined) lines.push(`suggested --max-reward ${formatEther(q.suggestedMaxReward)} (${q.willing} prover${q.willing === 1 ? "" : "s"} would bid)`);
  const max = maxReward ?? q.suggestedMaxReward;
  if (q.suggestedSchedule !== undefined && max !== undefined) {
    const s = q.suggestedSchedule;
    const rounds = taskAuctionRounds({ maxReward: max, schedule: { ...s, rebidWindow: 1 } });
    lines.push(`suggested schedule --start-price ${formatEther(s.startPrice)} --price-step ${formatEther(s.priceStep)} ` +
      `(from the lowest ask up to ${formatEther(max)} ETH in ${rounds} auction rounds, re-auctioned only if nobody bids)`);
  }
  if (q.expectedPrice !== undefined) lines.push(`expected price ${formatEther(q.expectedPrice)} ETH${q.priceRange !== undefined ? ` (between ${formatEther(q.priceRange.low)} and ${formatEther(q.priceRange.high)})` : ""}`);
  else lines.push("nobody would bid at that maximum reward");
  return lines.join("\n");
}

export async function taskSubmit(c: NodeConfig, requester: Wallet, o: TaskSubmitOptions): Promise<Record<string, unknown>> {
  try {
    return await submitAndFollow(c, requester, o);
  } finally {
    await o.progress.close();
  }
}

async function submitAndFollow(c: NodeConfig, requester: Wallet, o: TaskSubmitOptions): Promise<Record<string, unknown>> {
  const deployment = requesterChain(c);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(readFileSync(o.input, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, path: o.input }, `cannot read the input JSON ${o.input}: ${(cause as Error).message}`, { cause });
  }
  const artifacts = o.wasm !== undefined || o.zkey !== undefined || o.vkey !== undefined;
  if (artifacts && (o.wasm === undefined || o.zkey === undefined || o.vkey === undefined)) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE }, "own artifacts need all three of --wasm, --zkey and --vkey");
  }
  if (artifacts === (o.circuit !== undefined)) throw new CliError({ code: CliErrorCode.BAD_USAGE }, "pass either --circuit <catalog name> or --wasm/--zkey/--vkey");
  const p = o.progress;
  const client = await p.run(`connecting to the pool (${c.bootstrap.length} bootstrap node${c.bootstrap.length === 1 ? "" : "s"})`,
    () => createClient({ signer: requester, bootstrap: c.bootstrap, rpcUrl: c.rpcUrl, deployment, devnet: c.devnet }),
    () => [`connected to the pool and the chain (${c.rpcUrl})`, { event: "connected", requester: requester.address, rpcUrl: c.rpcUrl }]);
  try {
    if (o.deposit !== undefined && o.deposit > 0n) {
      const amount = o.deposit;
      await p.run(`depositing ${formatEther(amount)} ETH`, () => client.deposit({ amount }), () => [`deposited ${formatEther(amount)} ETH`, { event: "deposited", amount }]);
    }
    const windows = {
      ...(o.bidWindow !== undefined ? { bidWindow: o.bidWindow } : {}),
      ...(o.revealWindow !== undefined ? { revealWindow: o.revealWindow } : {}),
      ...(o.proofWindow !== undefined ? { proofWindow: o.proofWindow } : {}),
      ...(o.maxRounds !== undefined ? { maxRounds: o.maxRounds } : {}),
    };
    // what the market asks for this circuit (standing asks, SPEC §10.6) against the maximum given, before publishing
    const circuitParams = {
      ...(o.circuit !== undefined ? { circuit: o.circuit } : { artifacts: { wasm: o.wasm!, zkey: o.zkey!, vkey: o.vkey! } }),
      ...(o.proofSystem !== undefined ? { proofSystem: o.proofSystem } : {}),
    };
    const q = await client.quote({ ...circuitParams, maxReward: o.maxReward }).catch(() => undefined);
    if (q !== undefined) {
      p.event(q.asks.length === 0
        ? "quote: no standing ask for this circuit yet"
        : `quote: ${q.asks.length} standing ask${q.asks.length === 1 ? "" : "s"} from ${formatEther(q.asks[0]!.price)} ETH; ${q.willing} would bid at ${formatEther(o.maxReward)} max` +
          (q.expectedPrice !== undefined ? `, expected price ${formatEther(q.expectedPrice)} ETH` : " (raise --max-reward: see `zkpool task quote`)"),
      { event: "quote", asks: q.asks.length, willing: q.willing, maxReward: o.maxReward, ...(q.expectedPrice !== undefined ? { expectedPrice: q.expectedPrice } : {}), ...(q.suggestedMaxReward !== undefined ? { suggestedMaxReward: q.suggestedMaxReward } : {}), ...(q.suggestedSchedule !== undefined ? { suggestedSchedule: q.suggestedSchedule } : {}) });
    }
    // the SDK's preflight (circuit registered, balance, the proof system's keys) runs before it publishes
    const { h, taskFile } = await p.run("checking and publishing the task", async () => {
      const handle = await client.submitTask({
        ...(o.circuit !== undefined ? { circuit: o.circuit } : { artifacts: { wasm: o.wasm!, zkey: o.zkey!, vkey: o.vkey! } }),
        ...(o.proofSystem !== undefined ? { proofSystem: o.proofSystem } : {}),
        input, maxReward: o.maxReward, ...(o.penalty !== undefined ? { penalty: o.penalty } : {}), windows,
        ...(o.schedule !== undefined ? { schedule: o.schedule } : {}),
      });
      const file = resolve(o.taskOut ?? savedTaskPath(c.dataDir, handle.taskId));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, toJson({ taskId: handle.taskId, task: handle.task }, 2) + "\n");
      return { h: handle, taskFile: file };
    }, (r) => {
      const s = r.h.task.schedule;
      const ramp = s === undefined ? "" : `; price schedule from ${formatEther(s.startPrice)} ETH, +${formatEther(s.priceStep)} ETH per auction round up to ` +
        `${formatEther(o.maxReward)} ETH (${taskAuctionRounds(r.h.task)} rounds, ${s.rebidWindow} s to rebid)`;
      return [`task ${r.h.taskId} published (saved to ${r.taskFile})${ramp}`,
        { event: "published", taskId: r.h.taskId, task: r.taskFile, maxReward: o.maxReward, bidDeadline: r.h.task.bidDeadline, revealDeadline: r.h.task.revealDeadline,
          ...(s !== undefined ? { schedule: s, auctionRounds: taskAuctionRounds(r.h.task) } : {}) }];
    });
    const { result: r, settled } = await followTask(p, client, h, o, taskFile);
    return { taskId: r.taskId, prover: r.prover, out: o.out, task: taskFile, publicSignals: r.publicSignals, settled: settled !== undefined, price: settled?.price, settleTx: settled?.tx,
      ...(h.task.schedule !== undefined ? { auctionRound: splitRound(h.task, r.round).auction } : {}) };
  } finally {
    await client.close();
    await terminateSnarkjs();
  }
}

export const TASK_STATUS = TaskStatus;
