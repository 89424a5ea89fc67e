/** Gossipsub topic names (SPEC §0.8, §2.1). One message type per topic. */

export const TOPIC_NAMES = ["operators", "tasks", "bids", "votes", "certificates", "proofs"] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

/** `/zkpool/1/<chainId>/<name>` */
export function topic(chainId: bigint, name: TopicName): string {
  return `/zkpool/1/${chainId}/${name}`;
}

export function topics(chainId: bigint): Record<TopicName, string> {
  return Object.fromEntries(TOPIC_NAMES.map((n) => [n, topic(chainId, n)])) as Record<TopicName, string>;
}
