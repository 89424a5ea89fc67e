/**
 * Soak of the kill -9 case (not run by mocha): one pool of OS processes (2 provers, 2 attesters, anvil, an SDK
 * requester), then N times: an honest task, a random attester SIGKILLed at a random point of it and restarted
 * from its data directory. A run passes when the task settles on chain, the victim rejoins (peers again, the
 * task in its store) and every other node process stayed alive. At the end every task's TaskSettled events are
 * counted on chain and every process is stopped.
 *
 *   node test/dist/adversarial/soak.js [--runs N] [--kill-at S]
 *
 * (use the Node 22 of node_modules/.bin). --runs defaults to 20; --kill-at fixes the kill point (seconds after
 * submission) instead of a random one. When a run fails, each node's view of its task is printed and the pool
 * directory (node logs) is kept.
 *
 * Prints `soak: <passed>/<N> runs, <k> tasks paid once, <m> paid twice`; exits 1 unless every run passed,
 * nothing was paid twice and no process survived.
 */
import { terminateSnarkjs } from "@zkpool/sdk";
import { alive, killDuringHonestTask, mb, Pool, rssOf, sleep } from "./pool.js";

function numberArg(argv: string[], flag: string, fallback: number | undefined, integer: boolean): number | undefined {
  const i = argv.indexOf(flag);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n < (integer ? 1 : 0) || (integer && !Number.isInteger(n))) throw new Error(`${flag} takes a ${integer ? "positive integer" : "number of seconds"}, got ${argv[i + 1]}`);
  return n;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const runs = numberArg(argv, "--runs", 20, true)!;
  const killAtS = numberArg(argv, "--kill-at", undefined, false);
  let keep = false;
  const say = (l: string): void => console.log(`soak: ${l}`);
  const pool = await Pool.start({ provers: 2, attesters: 2, log: say });
  let passed = 0;
  const taskIds: string[] = [];
  let pids: number[] = [];
  try {
    await sleep(4000);
    const idle = new Map(pool.nodes.map((n) => [n.name, rssOf(n.child.pid!) ?? 0]));
    for (let k = 1; k <= runs; k++) {
      const others = (victim: string): number[] => pool.nodes.filter((n) => n.name !== victim).map((n) => n.child.pid!);
      let run;
      try {
        run = await killDuringHonestTask(pool, Math.random, killAtS !== undefined ? { killAtS } : {});
      } catch (err) {
        say(`run ${k}/${runs}: FAILED (${String(err)})`);
        continue;
      }
      taskIds.push(run.taskId);
      const othersAlive = others(run.victim).every((pid) => alive(pid));
      const ok = run.settled && run.rejoined && othersAlive && !alive(run.killedPid) && alive(pool.node(run.victim).child.pid!);
      if (ok) passed++;
      else {
        keep = true;
        for (const n of pool.nodes) {
          const v = await pool.apiGet<{ status?: string; round?: number; reason?: string; certificates?: Array<{ kind: string; round: number; prover?: string }> }>(n.name, `/tasks/${run.taskId}`).catch(() => undefined);
          say(`  ${n.name} view of ${run.taskId.slice(0, 10)}: ${v === undefined ? "no answer" : v.status === 200 ? `${v.body.status} round ${v.body.round} ${v.body.reason ?? ""} certificates ${(v.body.certificates ?? []).map((c) => `${c.kind}/${c.round}/${c.prover?.slice(0, 8) ?? "-"}`).join(",")}` : `HTTP ${v.status}`}`);
        }
      }
      say(`run ${k}/${runs}: ${ok ? "ok" : "FAILED"}: ${run.victim} killed ${run.killAtS.toFixed(1)} s into task ${run.taskId.slice(0, 10)}, down ${run.downS.toFixed(1)} s; ` +
        `${run.settled ? `settled after ${run.latencyS.toFixed(1)} s` : `not settled (${run.reason})`}; rejoined ${run.rejoined}; other nodes alive ${othersAlive}`);
    }
    const events = await pool.settledEvents();
    const once = taskIds.filter((id) => events.get(id)?.length === 1).length;
    const twice = [...events.values()].filter((l) => l.length > 1).length;
    say(`RSS (MiB): ${pool.nodes.map((n) => `${n.name} ${mb(idle.get(n.name))} -> ${mb(rssOf(n.child.pid!))}${n.restarts > 0 ? ` (${n.restarts} restarts)` : ""}`).join(", ")}`);
    pids = pool.allPids;
    await pool.stop({ keep });
    if (keep) say(`a run failed: configs and node logs kept in ${pool.dir}`);
    await terminateSnarkjs();
    const survivors = pids.filter((pid) => alive(pid));
    console.log(`soak: ${passed}/${runs} runs, ${once} tasks paid once, ${twice} paid twice`);
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
