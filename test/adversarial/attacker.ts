/**
 * The attacker: its own libp2p host, built from the same stack the node uses (TCP, noise, yamux, identify,
 * ping, gossipsub with StrictNoSign; packages/node/src/network/host.ts) but none of the node's code: it
 * publishes raw bytes on the pool's gossipsub topics (`/zkpool/1/<chainId>/<name>`) and opens raw streams on
 * the sync and transfer protocols. Plus the crafted messages.
 *
 * One attacker identity is cut off by the nodes after a handful of REJECTed (or 256 IGNOREd) messages (SPEC
 * §2.1), so attacks whose every message must reach a validator rotate through fresh identities (sybils).
 */
import { createHash, randomBytes } from "node:crypto";
import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify, type Identify } from "@libp2p/identify";
import { ping, type Ping } from "@libp2p/ping";
import { gossipsub, StrictNoSign, type GossipSub } from "@libp2p/gossipsub";
import type { Message } from "@libp2p/gossipsub";
import type { Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { lpStream } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import { hexlify, Wallet } from "ethers";
import {
  BN254_Q,
  MAX_CLOCK_SKEW,
  chooseStakeEpoch,
  decodeCertificate,
  decodeProofSubmission,
  encodeCertificate,
  encodeOperatorRecord,
  encodeProofSubmission,
  encodeTask,
  encodeBidCommit,
  encodeVote,
  generateNodeKey,
  signBidCommit,
  signOperatorRecord,
  signProofSubmission,
  signTask,
  signVote,
  topic,
  TOPIC_NAMES,
  type CertificateOfKind,
  type ChainParams,
  type Hex,
  type ProofSubmission,
  type ProtocolDomain,
  type Task,
  type TopicName,
} from "@zkpool/protocol";

export const SYNC_PROTOCOL = "/zkpool/sync/1";
export const TRANSFER_PROTOCOL = "/zkpool/transfer/0";

/** Messages (and streams) the attacker sent, by kind. */
export const tally = new Map<string, number>();
export function count(kind: string, n = 1): void {
  tally.set(kind, (tally.get(kind) ?? 0) + n);
}

export interface Target {
  name: string;
  peerId: string;
  addrs: string[];
}

type AttackerHost = Libp2p<{ identify: Identify; ping: Ping; pubsub: GossipSub }>;

const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const hex = (b: Uint8Array): Hex => hexlify(b).toLowerCase() as Hex;
/** A fresh secp256k1 key nobody funded or staked. */
export const randomKey = (): Wallet => new Wallet(hexlify(randomBytes(32)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Attacker {
  private readonly held: Stream[] = [];

  private constructor(
    readonly host: AttackerHost,
    readonly chainId: bigint,
  ) {}

  static async create(chainId: bigint): Promise<Attacker> {
    const host = (await createLibp2p({
      addresses: { listen: ["/ip4/127.0.0.1/tcp/0"] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false },
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictNoSign,
          msgIdFn: (m: Message) => createHash("sha256").update(m.data).digest(),
          allowPublishToZeroTopicPeers: true,
          floodPublish: true,
          emitSelf: false,
          doPX: false,
          maxInboundDataLength: 4 << 20,
        }),
      },
    })) as unknown as AttackerHost;
    return new Attacker(host, chainId);
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  /** Dial every target; wait until their gossipsub subscriptions to the pool topics reached us. */
  async connect(targets: Target[]): Promise<void> {
    await Promise.all(
      targets.map(async (t) => {
        const addr = t.addrs.find((x) => x.includes("127.0.0.1")) ?? t.addrs[0]!;
        await this.host.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) });
      }),
    );
    const want = topic(this.chainId, "votes");
    const end = Date.now() + 10_000;
    const subscribed = (): boolean => {
      const subs = new Set(this.host.services.pubsub.getSubscribers(want).map((p) => p.toString()));
      return targets.every((t) => subs.has(t.peerId));
    };
    while (!subscribed() && Date.now() < end) await sleep(50);
    if (!subscribed()) throw new Error("attacker: the targets' subscriptions did not arrive");
    // our outbound gossipsub streams open right after the connection; give them a moment
    await sleep(200);
  }

  /**
   * Subscribe to pool topics and hand every message the nodes send us to `onMessage` (raw bytes; decoding is the
   * caller's). Call before `connect` so that the subscriptions reach the nodes with the connection.
   */
  listen(names: TopicName[], onMessage: (name: TopicName, data: Uint8Array) => void): void {
    const ps = this.host.services.pubsub;
    const byTopic = new Map(names.map((n) => [topic(this.chainId, n), n]));
    ps.addEventListener("message", (e) => {
      const n = byTopic.get(e.detail.topic);
      if (n !== undefined) onMessage(n, e.detail.data);
    });
    for (const t of byTopic.keys()) ps.subscribe(t);
  }

  /** Publish raw bytes on a pool topic (`/zkpool/1/<chainId>/<name>`). Returns the number of peers it went to. */
  async publish(kind: string, name: string, data: Uint8Array): Promise<number> {
    const t = (TOPIC_NAMES as readonly string[]).includes(name) ? topic(this.chainId, name as TopicName) : name;
    try {
      const r = await this.host.services.pubsub.publish(t, data);
      count(kind);
      return r.recipients.length;
    } catch {
      count(`${kind} (not sent)`);
      return 0;
    }
  }

  /**
   * Open a stream on `protocol`, write `request` (length-prefixed) unless undefined, and never read it: the
   * stream is paused, so the responder's writes pile up against flow control.
   */
  async openUnread(kind: string, target: Target, protocol: string, request: Uint8Array | undefined): Promise<boolean> {
    try {
      const stream = await this.host.dialProtocol(peerIdFromString(target.peerId), protocol, { signal: AbortSignal.timeout(10_000) });
      if (request !== undefined) {
        const lp = lpStream(stream);
        await lp.write(request, { signal: AbortSignal.timeout(10_000) });
        lp.unwrap();
      }
      stream.pause();
      this.held.push(stream);
      count(kind);
      return true;
    } catch {
      count(`${kind} (refused)`);
      return false;
    }
  }

  /**
   * Behave like an honest client on the transfer protocol: ask for `hash`, read the status, the size and every
   * chunk. Returns the status (0 found, 1 not found, 2 too large, 3 busy) and, when found, the bytes.
   */
  async fetchObject(target: Target, hash: string): Promise<{ status: number; bytes?: Uint8Array }> {
    const signal = AbortSignal.timeout(20_000);
    const stream = await this.host.dialProtocol(peerIdFromString(target.peerId), TRANSFER_PROTOCOL, { signal });
    try {
      const lp = lpStream(stream, { maxDataLength: 1 << 20 });
      await lp.write(Buffer.from(hash, "hex"), { signal });
      const head = (await lp.read({ signal })).subarray();
      if (head[0] !== 0 || head.byteLength !== 9) return { status: head[0] ?? 255 };
      const size = Number(new DataView(head.buffer, head.byteOffset, 9).getBigUint64(1));
      const parts: Uint8Array[] = [];
      let got = 0;
      while (got < size) {
        const c = (await lp.read({ signal })).subarray();
        parts.push(c);
        got += c.byteLength;
      }
      await stream.close({ signal });
      return { status: 0, bytes: Buffer.concat(parts) };
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.held.splice(0)) s.abort(new Error("attacker: done"));
    await this.host.stop();
  }
}

