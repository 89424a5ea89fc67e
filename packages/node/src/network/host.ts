import { createHash } from "node:crypto";
import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify, type Identify } from "@libp2p/identify";
import { ping, type Ping } from "@libp2p/ping";
import { bootstrap } from "@libp2p/bootstrap";
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT, type Selectors, type Validators } from "@libp2p/kad-dht";
import { gossipsub, StrictNoSign, type GossipSub, type Message } from "@libp2p/gossipsub";
import type { ConnectionGater, PrivateKey } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import { peerScoreParams, SCORE_THRESHOLDS } from "../gossip/scoring.js";
import { GOSSIP_TOPICS, topicString } from "../gossip/topics.js";
import { MAX_GOSSIP_DATA_BYTES } from "../gossip/options.js";
import { NetworkError, NetworkErrorCode } from "./errors.js";
import { DEFAULT_DHT_PREFIX, DEFAULT_LISTEN, type NetworkOptions } from "./options.js";

/** The parts of the gossipsub object the node uses that its exported type omits (present at runtime). */
export interface GossipSubInternals extends GossipSub {
  getMeshPeers(topic: string): string[];
  getScore(peerId: string): number;
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: "accept" | "ignore" | "reject"): void;
}

export interface HostServices {
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  pubsub: GossipSubInternals;
  [key: string]: unknown;
}

export type PoolHost = Libp2p<HostServices>;

export interface HostInit extends NetworkOptions {
  privateKey: PrivateKey;
  dhtValidators?: Validators;
  dhtSelectors?: Selectors;
  /** Advanced/tests: restrict whom this host talks to. */
  connectionGater?: ConnectionGater;
}

/** Gossip message id: sha256 of the data (every app message is signed itself; gossipsub StrictNoSign). */
export function gossipMsgId(msg: Message): Uint8Array {
  return createHash("sha256").update(msg.data).digest();
}

function checkAddrs(field: string, addrs: string[]): void {
  for (const a of addrs) {
    try {
      multiaddr(a);
    } catch (cause) {
      throw new NetworkError({ code: NetworkErrorCode.BAD_MULTIADDR, field, value: a }, `${field}: "${a}" is not a valid multiaddr`, { cause });
    }
  }
}

/**
 * Create (not start) the libp2p host: TCP + noise + yamux, identify, ping, kad-dht in server mode under
 * the pool's protocol prefix, and gossipsub with StrictNoSign, async validation and per-topic peer scores.
 */
export async function createHost(init: HostInit): Promise<PoolHost> {
  const devnet = init.devnet ?? false;
  const listen = init.listen ?? DEFAULT_LISTEN;
  const announce = init.announce ?? [];
  const bootstrapList = init.bootstrap ?? [];
  checkAddrs("listen", listen);
  checkAddrs("announce", announce);
  checkAddrs("bootstrap", bootstrapList);
  const prefix = init.dhtProtocolPrefix ?? DEFAULT_DHT_PREFIX;

  const pubsubFactory = gossipsub({
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: gossipMsgId,
    msgIdToStrFn: (id: Uint8Array) => Buffer.from(id).toString("hex"),
    asyncValidation: true,
    emitSelf: false,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    maxInboundDataLength: MAX_GOSSIP_DATA_BYTES,
    // Keep messages awaiting (async) validation for 30 heartbeats (~30 s) instead of 5: a node under load
    // still forwards what it validates late, instead of silently dropping it from the cache.
    mcacheLength: 30,
    mcacheGossip: 3,
    allowedTopics: GOSSIP_TOPICS.map((t) => topicString(init.chainId, t)),
    scoreParams: peerScoreParams(init.chainId, devnet),
    scoreThresholds: SCORE_THRESHOLDS,
    // Low-traffic pool: keep peer exchange off except where configured later.
    doPX: false,
  }) as unknown as (components: Parameters<ReturnType<typeof gossipsub>>[0]) => GossipSubInternals;

  const node = await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen, announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: bootstrapList.length > 0 ? [bootstrap({ list: bootstrapList, timeout: 200 })] : [],
    ...(init.connectionGater !== undefined ? { connectionGater: init.connectionGater } : {}),
    connectionManager: {
      maxConnections: init.maxConnections ?? 100,
      ...(devnet ? { inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 100, allow: ["/ip4/127.0.0.1"] } : {}),
    },
    // Lodestar turns the monitor off: it closes a connection on one slow ping, which under load drops the mesh.
    connectionMonitor: { enabled: !devnet },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: `${prefix}/kad/1.0.0`,
        clientMode: false,
        peerInfoMapper: devnet ? passthroughMapper : removePrivateAddressesMapper,
        validators: init.dhtValidators ?? {},
        selectors: init.dhtSelectors ?? {},
        allowQueryWithZeroPeers: true,
      }),
      pubsub: pubsubFactory,
    },
    start: false,
  });
  return node;
}
