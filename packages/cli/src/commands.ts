/** `zkpool prover join|status` and `zkpool task submit|status`. */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { JsonRpcProvider, formatEther, getAddress, type Wallet } from "ethers";
import { EscrowClient, StakeRegistryClient, TaskStatus, type Deployment } from "@zkpool/chain";
import { createClient, terminateSnarkjs } from "@zkpool/sdk";
import { isZkPoolError } from "@zkpool/protocol";
import { toJson } from "./api.js";
import { keystorePath, type NodeConfig } from "./config.js";
import { CliError, CliErrorCode } from "./errors.js";
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
  progress(line: string): void;
}

/** Submit a task through the SDK, wait for the verified proof, write it to `out`, wait for settlement. */
export async function taskSubmit(c: NodeConfig, requester: Wallet, o: TaskSubmitOptions): Promise<Record<string, unknown>> {
  if (c.deployment === undefined) throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE }, "pass --deployment <chainId>.json");
  if (c.bootstrap.length === 0) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "bootstrap" }, "pass --bootstrap <multiaddr of a pool node> (see `curl <node api>/status`)");
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
  const client = await createClient({ signer: requester, bootstrap: c.bootstrap, rpcUrl: c.rpcUrl, deployment: c.deployment, devnet: c.devnet });
  try {
    if (o.deposit !== undefined && o.deposit > 0n) {
      await client.deposit({ amount: o.deposit });
      o.progress(`deposited ${formatEther(o.deposit)} ETH`);
    }
    const windows = {
      ...(o.bidWindow !== undefined ? { bidWindow: o.bidWindow } : {}),
      ...(o.revealWindow !== undefined ? { revealWindow: o.revealWindow } : {}),
      ...(o.proofWindow !== undefined ? { proofWindow: o.proofWindow } : {}),
      ...(o.maxRounds !== undefined ? { maxRounds: o.maxRounds } : {}),
    };
    const h = await client.submitTask({
      ...(o.circuit !== undefined ? { circuit: o.circuit } : { artifacts: { wasm: o.wasm!, zkey: o.zkey!, vkey: o.vkey! } }),
      ...(o.proofSystem !== undefined ? { proofSystem: o.proofSystem } : {}),
      input, maxReward: o.maxReward, ...(o.penalty !== undefined ? { penalty: o.penalty } : {}), windows,
    });
    const taskFile = resolve(o.taskOut ?? savedTaskPath(c.dataDir, h.taskId));
    await mkdir(dirname(taskFile), { recursive: true });
    await writeFile(taskFile, toJson({ taskId: h.taskId, task: h.task }, 2) + "\n");
    o.progress(`task ${h.taskId} published (saved to ${taskFile})`);
    h.on("bids", (b) => o.progress(`bids: ${b.commits} sealed, ${b.reveals} revealed`));
    h.on("assigned", (e) => o.progress(`assigned to ${e.prover} at ${formatEther(e.price)} ETH; proving…`));
    h.on("defaulted", (e) => o.progress(`prover ${e.prover} defaulted in round ${e.round}`));
    h.on("reassigned", (e) => o.progress(`reassigned to ${e.prover}`));
    let r: Awaited<ReturnType<typeof h.result>>;
    try {
      r = await h.result();
    } catch (err) {
      throw pointToTaskExpire(err, h.taskId, taskFile);
    }
    await writeFile(o.out, JSON.stringify({ taskId: r.taskId, proof: r.proof, publicSignals: r.publicSignals }, null, 2) + "\n");
    o.progress(`proof verified locally, written to ${o.out}; waiting for settlement…`);
    const settled = await new Promise<{ price: bigint } | undefined>((resolve) => {
      if (h.status === "settled") resolve(undefined);
      h.once("settled", (e) => resolve(e));
      setTimeout(() => resolve(undefined), 60_000).unref();
    });
    return { taskId: r.taskId, prover: r.prover, out: o.out, task: taskFile, publicSignals: r.publicSignals, settled: settled !== undefined, price: settled?.price };
  } finally {
    await client.close();
    await terminateSnarkjs();
  }
}

export const TASK_STATUS = TaskStatus;
