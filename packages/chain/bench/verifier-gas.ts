/**
 * Verification gas: snarkjs' exported per-circuit verifier against the universal verifiers (the key as call data),
 * for the same proof, on one anvil. Run: npm run bench:verifiers -w @zkpool/chain
 *
 * How gas is measured (the same for both): a probe contract copies the call data it is given into memory, reads
 * gasleft(), makes one STATICCALL to the verifier from assembly, and reads gasleft() again; the difference is
 * returned by an eth_call. It covers the CALL itself (a cold account: 2,600), everything the verifier executes,
 * and nothing of the outer transaction (21,000, call data of the transaction, the ABI encoding in the caller).
 * So it is what a contract pays to call the verifier with the arguments already in memory; for the universal
 * verifiers those arguments include the key bytes (reading them from a data contract first, e.g. EXTCODECOPY, is
 * the registry's cost and not counted here).
 *
 * Prints one line per case: `verifier-gas: <circuit> <system> snarkjs=<gas> universal=<gas> ratio=<x.xx>`.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Contract, ContractFactory, HDNodeWallet, Interface, Mnemonic, Wallet, concat, toBeHex, type InterfaceAbi, type JsonRpcProvider } from "ethers";
import * as snarkjsTyped from "snarkjs";
import { loadCircuit } from "@zkpool/circuits";
import { groth16ProofWords, proofWordsFromSolidityCalldata, verificationKeyWords, type SnarkjsVerificationKey } from "@zkpool/protocol";
import { ANVIL_DEV_MNEMONIC, startAnvil } from "../src/anvil.js";
import { compile, packageRoot } from "../src/compile.js";
import { testProvider } from "../src/testing.js";

type Json = Record<string, unknown>;
type System = "groth16" | "plonk" | "fflonk";
interface Prover {
  fullProve(input: unknown, wasm: string, zkey: string): Promise<{ proof: Json; publicSignals: string[] }>;
  exportSolidityCallData(a: unknown, b: unknown): Promise<string>;
}
const snarkjs = snarkjsTyped as unknown as Record<System, Prover> & {
  zKey: {
    exportVerificationKey(zkey: string): Promise<Json>;
    exportSolidityVerifier(zkey: string, templates: Record<string, string>): Promise<string>;
  };
};

const PROBE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;
contract GasProbe {
    function measure(address target, bytes calldata data) external view returns (uint256 used, bool ok, uint256 result) {
        bytes memory d = data;
        assembly {
            let g := gas()
            ok := staticcall(gas(), target, add(d, 0x20), mload(d), 0x00, 0x20)
            used := sub(g, gas())
            result := mload(0x00)
        }
    }
}
`;

/** The universal verifiers' key words (SPEC §1.12, without the header word) from snarkjs vkey JSON. */
function vkWords(vk: Json): bigint[] {
  return verificationKeyWords(vk as unknown as SnarkjsVerificationKey).words;
}

/** snarkjs' templates folder (its package "exports" hide package.json, so look along the resolution paths). */
function snarkjsTemplates(): string {
  for (const base of createRequire(import.meta.url).resolve.paths("snarkjs") ?? []) {
    const dir = join(base, "snarkjs", "templates");
    if (existsSync(dir)) return dir;
  }
  throw new Error("snarkjs templates not found");
}

const CONTRACT_NAME: Record<System, string> = { groth16: "Groth16Verifier", plonk: "PlonkVerifier", fflonk: "FflonkVerifier" };

