/**
 * End to end: the pool as separate OS processes over TCP (anvil, pool and prover nodes started by the CLI's
 * `node start` as child processes), tasks submitted through the SDK, proofs verified locally by the SDK,
 * settled on chain; every wei the requester spent is in operators' and the treasury's earnings or the
 * insurance fund. Then the real `zkpool devnet` process is interrupted with SIGINT and every process it
 * started is gone.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HDNodeWallet, Mnemonic } from "ethers";
import { ANVIL_DEV_MNEMONIC } from "@zkpool/chain";
import { loadCircuit } from "@zkpool/circuits";
import { parseVerificationKey } from "@zkpool/protocol";
import { runDevnet, type DevnetSummary } from "@zkpool/cli";
import { alive, startDevnetProcess } from "./devnet-process.js";

/** anvil dev account 7 (funded by anvil, unused by the devnet). */
const REQUESTER_KEY = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/7").privateKey;

describe("e2e: pool of OS processes over TCP, SDK tasks, on-chain settlement", function () {
  this.timeout(240_000);

  it("every SDK task ends with a locally verified proof and an on-chain settlement; balances add up; no process is left", async () => {
    const lines: string[] = [];
    const s: DevnetSummary = await runDevnet({ provers: 2, attesters: 1, tasks: 3, interval: 2, out: (l) => lines.push(l), stopSignal: new Promise(() => undefined) });
    assert.equal(s.verified, 3, lines.join("\n"));
    assert.equal(s.settled, 3, lines.join("\n"));
    assert.equal(s.failed, 0);
    const earned = Object.values(s.earningsWei).reduce((a, v) => a + BigInt(v), 0n);
    assert.ok(BigInt(s.requesterSpentWei) > 0n);
    assert.equal(earned + BigInt(s.insuranceFundWei), BigInt(s.requesterSpentWei), "payouts + insurance = what the requester paid");
    assert.equal(s.pids.length, 3);
    for (const pid of s.pids) assert.equal(alive(pid), false, `node process ${pid} stopped`);
    assert.ok(lines.some((l) => l.includes("assigned to")) && lines.some((l) => l.includes("settled on chain")));
  });

  it("`zkpool task submit` against a running `zkpool devnet --tasks 0` writes a verified proof and the task settles; SIGINT then stops anvil and every node", async () => {
    const dir = await mkdtemp(join(tmpdir(), "zkpool-e2e-"));
    const devnet = await startDevnetProcess(dir, ["--provers", "1", "--attesters", "1"]);
    try {
      const { chainFlags, pids: started } = devnet;
      assert.equal(started.length, 3);
      const env = { ZKPOOL_PASSWORD: "pw", ZKPOOL_PRIVATE_KEY: REQUESTER_KEY };
      const ks = join(dir, "requester.json");
      assert.equal((await devnet.cli(["keys", "import", "--keystore", ks, "--scrypt-n", "1024"], env)).code, 0);
      const c = await loadCircuit("range-check-32", "groth16");
      const input = join(dir, "input.json");
      await writeFile(input, JSON.stringify(c.sampleInput));
      const proofFile = join(dir, "proof.json");
      const sub = await devnet.cli(["--json", "task", "submit", "--circuit", "range-check-32", "--input", input, "--max-reward", "0.1", "--deposit", "1",
        "--out", proofFile, "--keystore", ks, ...chainFlags, "--bootstrap", devnet.bootstrap.join(","), "--devnet",
        "--bid-window", "8", "--reveal-window", "5", "--proof-window", "45"], { ZKPOOL_PASSWORD: "pw" });
      assert.equal(sub.code, 0, sub.stderr);
      const result = JSON.parse(sub.stdout) as { taskId: string; settled: boolean };
      assert.equal(result.settled, true, sub.stderr);
      const written = JSON.parse(await readFile(proofFile, "utf8")) as { proof: unknown; publicSignals: string[] };
      assert.deepEqual(written.publicSignals, c.expectedPublicSignals);
      const snarkjs = (await import("snarkjs")) as unknown as { groth16: { verify(vk: unknown, s: string[], p: unknown): Promise<boolean> } };
      assert.equal(await snarkjs.groth16.verify(parseVerificationKey(await readFile(c.vkey.path)), written.publicSignals, written.proof), true);
      const g = globalThis as unknown as { curve_bn128?: { terminate(): Promise<void> } };
      await g.curve_bn128?.terminate();

      // the prover priced the circuit when it bid: its operator record now carries a standing ask (SPEC §10.6)
      const quote = await devnet.cli(["--json", "task", "quote", "--circuit", "range-check-32", "--wait", "30", ...chainFlags, "--bootstrap", devnet.bootstrap.join(","), "--devnet"]);
      assert.equal(quote.code, 0, quote.stderr);
      const q = JSON.parse(quote.stdout) as { asks: { prover: string; price: string }[]; suggestedMaxReward?: string; expectedPrice?: string; willing: number };
      assert.equal(q.asks.length, 1, `the one prover's standing ask: ${quote.stdout}`);
      assert.ok(BigInt(q.asks[0]!.price) > 0n);
      assert.equal(q.suggestedMaxReward, q.asks[0]!.price, "one ask: the suggestion is that ask");
      assert.equal(q.expectedPrice, q.asks[0]!.price, "a sole prover is paid the reserve");

      const st = await devnet.cli(["--json", "task", "status", result.taskId, ...chainFlags]);
      assert.equal(st.code, 0, st.stderr);
      assert.equal((JSON.parse(st.stdout) as { chain: { statusName: string } }).chain.statusName, "settled");

      // issue 13: the operators claim real earnings with the CLI alone: the prover its share of the price, the
      // attester its share of the fee (SPEC §9.13); a second claim is a no-op
      const devDir = dirname(dirname(devnet.deployment));
      for (const name of ["prover-0", "pool-1"]) {
        const args = ["--json", "prover", "claim", "--keystore", join(devDir, name, "keystore.json"), ...chainFlags];
        const first = await devnet.cli(args, { ZKPOOL_PASSWORD: "devnet-insecure" });
        assert.equal(first.code, 0, first.stderr);
        const claimed = JSON.parse(first.stdout) as { claimed: string; txHash: string | null };
        assert.ok(BigInt(claimed.claimed) > 0n && claimed.txHash !== null, `${name} claims its earnings: ${first.stdout}`);
        const again = JSON.parse((await devnet.cli(args, { ZKPOOL_PASSWORD: "devnet-insecure" })).stdout) as { claimed: string; txHash: string | null };
        assert.deepEqual([again.claimed, again.txHash], ["0", null], `${name}: nothing left to claim`);
      }

      for (const pid of started) assert.equal(alive(pid), true);
      const code = await devnet.stop();
      assert.equal(code, 0, devnet.output());
      assert.match(devnet.output(), /"event":"stopping"/);
      assert.match(devnet.output(), /"event":"summary"/);
      for (const pid of started) assert.equal(alive(pid), false, `process ${pid} stopped`);
    } finally {
      await devnet.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
