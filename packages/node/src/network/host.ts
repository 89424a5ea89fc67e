import { createHash } from "node:crypto";
import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify, type Identify } from "@libp2p/identify";
import { ping, type Ping } from "@libp2p/ping";
import { bootstrap } from "@libp2p/bootstrap";
import { kadDHT, passthroughMapper, Record as DhtRecord, removePrivateAddressesMapper, type KadDHT, type Selectors, type Validators } from "@libp2p/kad-dht";
import { gossipsub, StrictNoSign, type GossipSub, type Message } from "@libp2p/gossipsub";
import type { ConnectionGater, PrivateKey } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { Key } from "interface-datastore";
import type { Datastore } from "interface-datastore";
import { toString as uint8ArrayToString } from "uint8arrays/to-string";
import { equals as uint8ArrayEquals } from "uint8arrays/equals";
import { PeerPenalties } from "../gossip/penalties.js";
import { peerScoreParams, SCORE_THRESHOLDS, TOPIC_SCORE_CAP } from "../gossip/scoring.js";
import { GOSSIP_TOPICS, topicString } from "../gossip/topics.js";
import { MAX_GOSSIP_DATA_BYTES } from "../gossip/options.js";
import { ipOfMultiaddr } from "./budget.js";
import { NetworkError, NetworkErrorCode } from "./errors.js";
import { DEFAULT_DHT_PREFIX, DEFAULT_LISTEN, type NetworkOptions } from "./options.js";

/** The parts of the gossipsub object the node uses that its exported type omits (present at runtime). */
export interface GossipSubInternals extends GossipSub {
  getMeshPeers(topic: string): string[];
  getScore(peerId: string): number;
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: "accept" | "ignore" | "reject"): void;
}

/** Read access to the DHT records this node stores (the kad-dht datastore). */
export interface DhtRecordStore {
  /** The stored value under `key`, undefined if none. */
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
}

export interface HostServices {
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  pubsub: GossipSubInternals;
  /** Gossip sender penalties; also feeds gossipsub's application-specific score. */
  penalties: PeerPenalties;
  dhtRecords: DhtRecordStore;
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

/** kad-dht's datastore prefix (set explicitly so the record store below reads where kad-dht writes). */
const DHT_DATASTORE_PREFIX = "/dht";

function dhtRecordStore(datastore: Datastore): DhtRecordStore {
  return {
    async get(key) {
      const dsKey = new Key(`${DHT_DATASTORE_PREFIX}/record/${uint8ArrayToString(key, "base32")}`, false);
      let raw: Uint8Array;
      try {
        raw = await datastore.get(dsKey);
      } catch {
        return undefined;
      }
      try {
        return DhtRecord.deserialize(raw).value;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * kad-dht stores a valid PUT_VALUE without comparing it to the record it holds. Wrap every validator that has
 * a selector so that a put is refused unless the selector prefers the new value over the stored one (ties keep
 * the stored record, like the gossip STALE rule): nobody can replace a newer record with an older one.
 */
export function selectOnPut(validators: Validators, selectors: Selectors, stored: () => DhtRecordStore | undefined): Validators {
  const out: Validators = {};
  for (const [ns, validate] of Object.entries(validators)) {
    const select = selectors[ns];
    out[ns] =
      select === undefined
        ? validate
        : async (key, value, options) => {
            await validate(key, value, options);
            const current = await stored()?.get(key);
            if (current === undefined || uint8ArrayEquals(current, value)) return;
            if ((await select(key, [current, value])) !== 1) throw new Error(`a newer or equal /${ns} record is stored; put refused`);
          };
  }
  return out;
}

/** Whether per-peer budgets and penalties are also keyed by remote IP on this host. */
export function limitByIp(host: PoolHost): boolean {
  return (host.services.penalties as PeerPenalties | undefined)?.byIp ?? false;
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
  const penalties = new PeerPenalties(init.limitByIp ?? !devnet, SCORE_THRESHOLDS.graylistThreshold - TOPIC_SCORE_CAP);
  let records: DhtRecordStore | undefined;

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
    scoreParams: peerScoreParams(init.chainId, devnet, (peerId) => penalties.appScore(peerId)),
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
        validators: selectOnPut(init.dhtValidators ?? {}, init.dhtSelectors ?? {}, () => records),
        selectors: init.dhtSelectors ?? {},
        datastorePrefix: DHT_DATASTORE_PREFIX,
        allowQueryWithZeroPeers: true,
      }),
      pubsub: pubsubFactory,
      penalties: () => penalties,
      dhtRecords: (components: { datastore: Datastore }) => {
        records = dhtRecordStore(components.datastore);
        return records;
      },
    },
    start: false,
  });
  if (penalties.byIp) {
    penalties.setIpResolver((peer) => {
      try {
        const conn = node.getConnections(peerIdFromString(peer))[0];
        return conn === undefined ? undefined : ipOfMultiaddr(conn.remoteAddr);
      } catch {
        return undefined;
      }
    });
  }
  return node;
}
