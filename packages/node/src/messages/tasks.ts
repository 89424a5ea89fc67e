import { decodeTask, finalDeadline, MAX_MESSAGE_BYTES, taskId, validateTask, VOTE_GRACE, type Hex, type Task } from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { enforce, judgedAt, type ValidationDeps } from "./context.js";

export interface DecodedTask {
  task: Task;
  id: Hex;
}

/** tasks topic: requester-signed (EIP-712) tasks. Stored with an open-task index entry until final deadline + grace. */
export function tasksHandler(deps: ValidationDeps): TopicHandler<DecodedTask> {
  return {
    topic: "tasks",
    maxBytes: MAX_MESSAGE_BYTES.Task,
    decode: (data) => {
      const task = decodeTask(data);
      return { task, id: taskId(task, deps.domain).toLowerCase() as Hex };
    },
    async validate({ task, id }, ctx) {
      const known = await deps.repos.tasks.has([id]);
      enforce(validateTask(task, { domain: deps.domain, now: judgedAt(deps, ctx.source, task.bidDeadline), known }), "Task");
      // A synced task is only useful while it is still open.
      if (ctx.source === "sync") {
        enforce(deps.now() > finalDeadline(task) + VOTE_GRACE ? { action: "IGNORE", code: "EXPIRED" } : { action: "ACCEPT", code: "OK" }, "Task");
      }
    },
    async onAccept({ task, id }, ctx) {
      await deps.repos.addTask(id, ctx.data, finalDeadline(task) + VOTE_GRACE);
    },
  };
}
