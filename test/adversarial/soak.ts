/**
 * Soak of the kill -9 case (not run by mocha): one pool of OS processes (2 provers, 2 attesters, anvil, an SDK
 * requester), then N times: an honest task, a random node of the chosen role (`--victim`: attester by default, or
 * prover: the task's certified prover once it is assigned) SIGKILLed at a random point of it and restarted from
 * its data directory.
 *
 * A run passes when the victim rejoins (peers again, the task in its store), every other node process stayed
 * alive, and the task either settled on chain exactly once (and the SDK says so), or failed cleanly the one
 * documented way: the SPEC §5.6 split (no node holds an Assignment certificate of any round: every round void),
 * unpaid, and expired at the end (`expire()` after finalDeadline + settleGrace; status Failed, the requester's
 * locked cost, if any, refunded). At the end every task's TaskSettled events are counted on chain and every process
 * is stopped.
 *
 *   node test/dist/adversarial/soak.js [--runs N] [--kill-at S] [--victim attester|prover] [--keep]
 *
 * (use the Node 22 of node_modules/.bin). --runs defaults to 20; --kill-at fixes the kill point (seconds after
 * submission) instead of a random one (0.3 s to 14.3 s: bidding, revealing, the reveal cut-off, proving). When a
 * run fails, each node's view of its task is printed and the pool directory (node logs) is kept (--keep: always;
 * ZKPOOL_ADVERSARIAL_LOG_LEVEL=debug makes the nodes log at debug).
 *
 * Prints `soak: <passed>/<N> runs (kill -9 of <role>), <k> tasks paid once, <m> paid twice, <s> failed cleanly
 * unpaid (SPEC §5.6 split)`; exits 1 unless every run passed, nothing was paid twice and no process survived.
 */
import { terminateSnarkjs } from "@zkpool/sdk";
import { alive, devWallet, expireTask, killDuringHonestTask, mb, Pool, rssOf, sleep, taskOutcome, type KillRun } from "./pool.js";

function numberArg(argv: string[], flag: string, fallback: number | undefined, integer: boolean): number | undefined {
  const i = argv.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n < (integer ? 1 : 0) || (integer && !Number.isInteger(n))) throw new Error(`${flag} takes a ${integer ? "positive integer" : "number of seconds"}, got ${argv[i + 1]}`);
  return n;
}

