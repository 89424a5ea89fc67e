import { GossipErrorCode } from "./errors.js";

export interface PenaltyOptions {
  /**
   * Points at which a peer is throttled: its gossip is dropped unvalidated (IGNORE `GOSSIP_THROTTLED`) and its
   * gossipsub score reaches the graylist threshold. With the default weights this is the number of IGNOREd
   * messages a fresh peer gets validated before it is throttled. @default 256
   */
  throttleAt?: number;
  /** A throttled peer is let through again once its points decayed below this fraction of throttleAt. @default 0.5 */
  releaseAt?: number;
  /** Half-life of the points, ms: an honest peer's occasional IGNOREs are forgotten. @default 60000 */
  halfLifeMs?: number;
  /**
   * Points per IGNOREd message by reason (behaviour); reasons not listed weigh `ignoreWeight`. Defaults:
   * GOSSIP_INTERNAL 0 (our own failure), GOSSIP_QUEUE_FULL 0.25 (a shed message is not proof of junk).
   */
  weights?: Partial<Record<string, number>>;
  /** Points of an IGNOREd message whose reason has no weight of its own. @default 1 */
  ignoreWeight?: number;
  /** Points of a REJECTed message (gossipsub's own invalid-message penalty comes on top). @default 51.2 (5 REJECTs throttle) */
  rejectWeight?: number;
  /**
   * Points taken off per ACCEPTed message (never below 0): a useful forwarder that also relays some IGNOREd
   * messages (votes for a task a late joiner has not synced yet) is not throttled. Only first deliveries reach
   * validation, so a flooder cannot earn this credit by repeating others' messages. @default 1
   */
  acceptCredit?: number;
}

export const DEFAULT_THROTTLE_AT = 256;
export const DEFAULT_PENALTY_HALF_LIFE_MS = 60_000;

const DEFAULT_WEIGHTS: Record<string, number> = {
  [GossipErrorCode.INTERNAL]: 0,
  [GossipErrorCode.QUEUE_FULL]: 0.25,
};

interface Entry {
  /** Points of IGNOREd messages (also in the gossipsub app score). */
  points: number;
  /** Points of REJECTed messages (gossipsub scores those itself: throttle only). */
  rejects: number;
  at: number;
  throttled: boolean;
}

const MAX_ENTRIES = 10_000;

/**
 * Application-level penalties of gossip senders (the propagation source). Every IGNOREd message counts at a
 * small weight and every REJECTed one at a large weight; points decay exponentially. Past `throttleAt` points
 * the peer is throttled until its points fall below `releaseAt * throttleAt`. Penalties are kept per peer id,
 * and also per remote IP when `byIp` is on (production: sybils behind one address share one budget; off in
 * tests and devnets where every node is 127.0.0.1).
 *
 * `appScore` feeds gossipsub's application-specific score, linear in the points and `scoreAtThrottle` (the
 * graylist threshold minus the topic score cap) at `throttleAt`, so a throttled peer is graylisted by gossipsub
 * too (its RPCs are ignored before they reach validation) even if it earned the most positive topic score first.
 */
export class PeerPenalties {
  private readonly entries = new Map<string, Entry>();
  private throttleAt = DEFAULT_THROTTLE_AT;
  private releaseAt = 0.5;
  private halfLifeMs = DEFAULT_PENALTY_HALF_LIFE_MS;
  private ignoreWeight = 1;
  private rejectWeight = DEFAULT_THROTTLE_AT / 5;
  private acceptCredit = 1;
  private weights: Record<string, number> = { ...DEFAULT_WEIGHTS };
  private ipOf: (peer: string) => string | undefined = () => undefined;

  constructor(
    readonly byIp = false,
    private readonly scoreAtThrottle = -130,
    private readonly clock: () => number = Date.now,
  ) {}

