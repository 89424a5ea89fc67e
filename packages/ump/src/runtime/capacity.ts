/**
 * Capacity accounting: would the work already committed (running jobs, queued jobs, reservations) plus one
 * more job all finish by their deadlines on `slots` parallel proving slots?
 *
 * The model is earliest-deadline-first list scheduling, which is what the runtime's queue does: running jobs
 * hold their slot for their remaining estimated time; every other job, in deadline order (ties: the one
 * committed first), starts on the slot that frees first. Estimates already include the safety margin.
 * Integer milliseconds throughout.
 */
export interface Commitment {
  /** Stable id for reasons and tests. */
  id: string;
  /** Estimated proving time, ms (with margin). */
  estimatedMs: number;
  /** Absolute unix ms; undefined = no deadline (scheduled last, never late). */
  deadlineMs?: number;
  /** For running jobs: unix ms when the job started. */
  startedAtMs?: number;
  /** Commit order (ties in deadline). */
  seq: number;
}

export interface ScheduleResult {
  /** Estimated done time per commitment id. */
  doneMs: Map<string, number>;
  /** Ids that would finish after their deadline. */
  late: string[];
}

export function schedule(commitments: Commitment[], slots: number, nowMs: number): ScheduleResult {
  const free = Array.from({ length: Math.max(1, slots) }, () => nowMs);
  const doneMs = new Map<string, number>();
  const late: string[] = [];
  const running = commitments.filter((c) => c.startedAtMs !== undefined);
  const waiting = commitments.filter((c) => c.startedAtMs === undefined);
  running.forEach((c, i) => {
    const elapsed = nowMs - (c.startedAtMs ?? nowMs);
    // A job past its estimate is assumed to need at least one more ms (it is still running).
    const remaining = Math.max(1, c.estimatedMs - elapsed);
    const slot = i % free.length;
    free[slot] = Math.max(free[slot]!, nowMs) + remaining;
    doneMs.set(c.id, free[slot]);
    if (c.deadlineMs !== undefined && free[slot] > c.deadlineMs) late.push(c.id);
  });
  waiting.sort((a, b) => {
    const da = a.deadlineMs ?? Number.POSITIVE_INFINITY;
    const db = b.deadlineMs ?? Number.POSITIVE_INFINITY;
    return da !== db ? (da < db ? -1 : 1) : a.seq - b.seq;
  });
  for (const c of waiting) {
    let slot = 0;
    for (let i = 1; i < free.length; i++) if (free[i]! < free[slot]!) slot = i;
    const done = free[slot]! + c.estimatedMs;
    free[slot] = done;
    doneMs.set(c.id, done);
    if (c.deadlineMs !== undefined && done > c.deadlineMs) late.push(c.id);
  }
  return { doneMs, late };
}

/** Add `margin` percent to an estimate, rounding up (integer math). */
export function withMargin(estimatedMs: number, marginPercent: number): number {
  const ms = BigInt(Math.max(0, Math.ceil(estimatedMs)));
  const pct = BigInt(100 + Math.max(0, Math.trunc(marginPercent)));
  return Number((ms * pct + 99n) / 100n);
}
