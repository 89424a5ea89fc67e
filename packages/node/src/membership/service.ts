import type { Selectors, Validators } from "@libp2p/kad-dht";
import { peerIdFromString } from "@libp2p/peer-id";
import { decodeOperatorRecord, toHex, type Hex, type OperatorRecord } from "@zkpool/protocol";
import type { GossipService } from "../gossip/service.js";
import type { Logger } from "../logger.js";
import { checkOperatorRecord } from "../messages/operators.js";
import type { ValidationDeps } from "../messages/context.js";
import type { PoolHost } from "../network/host.js";
import { MembershipError, MembershipErrorCode } from "./errors.js";

/** DHT namespace of operator records: key `/zkop/<peer id hex>`. */
export const OPERATOR_DHT_NAMESPACE = "zkop";

export function operatorDhtKey(peerIdHex: Hex): Uint8Array {
  return new TextEncoder().encode(`/${OPERATOR_DHT_NAMESPACE}/${peerIdHex.toLowerCase()}`);
}

/** Peer id (libp2p string form) as the 0x-hex of its bytes, as carried in protocol messages. */
export function peerIdHex(peerId: string): Hex {
  return toHex(peerIdFromString(peerId).toMultihash().bytes);
}

/**
 * DHT validator and selector for operator records: a record must be correctly signed, fresh, stored under its
 * own peer id's key (so nobody can overwrite another node's record), and its operator must have stake (the
 * same current stake, snapshot 0, as the gossip rule SPEC §2.2 step 4); among valid records the highest `seq`
 * wins (a stale record loses). The host applies the selector on every put as well (`selectOnPut`): a put that
 * would replace a stored record with one the selector does not prefer is refused.
 */
export function operatorDhtRecordRules(deps: Pick<ValidationDeps, "domain" | "now" | "stake">): { validators: Validators; selectors: Selectors } {
  const decodeValid = (key: Uint8Array, value: Uint8Array): OperatorRecord => {
    const rec = decodeOperatorRecord(value);
    if (new TextDecoder().decode(key) !== `/${OPERATOR_DHT_NAMESPACE}/${rec.peerId.toLowerCase()}`) {
      throw new Error("operator record stored under another peer's key");
    }
    checkOperatorRecord(rec, deps);
    return rec;
  };
  return {
    validators: {
      [OPERATOR_DHT_NAMESPACE]: async (key, value) => {
        const rec = decodeValid(key, value);
        if ((await deps.stake.stakeOf(rec.operator, 0n)) === 0n) throw new Error("operator record of an operator without stake");
      },
    },
    selectors: {
      [OPERATOR_DHT_NAMESPACE]: (key, records) => {
        let best = 0;
        let bestSeq = -1n;
        records.forEach((r, i) => {
          try {
            const rec = decodeValid(key, r);
            if (rec.seq > bestSeq) {
              bestSeq = rec.seq;
              best = i;
            }
          } catch {
            // invalid records never win
          }
        });
        return best;
      },
    },
  };
}

/** Pool membership: publish our operator record, look records up, list known operators. */
export class MembershipService {
  constructor(
    private readonly host: PoolHost,
    private readonly gossip: GossipService,
    private readonly deps: ValidationDeps,
    private readonly log: Logger,
  ) {}

  /**
   * Validate, store and gossip a signed record, and put it in the DHT under its peer id. Throws
   * MembershipError STALE_RECORD if this node's DHT store already holds a higher `seq` for the peer id (a local
   * put is stored without the DHT validators, so it is checked here).
   */
  async publish(encodedRecord: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const rec = decodeOperatorRecord(encodedRecord);
    const key = operatorDhtKey(rec.peerId);
    const stored = await this.host.services.dhtRecords?.get(key);
    if (stored !== undefined) {
      let storedSeq: bigint | undefined;
      try {
        storedSeq = decodeOperatorRecord(stored).seq;
      } catch {
        storedSeq = undefined;
      }
      if (storedSeq !== undefined && storedSeq > rec.seq) {
        throw new MembershipError(
          { code: MembershipErrorCode.STALE_RECORD, peerId: rec.peerId, seq: rec.seq.toString(), storedSeq: storedSeq.toString() },
          `The DHT already holds operator record seq ${storedSeq} for ${rec.peerId}; publish a record with a higher seq`,
        );
      }
    }
    await this.gossip.publish("operators", encodedRecord);
    let errors = 0;
    for await (const evt of this.host.services.dht.put(key, encodedRecord, opts)) {
      if (evt.name === "QUERY_ERROR") errors++;
    }
    this.log.debug("operator record put in DHT", { peerId: rec.peerId, seq: rec.seq.toString(), queryErrors: errors });
  }

  /**
   * Find a node's operator record: the local store, else the DHT (the best valid value, then validated
   * through the operators pipeline and stored).
   */
  async lookup(peerIdHexStr: Hex, opts: { signal?: AbortSignal } = {}): Promise<OperatorRecord | undefined> {
    const local = await this.deps.repos.operators.get([peerIdHexStr.toLowerCase()]);
    if (local !== undefined) return decodeOperatorRecord(local);
    const key = operatorDhtKey(peerIdHexStr);
    const candidates: Uint8Array[] = [];
    try {
      for await (const evt of this.host.services.dht.get(key, opts)) {
        if (evt.name === "VALUE") candidates.push(evt.value);
      }
    } catch (err) {
      this.log.debug("operator record DHT lookup failed", { peerId: peerIdHexStr, err: String(err) });
    }
    if (candidates.length === 0) return undefined;
    const selector = operatorDhtRecordRules(this.deps).selectors[OPERATOR_DHT_NAMESPACE];
    const best = candidates[await (selector as NonNullable<typeof selector>)(key, candidates)] as Uint8Array;
    const r = await this.gossip.process("operators", best, "dht", "sync");
    return r.outcome === "accept" ? decodeOperatorRecord(best) : undefined;
  }

  /** Every operator record this node holds (newest per peer id). */
  async list(): Promise<OperatorRecord[]> {
    return (await this.deps.repos.operators.values()).map((b) => decodeOperatorRecord(b));
  }
}
