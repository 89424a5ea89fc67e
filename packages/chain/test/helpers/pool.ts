/**
 * Test environment: anvil + deployed contracts (v1, devnet parameters) + staked attesters + a funded requester +
 * the fixture circuit registered for all three proof systems (by its verification keys), and signing helpers for tasks, votes and certificates (SPEC 0.3 / 0.7 / §9).
 *
 * Stake epochs (SPEC §9.1, devnet `epochSeconds` = 1): the attesters stake at `stakeTime`; `stakeEpoch` is
 * `stakeTime + 1`, whose table holds exactly those stakes, and the pool mines a block at that second so the
 * epoch is final before any task uses it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ContractFactory, HDNodeWallet, Mnemonic, TypedDataEncoder, Wallet, ZeroHash, keccak256, solidityPacked, toUtf8Bytes,
  type InterfaceAbi, type JsonRpcProvider,
} from "ethers";
import * as snarkjs from "snarkjs";
import {
  ProofSystem, circuitId, encodeVerificationKey, groth16ProofWords, proofWordsFromSolidityCalldata, publicSignalsHash, sha256,
  type SnarkjsVerificationKey,
} from "@zkpool/protocol";
import {
  ANVIL_DEV_MNEMONIC,
  ChainError,
  ChainTestHelper,
  DEFAULT_POOL_PARAMETERS,
  ESCROW_EIP712_TYPES,
  compile,
  deployContracts,
  eip712Domain,
  startAnvil,
  testProvider,
  type Anvil,
  type AssignmentStruct,
  type CertificateStruct,
  type CircuitRegistryClient,
  type Deployed,
  type EscrowClient,
  type PoolParameters,
  type ReportDefaultArgs,
  type SettleArgs,
  type StakeRegistryClient,
  type TaskStruct,
  type VoteStruct,
} from "../../src/index.js";
import { packageRoot } from "../../src/compile.js";

export const FIXTURES = join(packageRoot(), "test", "fixtures", "mul");
export const ETH = 10n ** 18n;
export const BPS = 10_000n;

export function devWallet(i: number, provider: JsonRpcProvider): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  return new Wallet(hd.privateKey, provider);
}

export interface FixtureProof {
  proof: bigint[];
  publicSignals: bigint[];
}

export interface PoolEnv {
  anvil: Anvil;
  provider: JsonRpcProvider;
  chain: ChainTestHelper;
  chainId: bigint;
  deployer: Wallet;
  treasury: Wallet;
  requester: Wallet;
  attesters: Wallet[];
  outsider: Wallet;
  deployed: Deployed;
  escrow: EscrowClient;
  registry: StakeRegistryClient;
  /** The deployment parameters, as read back from the escrow. */
  params: PoolParameters;
  /** circuit ids registered per proof system */
  circuits: Record<number, string>;
  groth16: FixtureProof;
  /** Timestamp of the block of the last attester stake. */
  stakeTime: bigint;
  /** The stake epoch whose table holds exactly STAKES (`stakeTime + 1`, final). */
  stakeEpoch: bigint;
  stop(): Promise<void>;
}

/** Attester stakes: 40, 30, 20, 10 ETH (so any 3 of the top 3 reach 2/3, 40+20 = 60% does not). */
export const STAKES = [40n * ETH, 30n * ETH, 20n * ETH, 10n * ETH];
/** The insurance fund the pool starts with. */
export const INITIAL_FUND = 5n * ETH;
/** The requester's starting balance. */
export const INITIAL_DEPOSIT = 100n * ETH;

export async function groth16Proof(input: { a: number; b: number } = { a: 3, b: 11 }): Promise<FixtureProof> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, join(FIXTURES, "mul.wasm"), join(FIXTURES, "groth16.zkey"));
  return { proof: groth16ProofWords(proof), publicSignals: publicSignals.map((s) => BigInt(s)) };
}

