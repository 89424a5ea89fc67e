import {
  auctionDeadlines,
  taskAuctionRounds,
  decodeBidCommit,
  decodeBidReveal,
  MAX_MESSAGE_BYTES,
  ProtocolError,
  validateBidCommit,
  validateBidReveal,
  type BidCommit,
  type BidReveal,
  type Hex,
} from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { enforce, judgedAt, loadTask, peerOperator, stakeAt, type ValidationDeps } from "./context.js";

export type BidMessage = { kind: "commit"; commit: BidCommit } | { kind: "reveal"; reveal: BidReveal };

/**
 * The bids topic carries both commits and reveals. Their canonical encodings differ (field 5 is a 64-byte
 * signature in a commit, a 32-byte salt in a reveal), so at most one decoder accepts a message.
 */
export function decodeBid(data: Uint8Array): BidMessage {
  try {
    return { kind: "commit", commit: decodeBidCommit(data) };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    try {
      return { kind: "reveal", reveal: decodeBidReveal(data) };
    } catch {
      throw err;
    }
  }
}

const lc = (h: Hex): string => h.toLowerCase();

/**
 * Storage ids: `bid/<taskId>/c/<prover>/<commitment>` (up to two distinct commitments are kept as
 * equivocation evidence) and `bid/<taskId>/r/<prover>`, for auction round 0; `c<a>` and `r<a>` for auction
 * round a > 0 of a price schedule (SPEC §10.3).
 */
export function bidKey(m: BidMessage): string[] {
  return m.kind === "commit"
    ? [lc(m.commit.taskId), commitsOf(m.commit.auctionRound ?? 0), lc(m.commit.prover), lc(m.commit.commitment)]
    : [lc(m.reveal.taskId), revealsOf(m.reveal.auctionRound ?? 0), lc(m.reveal.prover)];
}

/** Key segment of auction round a's commits (`c`, `c1`, …). */
export function commitsOf(auctionRound: number): string {
  return auctionRound === 0 ? "c" : `c${auctionRound}`;
}

/** Key segment of auction round a's reveals (`r`, `r1`, …). */
export function revealsOf(auctionRound: number): string {
  return auctionRound === 0 ? "r" : `r${auctionRound}`;
}

async function commitmentsOf(deps: ValidationDeps, taskId: Hex, prover: Hex, auctionRound: number): Promise<Hex[]> {
  return (await deps.repos.bids.entries([lc(taskId), commitsOf(auctionRound), lc(prover)])).map((e) => e.id[3] as Hex);
}

export function bidsHandler(deps: ValidationDeps): TopicHandler<BidMessage> {
  return {
    topic: "bids",
    maxBytes: Math.max(MAX_MESSAGE_BYTES.BidCommit, MAX_MESSAGE_BYTES.BidReveal),
    decode: decodeBid,
    async validate(m, ctx) {
      if (m.kind === "commit") {
        const c = m.commit;
        const task = await loadTask(deps, c.taskId);
        const op = await peerOperator(deps, c.peerId);
        enforce(
          validateBidCommit(c, {
            domain: deps.domain,
            now: judgedAt(deps, ctx.source, task === undefined ? 0n : auctionDeadlines(task, Math.min(c.auctionRound ?? 0, taskAuctionRounds(task) - 1)).bidDeadline),
            task,
            peerOperator: op,
            proverStake: await stakeAt(deps, c.prover, task?.stakeEpoch),
            previousCommitments: await commitmentsOf(deps, c.taskId, c.prover, c.auctionRound ?? 0),
            ...(deps.params !== undefined ? { params: deps.params } : {}),
          }),
          "BidCommit",
        );
        return;
      }
      const r = m.reveal;
      const task = await loadTask(deps, r.taskId);
      enforce(
        validateBidReveal(r, {
          domain: deps.domain,
          now: judgedAt(deps, ctx.source, task === undefined ? 0n : auctionDeadlines(task, Math.min(r.auctionRound ?? 0, taskAuctionRounds(task) - 1)).revealDeadline),
          task,
          peerOperator: await peerOperator(deps, r.peerId),
          proverStake: await stakeAt(deps, r.prover, task?.stakeEpoch),
          commitments: await commitmentsOf(deps, r.taskId, r.prover, r.auctionRound ?? 0),
          alreadyRevealed: await deps.repos.bids.has(bidKey(m)),
          ...(deps.params !== undefined ? { params: deps.params } : {}),
        }),
        "BidReveal",
      );
    },
    async onAccept(m, ctx) {
      await deps.repos.bids.put(bidKey(m), ctx.data);
    },
    // a bid before its task, a reveal before its commit: parked under the task, released by the task or a commit
    parkKey: (m) => lc(m.kind === "commit" ? m.commit.taskId : m.reveal.taskId),
    releaseKey: (m) => (m.kind === "commit" ? lc(m.commit.taskId) : undefined),
  };
}