function victimArg(argv: string[]): "attester" | "prover" {
  const i = argv.indexOf("--victim");
  if (i < 0) return "attester";
  const v = argv[i + 1];
  if (v !== "attester" && v !== "prover") throw new Error(`--victim takes attester or prover, got ${v}`);
  return v;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const runs = numberArg(argv, "--runs", 20, true)!;
  const killAtS = numberArg(argv, "--kill-at", undefined, false);
  const victim = victimArg(argv);
  let keep = argv.includes("--keep");
  const say = (l: string): void => console.log(`soak: ${l}`);
  const pool = await Pool.start({ provers: 2, attesters: 2, log: say });
  let settledOk = 0;
  const taskIds: string[] = [];
  /** Runs whose task failed by the SPEC §5.6 split: expired at the end. */
  const splits: KillRun[] = [];
  const slashes: string[] = [];
  /** Runs whose victim was slashed for non-reveal although its API was back before the reveal deadline. */
  const lostReveals: string[] = [];
  let pids: number[] = [];
  try {
    await sleep(4000);
    const idle = new Map(pool.nodes.map((n) => [n.name, rssOf(n.child.pid!) ?? 0]));
    for (let k = 1; k <= runs; k++) {
      const others = (name: string): number[] => pool.nodes.filter((n) => n.name !== name).map((n) => n.child.pid!);
      let run: KillRun;
      try {
        run = await killDuringHonestTask(pool, Math.random, { victim, ...(killAtS !== undefined ? { killAtS } : {}) });
      } catch (err) {
        keep = true;
        say(`run ${k}/${runs}: FAILED (${String(err)})`);
        continue;
      }
      taskIds.push(run.taskId);
      const out = await taskOutcome(pool, run.taskId);
      slashes.push(...out.slashes.map((s) => `run ${k}: ${s}`));
      if (run.backBeforeRevealS > 0 && out.slashes.some((s) => s.startsWith(`NonRevealSlashed(${run.victim},`)))
        lostReveals.push(`run ${k} (${run.victim} back ${run.backBeforeRevealS.toFixed(1)} s before the reveal deadline)`);
      const othersAlive = others(run.victim).every((pid) => alive(pid));
      const up = run.rejoined && othersAlive && !alive(run.killedPid) && alive(pool.node(run.victim).child.pid!);
      const settledOnce = out.paid === 1 && run.settled;
      const split = !run.settled && out.paid === 0 && out.clean && out.split;
      let verdict: string;
      if (up && settledOnce) {
        settledOk++;
        verdict = "ok";
      } else if (up && split) {
        splits.push(run);
        verdict = "ok (failed unpaid: SPEC §5.6 split, expired at the end)";
      } else {
        verdict = "FAILED";
        keep = true;
        if (out.paid === 1 && !run.settled) say(`  the SDK says ${run.reason ?? "failed"} but the task settled on chain`);
      }
      if (verdict !== "ok") for (const v of out.views) say(`  ${v}`);
      say(`run ${k}/${runs}: ${verdict}: ${run.victim}${run.wasAssigned ? " (certified prover)" : ""} killed ${run.killAtS.toFixed(1)} s into task ${run.taskId.slice(0, 10)} (${run.phase}), down ${run.downS.toFixed(1)} s; ` +
        `${run.role === "prover" ? `back ${run.backBeforeRevealS.toFixed(1)} s before the reveal deadline; ` : ""}${run.settled ? `settled after ${run.latencyS.toFixed(1)} s` : `not settled (${run.reason})`}; paid ${out.paid}x; slashed: ${out.slashes.join(", ") || "none"}; rejoined ${run.rejoined}; other nodes alive ${othersAlive}`);
    }
    // the split tasks: once their settle window is over anyone may expire them; the requester is refunded
    let cleanFails = 0;
    const expirer = devWallet(7, pool.provider);
    for (const run of splits) {
      try {
        const e = await expireTask(pool, run.task, expirer);
        const ok = e.status === 3 && ((await pool.settledEvents()).get(run.taskId)?.length ?? 0) === 0;
        if (ok) cleanFails++;
        else keep = true;
        say(`expired ${run.taskId.slice(0, 10)}: status ${e.status} (3 = Failed), refund ${e.refund} wei${ok ? "" : ": NOT clean"}`);
      } catch (err) {
        keep = true;
        say(`expire ${run.taskId.slice(0, 10)} FAILED: ${String(err)}`);
      }
    }
    const events = await pool.settledEvents();
    const once = taskIds.filter((id) => events.get(id)?.length === 1).length;
    const twice = [...events.values()].filter((l) => l.length > 1).length;
    say(`RSS (MiB): ${pool.nodes.map((n) => `${n.name} ${mb(idle.get(n.name))} -> ${mb(rssOf(n.child.pid!))}${n.restarts > 0 ? ` (${n.restarts} restarts)` : ""}`).join(", ")}`);
    say(`slashed: ${slashes.join("; ") || "nothing"}`);
    if (lostReveals.length > 0)
      say(`note: ${lostReveals.length} run(s) slashed a restarted prover for non-reveal although it was back inside the reveal window: ${lostReveals.join("; ")} (its reveal, published at start before any gossip peer, reached nobody)`);
    pids = pool.allPids;
    await pool.stop({ keep });
    if (keep) say(`configs and node logs kept in ${pool.dir}`);
    await terminateSnarkjs();
    const survivors = pids.filter((pid) => alive(pid));
    const passed = settledOk + cleanFails;
    console.log(`soak: ${passed}/${runs} runs (kill -9 of ${victim === "prover" ? "a prover" : "an attester"}), ${once} tasks paid once, ${twice} paid twice, ${cleanFails} failed cleanly unpaid (SPEC §5.6 split)`);
    if (survivors.length > 0) say(`processes still alive: ${survivors.join(", ")}`);
    return passed === runs && twice === 0 && survivors.length === 0 ? 0 : 1;
  } finally {
    await pool.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
