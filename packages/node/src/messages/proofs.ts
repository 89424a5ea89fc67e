import { decodeCertificate, decodeProofSubmission, MAX_MESSAGE_BYTES, roundDeadline, validateProofSubmission, type Hex, type ProofSubmission, type Task } from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { enforce, judgedAt, loadTask, peerOperator, type ValidationDeps } from "./context.js";

export function proofKey(p: ProofSubmission): string[] {
  return [p.taskId.toLowerCase(), String(p.round)];
}

/**
 * Checks a proof against the task's verification key. The node core does not verify proofs itself
 * (the agreement layer plugs the UMP verifier in); without a verifier this check is skipped.
 */
export interface ProofVerifier {
  verify(task: Task, proof: ProofSubmission): Promise<boolean>;
}

async function assignedProver(deps: ValidationDeps, taskId: Hex, round: number): Promise<Hex | undefined> {
  const bytes = await deps.repos.certificates.get([taskId.toLowerCase(), String(round), "assignment"]);
  if (bytes === undefined) return undefined;
  const c = decodeCertificate(bytes);
  return c.kind === "assignment" ? c.prover : undefined;
}

/** proofs topic: proof submissions by the certified prover's node, one valid proof per (task, round). */
export function proofsHandler(deps: ValidationDeps, verifier?: ProofVerifier): TopicHandler<ProofSubmission> {
  return {
    topic: "proofs",
    maxBytes: MAX_MESSAGE_BYTES.ProofSubmission,
    decode: decodeProofSubmission,
    async validate(p, ctx) {
      const task = await loadTask(deps, p.taskId);
      enforce(
        validateProofSubmission(p, {
          domain: deps.domain,
          now: judgedAt(deps, ctx.source, task === undefined ? 0n : roundDeadline(task, p.round)),
          task,
          assignedProver: await assignedProver(deps, p.taskId, p.round),
          peerOperator: await peerOperator(deps, p.peerId),
          known: await deps.repos.proofs.has(proofKey(p)),
        }),
        "ProofSubmission",
      );
      if (verifier !== undefined && task !== undefined && !(await verifier.verify(task, p))) {
        enforce({ action: "REJECT", code: "INVALID_PROOF" }, "ProofSubmission");
      }
    },
    async onAccept(p, ctx) {
      await deps.repos.proofs.put(proofKey(p), ctx.data);
    },
  };
}
