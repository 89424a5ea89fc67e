import { decodeVote, MAX_MESSAGE_BYTES, validateVote, type Hex, type Vote, type VoteBody } from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { enforce, loadTask, stakeAt, type ValidationDeps } from "./context.js";

const lc = (h: Hex): string => h.toLowerCase();

/** The slot name of a vote kind in storage ids: `a`, `cd`, or `nr-<prover>` (SPEC §1.11, §9.7-9.9). */
export function slotName(v: Pick<VoteBody, "kind"> & { prover?: Hex }): string {
  switch (v.kind) {
    case "assignment":
    case "invalid":
      return "a";
    case "completion":
    case "default":
      return "cd";
    case "nonReveal":
      return `nr-${lc(v.prover ?? "0x")}`;
  }
}

/**
 * Storage id: `vote/<taskId>/<round>/<slot>/<attester>/<msgId>`, slot `a` (an Assignment, or round 0's
 * Invalid), `cd` (a Completion or a Default) or `nr-<prover>` (a NonReveal, round 0): an honest attester signs
 * at most one vote per slot (SPEC §5, §9.9); up to two are kept as equivocation evidence.
 */
export function voteSlot(v: Vote): string[] {
  return [lc(v.taskId), String(v.round), slotName(v), lc(v.attester)];
}

export function votesHandler(deps: ValidationDeps): TopicHandler<Vote> {
  return {
    topic: "votes",
    maxBytes: MAX_MESSAGE_BYTES.Vote,
    decode: decodeVote,
    async validate(v) {
      const task = await loadTask(deps, v.taskId);
      const previousInSlot = (await deps.repos.votes.values(voteSlot(v))).map((b) => decodeVote(b));
      enforce(
        validateVote(v, {
          domain: deps.domain,
          now: deps.now(),
          task,
          attesterStake: await stakeAt(deps, v.attester, task?.stakeEpoch),
          previousInSlot,
        }),
        "Vote",
      );
    },
    async onAccept(v, ctx) {
      await deps.repos.votes.put([...voteSlot(v), ctx.msgId], ctx.data);
    },
  };
}