async function main(): Promise<void> {
  const anvil = await startAnvil({ hardfork: "cancun" });
  const provider: JsonRpcProvider = testProvider(anvil.url, anvil.chainId);
  try {
    const deployer = new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/0").privateKey, provider);
    let nonce = await provider.getTransactionCount(deployer.address);
    const deploy = async (c: { abi: readonly unknown[]; bytecode: string }): Promise<Contract> => {
      const d = await new ContractFactory(c.abi as InterfaceAbi, c.bytecode, deployer).deploy({ nonce: nonce++ });
      await d.waitForDeployment();
      return new Contract(await d.getAddress(), c.abi as InterfaceAbi, provider);
    };
    const probe = await deploy(compile({ "GasProbe.sol": PROBE })["GasProbe"]!);
    const measure = async (target: Contract, data: string, what: string): Promise<bigint> => {
      const [used, ok, result] = (await probe.getFunction("measure").staticCall(await target.getAddress(), data)) as [bigint, boolean, bigint];
      if (!ok || result !== 1n) throw new Error(`${what}: the verifier did not accept the proof (ok=${ok}, result=${result})`);
      return used;
    };

    // the universal verifiers (FFLONK only if its contract is there and compiles)
    const contracts = join(packageRoot(), "contracts");
    const universal: Partial<Record<System, Contract>> = {};
    for (const system of ["groth16", "plonk", "fflonk"] as const) {
      const file = `${CONTRACT_NAME[system]}.sol`;
      if (!existsSync(join(contracts, file))) continue;
      try {
        universal[system] = await deploy(compile({ [file]: await readFile(join(contracts, file), "utf8") })[CONTRACT_NAME[system]]!);
      } catch (err) {
        console.log(`verifier-gas: ${file} not benchmarked: ${String((err as Error).message).split("\n").slice(0, 3).join(" ")}`);
      }
    }

    const cases: [string, System][] = [
      ["range-check-32", "groth16"], ["hash-chain-10", "groth16"], ["merkle-10", "groth16"],
      ["range-check-32", "plonk"], ["range-check-32", "fflonk"],
    ];
    for (const [name, system] of cases) {
      const target = universal[system];
      if (target === undefined) continue;
      const c = await loadCircuit(name, system, { verifyHashes: false });
      const vk = await snarkjs.zKey.exportVerificationKey(c.zkey.path);
      // the snarkjs verifier: the committed one, else exported now from the zkey
      const sol = existsSync(c.verifier.path)
        ? await readFile(c.verifier.path, "utf8")
        : await snarkjs.zKey.exportSolidityVerifier(c.zkey.path, { [system]: await readFile(join(snarkjsTemplates(), `verifier_${system}.sol.ejs`), "utf8") });
      const exported = await deploy(compile({ "exported.sol": sol })[CONTRACT_NAME[system]]!);

      const { proof, publicSignals } = await snarkjs[system].fullProve(c.sampleInput, c.wasm.path, c.zkey.path);
      const words = system === "groth16"
        ? groth16ProofWords(proof as unknown as Parameters<typeof groth16ProofWords>[0])
        : proofWordsFromSolidityCalldata(system === "plonk"
          ? await snarkjs.plonk.exportSolidityCallData(proof, publicSignals)
          // snarkjs 0.7 takes (publicSignals, proof) for FFLONK
          : await snarkjs.fflonk.exportSolidityCallData(publicSignals, proof));
      const signals = publicSignals.map(BigInt);

      const iface = new Interface(exported.interface.fragments);
      const snarkjsData = system === "groth16"
        ? iface.encodeFunctionData("verifyProof", [words.slice(0, 2), [words.slice(2, 4), words.slice(4, 6)], words.slice(6, 8), signals])
        : iface.encodeFunctionData("verifyProof", [system === "fflonk" ? words.map((w) => toBeHex(w, 32)) : words, signals]);
      const universalData = target.interface.encodeFunctionData("verify", [concat(vkWords(vk).map((w) => toBeHex(w, 32))), words, signals]);

      const a = await measure(exported, snarkjsData, `${name} ${system} snarkjs`);
      const b = await measure(target, universalData, `${name} ${system} universal`);
      console.log(`verifier-gas: ${name} ${system} snarkjs=${a} universal=${b} ratio=${(Number(b) / Number(a)).toFixed(2)}`);
    }
  } finally {
    provider.destroy();
    await anvil.stop();
    const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
    if (g.curve_bn128) await g.curve_bn128.terminate();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