export async function otherProof(system: "plonk" | "fflonk", input = { a: 3, b: 11 }): Promise<FixtureProof> {
  const { proof, publicSignals } = await snarkjs[system].fullProve(input, join(FIXTURES, "mul.wasm"), join(FIXTURES, `${system}.zkey`));
  // snarkjs 0.7 takes (proof, publicSignals) for PLONK but (publicSignals, proof) for FFLONK
  const calldata = system === "plonk"
    ? await snarkjs.plonk.exportSolidityCallData(proof, publicSignals)
    : await snarkjs.fflonk.exportSolidityCallData(publicSignals as unknown as Record<string, unknown>, proof as unknown as string[]);
  return { proof: proofWordsFromSolidityCalldata(calldata), publicSignals: publicSignals.map((x) => BigInt(x)) };
}

/** Stops snarkjs' curve worker threads so mocha can exit without --exit. */
export async function terminateSnarkjs(): Promise<void> {
  const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}

export async function deployVerifiers(deployer: Wallet): Promise<Record<number, string>> {
  const sources: Record<string, string> = {};
  for (const p of ["groth16", "plonk", "fflonk"]) sources[`${p}_verifier.sol`] = readFileSync(join(FIXTURES, `${p}_verifier.sol`), "utf8");
  const compiled = compile(sources);
  const out: Record<number, string> = {};
  const names: [number, string][] = [[ProofSystem.Groth16, "Groth16Verifier"], [ProofSystem.Plonk, "PlonkVerifier"], [ProofSystem.Fflonk, "FflonkVerifier"]];
  for (const [system, name] of names) {
    const c = compiled[name]!;
    const f = new ContractFactory(c.abi as InterfaceAbi, c.bytecode, deployer);
    const d = await f.deploy();
    await d.waitForDeployment();
    out[system] = await d.getAddress();
  }
  return out;
}

const SYSTEM_NAME: Record<number, "groth16" | "plonk" | "fflonk"> = { 1: "groth16", 2: "plonk", 3: "fflonk" };

/** The fixture circuit's artifacts for `system`: wasm and zkey hashes, and its canonical verification key. */
export function fixtureArtifacts(system: number): { wasmSha256: string; zkeySha256: string; vkey: Uint8Array } {
  const kind = SYSTEM_NAME[system]!;
  const vkey = encodeVerificationKey(JSON.parse(readFileSync(join(FIXTURES, `${kind}.vkey.json`), "utf8")) as SnarkjsVerificationKey);
  return { wasmSha256: sha256(readFileSync(join(FIXTURES, "mul.wasm"))), zkeySha256: sha256(readFileSync(join(FIXTURES, `${kind}.zkey`))), vkey };
}

/** The fixture circuit's id under `system` (SPEC §0.3, over the canonical key's hash). */
export function fixtureCircuitId(system: number): string {
  const a = fixtureArtifacts(system);
  return circuitId(system, a.wasmSha256 as `0x${string}`, a.zkeySha256 as `0x${string}`, sha256(a.vkey));
}

/** Registers the fixture circuit for all three proof systems (from any account); returns the ids. */
export async function registerFixtureCircuits(registry: CircuitRegistryClient): Promise<Record<number, string>> {
  const out: Record<number, string> = {};
  for (const system of [ProofSystem.Groth16, ProofSystem.Plonk, ProofSystem.Fflonk]) {
    const a = fixtureArtifacts(system);
    out[system] = (await registry.register(system, a.wasmSha256, a.zkeySha256, a.vkey)).circuitId;
  }
  return out;
}

export interface StartPoolOptions {
  /** Attester stakes. @default STAKES */
  stakes?: bigint[];
  /** Deployment parameters over DEFAULT_POOL_PARAMETERS (devnet). */
  params?: Partial<PoolParameters>;
  /** Number of funded dev accounts. @default 10 */
  accounts?: number;
}

/**
 * Mocha hooks for a suite on one pool: started before the suite, stopped after it, and every test run from the
 * same chain snapshot (reverted after it). Returns the pool (valid from the suite's first `before` on).
 */
