/**
 * `zkpool circuit register|list|show`: the permissionless circuit registry on chain (SPEC §9.12). Any account
 * registers a circuit by its verification key; the chain derives the circuit id from the key.
 */
import { join } from "node:path";
import type { Wallet } from "ethers";
import { readManifest } from "@zkpool/circuits";
import { CircuitRegistryClient, isChainError, type CircuitEntry } from "@zkpool/chain";
import { decodeVerificationKey, vkeyHeader, type Hex } from "@zkpool/protocol";
import { readCircuit, type CircuitParameters } from "@zkpool/sdk";
import { chainContext } from "./commands.js";
import type { NodeConfig } from "./config.js";
import { CliError, CliErrorCode } from "./errors.js";

const SYSTEM_NAME: Record<number, string> = { 1: "groth16", 2: "plonk", 3: "fflonk" };
type SystemName = "groth16" | "plonk" | "fflonk";

/** The circuit flags a command was given: a catalog name, a `zkpool circuit setup` folder, or the three files. */
export interface CircuitFlags {
  circuit?: string;
  dir?: string;
  wasm?: string;
  zkey?: string;
  vkey?: string;
  proofSystem?: SystemName;
}

/**
 * The SDK's circuit parameters for the flags: exactly one of --circuit, --dir (the circuit.json that `zkpool
 * circuit setup` wrote; --proof-system picks among its systems) or --wasm/--zkey/--vkey.
 */
export async function circuitOfFlags(f: CircuitFlags): Promise<CircuitParameters> {
  const files = [f.wasm, f.zkey, f.vkey].filter((x) => x !== undefined).length;
  const ways = (f.circuit !== undefined ? 1 : 0) + (f.dir !== undefined ? 1 : 0) + (files > 0 ? 1 : 0);
  if (ways !== 1 || (files > 0 && files < 3)) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "circuit" },
      "name the circuit one way: --circuit <catalog name>, --dir <folder of zkpool circuit setup>, or all of --wasm, --zkey and --vkey");
  }
  const sys = f.proofSystem !== undefined ? { proofSystem: f.proofSystem } : {};
  if (f.circuit !== undefined) return { circuit: f.circuit, ...sys };
  if (f.dir === undefined) return { artifacts: { wasm: f.wasm!, zkey: f.zkey!, vkey: f.vkey! }, ...sys };
  const m = await readManifest(f.dir);
  if (m === undefined) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "dir" }, `${f.dir} has no circuit.json: run zkpool circuit setup <file.circom> --out ${f.dir} first`);
  }
  const built = Object.keys(m.systems) as SystemName[];
  const system = f.proofSystem ?? (built.length === 1 ? built[0]! : undefined);
  const s = system === undefined ? undefined : m.systems[system];
  if (s === undefined) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "proof-system" },
      system === undefined
        ? `${f.dir} holds keys for ${built.join(", ")}: pick one with --proof-system`
        : `${f.dir} has no ${system} keys (it has ${built.join(", ") || "none"}); run zkpool circuit setup with --proof-system ${system}`);
  }
  return { artifacts: { wasm: join(f.dir, s.wasm.file), zkey: join(f.dir, s.zkey.file), vkey: join(f.dir, s.vkey.file) }, proofSystem: system! };
}

export interface CircuitRegisterResult {
  circuitId: Hex;
  proofSystem: string;
  nPublic: number;
  /** False when the circuit was already registered (the call changed nothing). */
  registered: boolean;
  registrant: string;
  txHash: string;
}

/** Registers a circuit (catalog name or own artifacts) from `signer`'s account. */
export async function circuitRegister(c: NodeConfig, signer: Wallet, p: CircuitParameters): Promise<CircuitRegisterResult> {
  const circuit = await readCircuit(p);
  const ctx = await chainContext(c);
  try {
    const registry = new CircuitRegistryClient(registryAddress(ctx.deployment), signer.connect(ctx.provider));
    const r = await registry.register(circuit.proofSystem, circuit.wasmSha256, circuit.zkeySha256, circuit.vkeyBytes);
    return {
      circuitId: r.circuitId.toLowerCase() as Hex, proofSystem: circuit.vkey.protocol, nPublic: circuit.vkey.nPublic,
      registered: r.registered, registrant: signer.address, txHash: r.receipt.hash,
    };
  } catch (cause) {
    throw refused(cause, "register");
  } finally {
    ctx.close();
  }
}

export interface CircuitListing {
  circuitId: string;
  proofSystem: string;
  nPublic: number;
  registrant: string;
  registeredAt: bigint;
  wasmSha256: string;
  zkeySha256: string;
  vkeySha256: string;
}

function listing(e: CircuitEntry): CircuitListing {
  return {
    circuitId: e.circuitId, proofSystem: SYSTEM_NAME[e.proofSystem] ?? String(e.proofSystem), nPublic: e.nPublic,
    registrant: e.registrant, registeredAt: e.registeredAt, wasmSha256: e.wasmSha256, zkeySha256: e.zkeySha256, vkeySha256: e.vkeySha256,
  };
}

/** Every circuit the chain has, in registration order. */
export async function circuitList(c: NodeConfig): Promise<CircuitListing[]> {
  const ctx = await chainContext(c);
  try {
    const registry = new CircuitRegistryClient(registryAddress(ctx.deployment), ctx.provider);
    const out: CircuitListing[] = [];
    for (const id of await registry.circuitIds()) {
      const e = await registry.circuit(id);
      if (e !== undefined) out.push(listing(e));
    }
    return out;
  } catch (cause) {
    throw refused(cause, "list");
  } finally {
    ctx.close();
  }
}

/** One circuit with its verification key as the chain holds it (snarkjs form). */
export async function circuitShow(c: NodeConfig, circuitId: string): Promise<CircuitListing & { vkey: unknown }> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(circuitId)) {
    throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "circuitId" }, `${JSON.stringify(circuitId)} is not a circuit id (0x and 64 hex digits); see zkpool circuit list`);
  }
  const ctx = await chainContext(c);
  try {
    const registry = new CircuitRegistryClient(registryAddress(ctx.deployment), ctx.provider);
    const e = await registry.circuit(circuitId);
    if (e === undefined) {
      throw new CliError({ code: CliErrorCode.CIRCUIT_NOT_FOUND, detail: circuitId }, `circuit ${circuitId} is not registered on this chain; see zkpool circuit list, or zkpool circuit register`);
    }
    const words = await registry.verificationKeyWords(circuitId);
    const key = new Uint8Array(32 + words.length);
    key.set(vkeyHeader(e.proofSystem));
    key.set(words, 32);
    return { ...listing(e), vkey: decodeVerificationKey(key) };
  } catch (cause) {
    throw refused(cause, "show");
  } finally {
    ctx.close();
  }
}

function registryAddress(d: { circuitRegistry?: string; chainId: string }): string {
  if (typeof d.circuitRegistry !== "string") {
    throw new CliError({ code: CliErrorCode.NO_STAKE_SOURCE, detail: "circuitRegistry" },
      `the deployment for chain ${d.chainId} has no circuitRegistry: it predates the permissionless registry; redeploy`);
  }
  return d.circuitRegistry;
}

function refused(cause: unknown, what: string): Error {
  if (cause instanceof CliError) return cause;
  if (isChainError(cause)) {
    return new CliError({ code: CliErrorCode.TX_REFUSED, detail: cause.message }, `circuit ${what}: ${cause.message}`, { cause });
  }
  return cause as Error;
}