/**
 * Send `messages` through fresh attacker identities, `perIdentity` each (a node throttles an identity after ~5
 * REJECTs: rotating is how a sybil attacker gets every message validated). Returns the identities used.
 */
export async function sendRotating(chainId: bigint, targets: Target[], messages: Array<{ kind: string; topic: TopicName; data: Uint8Array }>, perIdentity: number): Promise<number> {
  let used = 0;
  for (let i = 0; i < messages.length; i += perIdentity) {
    const a = await Attacker.create(chainId);
    try {
      await a.connect(targets);
      used++;
      for (const m of messages.slice(i, i + perIdentity)) await a.publish(m.kind, m.topic, m.data);
      // let the nodes take the messages before the connections close
      await sleep(300);
    } finally {
      await a.stop();
    }
  }
  return used;
}

/**
 * What an outsider needs to call `Escrow.settle()` for a task itself (anyone may: it pays the certified prover):
 * the proof and the round's Assignment certificate, both public on gossip. Collects them from the attacker's
 * subscriptions to the proofs and certificates topics.
 */
export class SettleEvidence {
  private readonly proofs = new Map<string, ProofSubmission>();
  private readonly assignments = new Map<string, CertificateOfKind<"assignment">>();
  private readonly waiters = new Set<() => void>();

