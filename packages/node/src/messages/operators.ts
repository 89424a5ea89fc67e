import { decodeOperatorRecord, MAX_MESSAGE_BYTES, validateOperatorRecord, type OperatorRecord, type ProtocolDomain } from "@zkpool/protocol";
import type { TopicHandler } from "../gossip/interface.js";
import { enforce, type ValidationDeps } from "./context.js";

/** Stateless checks of an operator record (signature, freshness), shared by gossip and the DHT validator. */
export function checkOperatorRecord(rec: OperatorRecord, deps: { domain: ProtocolDomain; now: () => bigint }): void {
  enforce(validateOperatorRecord(rec, { domain: deps.domain, now: deps.now() }), "OperatorRecord");
}

/** operators topic: signed OperatorRecords; the newest (highest seq) per peer id is kept. */
export function operatorsHandler(deps: ValidationDeps): TopicHandler<OperatorRecord> {
  return {
    topic: "operators",
    maxBytes: MAX_MESSAGE_BYTES.OperatorRecord,
    decode: decodeOperatorRecord,
    async validate(rec) {
      const stored = await deps.repos.operators.get([rec.peerId.toLowerCase()]);
      enforce(
        validateOperatorRecord(rec, {
          domain: deps.domain,
          now: deps.now(),
          currentSeq: stored === undefined ? undefined : decodeOperatorRecord(stored).seq,
          // Membership is not per task: the genesis/current stake (snapshot 0) decides.
          operatorStake: await deps.stake.stakeOf(rec.operator, 0n),
        }),
        "OperatorRecord",
      );
    },
    async onAccept(rec, ctx) {
      await deps.repos.operators.put([rec.peerId.toLowerCase()], ctx.data);
    },
  };
}
