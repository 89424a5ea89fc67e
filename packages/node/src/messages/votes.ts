import { decodeVote, MAX_MESSAGE_BYTES, validateVote, type Hex, type Vote } from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { enforce, loadTask, stakeAt, type ValidationDeps } from "./context.js";

const lc = (h: Hex): string => h.toLowerCase();

/**
 * Storage id: `vote/<taskId>/<round>/<slot>/<attester>/<msgId>`, slot `a` (assignment) or `cd`
 * (completion or default): an honest attester signs at most one vote per slot (SPEC §5); up to two
 * are kept as equivocation evidence.
 */
export function voteSlot(v: Vote): string[] {
  return [lc(v.taskId), String(v.round), v.kind === "assignment" ? "a" : "cd", lc(v.attester)];
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
