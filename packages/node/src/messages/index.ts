export * from "./context.js";
export * from "./operators.js";
export * from "./tasks.js";
export * from "./bids.js";
export * from "./votes.js";
export * from "./certificates.js";
export * from "./proofs.js";
import type { TopicHandler } from "../gossip/interface.js";
import type { ValidationDeps } from "./context.js";
import { bidsHandler } from "./bids.js";
import { certificatesHandler } from "./certificates.js";
import { operatorsHandler } from "./operators.js";
import { proofsHandler, type ProofVerifier } from "./proofs.js";
import { tasksHandler } from "./tasks.js";
import { votesHandler } from "./votes.js";

/** The protocol's topic handlers (SPEC §2) for one node. */
export function protocolHandlers(deps: ValidationDeps, verifier?: ProofVerifier): Array<TopicHandler<unknown>> {
  return [
    operatorsHandler(deps),
    tasksHandler(deps),
    bidsHandler(deps),
    votesHandler(deps),
    certificatesHandler(deps),
    proofsHandler(deps, verifier),
  ] as Array<TopicHandler<unknown>>;
}
