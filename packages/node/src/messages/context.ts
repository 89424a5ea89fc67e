import { attesterSet, decodeOperatorRecord, decodeTask, type AttesterSet, type ChainParams, type Hex, type ProtocolDomain, type Task, type Verdict } from "@zkpool/protocol";
import type { MessageRepositories } from "../db/messages.js";
import type { FundingTracker } from "../funding/tracker.js";
import { ignore, reject } from "../gossip/errors.js";
import type { MessageSource } from "../gossip/interface.js";
import type { StakeSource } from "../stake/interface.js";

/** What topic validators need: the domain, the clock, stored state and stake. */
export interface ValidationDeps {
  domain: ProtocolDomain;
  now: () => bigint;
  repos: MessageRepositories;
  stake: StakeSource;
  /** v1 deployment parameters (SPEC §9.1): task epochs and lifetimes, collateral. Absent: those rules are off. */
  params?: ChainParams;
  /** The requester funding rule (SPEC §9.4). Absent: every requester is funded. */
  funding?: FundingTracker;
}

/** Throw the GossipActionError matching a protocol verdict (no-op on ACCEPT). */
export function enforce(v: Verdict, what: string): void {
  if (v.action === "ACCEPT") return;
  const err = { code: v.code, message: what };
  throw v.action === "REJECT" ? reject(err, `${what} rejected: ${v.code}`) : ignore(err, `${what} ignored: ${v.code}`);
}

/**
 * The clock a message is judged by. Live gossip uses the local clock. A message replayed by sync was
 * (or should have been) gossiped before its window closed, so its timeliness is judged at
 * min(now, its window's end): everything else (signatures, bindings, stake, commitments) is checked
 * exactly as for gossip.
 */
export function judgedAt(deps: ValidationDeps, source: MessageSource, windowEnd: bigint): bigint {
  const now = deps.now();
  return source === "sync" && now > windowEnd ? windowEnd : now;
}

export async function loadTask(deps: ValidationDeps, id: Hex): Promise<Task | undefined> {
  const bytes = await deps.repos.tasks.get([id.toLowerCase()]);
  return bytes === undefined ? undefined : decodeTask(bytes);
}

/** Operator bound to a peer id by the newest stored record. */
export async function peerOperator(deps: ValidationDeps, peerId: Hex): Promise<Hex | undefined> {
  const bytes = await deps.repos.operators.get([peerId.toLowerCase()]);
  return bytes === undefined ? undefined : decodeOperatorRecord(bytes).operator;
}

export async function stakeAt(deps: ValidationDeps, address: Hex, snapshot: bigint | undefined): Promise<bigint> {
  return snapshot === undefined ? 0n : deps.stake.stakeOf(address, snapshot);
}

export async function attestersAt(deps: ValidationDeps, snapshot: bigint): Promise<AttesterSet> {
  const table = await deps.stake.stakeTable(snapshot);
  return attesterSet([...table].map(([a, s]) => [a.toLowerCase(), s] as const));
}
