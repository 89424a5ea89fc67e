import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from "@libp2p/gossipsub/score";
import { GOSSIP_TOPICS, topicString } from "./topics.js";

/**
 * Peer-score thresholds. Invalid messages cost INVALID_WEIGHT x (count^2), so a peer drops below the
 * gossip threshold after two REJECTs, below publish after three, and is graylisted (its RPCs ignored)
 * after five (the counter decays ~1% a second). IGNOREd messages weigh through the application-specific score
 * (PeerPenalties): a peer with no positive topic score is graylisted after ~160 of them, any peer after 256.
 */
export const SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -40,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 2,
};

const INVALID_WEIGHT = -5;

function topicParams(): TopicScoreParams {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 0.5,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    // Pool topics are bursty (tasks come and go): never penalise a quiet mesh.
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.9,
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.9,
    invalidMessageDeliveriesWeight: INVALID_WEIGHT,
    // ~1% per decay interval (1 s): an invalid message is remembered for minutes.
    invalidMessageDeliveriesDecay: 0.99,
  };
}

/** The most a peer's topic scores can add (topicScoreCap): an app penalty past graylist + this graylists anyone. */
export const TOPIC_SCORE_CAP = 50;

/**
 * Score parameters for every pool topic of `chainId`. `appScore` is the application-specific score (the
 * node's penalties of IGNOREd/REJECTed senders, PeerPenalties.appScore), weight 1.
 */
export function peerScoreParams(chainId: bigint, devnet: boolean, appScore: (peerId: string) => number = () => 0): Partial<PeerScoreParams> {
  const topics: Record<string, TopicScoreParams> = {};
  for (const t of GOSSIP_TOPICS) topics[topicString(chainId, t)] = topicParams();
  return {
    topics,
    topicScoreCap: TOPIC_SCORE_CAP,
    appSpecificScore: appScore,
    appSpecificWeight: 1,
    // Production: penalise many peers behind one IP (sybils). Devnets run everything on 127.0.0.1.
    IPColocationFactorWeight: devnet ? 0 : -10,
    IPColocationFactorThreshold: 10,
    IPColocationFactorWhitelist: new Set<string>(),
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.99,
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 3_600_000,
  };
}