  constructor(attacker: Attacker) {
    attacker.listen(["proofs", "certificates"], (name, data) => {
      try {
        if (name === "proofs") {
          const p = decodeProofSubmission(data);
          this.proofs.set(`${p.taskId.toLowerCase()}/${p.round}`, p);
        } else {
          const c = decodeCertificate(data);
          if (c.kind === "assignment") this.assignments.set(`${c.taskId.toLowerCase()}/${c.round}`, c);
        }
      } catch {
        return;
      }
      for (const w of this.waiters) w();
    });
  }

  private find(taskId: string): { proof: ProofSubmission; assignment: CertificateOfKind<"assignment"> } | undefined {
    for (const [k, proof] of this.proofs) {
      const assignment = this.assignments.get(k);
      if (k.startsWith(`${taskId.toLowerCase()}/`) && assignment !== undefined && assignment.prover.toLowerCase() === proof.prover.toLowerCase()) return { proof, assignment };
    }
    return undefined;
  }

  /** The task's proof and its round's Assignment certificate, as soon as both were seen (undefined after `timeoutMs`). */
  async wait(taskId: string, timeoutMs: number): Promise<{ proof: ProofSubmission; assignment: CertificateOfKind<"assignment"> } | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.find(taskId);
      if (hit !== undefined || Date.now() >= end) return hit;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, end - Date.now()));
        this.waiters.add(done);
      });
    }
  }
}

/* ---------------- crafted messages ---------------- */

export interface CraftContext {
  domain: ProtocolDomain;
  params: ChainParams;
  /** Artifact content hashes (hex, no 0x) of a real circuit: planted tasks look provable. */
  artifacts: { wasm: string; zkey: string; vkey: string };
}

const nowS = (): bigint => BigInt(Math.floor(Date.now() / 1000));

/** A task signed by `key` for `requester` (default: the key's own address), with fresh windows and a recent stake epoch. */
export function craftTask(ctx: CraftContext, key: Wallet, opts: { requester?: string; nonce?: bigint } = {}): Task {
  const bidDeadline = nowS() + 8n;
  return signTask(
    {
      requester: (opts.requester ?? key.address).toLowerCase() as Hex,
      proofSystem: 1,
      wasmSha256: `0x${ctx.artifacts.wasm}`,
      zkeySha256: `0x${ctx.artifacts.zkey}`,
      vkeySha256: `0x${ctx.artifacts.vkey}`,
      inputHash: hex(rand(32)),
      inputSize: 64n,
      publicSignalsHash: hex(rand(32)),
      maxReward: 10n ** 17n,
      penalty: 10n ** 16n,
      bidDeadline,
      revealDeadline: bidDeadline + 8n,
      proofWindow: 20,
      maxRounds: 2,
      // what the SDK names: a recent epoch every node counts as final (SPEC §9.1)
      stakeEpoch: chooseStakeEpoch(nowS() - 2n * MAX_CLOCK_SKEW, bidDeadline, ctx.params),
      nonce: opts.nonce ?? BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)),
    },
    key,
    ctx.domain,
  );
}

