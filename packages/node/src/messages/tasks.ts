import { decodeTask, finalDeadline, MAX_MESSAGE_BYTES, taskId, validateTask, VOTE_GRACE, type Hex, type Task } from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { enforce, judgedAt, type ValidationDeps } from "./context.js";

export interface DecodedTask {
  task: Task;
  id: Hex;
}

/**
 * tasks topic: requester-signed (EIP-712) tasks. Stored with an open-task index entry until final deadline +
 * grace. With `params`, the v1 epoch and lifetime rules apply (SPEC §9.1); with `funding`, a task the
 * requester's balance does not cover among its open tasks is IGNOREd UNFUNDED (§9.4). The balance is read
 * only for a task whose signature checked, so a forged task costs no RPC.
 */
export function tasksHandler(deps: ValidationDeps): TopicHandler<DecodedTask> {
  return {
    topic: "tasks",
    maxBytes: MAX_MESSAGE_BYTES.Task,
    // bids that arrived before the task are validated again once it is accepted (gossip/parked.ts)
    releaseKey: ({ id }) => id,
    decode: (data) => {
      const task = decodeTask(data);
      return { task, id: taskId(task, deps.domain).toLowerCase() as Hex };
    },
    async validate({ task, id }, ctx) {
      const known = await deps.repos.tasks.has([id]);
      const now = judgedAt(deps, ctx.source, task.bidDeadline);
      enforce(validateTask(task, { domain: deps.domain, now, known, ...(deps.params !== undefined ? { params: deps.params } : {}) }), "Task");
      // A synced task is only useful while it is still open.
      if (ctx.source === "sync") {
        enforce(deps.now() > finalDeadline(task) + VOTE_GRACE ? { action: "IGNORE", code: "EXPIRED" } : { action: "ACCEPT", code: "OK" }, "Task");
      }
      if (deps.funding !== undefined) {
        const f = await deps.funding.check(id, task);
        if (f.funded === false) enforce({ action: "IGNORE", code: "UNFUNDED" }, "Task");
      }
    },
    async onAccept({ task, id }, ctx) {
      await deps.repos.addTask(id, ctx.data, finalDeadline(task) + VOTE_GRACE);
      deps.funding?.add(id, task);
    },
  };
}
