/** Deploys the key verifiers, CircuitRegistry, StakeRegistry and Escrow to any RPC endpoint and records the addresses in <dir>/<chainId>.json. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ContractFactory, JsonRpcProvider, NonceManager, Wallet, type InterfaceAbi, type Signer } from "ethers";
import {
  CircuitRegistryArtifact, EscrowArtifact, FflonkVerifierArtifact, Groth16VerifierArtifact, PlonkVerifierArtifact,
  StakeRegistryArtifact,
} from "./generated/artifacts.js";
import { CircuitRegistryClient, EscrowClient, StakeRegistryClient, toChainError } from "./contracts.js";
import { ChainError } from "./errors.js";
import type { PoolParameters } from "./types.js";
import { DEVNET_CHAIN_PARAMS, PRODUCTION_CHAIN_PARAMS, checkChainParams, type ChainParams } from "@zkpool/protocol";

/** Fee split defaults. */
const DEFAULT_FEES = { feeBps: 500, treasuryShareBps: 5000, royaltyBps: 1000 } as const;

/** The attesters' share of the pool fee (SPEC §9.13) of a ChainParams default set. */
function attesterShareOf(p: Readonly<ChainParams>): bigint {
  if (p.attesterShareBps === undefined) throw new Error("@zkpool/protocol's default parameters lack attesterShareBps");
  return p.attesterShareBps;
}

/** Devnet and test parameters: SPEC §9.1 devnet column and the default fee split (attesters' share §9.13). */
export const DEFAULT_POOL_PARAMETERS: Omit<PoolParameters, "treasury"> = {
  ...DEVNET_CHAIN_PARAMS, ...DEFAULT_FEES, attesterShareBps: attesterShareOf(DEVNET_CHAIN_PARAMS),
};

/** Production parameters: SPEC §9.1 production column and the default fee split (attesters' share §9.13). */
export const PRODUCTION_POOL_PARAMETERS: Omit<PoolParameters, "treasury"> = {
  ...PRODUCTION_CHAIN_PARAMS, ...DEFAULT_FEES, attesterShareBps: attesterShareOf(PRODUCTION_CHAIN_PARAMS),
};

/** Contents of a deployment file. Amounts and times are decimal strings. */
export interface Deployment {
  version: 3;
  chainId: string;
  stakeRegistry: string;
  escrow: string;
  /** The permissionless circuit registry (SPEC §9.12). */
  circuitRegistry: string;
  /** The universal verifiers the registry dispatches to, by proof system. */
  verifiers: { groth16: string; plonk: string; fflonk: string };
  deployer: string;
  blockNumber: number;
  /** Every deployment parameter (the contracts' immutables), amounts and times as decimal strings. */
  parameters: { treasury: string; feeBps: number; treasuryShareBps: number; royaltyBps: number } & Record<ChainParamName, string>;
}

type ChainParamName = Exclude<keyof ChainParams, "feeBps">;
const CHAIN_PARAM_NAMES: readonly ChainParamName[] = [
  "epochSeconds", "minStake", "unstakeDelay", "maxSnapshotAge", "maxTaskLifetime", "settleGrace", "reportWindow",
  "withdrawalDelay", "premiumBps", "coverageBps", "attesterShareBps",
];

/** The v1 rule parameters of a deployment file, as the node and SDK take them (`ChainParams`, with `feeBps`). */
export function chainParamsOf(d: Deployment): ChainParams {
  const out: Partial<Record<ChainParamName, bigint>> = {};
  for (const k of CHAIN_PARAM_NAMES) {
    const v = d.parameters[k] as string | undefined;
    if (v === undefined && k === "attesterShareBps")
      throw new ChainError({ code: "CHAIN_BAD_DEPLOYMENT", field: k }, "deployment parameter attesterShareBps is missing: the file predates attester payments (SPEC §9.13); redeploy");
    if (typeof v !== "string" || !/^[0-9]{1,78}$/.test(v))
      throw new ChainError({ code: "CHAIN_BAD_DEPLOYMENT", field: k }, `deployment parameter ${k} must be a decimal string, got ${JSON.stringify(v)}`);
    out[k] = BigInt(v);
  }
  const p = { ...(out as Record<ChainParamName, bigint>), feeBps: BigInt(d.parameters.feeBps) };
  try {
    checkChainParams(p);
  } catch (cause) {
    throw new ChainError({ code: "CHAIN_BAD_DEPLOYMENT", field: "parameters" }, `deployment parameters are inconsistent: ${(cause as Error).message}`, { cause });
  }
  return p;
}

export interface Deployed {
  deployment: Deployment;
  stakeRegistry: StakeRegistryClient;
  escrow: EscrowClient;
  circuitRegistry: CircuitRegistryClient;
}

/**
 * Deploys the three key verifiers, the circuit registry, the stake registry and the escrow with `signer`, and
 * binds the stake registry to the escrow. Nothing is owned: circuits are registered by anyone. Parameters default to
 * DEFAULT_POOL_PARAMETERS (devnet); the treasury defaults to the deployer. Inconsistent parameters (SPEC §9.1:
 * delays below the horizon, reportWindow < settleGrace) are refused before anything is sent.
 */
