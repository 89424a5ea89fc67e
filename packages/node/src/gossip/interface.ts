import type { GossipTopicName } from "./topics.js";

/** Where a message came from: live gossip, a sync response, or this node itself. */
export type MessageSource = "gossip" | "sync" | "local";

export interface MessageContext {
  /** Exact wire bytes. */
  data: Uint8Array;
  /** Message id (hex sha256 of data). */
  msgId: string;
  /** Peer id (string) that delivered it; our own id for local messages. */
  from: string;
  source: MessageSource;
}

/**
 * One topic's message type: decode, validate, and what to do once accepted (usually: store). The
 * validation pipeline calls them in that order; `validate` throws GossipActionError to ignore or reject.
 * `validate` must be the same for gossip and sync (a synced message is checked exactly like gossip).
 */
export interface TopicHandler<T> {
  readonly topic: GossipTopicName;
  /** Largest accepted message in bytes, checked before decoding. */
  readonly maxBytes: number;
  decode(data: Uint8Array): T;
  validate(msg: T, ctx: MessageContext): Promise<void>;
  onAccept(msg: T, ctx: MessageContext): Promise<void>;
  /**
   * The key (a task id) under which a message IGNOREd as not-yet-valid (`UNKNOWN_TASK`, `NO_COMMITMENT`) is
   * parked, to be validated again once a message with that key is accepted (see gossip/parked.ts). Undefined:
   * never parked.
   */
  parkKey?(msg: T): string | undefined;
  /** The key whose parked messages an accepted message releases (a task's id, a commit's task id). */
  releaseKey?(msg: T): string | undefined;
}

export interface ValidationResult {
  outcome: "accept" | "ignore" | "reject";
  /** Error code when not accepted. */
  reason?: string;
}

/** A message that passed validation, as emitted to the node's upper layers. */
export interface AcceptedMessage<T = unknown> {
  topic: GossipTopicName;
  message: T;
  ctx: MessageContext;
}