export function usePool(opts: StartPoolOptions = {}): () => PoolEnv {
  let env: PoolEnv | undefined;
  let snap = "";
  before(async () => {
    env = await startPool(opts);
  });
  after(async () => {
    await env?.stop();
    await terminateSnarkjs();
  });
  beforeEach(async () => {
    snap = await env!.chain.snapshot();
  });
  afterEach(async () => {
    await env!.chain.revert(snap);
  });
  return () => env!;
}

export async function startPool(opts: StartPoolOptions = {}): Promise<PoolEnv> {
  const anvil = await startAnvil({ accounts: opts.accounts ?? 10 });
  const provider = testProvider(anvil.url, anvil.chainId);
  try {
    const chain = new ChainTestHelper(provider);
    const deployer = devWallet(0, provider);
    const treasury = devWallet(9, provider);
    const requester = devWallet(5, provider);
    const outsider = devWallet(6, provider);
    const attesters = [1, 2, 3, 4].map((i) => devWallet(i, provider));
    const deployed = await deployContracts(deployer, { treasury: treasury.address, ...opts.params });
    const circuits = await registerFixtureCircuits(deployed.circuitRegistry.connect(outsider));
    const stakes = opts.stakes ?? STAKES;
    for (let i = 0; i < attesters.length; i++) {
      const s = stakes[i] ?? 0n;
      if (s > 0n) await deployed.stakeRegistry.connect(attesters[i]!).stake(s);
    }
    const stakeTime = await chain.latestTimestamp();
    const stakeEpoch = stakeTime + 1n; // epochSeconds = 1 in the devnet parameters
    // the next block is at the epoch's start: the epoch is final from then on
    await chain.setNextBlockTimestamp(stakeEpoch);
    await deployed.escrow.connect(requester).deposit(INITIAL_DEPOSIT);
    await deployed.escrow.connect(deployer).fundInsurance(INITIAL_FUND);
    const params = await deployed.escrow.parameters();
    assert.equal(params.epochSeconds, 1n, "the test helpers assume 1-second epochs");
    const groth16 = await groth16Proof();
    return {
      anvil, provider, chain, chainId: BigInt(anvil.chainId), deployer, treasury, requester, attesters, outsider, deployed,
      escrow: deployed.escrow, registry: deployed.stakeRegistry, params, circuits, groth16, stakeTime, stakeEpoch,
      async stop() {
        provider.destroy();
        await anvil.stop();
      },
    };
  } catch (err) {
    provider.destroy();
    await anvil.stop();
    throw err;
  }
}

/**
 * A final epoch whose table is the current stake: mines a block one second after the latest and returns that
 * second (every earlier block, so every stake change so far, is before its start).
 */
export async function freshEpoch(env: Pick<PoolEnv, "chain">): Promise<bigint> {
  const t = (await env.chain.latestTimestamp()) + 1n;
  await env.chain.setNextBlockTimestamp(t);
  await env.chain.mine();
  return t;
}

/**
 * The pool's `stakeEpoch` while a task published now (bid deadline `now + bidIn`) may still name it (SPEC §9.1
 * rule 1), else a fresh epoch.
 */
export async function recentEpoch(env: PoolEnv, bidIn = 10n): Promise<bigint> {
  const now = await env.chain.latestTimestamp();
  return now + bidIn <= env.stakeEpoch + env.params.maxSnapshotAge ? env.stakeEpoch : freshEpoch(env);
}

let nonceCounter = 1n;

/**
 * A task for the fixture circuit: bids close 10 s after the latest block, reveals 10 s later, 2 rounds of 100 s
 * (final deadline `now + 220`), maxReward 1 ETH, penalty 2 ETH (collateral 2 ETH). Its stake epoch is the pool's
 * `stakeEpoch` while that is recent enough for the bid deadline (SPEC §9.1 rule 1), else a fresh epoch.
 */
