/** Task timeline (SPEC §3): absolute deadlines derived from the task, and the phase at a given time. */
import { MAX_CLOCK_SKEW } from "./constants.js";
import type { Task } from "./types.js";

type Timeline = Pick<Task, "bidDeadline" | "revealDeadline" | "proofWindow" | "maxRounds">;

/** Proof deadline of round r: revealDeadline + (r + 1) * proofWindow. */
export function roundDeadline(task: Timeline, round: number): bigint {
  return task.revealDeadline + BigInt(round + 1) * BigInt(task.proofWindow);
}

/** Start of round r (the previous round's deadline; revealDeadline for round 0). */
export function roundStart(task: Timeline, round: number): bigint {
  return task.revealDeadline + BigInt(round) * BigInt(task.proofWindow);
}

/** Final deadline: revealDeadline + maxRounds * proofWindow. */
export function finalDeadline(task: Timeline): bigint {
  return roundDeadline(task, task.maxRounds - 1);
}

export type TaskPhase =
  | { phase: "bidding" }
  | { phase: "revealing" }
  | { phase: "proving"; round: number }
  | { phase: "expired" };

/** Phase by local time, without skew: bids until bidDeadline, reveals until revealDeadline, then rounds. */
export function taskPhase(task: Timeline, now: bigint): TaskPhase {
  if (now <= task.bidDeadline) return { phase: "bidding" };
  if (now <= task.revealDeadline) return { phase: "revealing" };
  const elapsed = now - task.revealDeadline - 1n;
  const round = Number(elapsed / BigInt(task.proofWindow));
  return round < task.maxRounds ? { phase: "proving", round } : { phase: "expired" };
}

/** A message stamped for time t is early if now < t - skew and late if now > t + skew (SPEC §3.2). */
export function isLate(now: bigint, deadline: bigint): boolean {
  return now > deadline + MAX_CLOCK_SKEW;
}
export function isEarly(now: bigint, opensAfter: bigint): boolean {
  return now + MAX_CLOCK_SKEW <= opensAfter;
}
