/**
 * Gas benchmark on anvil: stake, deposit, settle per proof system (Groth16, PLONK, FFLONK), default+slash, and
 * settlement gas against the proof verification alone. Run: npm run bench -w @zkpool/chain
 */
import type { Wallet} from "ethers";
import { Interface, type InterfaceAbi } from "ethers";
import { ProofSystem, publicSignalsHash } from "@zkpool/protocol";
import { deployContracts, startAnvil, testProvider, ChainTestHelper, type TaskStruct } from "../src/index.js";
import {
  ETH, assignmentDigest, certify, defaultDigest, deployVerifiers, devWallet, fixtureCircuitId, groth16Proof, otherProof,
  terminateSnarkjs, type FixtureProof, type PoolEnv,
} from "../test/helpers/pool.js";
import { ESCROW_EIP712_TYPES, eip712Domain } from "../src/types.js";
import { TypedDataEncoder } from "ethers";

const N_ATTESTERS = [3, 10, 25];

async function main(): Promise<void> {
  const hardfork = process.env["ZKPOOL_BENCH_HARDFORK"] ?? "cancun";
  const anvil = await startAnvil({ accounts: 30, hardfork });
  const provider = testProvider(anvil.url, anvil.chainId);
  try {
    const chain = new ChainTestHelper(provider);
    const deployer = devWallet(0, provider);
    const requester = devWallet(1, provider);
    const { escrow, stakeRegistry } = await deployContracts(deployer, { withdrawalDelay: 3600n, unstakeDelay: 7200n });
    const verifiers = await deployVerifiers(deployer);
    for (const [sys, v] of Object.entries(verifiers)) await escrow.registerCircuit(fixtureCircuitId(Number(sys)), v, Number(sys), 2);

    const rows: [string, bigint | string][] = [];
    const stakers: Wallet[] = [];
    for (let i = 2; i < 2 + Math.max(...N_ATTESTERS); i++) stakers.push(devWallet(i, provider));
    let r = await stakeRegistry.connect(stakers[0]!).stake(10n * ETH);
    rows.push(["stake (first, new operator)", r.gasUsed]);
    r = await stakeRegistry.connect(stakers[0]!).stake(1n * ETH);
    rows.push(["stake (top-up, same operator)", r.gasUsed]);
    // two whales: the first 3 operators hold ~89% of the stake, so any n >= 3 signatures form a certificate
    for (const [i, s] of stakers.slice(1).entries()) await stakeRegistry.connect(s).stake(i < 2 ? 1000n * ETH : 11n * ETH);
    r = await escrow.connect(requester).deposit(500n * ETH);
    rows.push(["deposit (first)", r.gasUsed]);
    r = await escrow.connect(requester).deposit(1n * ETH);
    rows.push(["deposit (top-up)", r.gasUsed]);
    const stakeBlock = await chain.blockNumber();
    await chain.mine();

    const domain = eip712Domain(BigInt(anvil.chainId), escrow.address);
    let nonce = 1n;
    const task = async (system: number, proof: FixtureProof): Promise<TaskStruct> => {
      const now = await chain.latestTimestamp();
      return {
        requester: requester.address, proofSystem: system, circuitId: fixtureCircuitId(system), inputHash: fixtureCircuitId(99),
        publicSignalsHash: publicSignalsHash(proof.publicSignals), maxReward: ETH, penalty: ETH, bidDeadline: now + 10n,
        revealDeadline: now + 20n, proofWindow: 600, maxRounds: 2, stakeEpoch: stakeBlock, nonce: nonce++,
      };
    };
    const sign = (t: TaskStruct) => requester.signingKey.sign(TypedDataEncoder.hash(domain, { Task: [...ESCROW_EIP712_TYPES.Task] }, t)).serialized;
    const env = { chainId: BigInt(anvil.chainId), escrow } as unknown as PoolEnv;

    const proofs: [string, number, FixtureProof][] = [
      ["Groth16", ProofSystem.Groth16, await groth16Proof()],
      ["PLONK", ProofSystem.Plonk, await otherProof("plonk")],
      ["FFLONK", ProofSystem.Fflonk, await otherProof("fflonk")],
    ];
    const verifierAbi: Record<number, string> = {
      [ProofSystem.Groth16]: "function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[2]) view returns (bool)",
      [ProofSystem.Plonk]: "function verifyProof(uint256[24],uint256[2]) view returns (bool)",
      [ProofSystem.Fflonk]: "function verifyProof(bytes32[24],uint256[2]) view returns (bool)",
    };
    const ratios: string[] = [];
    for (const [name, system, proof] of proofs) {
      for (const n of name === "Groth16" ? [0, ...N_ATTESTERS] : N_ATTESTERS) {
        const t = await task(system, proof);
        const id = TypedDataEncoder.hash(domain, { Task: [...ESCROW_EIP712_TYPES.Task] }, t);
        const prover = stakers[0]!.address;
        const assignment = { round: 0, prover, price: ETH / 2n };
        // n = 0: a warm-up settlement (the first ever writes the treasury's and insurance's slots from zero)
        const signers = stakers.slice(0, n === 0 ? 3 : n);
        const certificate = certify(assignmentDigest(env, id, assignment), signers);
        r = await escrow.settle({ task: t, signature: sign(t), assignment, certificate, proof: proof.proof, publicSignals: proof.publicSignals });
        rows.push([`settle ${name}, ${signers.length} attester signatures (first touch: opens + pays)${n === 0 ? ", first settlement ever" : ""}`, r.gasUsed]);
        if (n !== N_ATTESTERS[0]) continue;
        // the proof verification alone: the same verifier call as its own transaction
        const iface = new Interface([verifierAbi[system]!] as InterfaceAbi);
        const words = system === ProofSystem.Groth16
          ? [[proof.proof[0], proof.proof[1]], [[proof.proof[2], proof.proof[3]], [proof.proof[4], proof.proof[5]]], [proof.proof[6], proof.proof[7]], proof.publicSignals]
          : [system === ProofSystem.Fflonk ? proof.proof.map((w) => "0x" + w.toString(16).padStart(64, "0")) : proof.proof, proof.publicSignals];
        const data = iface.encodeFunctionData("verifyProof", words);
        const ok = iface.decodeFunctionResult("verifyProof", await provider.call({ to: verifiers[system]!, data }))[0] as boolean;
        if (!ok) throw new Error(`${name} verifier rejected the proof`);
        // explicit gas limit: a snarkjs verifier returns false (it does not revert) when a precompile runs out of
        // gas, so eth_estimateGas would find a limit at which verification silently fails
        const vtx = await (await deployer.sendTransaction({ to: verifiers[system]!, data, gasLimit: 3_000_000n })).wait();
        rows.push([`${name} verifyProof alone (its own tx)`, vtx!.gasUsed]);
        ratios.push(`${name}: settle/verify = ${(Number(r.gasUsed) / Number(vtx!.gasUsed)).toFixed(2)}x  (settle - verify = ${r.gasUsed - vtx!.gasUsed} gas for signature, certificate with ${signers.length} signatures, accounting)`);
      }
    }

    // default with slash (first touch opens the task too)
    {
      const [, system, proof] = proofs[0]!;
      const t = await task(system, proof);
      const id = TypedDataEncoder.hash(domain, { Task: [...ESCROW_EIP712_TYPES.Task] }, t);
      const prover = stakers[1]!.address;
      const signers = stakers.slice(0, 3);
      await chain.setNextBlockTimestamp(t.revealDeadline + 601n);
      r = await escrow.reportDefault(t, sign(t), 0, prover, certify(defaultDigest(env, id, 0, prover), signers));
      rows.push([`reportDefault + slash, ${signers.length} signatures (first touch: opens)`, r.gasUsed]);
      await chain.setNextBlockTimestamp(t.revealDeadline + 1201n);
      const p2 = stakers[2]!.address;
      r = await escrow.reportDefault(t, sign(t), 1, p2, certify(defaultDigest(env, id, 1, p2), signers));
      rows.push([`reportDefault + slash on the last round (fails task, pays penalty), ${signers.length} signatures`, r.gasUsed]);
    }
    r = await stakeRegistry.connect(stakers[3]!).requestUnstake(1n * ETH);
    rows.push(["requestUnstake", r.gasUsed]);

    console.log(`@zkpool/chain gas (anvil hardfork ${hardfork}; contracts solc 0.8.30 evmVersion cancun, optimizer 200 runs; ${stakers.length} staked operators)`);
    for (const [k, v] of rows) console.log(`${k.padEnd(92)} ${String(v).padStart(9)}`);
    console.log("");
    for (const l of ratios) console.log(l);
  } finally {
    provider.destroy();
    await anvil.stop();
    await terminateSnarkjs();
  }
}

await main();
