import type { Selectors, Validators } from "@libp2p/kad-dht";
import { peerIdFromString } from "@libp2p/peer-id";
import { decodeOperatorRecord, toHex, type Hex, type OperatorRecord } from "@zkpool/protocol";
import type { GossipService } from "../gossip/service.js";
import type { Logger } from "../logger.js";
import { checkOperatorRecord } from "../messages/operators.js";
import type { ValidationDeps } from "../messages/context.js";
import type { PoolHost } from "../network/host.js";

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
 * DHT validator and selector for operator records: a record must be correctly signed, fresh, and stored
 * under its own peer id's key (so nobody can overwrite another node's record); among valid records the
 * highest `seq` wins (a stale record loses).
 */
export function operatorDhtRecordRules(deps: Pick<ValidationDeps, "domain" | "now">): { validators: Validators; selectors: Selectors } {
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
      [OPERATOR_DHT_NAMESPACE]: (key, value) => {
        decodeValid(key, value);
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

  /** Validate, store and gossip a signed record, and put it in the DHT under its peer id. */
  async publish(encodedRecord: Uint8Array, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const rec = decodeOperatorRecord(encodedRecord);
    await this.gossip.publish("operators", encodedRecord);
    let errors = 0;
    for await (const evt of this.host.services.dht.put(operatorDhtKey(rec.peerId), encodedRecord, opts)) {
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
