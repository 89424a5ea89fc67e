/**
 * Requester side (until the SDK exists): put a circuit's artifacts and an input document in the node's
 * content store (announced in the DHT), then sign and gossip the task.
 */
import {
  MAX_CLOCK_SKEW,
  chooseStakeEpoch,
  encodeTask,
  publicSignalsHash,
  signTask,
  taskId as computeTaskId,
  type Eip712Key,
  type Hex,
  type Task,
  type TaskSchedule,
  addressOf,
} from "@zkpool/protocol";
import { readFile } from "node:fs/promises";
import type { PoolNode } from "../node.js";
import { systemNow } from "../options.js";
import { AuctionError, AuctionErrorCode } from "./errors.js";

export interface PublishTaskParams {
  node: PoolNode;
  requester: Eip712Key;
  /** 1 Groth16 (v0 provers encode Groth16 only). */
  proofSystem: 1 | 2 | 3;
  /** Paths of the circuit's artifacts. */
  wasmPath: string;
  zkeyPath: string;
  vkeyPath: string;
  /** Circuit inputs (the input document is their JSON). */
  input: Record<string, unknown>;
  /** The public signals the proof must have. */
  publicSignals: readonly bigint[];
  maxReward: bigint;
  penalty?: bigint;
  /** Seconds from now to the bid deadline. */
  bidWindow: number;
  /** Seconds from the bid deadline to the reveal deadline (> 2 * MAX_CLOCK_SKEW leaves room to reveal). */
  revealWindow: number;
  proofWindow: number;
  maxRounds: number;
  stakeEpoch?: bigint;
  nonce: bigint;
  /** Price schedule (SPEC §10.3); none: one auction round at maxReward. */
  schedule?: TaskSchedule;
}

export async function publishTask(p: PublishTaskParams): Promise<{ taskId: Hex; task: Task }> {
  const t = p.node.transfer;
  const [wasm, zkey, vkey] = await Promise.all([readFile(p.wasmPath), readFile(p.zkeyPath), readFile(p.vkeyPath)]);
  const input = new TextEncoder().encode(JSON.stringify(p.input));
  const [w, z, v, i] = await Promise.all([t.add(wasm), t.add(zkey), t.add(vkey), t.add(input)]);
  const now = (p.node.opts.now ?? systemNow)();
  const bidDeadline = now + BigInt(p.bidWindow);
  const task = signTask(
    {
      requester: addressOf(p.requester),
      proofSystem: p.proofSystem,
      wasmSha256: `0x${w}`,
      zkeySha256: `0x${z}`,
      vkeySha256: `0x${v}`,
      inputHash: `0x${i}`,
      inputSize: BigInt(input.byteLength),
      publicSignalsHash: publicSignalsHash([...p.publicSignals]),
      maxReward: p.maxReward,
      penalty: p.penalty ?? 0n,
      bidDeadline,
      revealDeadline: bidDeadline + BigInt(p.revealWindow),
      proofWindow: p.proofWindow,
      maxRounds: p.maxRounds,
      // a recent epoch that every node already counts as final (SPEC §9.1)
      stakeEpoch: p.stakeEpoch ?? (p.node.opts.chainParams !== undefined ? chooseStakeEpoch(now - 2n * MAX_CLOCK_SKEW, bidDeadline, p.node.opts.chainParams) : 0n),
      nonce: p.nonce,
      ...(p.schedule !== undefined ? { schedule: p.schedule } : {}),
    },
    p.requester,
    p.node.opts.domain,
  );
  const bytes = encodeTask(task);
  try {
    await p.node.gossip.publish("tasks", bytes);
  } catch (cause) {
    throw new AuctionError({ code: AuctionErrorCode.PUBLISH_FAILED, reason: String(cause) }, `Task not published: ${String(cause)}`, { cause });
  }
  return { taskId: computeTaskId(task, p.node.opts.domain).toLowerCase() as Hex, task };
}