  configure(opts: PenaltyOptions = {}): void {
    this.throttleAt = opts.throttleAt ?? DEFAULT_THROTTLE_AT;
    this.releaseAt = opts.releaseAt ?? 0.5;
    this.halfLifeMs = opts.halfLifeMs ?? DEFAULT_PENALTY_HALF_LIFE_MS;
    this.ignoreWeight = opts.ignoreWeight ?? 1;
    this.rejectWeight = opts.rejectWeight ?? this.throttleAt / 5;
    this.acceptCredit = opts.acceptCredit ?? 1;
    this.weights = { ...DEFAULT_WEIGHTS, ...(opts.weights as Record<string, number>) };
  }

  /** How to find a peer's remote IP (set by the host). */
  setIpResolver(f: (peer: string) => string | undefined): void {
    this.ipOf = f;
  }

  private keys(peer: string): string[] {
    if (!this.byIp) return [peer];
    const ip = this.ipOf(peer);
    return ip === undefined ? [peer] : [peer, `ip:${ip}`];
  }

  private decayed(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    const now = this.clock();
    if (now > e.at) {
      const f = Math.pow(0.5, (now - e.at) / this.halfLifeMs);
      e.points *= f;
      e.rejects *= f;
      e.at = now;
    }
    if (e.throttled && e.points + e.rejects < this.throttleAt * this.releaseAt) e.throttled = false;
    if (!e.throttled && e.points + e.rejects < 0.01) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private add(peer: string, points: number, field: "points" | "rejects"): void {
    if (points <= 0) return;
    for (const key of this.keys(peer)) {
      let e = this.decayed(key);
      if (e === undefined) {
        if (this.entries.size >= MAX_ENTRIES) this.evict();
        e = { points: 0, rejects: 0, at: this.clock(), throttled: false };
        this.entries.set(key, e);
      }
      e[field] += points;
      if (e.points + e.rejects >= this.throttleAt) e.throttled = true;
    }
  }

  private evict(): void {
    // Drop the smallest tenth: a sybil flood of fresh ids cannot grow the table without bound.
    const sorted = [...this.entries.entries()].sort((a, b) => a[1].points + a[1].rejects - (b[1].points + b[1].rejects));
    for (const [k] of sorted.slice(0, Math.ceil(sorted.length / 10))) this.entries.delete(k);
  }

  /** Count one IGNOREd message from `peer` (weight by reason). */
  ignored(peer: string, reason: string | undefined): void {
    this.add(peer, reason !== undefined && reason in this.weights ? (this.weights[reason] as number) : this.ignoreWeight, "points");
  }

  /** Credit one ACCEPTed message from `peer`. */
  accepted(peer: string): void {
    if (this.acceptCredit <= 0) return;
    for (const key of this.keys(peer)) {
      const e = this.decayed(key);
      if (e !== undefined) e.points = Math.max(0, e.points - this.acceptCredit);
    }
  }

  /** Count one REJECTed message from `peer`. */
  rejected(peer: string): void {
    this.add(peer, this.rejectWeight, "rejects");
  }

  /** Current points of `peer`, IGNOREs and REJECTs (the larger of its own and its IP's). */
  points(peer: string): number {
    let p = 0;
    for (const key of this.keys(peer)) {
      const e = this.decayed(key);
      if (e !== undefined) p = Math.max(p, e.points + e.rejects);
    }
    return p;
  }

  /** True while `peer` (or its IP) is throttled. */
  throttled(peer: string): boolean {
    return this.keys(peer).some((k) => this.decayed(k)?.throttled === true);
  }

  /** gossipsub application-specific score of `peer` (≤ 0): its IGNORE points only (gossipsub counts REJECTs itself). */
  appScore(peer: string): number {
    let p = 0;
    for (const key of this.keys(peer)) p = Math.max(p, this.decayed(key)?.points ?? 0);
    return p === 0 ? 0 : (p * this.scoreAtThrottle) / this.throttleAt;
  }
}