export async function makeTask(env: PoolEnv, over: Partial<TaskStruct> = {}): Promise<TaskStruct> {
  const stakeEpoch = over.stakeEpoch ?? (await recentEpoch(env));
  const now = await env.chain.latestTimestamp();
  return {
    requester: env.requester.address,
    proofSystem: ProofSystem.Groth16,
    circuitId: env.circuits[ProofSystem.Groth16]!,
    inputHash: keccak256(toUtf8Bytes("input")),
    publicSignalsHash: publicSignalsHash(env.groth16.publicSignals),
    maxReward: 1n * ETH,
    penalty: 2n * ETH,
    bidDeadline: now + 10n,
    revealDeadline: now + 20n,
    proofWindow: 100,
    maxRounds: 2,
    stakeEpoch,
    nonce: nonceCounter++,
    startPrice: 0n,
    priceStep: 0n,
    rebidWindow: 0,
    ...over,
  };
}

/* ---------------- the v1 money rules, for expectations ---------------- */

export function premiumOf(env: Pick<PoolEnv, "params">, task: Pick<TaskStruct, "penalty">): bigint {
  return (task.penalty * env.params.premiumBps) / BPS;
}
export function costOf(env: Pick<PoolEnv, "params">, task: Pick<TaskStruct, "maxReward" | "penalty">): bigint {
  return task.maxReward + premiumOf(env, task);
}
export function collateralOf(env: Pick<PoolEnv, "params">, task: Pick<TaskStruct, "maxReward" | "penalty">): bigint {
  let c = env.params.minStake;
  if (task.penalty > c) c = task.penalty;
  if (task.maxReward > c) c = task.maxReward;
  return c;
}
/** A task's schedule fields; absent ones are 0 (a fixed price), so a protocol Task without a schedule fits too. */
type ScheduleOf = Pick<TaskStruct, "maxReward"> & Partial<Pick<TaskStruct, "startPrice" | "priceStep" | "rebidWindow">>;
type DeadlinesOf = ScheduleOf & Pick<TaskStruct, "bidDeadline" | "revealDeadline" | "proofWindow" | "maxRounds">;

/**
 * Number of auction rounds of the task's price schedule (SPEC §10.3): 1 for a fixed price (all three fields 0),
 * `1 + ceil((maxReward - startPrice) / priceStep)` for a ramp. Does not check validity.
 */
export function auctionRoundsOf(task: ScheduleOf): number {
  const start = task.startPrice ?? 0n;
  const step = task.priceStep ?? 0n;
  if (start === 0n) return 1;
  return 1 + Number((task.maxReward - start + step - 1n) / step);
}
/** Reserve price of auction round `a`: `min(maxReward, startPrice + a·priceStep)` (fixed price: maxReward). */
export function reserveOf(task: ScheduleOf, a: number): bigint {
  if ((task.startPrice ?? 0n) === 0n) return task.maxReward;
  const p = task.startPrice! + BigInt(a) * (task.priceStep ?? 0n);
  return p < task.maxReward ? p : task.maxReward;
}
/** `P = rebidWindow + (revealDeadline - bidDeadline)`: the time between two auction rounds' reveal deadlines. */
export function auctionPeriodOf(task: Pick<TaskStruct, "bidDeadline" | "revealDeadline"> & Partial<Pick<TaskStruct, "rebidWindow">>): bigint {
  return BigInt(task.rebidWindow ?? 0) + task.revealDeadline - task.bidDeadline;
}
/**
 * Deadline of global round `g = a·maxRounds + k`: `revealDeadline + a·P + (k + 1)·proofWindow` (SPEC §10.3; with a
 * fixed price, `a = 0` for every valid round).
 */
export function roundDeadline(task: DeadlinesOf, round: number): bigint {
  const a = Math.floor(round / task.maxRounds);
  const k = round % task.maxRounds;
  return task.revealDeadline + BigInt(a) * auctionPeriodOf(task) + BigInt(k + 1) * BigInt(task.proofWindow);
}
/** The worst-case final deadline: the last proof round of the last auction round. */
export function finalDeadline(task: DeadlinesOf): bigint {
  return roundDeadline(task, auctionRoundsOf(task) * task.maxRounds - 1);
}
/**
 * The pool's fee split of `price` (SPEC §9.13: the attesters' share out of the fee first, the rest to treasury and
 * fund; royalty of the prover's share). `toInsurance` excludes the attesters' rounding remainder (attesterSharesOf).
 */
