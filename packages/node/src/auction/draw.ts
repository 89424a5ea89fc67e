/**
 * Pure agreement rules of the auction (SPEC §5.2, §5.5, §10.1–10.2): the ordered draw from the reveals a node
 * holds, what each drawn prover is paid, and who is assigned a round.
 */
import { DEFAULT_BAND_BPS, canonicalProver, collateral, fromHex, reservePrice, runMarket, type BidReveal, type ChainParams, type Hex, type Task } from "@zkpool/protocol";

/** One position of the draw: the prover, its revealed bid, and the price it is assigned at (its payment). */
export interface DrawPick {
  /** Canonical (lowercase) prover address. */
  prover: string;
  /** The prover's revealed bid. */
  bid: bigint;
  /** The assignment's price: the prover's threshold payment, `bid <= price <= reserve` (SPEC §10.2). */
  price: bigint;
  /** The prover's stake at the task's stake epoch (its weight in the draw inside the band). */
  stake: bigint;
}

/**
 * The ordered draw (winner first) over the valid reveals held of one auction round, at the task's stake table: the band of the lowest
 * bids, a stake-weighted draw inside it, each member priced at its threshold payment (SPEC §10).
 */
export function drawOrder(
  taskId: Hex,
  task: Task,
  reveals: readonly BidReveal[],
  stakes: ReadonlyMap<string, bigint>,
  params?: Pick<ChainParams, "minStake">,
  auctionRound = 0,
): DrawPick[] {
  return runMarket({
    taskId: fromHex(taskId),
    // the reserve of the auction round the reveals belong to (maxReward without a price schedule, SPEC §10.3)
    reserve: reservePrice(task, auctionRound),
    bids: reveals.map((r) => ({ prover: r.prover, price: r.price, salt: fromHex(r.salt) })),
    stakes,
    bandBps: DEFAULT_BAND_BPS,
    // v1 (SPEC §9.3): only provers whose stake at the epoch covers the task's collateral are drawn.
    ...(params !== undefined ? { collateral: collateral(task, params) } : {}),
  }).order.map((p) => ({ prover: p.prover, bid: p.price, price: p.payment, stake: p.stake }));
}

/**
 * Assignee of a round: the first prover in the draw order that has no certified default in an earlier
 * round. With no void round this is `order[r]`; after a void round (votes split, no certificate) the next
 * round re-draws from the reveal set as synced by then and gives the same prover another chance.
 */
export function assigneeFor(order: readonly DrawPick[], defaulted: ReadonlySet<string>): DrawPick | undefined {
  return order.find((p) => !defaulted.has(canonicalProver(p.prover)));
}
