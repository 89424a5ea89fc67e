/* Multi-node test harness: real PoolNodes over TCP loopback with real level databases in temp dirs. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, hexlify, randomBytes } from "ethers";
import type { PeerId } from "@libp2p/interface";
import type { SingleKadDHT } from "@libp2p/kad-dht";
import {
  encodeOperatorRecord,
  encodeTask,
  signOperatorRecord,
  signTask,
  type Hex,
  type ProtocolDomain,
  type Task,
  type Unsigned,
} from "@zkpool/protocol";
import { GenesisStakeSource, PoolNode, peerIdHex, systemNow, type PoolNodeOptions } from "../src/index.js";

export const DOMAIN: ProtocolDomain = { chainId: 31337n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
export const OTHER_DOMAIN: ProtocolDomain = { chainId: 1n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };

/** Deterministic dev operator wallets (index -> wallet). */
export function operatorWallet(i: number): Wallet {
  return new Wallet(hexlify(new Uint8Array(32).fill(i + 1)));
}

export const REQUESTER = new Wallet(hexlify(new Uint8Array(32).fill(200)));

export function genesisFor(n: number): GenesisStakeSource {
  const table = new Map<string, bigint>();
  for (let i = 0; i < n; i++) table.set(operatorWallet(i).address, 1_000n * 10n ** 18n);
  return GenesisStakeSource.fromTable(table);
}

export interface TestNode {
  node: PoolNode;
  dataDir: string;
  operator: Wallet;
}

/** Bounded polling wait (correctness only; the bound is generous, nothing asserts on time). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function tempDir(prefix = "zkpool-node-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function makeNode(
  index: number,
  stakeNodes: number,
  opts: Partial<PoolNodeOptions> & { dataDir?: string; bootstrap?: string[] } = {},
): Promise<TestNode> {
  const dataDir = opts.dataDir ?? (await tempDir());
  const { bootstrap, ...rest } = opts;
  const node = await PoolNode.create({
    dataDir,
    domain: DOMAIN,
    stake: genesisFor(stakeNodes),
    network: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: bootstrap ?? [], devnet: true },
    metricsIntervalMs: 1000,
    ...rest,
  });
  return { node, dataDir, operator: operatorWallet(index) };
}

/** Start n staked nodes; node 0 first, the others bootstrap to it. `optsFor(i)` adds per-node options. */
export async function startCluster(n: number, optsFor?: (i: number) => Partial<PoolNodeOptions>): Promise<TestNode[]> {
  const nodes: TestNode[] = [];
  try {
    const first = await makeNode(0, n, optsFor?.(0) ?? {});
    nodes.push(first);
    await first.node.start();
    const boot = first.node.multiaddrs.map((a) => a.toString());
    for (let i = 1; i < n; i++) {
      const t = await makeNode(i, n, { bootstrap: boot, ...(optsFor?.(i) ?? {}) });
      nodes.push(t);
      await t.node.start();
    }
    // Connected, and every DHT routing table knows someone (identify has run).
    for (const t of nodes) {
      await waitFor(() => t.node.host.getPeers().length > 0 && (t.node.host.services.dht as unknown as SingleKadDHT).routingTable.size > 0, "node connected with a DHT routing table");
    }
    return nodes;
  } catch (err) {
    await stopAll(nodes);
    throw err;
  }
}

export async function stopAll(nodes: TestNode[], removeDirs = true): Promise<void> {
  await Promise.allSettled(nodes.map((t) => t.node.stop()));
  if (removeDirs) await Promise.allSettled(nodes.map((t) => rm(t.dataDir, { recursive: true, force: true })));
}

/** The operator record binding a node's peer id to its operator, encoded. */
export function operatorRecordBytes(t: TestNode, seq = 1n, domain = DOMAIN): Uint8Array {
  const rec = signOperatorRecord(
    {
      operator: t.operator.address.toLowerCase() as Hex,
      peerId: peerIdHex(t.node.peerId.toString()),
      proofSystems: [1],
      moduleIds: ["snarkjs-groth16"],
      capacity: 2,
      softwareVersion: "0.1.0",
      seq,
      issuedAt: systemNow(),
    },
    t.operator,
    domain,
  );
  return encodeOperatorRecord(rec);
}

export function unsignedTask(nonce: bigint, now = systemNow()): Unsigned<Task> {
  const h = (): Hex => hexlify(randomBytes(32)) as Hex;
  return {
    requester: REQUESTER.address.toLowerCase() as Hex,
    proofSystem: 1,
    wasmSha256: h(),
    zkeySha256: h(),
    vkeySha256: h(),
    inputHash: h(),
    inputSize: 128n,
    publicSignalsHash: h(),
    maxReward: 10n ** 18n,
    penalty: 10n ** 17n,
    bidDeadline: now + 600n,
    revealDeadline: now + 1200n,
    proofWindow: 600,
    maxRounds: 2,
    stakeEpoch: 1n,
    nonce,
  };
}

export function taskBytes(nonce: bigint, domain = DOMAIN, signer: Wallet = REQUESTER): Uint8Array {
  return encodeTask(signTask(unsignedTask(nonce), signer, domain));
}

export function peerIds(nodes: TestNode[]): PeerId[] {
  return nodes.map((t) => t.node.peerId);
}
