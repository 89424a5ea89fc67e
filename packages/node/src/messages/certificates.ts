import { decodeCertificate, MAX_MESSAGE_BYTES, validateCertificate, type Certificate, type VoteBody } from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { attestersAt, enforce, loadTask, type ValidationDeps } from "./context.js";

/**
 * Storage id: `cert/<taskId>/<round>/<kind>` (`cert/<taskId>/nr/<prover>` for a NonReveal); the first valid
 * certificate per key is kept.
 */
export function certificateKey(c: VoteBody): string[] {
  if (c.kind === "nonReveal") return [c.taskId.toLowerCase(), "nr", c.prover.toLowerCase()];
  return [c.taskId.toLowerCase(), String(c.round), c.kind];
}

export function certificatesHandler(deps: ValidationDeps): TopicHandler<Certificate> {
  return {
    topic: "certificates",
    maxBytes: MAX_MESSAGE_BYTES.Certificate,
    decode: decodeCertificate,
    async validate(c) {
      const task = await loadTask(deps, c.taskId);
      enforce(
        validateCertificate(c, {
          domain: deps.domain,
          now: deps.now(),
          task,
          stakes: await attestersAt(deps, task?.stakeEpoch ?? 0n),
          known: await deps.repos.certificates.has(certificateKey(c)),
        }),
        "Certificate",
      );
    },
    async onAccept(c, ctx) {
      await deps.repos.certificates.put(certificateKey(c), ctx.data);
    },
  };
}
