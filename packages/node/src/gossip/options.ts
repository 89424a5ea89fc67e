import type { GossipTopicName } from "./topics.js";

export interface GossipOptions {
  /** Max messages waiting for validation per topic; more are shed (IGNORE). @default 1024 */
  maxQueueLength?: number;
  /**
   * Messages validated concurrently per topic. @default 1: validation is CPU-bound (signature checks run
   * on the one JS thread anyway) and serial validation per topic makes "is there already a message in
   * this slot" checks race-free.
   */
  concurrency?: number;
  /** Per-topic overrides of the queue length. */
  queueLength?: Partial<Record<GossipTopicName, number>>;
}

export const DEFAULT_QUEUE_LENGTH = 1024;
export const DEFAULT_CONCURRENCY = 1;
/** Largest gossip message gossipsub will decode at all (per-topic handler limits are smaller). */
export const MAX_GOSSIP_DATA_BYTES = 1 << 20;
