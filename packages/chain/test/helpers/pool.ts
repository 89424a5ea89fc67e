/**
 * Test environment: anvil + deployed contracts + staked attesters + a funded requester + the fixture circuit's
 * verifiers, and signing helpers for tasks and certificates (SPEC 0.3 / 0.7).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContractFactory, HDNodeWallet, Mnemonic, TypedDataEncoder, Wallet, ZeroHash, keccak256, toUtf8Bytes, type InterfaceAbi, type JsonRpcProvider } from "ethers";
import * as snarkjs from "snarkjs";
import { ProofSystem, groth16ProofWords, proofWordsFromSolidityCalldata, publicSignalsHash } from "@zkpool/protocol";
import {
  ANVIL_DEV_MNEMONIC,
  ChainTestHelper,
  ESCROW_EIP712_TYPES,
  compile,
  deployContracts,
  eip712Domain,
  startAnvil,
  testProvider,
  type Anvil,
  type AssignmentStruct,
  type CertificateStruct,
  type Deployed,
  type EscrowClient,
  type StakeRegistryClient,
  type TaskStruct,
} from "../../src/index.js";
import { packageRoot } from "../../src/compile.js";

export const FIXTURES = join(packageRoot(), "test", "fixtures", "mul");
export const ETH = 10n ** 18n;

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
  /** circuit ids registered per proof system */
  circuits: Record<number, string>;
  verifiers: Record<number, string>;
  groth16: FixtureProof;
  stakeBlock: bigint;
  stop(): Promise<void>;
}

/** Attester stakes: 40, 30, 20, 10 ETH (so any 3 of the top 3 reach 2/3, 40+20 = 60% does not). */
export const STAKES = [40n * ETH, 30n * ETH, 20n * ETH, 10n * ETH];

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

/** A circuit id for the fixture (the artifact hashes are stand-ins: the escrow only keys its registry by it). */
export function fixtureCircuitId(system: number): string {
  return keccak256(toUtf8Bytes(`zkpool/chain/test/mul/${system}`));
}

export async function startPool(opts: { stakes?: bigint[] } = {}): Promise<PoolEnv> {
  const anvil = await startAnvil();
  try {
    const provider = testProvider(anvil.url, anvil.chainId);
    const chain = new ChainTestHelper(provider);
    const deployer = devWallet(0, provider);
    const treasury = devWallet(9, provider);
    const requester = devWallet(5, provider);
    const outsider = devWallet(6, provider);
    const attesters = [1, 2, 3, 4].map((i) => devWallet(i, provider));
    const deployed = await deployContracts(deployer, { treasury: treasury.address, withdrawalDelay: 3600n, unstakeDelay: 7200n });
    const verifiers = await deployVerifiers(deployer);
    const circuits: Record<number, string> = {};
    for (const [system, verifier] of Object.entries(verifiers)) {
      const id = fixtureCircuitId(Number(system));
      await deployed.escrow.registerCircuit(id, verifier, Number(system), 2);
      circuits[Number(system)] = id;
    }
    const stakes = opts.stakes ?? STAKES;
    for (let i = 0; i < attesters.length; i++) {
      const s = stakes[i] ?? 0n;
      if (s > 0n) await deployed.stakeRegistry.connect(attesters[i]!).stake(s);
    }
    const stakeBlock = await chain.blockNumber();
    await deployed.escrow.connect(requester).deposit(100n * ETH);
    await deployed.escrow.connect(deployer).fundInsurance(5n * ETH);
    const groth16 = await groth16Proof();
    return {
      anvil, provider, chain, chainId: BigInt(anvil.chainId), deployer, treasury, requester, attesters, outsider, deployed,
      escrow: deployed.escrow, registry: deployed.stakeRegistry, circuits, verifiers, groth16, stakeBlock,
      async stop() {
        provider.destroy();
        await anvil.stop();
      },
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}

let nonceCounter = 1n;

/** A task for the fixture circuit, deadlines relative to the latest block. */
export async function makeTask(env: PoolEnv, over: Partial<TaskStruct> = {}): Promise<TaskStruct> {
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
    stakeEpoch: env.stakeBlock,
    nonce: nonceCounter++,
    ...over,
  };
}

export function domainOf(env: PoolEnv): ReturnType<typeof eip712Domain> {
  return eip712Domain(env.chainId, env.escrow.address);
}

export function taskIdOf(env: PoolEnv, task: TaskStruct): string {
  return TypedDataEncoder.hash(domainOf(env), { Task: [...ESCROW_EIP712_TYPES.Task] }, task);
}

export function signTask(env: PoolEnv, task: TaskStruct, signer: Wallet = env.requester): string {
  return signer.signingKey.sign(taskIdOf(env, task)).serialized;
}

export function assignmentDigest(env: PoolEnv, taskId: string, a: AssignmentStruct): string {
  return TypedDataEncoder.hash(domainOf(env), { Assignment: [...ESCROW_EIP712_TYPES.Assignment] }, { taskId, ...a });
}

export function defaultDigest(env: PoolEnv, taskId: string, round: number, prover: string): string {
  return TypedDataEncoder.hash(domainOf(env), { Default: [...ESCROW_EIP712_TYPES.Default] }, { taskId, round, prover });
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

export { ZeroHash };
