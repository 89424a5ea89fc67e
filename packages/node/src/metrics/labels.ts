/**
 * Bounded label values of the lifecycle metrics. Every label value the node reports comes from one of these
 * fixed sets (or is mapped to "other"), so a peer cannot grow the number of series: no task ids, addresses or
 * free text ever become labels.
 */

/** Lifecycle events counted in `zkpool_node_tasks_total{event}`. `seen` is every task this node accepted; the
 * others are this operator's own: it committed a bid, won an assignment, published a proof, saw its task
 * settled on chain, or got a certified default. */
export const TASK_EVENTS = ["seen", "bid", "won", "proved", "settled", "defaulted", "reauctioned"] as const;
export type TaskEvent = (typeof TASK_EVENTS)[number];

/** Terminal status of every task this node followed (`zkpool_node_tasks_ended_total{status}`). */
export const TASK_END_STATUSES = ["completed", "invalid", "failed", "unfunded"] as const;
export type TaskEndStatus = (typeof TASK_END_STATUSES)[number];

/** Where a task was refused: the tasks topic's validation (SPEC §2.3, §9.1, §9.4), or this prover not bidding. */
export type RefusalStage = "validation" | "bid";

/**
 * Reason codes of `zkpool_node_tasks_refused_total{stage="validation"}`: the SPEC's task validation codes and
 * the gossip pipeline's own (size, decoding, queue, throttling). DUPLICATE is a re-delivery, not a refusal,
 * and is not counted.
 */
export const VALIDATION_REFUSALS = [
  "LATE",
  "TOO_FAR_AHEAD",
  "STALE_EPOCH",
  "LIFETIME_TOO_LONG",
  "EPOCH_NOT_FINAL",
  "BAD_SIGNATURE",
  "UNFUNDED",
  "EXPIRED",
  "GOSSIP_TOO_LARGE",
  "GOSSIP_MALFORMED",
  "GOSSIP_QUEUE_FULL",
  "GOSSIP_THROTTLED",
  "GOSSIP_INTERNAL",
] as const;

/**
 * Reason codes of `zkpool_node_tasks_refused_total{stage="bid"}` (a prover that did not bid on a task):
 * NO_CAPACITY (the UMP refused the reservation), NO_PRICE (the pricing strategy gave no price within maxReward),
 * NO_FREE_STAKE (its stake minus the collateral of its live bids does not cover the task's collateral, SPEC §9.3),
 * NOT_STAKED (no stake at the task's epoch). Counted once per task.
 */
export const BID_REFUSALS = ["NO_CAPACITY", "NO_PRICE", "NO_FREE_STAKE", "NOT_STAKED"] as const;

/** The label value for anything outside a bounded set. */
export const OTHER_LABEL = "other";

const REFUSALS: Record<RefusalStage, ReadonlySet<string>> = {
  validation: new Set(VALIDATION_REFUSALS),
  bid: new Set(BID_REFUSALS),
};

/** A refusal reason as a bounded label value: a known code of its stage, else "other". */
export function refusalReason(stage: RefusalStage, reason: string | undefined): string {
  return reason !== undefined && REFUSALS[stage].has(reason) ? reason : OTHER_LABEL;
}

export const PROOF_SYSTEM_LABELS = ["groth16", "plonk", "fflonk"] as const;
const PROOF_SYSTEM_CODES: Record<number, string> = { 1: "groth16", 2: "plonk", 3: "fflonk" };

/** A proof system (wire code 1..3 or its name) as a bounded label value. */
export function proofSystemLabel(system: number | string): string {
  if (typeof system === "number") return PROOF_SYSTEM_CODES[system] ?? OTHER_LABEL;
  return (PROOF_SYSTEM_LABELS as readonly string[]).includes(system) ? system : OTHER_LABEL;
}

const WEI_PER_GWEI = 10n ** 9n;

/** Wei as ETH (a float: fine for gauges and histograms, exact to about 1e-9 ETH). */
export function weiToEth(wei: bigint): number {
  const gwei = wei / WEI_PER_GWEI;
  return Number(gwei) / 1e9 + Number(wei % WEI_PER_GWEI) / 1e18;
}

/** price / maxReward in [0, 1] (1e-6 resolution); 0 when maxReward is 0. */
export function priceRatio(price: bigint, maxReward: bigint): number {
  if (maxReward <= 0n) return 0;
  return Number((price * 1_000_000n) / maxReward) / 1e6;
}
