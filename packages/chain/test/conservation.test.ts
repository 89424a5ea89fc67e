/**
 * Randomized property test: sequences of deposits, settlements, defaults, expiries, withdrawals and claims,
 * checked against a bigint model of every balance, and funds conserved to the wei:
 *   deposits + insurance funding + slashed stake = withdrawals + claims + balances + earnings + insurance fund.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Wallet } from "ethers";
import { revertReason, type TaskStruct } from "../src/index.js";
import {
  ETH,
  assignmentDigest,
  certify,
  defaultDigest,
  devWallet,
  makeTask,
  quorum,
  signTask,
  startPool,
  taskIdOf,
  terminateSnarkjs,
  type PoolEnv,
} from "./helpers/pool.js";

type Op =
  | { kind: "deposit"; who: number; amount: bigint }
  | { kind: "settle"; who: number; prover: number; maxReward: bigint; priceBps: number; royalty: boolean; defaultsFirst: number }
  | { kind: "fail"; who: number; provers: [number, number]; maxReward: bigint; penalty: bigint }
  | { kind: "expire"; who: number; maxReward: bigint }
  | { kind: "withdraw"; who: number; fractionBps: number; lockInBetween: boolean }
  | { kind: "claim"; who: number };

const wei = (lo: bigint, hi: bigint) => fc.bigInt({ min: lo, max: hi });
const who = fc.integer({ min: 0, max: 1 });
const prover = fc.integer({ min: 0, max: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("deposit" as const), who, amount: wei(1n, 5n * ETH) }),
  fc.record({ kind: fc.constant("settle" as const), who, prover, maxReward: wei(1n, 3n * ETH), priceBps: fc.integer({ min: 1, max: 10_000 }), royalty: fc.boolean(), defaultsFirst: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant("fail" as const), who, provers: fc.tuple(prover, prover), maxReward: wei(1n, 3n * ETH), penalty: wei(0n, 15n * ETH) }),
  fc.record({ kind: fc.constant("expire" as const), who, maxReward: wei(1n, 3n * ETH) }),
  fc.record({ kind: fc.constant("withdraw" as const), who, fractionBps: fc.integer({ min: 1, max: 10_000 }), lockInBetween: fc.boolean() }),
  fc.record({ kind: fc.constant("claim" as const), who: fc.integer({ min: 0, max: 5 }) }),
);

describe("chain: funds are conserved to the wei (randomized)", function () {
  this.timeout(180_000);
  let env: PoolEnv;
  let requesters: Wallet[];

  before(async () => {
    env = await startPool();
    requesters = [env.requester, devWallet(7, env.provider)];
  });
  after(async () => {
    await env?.stop();
    await terminateSnarkjs();
  });

  it("deposits + funding + slashes = withdrawals + claims + every balance, and each balance matches the model", async () => {
    const fee = (price: bigint) => (price * 500n) / 10_000n;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 10 }), async (ops) => {
        const snap = await env.chain.snapshot();
        try {
          // the model
          const balance = new Map<string, bigint>();
          const earnings = new Map<string, bigint>();
          const stake = new Map<string, bigint>();
          for (const a of env.attesters) stake.set(a.address, await env.registry.stakeOf(a.address));
          for (const r of requesters) balance.set(r.address, await env.escrow.balanceOf(r.address));
          let insurance = await env.escrow.insuranceFund();
          const escrowStart = await env.provider.getBalance(env.escrow.address);
          let deposited = 0n, slashedTotal = 0n, withdrawn = 0n, claimed = 0n, lockedOpen = 0n;
          const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
          const royaltyTo = env.outsider.address;

          const slash = (p: string, penalty: bigint) => {
            const s = stake.get(p)!;
            const taken = penalty < s ? penalty : s;
            stake.set(p, s - taken);
            slashedTotal += taken;
            return taken;
          };
          const signAndCertDefault = (t: TaskStruct, round: number, p: string) => certify(defaultDigest(env, taskIdOf(env, t), round, p), quorum(env));

          for (const op of ops) {
            const req = requesters[op.who % 2]!;
            const esc = env.escrow.connect(req);
            switch (op.kind) {
              case "deposit":
                await esc.deposit(op.amount);
                add(balance, req.address, op.amount);
                deposited += op.amount;
                break;
              case "settle": {
                const t = await makeTask(env, { requester: req.address, maxReward: op.maxReward, penalty: ETH, maxRounds: 2 });
                if (balance.get(req.address)! < t.maxReward) {
                  await assert.rejects(env.escrow.open(t, signTask(env, t, req)), (e) => revertReason(e) === "InsufficientBalance");
                  break;
                }
                const id = taskIdOf(env, t);
                let slashed = 0n;
                let round = 0;
                if (op.defaultsFirst === 1) {
                  const p0 = env.attesters[(op.prover + 1) % 4]!.address;
                  await env.chain.setNextBlockTimestamp(t.revealDeadline + BigInt(t.proofWindow) + 1n);
                  await env.escrow.reportDefault(t, signTask(env, t, req), 0, p0, signAndCertDefault(t, 0, p0));
                  slashed = slash(p0, t.penalty);
                  round = 1;
                }
                const p = env.attesters[op.prover]!;
                const price = (t.maxReward * BigInt(op.priceBps)) / 10_000n || 1n;
                const assignment = { round, prover: p.address, price };
                await env.escrow.connect(p).setRoyaltyRecipient(op.royalty ? royaltyTo : "0x0000000000000000000000000000000000000000");
                await env.escrow.settle({
                  task: t, signature: signTask(env, t, req), assignment,
                  certificate: certify(assignmentDigest(env, id, assignment), quorum(env)),
                  proof: env.groth16.proof, publicSignals: env.groth16.publicSignals,
                });
                const f = fee(price);
                const treasuryCut = f / 2n;
                const share = price - f;
                const royalty = op.royalty ? (share * 1000n) / 10_000n : 0n;
                add(balance, req.address, -price);
                add(earnings, p.address, share - royalty);
                add(earnings, royaltyTo, royalty);
                add(earnings, env.treasury.address, treasuryCut);
                insurance += f - treasuryCut + slashed;
                break;
              }
              case "fail": {
                const t = await makeTask(env, { requester: req.address, maxReward: op.maxReward, penalty: op.penalty, maxRounds: 2 });
                if (balance.get(req.address)! < t.maxReward) break;
                const sig = signTask(env, t, req);
                let slashed = 0n;
                for (const round of [0, 1]) {
                  const p = env.attesters[op.provers[round]!]!.address;
                  await env.chain.setNextBlockTimestamp(t.revealDeadline + BigInt(t.proofWindow) * BigInt(round + 1) + 1n);
                  await env.escrow.reportDefault(t, sig, round, p, signAndCertDefault(t, round, p));
                  slashed += t.penalty === 0n ? 0n : slash(p, t.penalty);
                }
                const fromSlash = t.penalty < slashed ? t.penalty : slashed;
                const missing = t.penalty - fromSlash;
                const fromInsurance = missing < insurance ? missing : insurance;
                insurance = insurance - fromInsurance + (slashed - fromSlash);
                add(balance, req.address, fromSlash + fromInsurance);
                break;
              }
              case "expire": {
                const t = await makeTask(env, { requester: req.address, maxReward: op.maxReward, maxRounds: 1 });
                if (balance.get(req.address)! < t.maxReward) break;
                await env.escrow.open(t, signTask(env, t, req));
                await env.chain.setNextBlockTimestamp(t.revealDeadline + BigInt(t.proofWindow) + 1n);
                await env.escrow.expire(t); // no default: refund only, no penalty
                break;
              }
              case "withdraw": {
                const b = balance.get(req.address)!;
                const amount = (b * BigInt(op.fractionBps)) / 10_000n;
                if (amount === 0n) break;
                await esc.requestWithdrawal(amount);
                if (op.lockInBetween) {
                  const t = await makeTask(env, { requester: req.address, maxReward: b - amount + 1n });
                  await env.escrow.open(t, signTask(env, t, req));
                  add(balance, req.address, -t.maxReward);
                  lockedOpen += t.maxReward;
                }
                await env.chain.increaseTime(3601n);
                if (op.lockInBetween) {
                  await assert.rejects(esc.withdraw(), (e) => revertReason(e) === "InsufficientFreeBalance");
                  await esc.cancelWithdrawal();
                } else {
                  await esc.withdraw();
                  add(balance, req.address, -amount);
                  withdrawn += amount;
                }
                break;
              }
              case "claim": {
                const all = [...env.attesters, env.treasury, env.outsider];
                const w = all[op.who % all.length]!;
                const e = earnings.get(w.address) ?? 0n;
                if (e === 0n) {
                  await assert.rejects(env.escrow.connect(w).claim(), (err) => revertReason(err) === "NothingToClaim");
                } else {
                  await env.escrow.connect(w).claim();
                  earnings.set(w.address, 0n);
                  claimed += e;
                }
                break;
              }
            }
          }

          // every balance matches the model
          for (const r of requesters) assert.equal(await env.escrow.balanceOf(r.address), balance.get(r.address), `balance of ${r.address}`);
          for (const [a, e] of earnings) assert.equal(await env.escrow.earnings(a), e, `earnings of ${a}`);
          for (const [a, s] of stake) assert.equal(await env.registry.stakeOf(a), s, `stake of ${a}`);
          assert.equal(await env.escrow.insuranceFund(), insurance, "insurance fund");
          // conservation: what came into the escrow during the run equals what left plus what it now holds
          const escrowEnd = await env.provider.getBalance(env.escrow.address);
          assert.equal(escrowEnd, escrowStart + deposited + slashedTotal - withdrawn - claimed, "escrow ETH");
          // and the escrow holds exactly the sum of what it owes (balances + earnings + insurance + locked in open tasks)
          let owed = insurance;
          for (const r of requesters) owed += balance.get(r.address)!;
          for (const a of [...env.attesters, env.treasury, env.outsider]) owed += await env.escrow.earnings(a.address);
          owed += await env.escrow.earnings(env.deployer.address);
          assert.equal(escrowEnd, owed + lockedOpen, "escrow ETH = everything it owes + funds locked in open tasks");
          // the registry holds exactly the stake it records
          let staked = 0n;
          for (const a of [...env.attesters]) staked += (await env.registry.stakeOf(a.address)) + (await env.registry.unbondingOf(a.address)).amount;
          assert.equal(await env.provider.getBalance(env.registry.address), staked, "registry ETH");
        } finally {
          await env.chain.revert(snap);
        }
      }),
      { numRuns: 6 },
    );
  });
});
