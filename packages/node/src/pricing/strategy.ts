/**
 * Pricing strategies: what a prover bids for a task. A strategy sees the task's reward, this node's
 * measured cost (UMP preflight estimate) and its current load, and returns a price in wei, or undefined to
 * stay out. Integer arithmetic only.
 */
import type { Task } from "@zkpool/protocol";
import type { ProverRating } from "../ratings/book.js";

export interface PricingInput {
  task: Task;
  /** Estimated proving time on this node, ms (UMP preflight, with its safety margin). */
  estimatedMs: number;
  /** Jobs queued + running + reserved in the UMP. */
  load: number;
  /** Concurrency slots of the UMP (for a load ratio). */
  slots: number;
  /** This node's own record, if any (a strategy may price its reliability in). */
  ownRating?: ProverRating;
}

export interface PricingStrategy {
  /** The bid price in wei (`0 < price <= task.maxReward`), or undefined to not bid. */
  price(input: PricingInput): bigint | undefined;
}

export interface CostPlusPricingInit {
  /** Never bid below this, wei. @default 1 */
  floorWei?: bigint;
  /** Cost of one second of proving on this hardware, wei. @default 0 */
  costPerSecondWei?: bigint;
  /** Margin over cost, percent. @default 20 */
  marginPercent?: number;
  /** Extra percent per job already committed, per slot (load premium). @default 10 */
  loadPremiumPercent?: number;
}

/**
 * Cost plus margin: `max(floor, cost * (100 + margin + loadPremium * load / slots) / 100)` where
 * `cost = ceil(costPerSecond * estimatedMs / 1000)`. Stays out when that exceeds the task's maxReward.
 */
export class CostPlusPricing implements PricingStrategy {
  private readonly floor: bigint;
  private readonly perSecond: bigint;
  private readonly margin: bigint;
  private readonly loadPremium: bigint;

  constructor(init: CostPlusPricingInit = {}) {
    this.floor = init.floorWei ?? 1n;
    this.perSecond = init.costPerSecondWei ?? 0n;
    this.margin = BigInt(Math.trunc(init.marginPercent ?? 20));
    this.loadPremium = BigInt(Math.trunc(init.loadPremiumPercent ?? 10));
    if (this.floor < 1n) throw new RangeError("floorWei must be >= 1 wei (a price of 0 is not eligible)");
  }

  price(input: PricingInput): bigint | undefined {
    const cost = (this.perSecond * BigInt(Math.max(0, Math.ceil(input.estimatedMs))) + 999n) / 1000n;
    const slots = BigInt(Math.max(1, input.slots));
    const pct = 100n + this.margin + (this.loadPremium * BigInt(Math.max(0, input.load))) / slots;
    let p = (cost * pct + 99n) / 100n;
    if (p < this.floor) p = this.floor;
    return p > input.task.maxReward ? undefined : p;
  }
}

/** Bid a fixed share of maxReward (percent, 1..100): handy for devnets and tests. */
export class FixedSharePricing implements PricingStrategy {
  constructor(private readonly percent: number) {
    if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw new RangeError("percent must be an integer in 1..100");
  }
  price(input: PricingInput): bigint | undefined {
    const p = (input.task.maxReward * BigInt(this.percent)) / 100n;
    return p === 0n ? 1n : p;
  }
}
