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

/** Default cost of one second of proving: 10 gwei, a chosen placeholder, not a measured cost: set your own with `--cost-per-second`. */
export const DEFAULT_COST_PER_SECOND_WEI = 10_000_000_000n;

export interface CostPlusPricingInit {
  /** Never bid below this, wei. @default the cost of `minProvingMs` of proving */
  floorWei?: bigint;
  /** Cost of one second of proving on this hardware, wei. @default DEFAULT_COST_PER_SECOND_WEI */
  costPerSecondWei?: bigint;
  /** Proving time charged at least, ms (start-up, witness, upload). @default 1000 */
  minProvingMs?: number;
  /** Margin over cost, percent. @default 20 */
  marginPercent?: number;
  /** Extra percent per job already committed, per slot (load premium). @default 10 */
  loadPremiumPercent?: number;
  /** The task's penalty at risk priced in, basis points of the penalty (the chance of a default). @default 100 */
  penaltyRiskBps?: number;
}

/**
 * Cost plus margin, a load premium and the penalty at risk (issue 14):
 * `max(floor, ceil(cost * (100 + margin + loadPremium * load / slots) / 100) + ceil(penalty * penaltyRiskBps / 1e4))`
 * with `cost = ceil(costPerSecond * max(estimatedMs, minProvingMs) / 1000)`, estimatedMs the UMP's measured
 * proving time. Stays out when that exceeds the task's maxReward. Never 1 wei by default: the floor is the cost of
 * `minProvingMs`.
 */
export class CostPlusPricing implements PricingStrategy {
  private readonly floor: bigint;
  private readonly perSecond: bigint;
  private readonly minMs: bigint;
  private readonly margin: bigint;
  private readonly loadPremium: bigint;
  private readonly riskBps: bigint;

  constructor(init: CostPlusPricingInit = {}) {
    this.perSecond = init.costPerSecondWei ?? DEFAULT_COST_PER_SECOND_WEI;
    if (this.perSecond < 0n) throw new RangeError("costPerSecondWei must be >= 0");
    this.minMs = BigInt(Math.max(0, Math.ceil(init.minProvingMs ?? 1000)));
    this.margin = BigInt(Math.trunc(init.marginPercent ?? 20));
    this.loadPremium = BigInt(Math.trunc(init.loadPremiumPercent ?? 10));
    this.riskBps = BigInt(Math.trunc(init.penaltyRiskBps ?? 100));
    if (this.margin < 0n || this.loadPremium < 0n || this.riskBps < 0n || this.riskBps > 10_000n)
      throw new RangeError("marginPercent and loadPremiumPercent must be >= 0, penaltyRiskBps in 0..10000");
    this.floor = init.floorWei ?? (this.perSecond * this.minMs + 999n) / 1000n;
    if (this.floor < 1n) throw new RangeError("floorWei must be >= 1 wei (a price of 0 is not eligible)");
  }

  price(input: PricingInput): bigint | undefined {
    const ms = BigInt(Math.max(0, Math.ceil(input.estimatedMs)));
    const cost = (this.perSecond * (ms > this.minMs ? ms : this.minMs) + 999n) / 1000n;
    const slots = BigInt(Math.max(1, input.slots));
    const pct = 100n + this.margin + (this.loadPremium * BigInt(Math.max(0, input.load))) / slots;
    const risk = (input.task.penalty * this.riskBps + 9_999n) / 10_000n;
    let p = (cost * pct + 99n) / 100n + risk;
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