export function splitOf(
  env: Pick<PoolEnv, "params">,
  price: bigint,
  royalty: boolean,
): { fee: bigint; toAttesters: bigint; toTreasury: bigint; toInsurance: bigint; royalty: bigint; toProver: bigint } {
  const fee = (price * BigInt(env.params.feeBps)) / BPS;
  const toAttesters = (fee * env.params.attesterShareBps) / BPS;
  const toTreasury = ((fee - toAttesters) * BigInt(env.params.treasuryShareBps)) / BPS;
  const share = price - fee;
  const r = royalty ? (share * BigInt(env.params.royaltyBps)) / BPS : 0n;
  return { fee, toAttesters, toTreasury, toInsurance: fee - toAttesters - toTreasury, royalty: r, toProver: share - r };
}

/** SPEC §9.13: `floor(total · stake_i / Σ stake)` per signer (its stake at the task's epoch), and the remainder. */
export function attesterSharesOf(total: bigint, stakes: readonly bigint[]): { shares: bigint[]; remainder: bigint } {
  const signed = stakes.reduce((a, b) => a + b, 0n);
  const shares = stakes.map((s) => (total * s) / signed);
  return { shares, remainder: total - shares.reduce((a, b) => a + b, 0n) };
}

/* ---------------- signing ---------------- */

export function domainOf(env: Pick<PoolEnv, "chainId" | "escrow">): ReturnType<typeof eip712Domain> {
  return eip712Domain(env.chainId, env.escrow.address);
}

export function taskIdOf(env: Pick<PoolEnv, "chainId" | "escrow">, task: TaskStruct): string {
  return TypedDataEncoder.hash(domainOf(env), { Task: [...ESCROW_EIP712_TYPES.Task] }, task);
}

export function signTask(env: Pick<PoolEnv, "chainId" | "escrow" | "requester">, task: TaskStruct, signer: Wallet = env.requester): string {
  return signer.signingKey.sign(taskIdOf(env, task)).serialized;
}

type Env712 = Pick<PoolEnv, "chainId" | "escrow">;

export function assignmentDigest(env: Env712, taskId: string, a: AssignmentStruct): string {
  return TypedDataEncoder.hash(domainOf(env), { Assignment: [...ESCROW_EIP712_TYPES.Assignment] }, { taskId, ...a });
}
export function completionDigest(env: Env712, taskId: string, round: number, prover: string, proofHash: string): string {
  return TypedDataEncoder.hash(domainOf(env), { Completion: [...ESCROW_EIP712_TYPES.Completion] }, { taskId, round, prover, proofHash });
}
export function defaultDigest(env: Env712, taskId: string, round: number, prover: string): string {
  return TypedDataEncoder.hash(domainOf(env), { Default: [...ESCROW_EIP712_TYPES.Default] }, { taskId, round, prover });
}
export function invalidDigest(env: Env712, taskId: string): string {
  return TypedDataEncoder.hash(domainOf(env), { Invalid: [...ESCROW_EIP712_TYPES.Invalid] }, { taskId });
}
export function nonRevealDigest(env: Env712, taskId: string, prover: string, commitment: string): string {
  return TypedDataEncoder.hash(domainOf(env), { NonReveal: [...ESCROW_EIP712_TYPES.NonReveal] }, { taskId, prover, commitment });
}

/** The Completion struct's proofHash of verifier words: keccak256 of the 32-byte words (SPEC §1.9). */
export function proofHashOf(proof: bigint[]): string {
  return keccak256(solidityPacked(proof.map(() => "uint256"), proof));
}

/** VoteKind as the escrow's Vote struct takes it. */
export const VOTE = { Assignment: 1, Completion: 2, Default: 3, Invalid: 4 } as const;