/** A completion vote for `taskId` naming `attester`, signed by `key` (a forgery unless key is the attester's). */
export function craftVote(ctx: CraftContext, key: Wallet, taskId: Hex, attester?: string): Uint8Array {
  return encodeVote(
    signVote({ kind: "completion", taskId, round: 0, prover: hex(rand(20)), proofHash: hex(rand(32)), attester: (attester ?? key.address).toLowerCase() as Hex }, key, ctx.domain),
  );
}

/** One well-formed message of each topic (valid encodings; their signatures are by throwaway keys). */
export function sampleOfEachTopic(ctx: CraftContext): Record<TopicName, Uint8Array> {
  const key = randomKey();
  const key2 = randomKey();
  const nk = generateNodeKey();
  const taskId = hex(rand(32));
  const certBody = { kind: "completion" as const, taskId, round: 0, prover: hex(rand(20)), proofHash: hex(rand(32)) };
  return {
    operators: encodeOperatorRecord(
      signOperatorRecord(
        { operator: key.address.toLowerCase() as Hex, peerId: nk.peerId, proofSystems: [1], moduleIds: [], capacity: 1, softwareVersion: "0.0.0-attacker", seq: 1n, issuedAt: nowS() },
        key,
        ctx.domain,
      ),
    ),
    tasks: encodeTask(craftTask(ctx, key)),
    bids: encodeBidCommit(signBidCommit({ taskId, prover: key.address.toLowerCase() as Hex, peerId: nk.peerId, commitment: hex(rand(32)) }, nk, ctx.domain)),
    votes: craftVote(ctx, key, taskId),
    // two attesters: a one-attester certificate has exactly the bytes of that attester's vote
    certificates: encodeCertificate({
      ...certBody,
      attesters: [key, key2].map((k) => k.address.toLowerCase() as Hex).sort(),
      signatures: [key, key2].map((k) => signVote({ ...certBody, attester: k.address.toLowerCase() as Hex }, k, ctx.domain).signature),
    }),
    proofs: encodeProofSubmission(
      signProofSubmission(
        { taskId, round: 0, prover: key.address.toLowerCase() as Hex, peerId: nk.peerId, proof: hex(Buffer.concat(Array.from({ length: 8 }, () => Buffer.from((BN254_Q - 1n).toString(16).padStart(64, "0"), "hex")))), publicSignals: [1n] },
        nk,
        ctx.domain,
      ),
    ),
  };
}

/** Whole-message byte limits the nodes check before decoding (SPEC §7), by topic. */
const LIMIT: Record<TopicName, number> = { operators: 4096, tasks: 1024, bids: 256, votes: 512, certificates: 96 * 1024, proofs: 16 * 1024 };

/**
 * Malformed bytes for every topic: random garbage, a lone 0xff, a truncated valid message, a valid message with
 * an unknown field appended (non-canonical), one byte over the size limit, and a valid message of another topic.
 */
export function malformedOnEveryTopic(ctx: CraftContext): Array<{ kind: string; topic: TopicName; data: Uint8Array }> {
  const sample = sampleOfEachTopic(ctx);
  const out: Array<{ kind: string; topic: TopicName; data: Uint8Array }> = [];
  TOPIC_NAMES.forEach((t, i) => {
    const valid = sample[t];
    const other = sample[TOPIC_NAMES[(i + 1) % TOPIC_NAMES.length]!];
    out.push({ kind: `malformed ${t}: random`, topic: t, data: rand(200) });
    // a different byte per topic: gossipsub's message id is the sha256 of the bytes, whatever the topic
    out.push({ kind: `malformed ${t}: one byte`, topic: t, data: Uint8Array.of(0xff - i) });
    out.push({ kind: `malformed ${t}: truncated`, topic: t, data: valid.subarray(0, valid.byteLength - 7) });
    out.push({ kind: `malformed ${t}: unknown field`, topic: t, data: Uint8Array.from([...valid, 0xf8, 0x01, 0x01]) });
    out.push({ kind: `malformed ${t}: oversized`, topic: t, data: rand(LIMIT[t] + 1) });
    out.push({ kind: `malformed ${t}: other topic's message`, topic: t, data: other });
  });
  return out;
}
