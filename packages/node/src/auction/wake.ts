/**
 * When the auction looks at a task again without a message about it (issue 15: no per-task polling). A task's
 * step depends on the messages a node holds (each accepted message schedules its task at once) and on the clock,
 * whose effect changes only at the task's deadlines. So a task wakes at the next deadline edge, and at the latest
 * after SAFETY_POLL_MS (work that completes without a message: a proof this node finished, a fetch retried).
 */
import { MAX_CLOCK_SKEW, auctionDeadlines, finalDeadline, roundDeadline, taskAuctionRounds, totalRounds, type Task } from "@zkpool/protocol";

/** The longest a task goes unlooked-at while it is open. */
export const SAFETY_POLL_MS = 2000;

/**
 * The instants (ms since the epoch, ascending, distinct) at which the outcome of a task's step can change with the
 * clock alone: around each of its deadlines `D` (bid, reveal, each round, final), the second edges the rules test
 * (`D − skew`, `D`, `D + 1`, `D + skew + 1`; SPEC §2, §5 compare whole seconds). With a price schedule that is
 * every auction round's bid and reveal deadline and every round's proof deadline.
 */
export function wakePoints(task: Task): number[] {
  const bases: bigint[] = [finalDeadline(task)];
  // every auction round's bid and reveal deadlines (SPEC §10.3), and every round's proof deadline
  for (let a = 0; a < taskAuctionRounds(task); a++) {
    const w = auctionDeadlines(task, a);
    bases.push(w.bidDeadline, w.revealDeadline);
  }
  for (let r = 0; r < totalRounds(task); r++) bases.push(roundDeadline(task, r));
  const points = new Set<number>();
  for (const d of bases) for (const t of [d - MAX_CLOCK_SKEW, d, d + 1n, d + MAX_CLOCK_SKEW + 1n]) points.add(Number(t) * 1000);
  return [...points].sort((a, b) => a - b);
}

/** The next wake-up after `nowMs`: the next point, at most SAFETY_POLL_MS away. */
export function nextWake(points: readonly number[], nowMs: number): number {
  const cap = nowMs + SAFETY_POLL_MS;
  for (const p of points) if (p > nowMs) return p < cap ? p : cap;
  return cap;
}
