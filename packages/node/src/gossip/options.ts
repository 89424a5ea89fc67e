import type { GossipTopicName } from "./topics.js";
import type { PenaltyOptions } from "./penalties.js";

export interface GossipOptions {
  /** Max messages waiting for validation per topic; more are shed (IGNORE). @default 1024 */
  maxQueueLength?: number;
  /**
   * Max messages of one sender (the peer that delivered them) waiting for validation per topic. The queue is
   * served round-robin between senders, and when it is full a newcomer evicts the newest message of the
   * sender with the most waiting, so one peer's flood cannot crowd out the others. @default 128
   */
  maxQueuePerPeer?: number;
  /**
   * Messages validated concurrently per topic. @default 1: validation is CPU-bound (signature checks run
   * on the one JS thread anyway) and serial validation per topic makes "is there already a message in
   * this slot" checks race-free.
   */
  concurrency?: number;
  /** Per-topic overrides of the queue length. */
  queueLength?: Partial<Record<GossipTopicName, number>>;
  /**
   * Penalties of senders of IGNOREd and REJECTed gossip (see PeerPenalties): by default a fresh peer is
   * throttled after 256 IGNOREd messages (or 5 REJECTed), i.e. its gossip is dropped unvalidated and gossipsub
   * graylists it, until the points (half-life 60 s) fall to half. Keyed by remote IP too with
   * `network.limitByIp`.
   */
  penalties?: PenaltyOptions;
}

export const DEFAULT_QUEUE_LENGTH = 1024;
export const DEFAULT_QUEUE_PER_PEER = 128;
export const DEFAULT_CONCURRENCY = 1;
/** Largest gossip message gossipsub will decode at all (per-topic handler limits are smaller). */
export const MAX_GOSSIP_DATA_BYTES = 1 << 20;
