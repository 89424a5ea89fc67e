/** Stopping the OS processes a cross-package test started: interrupt, wait a little, then kill what is left. */
import type { ChildProcess } from "node:child_process";

/** A started process that leads its own process group (spawned `detached`), and every pid it ever had. */
export interface GroupProcess {
  child: ChildProcess;
  exited: Promise<void>;
  /** Earlier incarnations too (a restarted node); default just `child.pid`. */
  pids?: number[];
}

/** Wait for `p`, at most `ms` (the timer does not outlive the wait). */
export async function atMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* gone */
  }
}

/** SIGINT to every running group, `graceMs` to exit, then SIGKILL to every group and up to 3 s more. */
export async function stopGroups(procs: readonly GroupProcess[], graceMs = 8000): Promise<void> {
  const running = procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  for (const p of running) signalGroup(p.child.pid, "SIGINT");
  await atMost(Promise.all(running.map((p) => p.exited)), graceMs);
  for (const p of procs) for (const pid of p.pids ?? [p.child.pid!]) signalGroup(pid, "SIGKILL");
  await atMost(Promise.all(running.map((p) => p.exited)), 3000);
}