export async function deployContracts(deployer: Signer, params: Partial<PoolParameters> = {}): Promise<Deployed> {
  const p: PoolParameters = { ...DEFAULT_POOL_PARAMETERS, treasury: await deployer.getAddress(), ...params };
  try {
    checkChainParams({ ...p, feeBps: BigInt(p.feeBps) });
  } catch (cause) {
    throw new ChainError({ code: "CHAIN_BAD_PARAMETERS" }, `cannot deploy: ${(cause as Error).message}`, { cause });
  }
  // count nonces locally: a provider that caches eth_getTransactionCount would reuse one between the three txs
  const signer = new NonceManager(deployer);
  const provider = deployer.provider;
  if (!provider) throw new ChainError({ code: "CHAIN_NO_PROVIDER" }, "the deployer signer must be connected to a provider");
  try {
    const chainId = (await provider.getNetwork()).chainId;
    const deploy = async (artifact: { abi: InterfaceAbi; bytecode: string }, ...args: unknown[]): Promise<string> => {
      const c = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
      await c.waitForDeployment();
      return c.getAddress();
    };
    const verifiers = {
      groth16: await deploy(Groth16VerifierArtifact),
      plonk: await deploy(PlonkVerifierArtifact),
      fflonk: await deploy(FflonkVerifierArtifact),
    };
    const circuitRegistry = await deploy(CircuitRegistryArtifact, verifiers.groth16, verifiers.plonk, verifiers.fflonk);
    const rf = new ContractFactory(StakeRegistryArtifact.abi, StakeRegistryArtifact.bytecode, signer);
    const registry = await rf.deploy(p.epochSeconds, p.minStake, p.unstakeDelay);
    await registry.waitForDeployment();
    const registryAddress = await registry.getAddress();
    const ef = new ContractFactory(EscrowArtifact.abi, EscrowArtifact.bytecode, signer);
    const escrow = await ef.deploy(registryAddress, circuitRegistry, [
      p.treasury, p.feeBps, p.treasuryShareBps, p.royaltyBps, p.premiumBps, p.coverageBps,
      p.maxSnapshotAge, p.maxTaskLifetime, p.settleGrace, p.reportWindow, p.withdrawalDelay, p.attesterShareBps,
    ]);
    await escrow.waitForDeployment();
    const escrowAddress = await escrow.getAddress();
    const stakeRegistry = new StakeRegistryClient(registryAddress, signer);
    const receipt = await stakeRegistry.setEscrow(escrowAddress);
    const chainParams = Object.fromEntries(CHAIN_PARAM_NAMES.map((k) => [k, p[k].toString()])) as Record<ChainParamName, string>;
    const deployment: Deployment = {
      version: 3,
      chainId: chainId.toString(),
      stakeRegistry: registryAddress,
      escrow: escrowAddress,
      circuitRegistry,
      verifiers,
      deployer: await signer.getAddress(),
      blockNumber: receipt.blockNumber,
      parameters: { treasury: p.treasury, feeBps: p.feeBps, treasuryShareBps: p.treasuryShareBps, royaltyBps: p.royaltyBps, ...chainParams },
    };
    return {
      deployment,
      stakeRegistry: stakeRegistry.connect(deployer),
      escrow: new EscrowClient(escrowAddress, deployer),
      circuitRegistry: new CircuitRegistryClient(circuitRegistry, deployer),
    };
  } catch (err) {
    throw toChainError(err, "deploy");
  }
}

export interface DeployToRpcInit extends Partial<PoolParameters> {
  rpcUrl: string;
  /** Hex private key of the deployer (keep it out of argv: read it from the environment). */
  privateKey: string;
  /** Folder for <chainId>.json. @default "deployments" */
  deploymentsDir?: string;
}

/** Deploys to `rpcUrl` and writes the deployment file; returns it with its path. */
export async function deployToRpc(init: DeployToRpcInit): Promise<Deployed & { path: string }> {
  const { rpcUrl, privateKey, deploymentsDir = "deployments", ...params } = init;
  const provider = new JsonRpcProvider(rpcUrl, undefined, { batchMaxCount: 1, cacheTimeout: -1 });
  try {
    const deployed = await deployContracts(new Wallet(privateKey, provider), params);
    const path = await writeDeployment(deploymentsDir, deployed.deployment);
    return { ...deployed, path };
  } finally {
    provider.destroy();
  }
}

export async function writeDeployment(dir: string, d: Deployment): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${d.chainId}.json`);
  await writeFile(path, JSON.stringify(d, null, 2) + "\n");
  return path;
}

export async function readDeployment(dir: string, chainId: bigint): Promise<Deployment> {
  const path = join(dir, `${chainId}.json`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ChainError({ code: "CHAIN_NO_DEPLOYMENT", path, chainId: chainId.toString() }, `no deployment for chain ${chainId} at ${path}; deploy first`, { cause });
  }
  const d = JSON.parse(text) as Deployment;
  if (d.version !== 3 || d.chainId !== chainId.toString())
    throw new ChainError({ code: "CHAIN_BAD_DEPLOYMENT", path }, `${path} is not a version-3 (protocol v1, circuit registry) deployment for chain ${chainId}; redeploy`);
  chainParamsOf(d);
  return d;
}
