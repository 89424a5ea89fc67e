/**
 * Gas benchmark on anvil (protocol v1 contracts, devnet parameters): stake, deposit, open, settle per proof system
 * (Groth16, PLONK, FFLONK) and certificate size, a late settlement with its Completion certificate, reportDefault,
 * reportInvalid, reportNonReveal, reportEquivocation, expire, and settlement gas against the proof verification
 * alone. Run: npm run bench -w @zkpool/chain
 */
import { hexlify, randomBytes } from "ethers";
import { type TransactionReceipt, type Wallet } from "ethers";
import { ProofSystem, publicSignalsHash } from "@zkpool/protocol";
import { ChainTestHelper, circuitRegistryInterface, deployContracts, startAnvil, testProvider, type CertificateStruct, type TaskStruct } from "../src/index.js";
import {
  ETH, VOTE, assignmentDigest, certify, completionDigest, defaultDigest, devWallet, fixtureArtifacts, fixtureCircuitId,
  groth16Proof, invalidDigest, nonRevealDigest, otherProof, proofHashOf, signVote, taskIdOf, terminateSnarkjs, vote,
  type FixtureProof,
} from "../test/helpers/pool.js";

const N_ATTESTERS = [3, 10, 25];

async function main(): Promise<void> {
  const hardfork = process.env["ZKPOOL_BENCH_HARDFORK"] ?? "cancun";
  const anvil = await startAnvil({ accounts: 30, hardfork });
  const provider = testProvider(anvil.url, anvil.chainId);
  try {
    const chain = new ChainTestHelper(provider);
    const deployer = devWallet(0, provider);
    const requester = devWallet(1, provider);
    const { escrow, stakeRegistry, circuitRegistry } = await deployContracts(deployer); // DEFAULT_POOL_PARAMETERS (devnet)
    const { settleGrace } = await escrow.parameters();

    const rows: [string, bigint | string][] = [];
    const row = (label: string, r: TransactionReceipt): void => {
      rows.push([label, r.gasUsed]);
    };
    for (const [sys, name] of [[1, "groth16"], [2, "plonk"], [3, "fflonk"]] as const) {
      const a = fixtureArtifacts(sys);
      row(`register circuit (${name}, nPublic 2)`, (await circuitRegistry.register(sys, a.wasmSha256, a.zkeySha256, a.vkey)).receipt);
    }
    {
      const a = fixtureArtifacts(1);
      row("register circuit (again: no-op)", (await circuitRegistry.register(1, a.wasmSha256, a.zkeySha256, a.vkey)).receipt);
    }
    const stakers: Wallet[] = [];
    for (let i = 2; i < 2 + Math.max(...N_ATTESTERS); i++) stakers.push(devWallet(i, provider));
    row("stake (first, new operator)", await stakeRegistry.connect(stakers[0]!).stake(10n * ETH));
    row("stake (top-up, same operator)", await stakeRegistry.connect(stakers[0]!).stake(1n * ETH));
    // two whales: the first 3 operators hold ~89% of the stake, so any n >= 3 signatures form a certificate
    for (const [i, s] of stakers.slice(1).entries()) await stakeRegistry.connect(s).stake(i < 2 ? 1000n * ETH : 11n * ETH);
    row("deposit (first)", await escrow.connect(requester).deposit(500n * ETH));
    row("deposit (top-up)", await escrow.connect(requester).deposit(1n * ETH));
    await escrow.fundInsurance(10n * ETH);

    const env = { chainId: BigInt(anvil.chainId), escrow };
    /** A fresh final stake epoch (the stake does not change after setup, so every epoch has the same table). */
    const epochNow = async (): Promise<bigint> => {
      const t = (await chain.latestTimestamp()) + 1n;
      await chain.setNextBlockTimestamp(t);
      await chain.mine();
      return t;
    };
    let nonce = 1n;
    const task = async (system: number, proof: FixtureProof, over: Partial<TaskStruct> = {}): Promise<TaskStruct> => {
      const stakeEpoch = await epochNow();
      return {
        requester: requester.address, proofSystem: system, circuitId: fixtureCircuitId(system), inputHash: hexlify(randomBytes(32)),
        publicSignalsHash: publicSignalsHash(proof.publicSignals), maxReward: ETH, penalty: ETH, bidDeadline: stakeEpoch + 10n,
        revealDeadline: stakeEpoch + 20n, proofWindow: 600, maxRounds: 2, stakeEpoch, nonce: nonce++,
        startPrice: 0n, priceStep: 0n, rebidWindow: 0, ...over,
      };
    };
    const sign = (t: TaskStruct): string => requester.signingKey.sign(taskIdOf(env, t)).serialized;
    const three = stakers.slice(0, 3);

    const proofs: [string, number, FixtureProof][] = [
      ["Groth16", ProofSystem.Groth16, await groth16Proof()],
      ["PLONK", ProofSystem.Plonk, await otherProof("plonk")],
      ["FFLONK", ProofSystem.Fflonk, await otherProof("fflonk")],
    ];
    const groth = proofs[0]![2];
    const settleOf = (t: TaskStruct, proof: FixtureProof, signers: Wallet[], round = 0, completion?: CertificateStruct) => {
      const id = taskIdOf(env, t);
      const assignment = { round, prover: stakers[0]!.address, price: ETH / 2n };
      return {
        task: t, signature: sign(t), assignment, certificate: certify(assignmentDigest(env, id, assignment), signers),
        proof: proof.proof, publicSignals: proof.publicSignals, ...(completion ? { completionCertificate: completion } : {}),
      };
    };
    const ratios: string[] = [];
    for (const [name, system, proof] of proofs) {
      for (const n of name === "Groth16" ? [0, ...N_ATTESTERS] : N_ATTESTERS) {
        const t = await task(system, proof);
        // n = 0: a warm-up settlement (the first ever writes the treasury's and insurance's slots from zero)
        const signers = stakers.slice(0, n === 0 ? 3 : n);
        const r = await escrow.settle(settleOf(t, proof, signers));
        row(`settle ${name}, ${signers.length} attester signatures (first touch: opens + pays)${n === 0 ? ", first settlement ever" : ""}`, r);
        if (n !== N_ATTESTERS[0]) continue;
        // the proof verification alone: the same verifier call as its own transaction
        const data = circuitRegistryInterface.encodeFunctionData("verify", [fixtureCircuitId(system), system, proof.proof, proof.publicSignals]);
        const ok = circuitRegistryInterface.decodeFunctionResult("verify", await provider.call({ to: circuitRegistry.address, data }))[0] as boolean;
        if (!ok) throw new Error(`${name} verifier rejected the proof`);
        // explicit gas limit: a verifier returns false (it does not revert) when a precompile runs out of gas, so
        // eth_estimateGas would find a limit at which verification silently fails
        const vtx = await (await deployer.sendTransaction({ to: circuitRegistry.address, data, gasLimit: 3_000_000n })).wait();
        rows.push([`${name} verify alone (registry + universal verifier, its own tx)`, vtx!.gasUsed]);
        ratios.push(`${name}: settle/verify = ${(Number(r.gasUsed) / Number(vtx!.gasUsed)).toFixed(2)}x  (settle - verify = ${r.gasUsed - vtx!.gasUsed} gas for signature, certificate with ${signers.length} signatures, accounting)`);
      }
    }

    // open, then settle the opened task (the lock is already there)
    {
      const t = await task(ProofSystem.Groth16, groth);
      row("open (checks the task, locks its cost)", await escrow.open(t, sign(t)));
      row("settle Groth16, 3 signatures, task already open", await escrow.settle(settleOf(t, groth, three)));
    }
    // a price ramp (SPEC §10.3): R = 4 auction rounds at 0.25/0.5/0.75/1 ETH, settled in auction round 1 (round 2) at 0.5
    {
      const t = await task(ProofSystem.Groth16, groth, { startPrice: ETH / 4n, priceStep: ETH / 4n, rebidWindow: 30 });
      row("settle Groth16, 3 signatures, price ramp, auction round 1 (first touch: opens + pays)", await escrow.settle(settleOf(t, groth, three, 2)));
    }
    // a late settlement within settleGrace: the round's Completion certificate is verified too
    {
      const t = await task(ProofSystem.Groth16, groth);
      const id = taskIdOf(env, t);
      const completion = certify(completionDigest(env, id, 0, stakers[0]!.address, proofHashOf(groth.proof)), three);
      await chain.setNextBlockTimestamp(t.revealDeadline + 600n + settleGrace);
      row("settle Groth16 late (within settleGrace), 3 + 3 signatures (Assignment + Completion)", await escrow.settle(settleOf(t, groth, three, 0, completion)));
    }

    // defaults: the Assignment and the Default certificate of the round, eligibility, slash
    const defaultOf = (t: TaskStruct, round: number, prover: string) => {
      const id = taskIdOf(env, t);
      const assignment = { round, prover, price: ETH / 2n };
      return {
        task: t, signature: sign(t), assignment,
        assignmentCertificate: certify(assignmentDigest(env, id, assignment), three),
        defaultCertificate: certify(defaultDigest(env, id, round, prover), three),
      };
    };
    {
      const t = await task(ProofSystem.Groth16, groth);
      await chain.setNextBlockTimestamp(t.revealDeadline + 601n);
      row("reportDefault + slash, 3 + 3 signatures (first touch: opens)", await escrow.reportDefault(defaultOf(t, 0, stakers[1]!.address)));
      await chain.setNextBlockTimestamp(t.revealDeadline + 1201n);
      row("reportDefault + slash on the last round (fails the task, pays the penalty), 3 + 3 signatures", await escrow.reportDefault(defaultOf(t, 1, stakers[2]!.address)));
    }
    {
      const t = await task(ProofSystem.Groth16, groth, { maxRounds: 1 });
      await escrow.open(t, sign(t));
      await chain.setNextBlockTimestamp(t.revealDeadline + 600n + settleGrace + 1n);
      row("expire (open task: refund, premium to the fund)", await escrow.expire(t));
      row("reportDefault after expiry (late: slash + penalty), 3 + 3 signatures", await escrow.reportDefault(defaultOf(t, 0, stakers[3]!.address)));
      const unseen = await task(ProofSystem.Groth16, groth, { maxRounds: 1 });
      await chain.setNextBlockTimestamp(unseen.revealDeadline + 600n + settleGrace + 1n);
      row("expire (task never seen on chain: marks it closed)", await escrow.expire(unseen));
    }
    // invalid task, non-reveal bond, equivocation
    {
      const t = await task(ProofSystem.Groth16, groth);
      const id = taskIdOf(env, t);
      row("reportInvalid, 3 signatures (first touch: opens)", await escrow.reportInvalid(t, sign(t), certify(invalidDigest(env, id), three)));
    }
    {
      const t = await task(ProofSystem.Groth16, groth);
      const id = taskIdOf(env, t);
      const prover = stakers[4]!.address;
      const commitment = hexlify(randomBytes(32));
      await chain.setNextBlockTimestamp(t.revealDeadline + 3n);
      row("reportNonReveal + slash, 3 signatures (first touch: opens)", await escrow.reportNonReveal({
        task: t, signature: sign(t), prover, commitment, certificate: certify(nonRevealDigest(env, id, prover, commitment), three),
      }));
      const p2 = stakers[5]!.address;
      row("reportNonReveal + slash, 3 signatures, task already open", await escrow.reportNonReveal({
        task: t, signature: sign(t), prover: p2, commitment, certificate: certify(nonRevealDigest(env, id, p2, commitment), three),
      }));
    }
    {
      const w = stakers[6]!;
      const taskId = hexlify(randomBytes(32));
      const a = vote({ kind: VOTE.Assignment, taskId, round: 0, prover: stakers[0]!.address, price: ETH });
      const b = vote({ kind: VOTE.Assignment, taskId, round: 0, prover: stakers[1]!.address, price: ETH });
      row("reportEquivocation (two Assignment votes; slashes the whole stake)", await escrow.reportEquivocation(a, signVote(env, a, w), b, signVote(env, b, w)));
    }
    row("requestUnstake", await stakeRegistry.connect(stakers[7]!).requestUnstake(1n * ETH));

    console.log(`@zkpool/chain gas (anvil hardfork ${hardfork}; contracts solc 0.8.30 evmVersion cancun, optimizer 200 runs; ${stakers.length} staked operators)`);
    for (const [k, v] of rows) console.log(`${k.padEnd(96)} ${String(v).padStart(9)}`);
    console.log("");
    for (const l of ratios) console.log(l);
  } finally {
    provider.destroy();
    await anvil.stop();
    await terminateSnarkjs();
  }
}

await main();