/** A vote struct for equivocation evidence (unused fields zero). */
export function vote(v: Partial<VoteStruct> & Pick<VoteStruct, "kind" | "taskId">): VoteStruct {
  return { round: 0, prover: "0x0000000000000000000000000000000000000000", price: 0n, proofHash: ZeroHash, ...v };
}

/** The EIP-712 digest of a vote struct, as the escrow computes it. */
export function voteDigest(env: Env712, v: VoteStruct): string {
  switch (v.kind) {
    case VOTE.Assignment: return assignmentDigest(env, v.taskId, { round: v.round, prover: v.prover, price: v.price });
    case VOTE.Completion: return completionDigest(env, v.taskId, v.round, v.prover, v.proofHash);
    case VOTE.Default: return defaultDigest(env, v.taskId, v.round, v.prover);
    default: return invalidDigest(env, v.taskId);
  }
}

export function signVote(env: Env712, v: VoteStruct, signer: Wallet): string {
  return signer.signingKey.sign(voteDigest(env, v)).serialized;
}

/** Certificate over `digest` signed by `signers`, listed in ascending address order. */
export function certify(digest: string, signers: Wallet[]): CertificateStruct {
  const sorted = [...signers].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  return { attesters: sorted.map((w) => w.address), signatures: sorted.map((w) => w.signingKey.sign(digest).serialized) };
}

/** Attesters holding 40 + 30 + 20 = 90% of the stake. */
export function quorum(env: PoolEnv): Wallet[] {
  return env.attesters.slice(0, 3);
}

export interface SettleOptions {
  round?: number;
  /** @default attester 3 (10 ETH) */
  prover?: string;
  /** @default 0.5 ETH */
  price?: bigint;
  signers?: Wallet[];
  requester?: Wallet;
  /** Adds the round's Completion certificate (needed after the round's deadline). */
  completion?: boolean;
}

/** Settlement arguments for `task` (the Assignment certified by `signers`, the fixture's Groth16 proof). */
export function settleArgs(env: PoolEnv, task: TaskStruct, o: SettleOptions = {}): SettleArgs {
  const id = taskIdOf(env, task);
  const assignment = { round: o.round ?? 0, prover: o.prover ?? env.attesters[3]!.address, price: o.price ?? ETH / 2n };
  const signers = o.signers ?? quorum(env);
  return {
    task,
    signature: signTask(env, task, o.requester),
    assignment,
    certificate: certify(assignmentDigest(env, id, assignment), signers),
    proof: env.groth16.proof,
    publicSignals: env.groth16.publicSignals,
    ...(o.completion === true
      ? { completionCertificate: certify(completionDigest(env, id, assignment.round, assignment.prover, proofHashOf(env.groth16.proof)), signers) }
      : {}),
  };
}

/** reportDefault arguments: the round's Assignment and Default certificates, both by `signers`. */
export function defaultArgs(env: PoolEnv, task: TaskStruct, round: number, prover: string, o: { price?: bigint; signers?: Wallet[]; requester?: Wallet } = {}): ReportDefaultArgs {
  const id = taskIdOf(env, task);
  const assignment = { round, prover, price: o.price ?? ETH / 2n };
  const signers = o.signers ?? quorum(env);
  return {
    task,
    signature: signTask(env, task, o.requester),
    assignment,
    assignmentCertificate: certify(assignmentDigest(env, id, assignment), signers),
    defaultCertificate: certify(defaultDigest(env, id, round, prover), signers),
  };
}

/** Awaits `p` and asserts it rejected with the contract's custom error `reason`. */
export async function expectRevert(p: Promise<unknown>, reason: string): Promise<ChainError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ChainError, String(err));
    const ce = err as ChainError;
    assert.equal(ce.type.code, "CHAIN_REVERTED", ce.message);
    assert.equal(ce.type["reason"], reason, ce.message);
    return ce;
  }
  throw new Error(`expected a revert with ${reason}, but the call succeeded`);
}

export { ZeroHash, DEFAULT_POOL_PARAMETERS };
