import { ZkPoolError, type ErrorType } from "@zkpool/protocol";

/** What gossipsub should do with a message that failed validation (Lodestar's GossipAction). */
export enum GossipAction {
  /** Not invalid, just not useful now (duplicate, unknown task yet, late): dropped, no penalty. */
  IGNORE = "IGNORE",
  /** Provably invalid (malformed, forged, oversized): dropped and the propagation source is penalised. */
  REJECT = "REJECT",
}

export enum GossipErrorCode {
  TOO_LARGE = "GOSSIP_TOO_LARGE",
  MALFORMED = "GOSSIP_MALFORMED",
  UNKNOWN_TOPIC = "GOSSIP_UNKNOWN_TOPIC",
  QUEUE_FULL = "GOSSIP_QUEUE_FULL",
  /** The sender is throttled for flooding IGNOREd/REJECTed messages: dropped unvalidated (PeerPenalties). */
  THROTTLED = "GOSSIP_THROTTLED",
  DUPLICATE = "DUPLICATE",
  INTERNAL = "GOSSIP_INTERNAL",
}

/**
 * Thrown by a topic validator: carries the action and a typed reason (`type.code`, e.g. a protocol
 * validation code such as BAD_SIGNATURE). Only these map to IGNORE/REJECT; any other error is an
 * internal failure and maps to IGNORE (never penalise a peer for our own bug).
 */
export class GossipActionError<T extends ErrorType = ErrorType> extends ZkPoolError<T> {
  constructor(
    readonly action: GossipAction,
    type: T,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(type, message ?? `${action}: ${type.code}`, options);
  }
}

export function reject<T extends ErrorType>(type: T, message?: string): GossipActionError<T> {
  return new GossipActionError(GossipAction.REJECT, type, message);
}

export function ignore<T extends ErrorType>(type: T, message?: string): GossipActionError<T> {
  return new GossipActionError(GossipAction.IGNORE, type, message);
}
