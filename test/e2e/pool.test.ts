/**
 * End to end: the pool as separate OS processes over TCP (anvil, pool and prover nodes started by the CLI's
 * `node start` as child processes), tasks submitted through the SDK, proofs verified locally by the SDK,
 * settled on chain; every wei the requester spent is in operators' and the treasury's earnings or the
 * insurance fund. Then the real `zkpool devnet` process is interrupted with SIGINT and every process it
 * started is gone.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runDevnet, type DevnetSummary } from "@zkpool/cli";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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

  it("SIGINT to `zkpool devnet` stops anvil and every node process it started", async () => {
    const bin = fileURLToPath(new URL("./bin.js", import.meta.resolve("@zkpool/cli")));
    const child = spawn(process.execPath, [bin, "--json", "devnet", "--provers", "1", "--attesters", "1", "--tasks", "20"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      const pids = (): number[] => out.split("\n").filter((l) => l.includes('"event":"node"')).map((l) => (JSON.parse(l) as { pid: number }).pid);
      const end = Date.now() + 60_000;
      while (pids().length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      assert.equal(pids().length, 2, out);
      const started = pids();
      const anvilLine = out.split("\n").find((l) => l.includes('"event":"deployed"'));
      started.push((JSON.parse(anvilLine!) as { anvilPid: number }).anvilPid);
      for (const pid of started) assert.equal(alive(pid), true);
      child.kill("SIGINT");
      const code = await exited;
      assert.equal(code, 0, out);
      assert.match(out, /"event":"stopping"/);
      assert.match(out, /"event":"summary"/);
      for (const pid of started) assert.equal(alive(pid), false, `node process ${pid} stopped`);
    } finally {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    }
  });
});
