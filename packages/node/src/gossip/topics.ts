import { TOPIC_NAMES, topic as protocolTopic, type TopicName } from "@zkpool/protocol";

/** The gossip topics of SPEC §0.8 / §2.1 (from @zkpool/protocol), one message type per topic. */
export const GOSSIP_TOPICS = TOPIC_NAMES;
export type GossipTopicName = TopicName;

/** Full topic string: `/zkpool/1/<chainId>/<name>`. */
export function topicString(chainId: bigint, name: GossipTopicName): string {
  return protocolTopic(chainId, name);
}

/** Inverse of topicString for this chain; undefined for a topic that is not ours. */
export function parseTopic(chainId: bigint, topic: string): GossipTopicName | undefined {
  const prefix = `/zkpool/1/${chainId.toString()}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const name = topic.slice(prefix.length);
  return (GOSSIP_TOPICS as readonly string[]).includes(name) ? (name as GossipTopicName) : undefined;
}
