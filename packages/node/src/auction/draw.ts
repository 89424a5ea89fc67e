/**
 * Pure agreement rules of the auction (SPEC §5.2, §5.5): the ordered draw from the reveals a node holds,
 * and who is assigned a round.
 */
import { canonicalProver, collateral, drawLottery, fromHex, type BidReveal, type ChainParams, type Hex, type LotteryPick, type Task } from "@zkpool/protocol";

/** The ordered draw (winner first) over the valid reveals held, at the task's stake table. */
export function drawOrder(
  taskId: Hex,
  task: Task,
  reveals: readonly BidReveal[],
  stakes: ReadonlyMap<string, bigint>,
  params?: Pick<ChainParams, "minStake">,
): LotteryPick[] {
  return drawLottery({
    taskId: fromHex(taskId),
    maxReward: task.maxReward,
    bids: reveals.map((r) => ({ prover: r.prover, price: r.price, salt: fromHex(r.salt) })),
    stakes,
    // v1 (SPEC §9.3): only provers whose stake at the epoch covers the task's collateral are drawn.
    ...(params !== undefined ? { collateral: collateral(task, params) } : {}),
  }).order;
}

/**
 * Assignee of a round: the first prover in the draw order that has no certified default in an earlier
 * round. With no void round this is `order[r]`; after a void round (votes split, no certificate) the next
 * round re-draws from the reveal set as synced by then and gives the same prover another chance.
 */
export function assigneeFor(order: readonly LotteryPick[], defaulted: ReadonlySet<string>): LotteryPick | undefined {
  return order.find((p) => !defaulted.has(canonicalProver(p.prover)));
}
