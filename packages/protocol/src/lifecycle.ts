/**
 * Task timeline (SPEC §3, §10.3): absolute deadlines derived from the task, and the phase at a given time.
 *
 * With a price schedule a task has R auction rounds (R = 1 without one). Votes, certificates and proofs name a
 * **round** `g = a * maxRounds + k`: proof round k (0 <= k < maxRounds) of auction round a. Without a schedule
 * `g = k`, today's round. Every deadline below takes that round.
 */
import { MAX_CLOCK_SKEW } from "./constants.js";
import { rampRounds, schedulePrice } from "./market/schedule.js";
import type { Task } from "./types.js";

type Timeline = Pick<Task, "bidDeadline" | "revealDeadline" | "proofWindow" | "maxRounds" | "maxReward" | "schedule">;

/** Number of auction rounds R of the task's schedule (1 without a schedule). */
export function taskAuctionRounds(task: Pick<Task, "maxReward" | "schedule">): number {
  const s = task.schedule;
  return s === undefined ? 1 : Number(rampRounds(s.startPrice, task.maxReward, s.priceStep));
}

/** Rounds a vote, certificate or proof may name: `R * maxRounds`. */
export function totalRounds(task: Pick<Task, "maxReward" | "schedule" | "maxRounds">): number {
  return taskAuctionRounds(task) * task.maxRounds;
}

/** The auction round a and proof round k of round `g = a * maxRounds + k`. */
export function splitRound(task: Pick<Task, "maxRounds">, round: number): { auction: number; proof: number } {
  return { auction: Math.floor(round / task.maxRounds), proof: round % task.maxRounds };
}

/** First round (proof round 0) of auction round a: `a * maxRounds`. */
export function firstRound(task: Pick<Task, "maxRounds">, auction: number): number {
  return auction * task.maxRounds;
}

/** Reserve price of auction round a: `min(maxReward, startPrice + a * priceStep)`; maxReward without a schedule. */
export function reservePrice(task: Pick<Task, "maxReward" | "schedule">, auction: number): bigint {
  const s = task.schedule;
  if (s === undefined) return task.maxReward;
  return schedulePrice({ startPrice: s.startPrice, maxPrice: task.maxReward, step: s.priceStep }, auction);
}

/**
 * Bid and reveal deadlines of auction round a: with `P = rebidWindow + (revealDeadline - bidDeadline)`,
 * `bidDeadline + a * P` and `revealDeadline + a * P` (round 0: the task's own).
 */
export function auctionDeadlines(task: Timeline, auction: number): { bidDeadline: bigint; revealDeadline: bigint } {
  if (auction === 0 || task.schedule === undefined) return { bidDeadline: task.bidDeadline, revealDeadline: task.revealDeadline };
  const shift = BigInt(auction) * (BigInt(task.schedule.rebidWindow) + task.revealDeadline - task.bidDeadline);
  return { bidDeadline: task.bidDeadline + shift, revealDeadline: task.revealDeadline + shift };
}

/** Proof deadline of round g = (a, k): revealDeadline_a + (k + 1) * proofWindow. */
export function roundDeadline(task: Timeline, round: number): bigint {
  return roundStart(task, round) + BigInt(task.proofWindow);
}

/** Start of round g = (a, k): revealDeadline_a + k * proofWindow (revealDeadline_a for k = 0). */
export function roundStart(task: Timeline, round: number): bigint {
  const { auction, proof } = splitRound(task, round);
  return auctionDeadlines(task, auction).revealDeadline + BigInt(proof) * BigInt(task.proofWindow);
}

/** Final deadline, the worst case (every auction round re-opened): the deadline of round `R * maxRounds - 1`. */
export function finalDeadline(task: Timeline): bigint {
  return roundDeadline(task, totalRounds(task) - 1);
}

export type TaskPhase =
  | { phase: "bidding" }
  | { phase: "revealing" }
  | { phase: "proving"; round: number }
  | { phase: "expired" };

/** Phase by local time, without skew, of auction round 0: bids until bidDeadline, reveals until revealDeadline, then its proof rounds (a task whose round 0 had no eligible bid moves on to auction round 1, see auctionDeadlines). */
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
