/**
 * The dashboard's live memory (issue 16): the tasks this node has seen since it started (and a few from its
 * store), each with its phase and a timeline, this operator's bids and earnings, measured proofs, counters and
 * a history of task counts by phase. Everything here is bounded (oldest dropped first); nothing is persisted:
 * the node's store stays the source of truth, and the task page re-reads it.
 */
import { EventEmitter } from "node:events";
import type { DashboardEvent, RecentTasksPage, RecentTasksQuery } from "./types.js";

/** Phases a task moves through; `failed` (also invalid, unfunded) ends it without settlement. */
export const PHASES = ["published", "bids", "assigned", "proved", "completed", "settled"] as const;
export type Phase = (typeof PHASES)[number] | "failed";
const RANK: Record<Phase, number> = { published: 0, bids: 1, assigned: 2, proved: 3, completed: 4, settled: 5, failed: 6 };

export interface TimelineEntry {
  /** Unix ms when this node saw it (undefined: found in the store at start). */
  t?: number;
  phase?: Phase;
  kind: string;
  text: string;
}

export interface TrackedTask {
  seq: number;
  taskId: string;
  phase: Phase;
  firstSeen: number;
  updatedAt: number;
  /** First time each phase was reached (unix ms). */
  phases: Partial<Record<Phase, number>>;
  requester?: string;
  maxReward?: bigint;
  proofSystem?: number;
  commits: number;
  reveals: number;
  round?: number;
  prover?: string;
  price?: bigint;
  proofBy?: string;
  /** ms from the assignment certificate to the proof, as seen here. */
  proveMs?: number;
  reason?: string;
  settledTx?: string;
  settledBy?: "self" | "other";
  timeline: TimelineEntry[];
}

export interface OwnBid {
  taskId: string;
  t: number;
  price?: bigint;
  outcome: "pending" | "won" | "lost" | "unassigned";
  winner?: string;
  winningPrice?: bigint;
}

export interface Counters {
  tasks: number;
  commits: number;
  reveals: number;
  votes: number;
  certificates: number;
  assignments: number;
  proofs: number;
  completed: number;
  settled: number;
  failed: number;
  bidsMade: number;
  wins: number;
  losses: number;
  earnedWei: bigint;
}

export interface TrackerLimits {
  /** Tasks kept. @default 1000 */
  maxTasks?: number;
  /** Timeline entries per task. @default 64 */
  maxTimeline?: number;
  /** Own bids kept. @default 500 */
  maxBids?: number;
  /** Earnings points, measured proofs and history samples kept. @default 720 */
  maxSeries?: number;
  /** Least time between two `counters` events, ms. @default 500 */
  countersEveryMs?: number;
}

export class TaskTracker {
  private readonly tasks = new Map<string, TrackedTask>();
  private readonly bySeq: TrackedTask[] = [];
  private readonly bids = new Map<string, OwnBid>();
  private seq = 0;
  readonly counters: Counters = {
    tasks: 0, commits: 0, reveals: 0, votes: 0, certificates: 0, assignments: 0, proofs: 0, completed: 0, settled: 0, failed: 0,
    bidsMade: 0, wins: 0, losses: 0, earnedWei: 0n,
  };
  readonly earnings: Array<{ t: number; taskId: string; price: bigint; total: bigint }> = [];
  readonly proofs: Array<{ t: number; taskId: string; moduleId: string; durationMs: number }> = [];
  readonly history: Array<{ t: number } & Record<Phase, number>> = [];
  private readonly events = new EventEmitter<{ event: [DashboardEvent] }>();
  private readonly lim: Required<TrackerLimits>;
  private countersTimer: NodeJS.Timeout | undefined;
  private lastCounters = 0;

  constructor(limits: TrackerLimits = {}) {
    this.lim = { maxTasks: 1000, maxTimeline: 64, maxBids: 500, maxSeries: 720, countersEveryMs: 500, ...limits };
    this.events.setMaxListeners(0);
  }

  subscribe(fn: (e: DashboardEvent) => void): () => void {
    this.events.on("event", fn);
    return () => this.events.off("event", fn);
  }

  emit(e: DashboardEvent): void {
    this.events.emit("event", e);
  }

  get(taskId: string): TrackedTask | undefined {
    return this.tasks.get(taskId.toLowerCase());
  }

  get size(): number {
    return this.tasks.size;
  }

  /** The task's record, created (as published) when new; the oldest is dropped past `maxTasks`. */
  touch(taskId: string, now = Date.now()): TrackedTask {
    const id = taskId.toLowerCase();
    let t = this.tasks.get(id);
    if (t === undefined) {
      t = { seq: ++this.seq, taskId: id, phase: "published", firstSeen: now, updatedAt: now, phases: {}, commits: 0, reveals: 0, timeline: [] };
      this.tasks.set(id, t);
      this.bySeq.push(t);
      this.counters.tasks++;
      while (this.bySeq.length > this.lim.maxTasks) this.tasks.delete(this.bySeq.shift()!.taskId);
    }
    return t;
  }

  /**
   * Note something about a task: a timeline entry, fields to set, and the phase it reached (a phase never
   * goes back; `failed` ends it unless it settled). `at` null: seen in the store, time unknown. Emits a `task` event.
   */
  record(taskId: string, phase: Phase | undefined, kind: string, text: string, patch: Partial<TrackedTask> = {}, at: number | null = Date.now()): TrackedTask {
    const now = at ?? undefined;
    const t = this.touch(taskId, now ?? Date.now());
    Object.assign(t, patch);
    const before = t.phase;
    if (phase !== undefined) {
      if (t.phases[phase] === undefined && now !== undefined) t.phases[phase] = now;
      if (phase === "failed" ? t.phase !== "settled" : RANK[phase] > RANK[t.phase] && t.phase !== "failed") t.phase = phase;
    }
    if (before !== t.phase) {
      if (t.phase === "completed") this.counters.completed++;
      if (t.phase === "settled") this.counters.settled++;
      if (t.phase === "failed") this.counters.failed++;
    }
    t.updatedAt = now ?? t.updatedAt;
    const entry: TimelineEntry = { ...(now !== undefined ? { t: now } : {}), ...(phase !== undefined ? { phase } : {}), kind, text };
    t.timeline.push(entry);
    if (t.timeline.length > this.lim.maxTimeline) t.timeline.splice(1, 1); // keep the first entry (published)
    this.emit({ type: "task", data: { task: summary(t), entry, phaseChanged: before !== t.phase } });
    this.countersChanged();
    return t;
  }

  /** Count without a timeline entry (votes), and tell clients soon. */
  count(k: keyof Omit<Counters, "earnedWei">): void {
    this.counters[k]++;
    this.countersChanged();
  }

  private countersChanged(): void {
    if (this.countersTimer !== undefined) return;
    const wait = Math.max(0, this.lastCounters + this.lim.countersEveryMs - Date.now());
    this.countersTimer = setTimeout(() => {
      this.countersTimer = undefined;
      this.lastCounters = Date.now();
      this.emit({ type: "counters", data: { ...this.counters } });
    }, wait);
    this.countersTimer.unref();
  }

  // ---------------------------------------------------------------- this operator

  ownBid(taskId: string, patch: Partial<OwnBid>, now = Date.now()): void {
    const id = taskId.toLowerCase();
    let b = this.bids.get(id);
    if (b === undefined) {
      b = { taskId: id, t: now, outcome: "pending" };
      this.bids.set(id, b);
      this.counters.bidsMade++;
      while (this.bids.size > this.lim.maxBids) this.bids.delete(this.bids.keys().next().value!);
    }
    const was = b.outcome;
    Object.assign(b, patch);
    if (was !== b.outcome) {
      if (b.outcome === "won") this.counters.wins++;
      if (b.outcome === "lost") this.counters.losses++;
    }
    this.emit({ type: "operator", data: { bid: { ...b } } });
    this.countersChanged();
  }

  hasOwnBid(taskId: string): boolean {
    return this.bids.has(taskId.toLowerCase());
  }

  ownBids(): OwnBid[] {
    return [...this.bids.values()].reverse();
  }

  earned(taskId: string, price: bigint, now = Date.now()): void {
    this.counters.earnedWei += price;
    this.push(this.earnings, { t: now, taskId: taskId.toLowerCase(), price, total: this.counters.earnedWei });
    this.emit({ type: "operator", data: { earned: { taskId, price, total: this.counters.earnedWei } } });
  }

  proved(taskId: string, moduleId: string, durationMs: number, now = Date.now()): void {
    this.push(this.proofs, { t: now, taskId: taskId.toLowerCase(), moduleId, durationMs });
    this.emit({ type: "operator", data: { proof: { taskId, moduleId, durationMs } } });
  }

  /** One history point: tracked tasks by phase now. */
  sample(now = Date.now()): void {
    const point = { t: now, published: 0, bids: 0, assigned: 0, proved: 0, completed: 0, settled: 0, failed: 0 };
    for (const t of this.tasks.values()) point[t.phase]++;
    this.push(this.history, point);
  }

  private push<T>(list: T[], v: T): void {
    list.push(v);
    if (list.length > this.lim.maxSeries) list.splice(0, list.length - this.lim.maxSeries);
  }

  /** Newest first, older than `before`. */
  recent(q: RecentTasksQuery): RecentTasksPage {
    const items: unknown[] = [];
    let i = this.bySeq.length - 1;
    if (q.before !== undefined) while (i >= 0 && this.bySeq[i]!.seq >= q.before) i--;
    for (; i >= 0 && items.length < q.limit; i--) items.push(summary(this.bySeq[i]!));
    return i >= 0 ? { items, next: this.bySeq[i + 1]!.seq } : { items };
  }

  stop(): void {
    if (this.countersTimer !== undefined) clearTimeout(this.countersTimer);
    this.countersTimer = undefined;
    this.events.removeAllListeners();
  }
}

/** A task without its timeline (lists and events). */
export function summary(t: TrackedTask): Omit<TrackedTask, "timeline"> {
  const { timeline: _timeline, ...rest } = t;
  return { ...rest, phases: { ...t.phases } };
}
