/**
 * Periodic gauges of the lifecycle metrics (issue 16): the prover runtime's load and module health, and this
 * operator's stake and claimable earnings read from the chain. Everything else is reported where it happens;
 * these values have no event of their own, so they are polled. The chain is read at most every 15 s (two
 * `eth_call`s per read), one read at a time.
 */
import type { NodeMetrics, UmpLoad } from "./interface.js";

/** What the sampler reads of the prover runtime (a started `Ump` from @zkpool/ump is one). */
export interface SampledUmp {
  load(): UmpLoad;
  /** Health of every registered module (`Ump.moduleHealth`). Optional: without it no health is reported. */
  moduleHealth?(): Promise<ReadonlyArray<{ moduleId: string; healthy: boolean }>>;
}

export interface LifecycleSamplerInit {
  metrics: NodeMetrics;
  /** The prover runtime, if this node has one. */
  ump?: SampledUmp;
  /** This operator's stake (wei), e.g. `StakeRegistryClient.stakeOf(operator)`. */
  stake?: () => Promise<bigint>;
  /** This operator's claimable earnings (wei), e.g. `EscrowClient.earnings(operator)`. */
  claimable?: () => Promise<bigint>;
  /** How often the UMP is sampled, ms. @default 5000 */
  umpIntervalMs?: number;
  /** How often the chain is read, ms; values under 15000 are raised to 15000. @default 15000 */
  chainIntervalMs?: number;
  /** Called when a read fails (the gauges then keep their last value). */
  onError?: (what: "ump" | "chain", err: unknown) => void;
}

/** The shortest interval between two chain reads. */
export const MIN_CHAIN_SAMPLE_MS = 15_000;

export class LifecycleSampler {
  private umpTimer: NodeJS.Timeout | undefined;
  private chainTimer: NodeJS.Timeout | undefined;
  private umpBusy: Promise<void> | undefined;
  private chainBusy: Promise<void> | undefined;

  constructor(private readonly init: LifecycleSamplerInit) {}

  /** Sample once now, then periodically. Timers do not keep the process alive. */
  start(): void {
    if (this.umpTimer !== undefined || this.chainTimer !== undefined) return;
    if (this.init.ump !== undefined) {
      void this.sampleUmp();
      this.umpTimer = setInterval(() => void this.sampleUmp(), this.init.umpIntervalMs ?? 5000);
      this.umpTimer.unref();
    }
    if (this.init.stake !== undefined || this.init.claimable !== undefined) {
      void this.sampleChain();
      this.chainTimer = setInterval(() => void this.sampleChain(), Math.max(MIN_CHAIN_SAMPLE_MS, this.init.chainIntervalMs ?? MIN_CHAIN_SAMPLE_MS));
      this.chainTimer.unref();
    }
  }

  /** Stop the timers and wait for reads in flight. */
  async stop(): Promise<void> {
    if (this.umpTimer !== undefined) clearInterval(this.umpTimer);
    if (this.chainTimer !== undefined) clearInterval(this.chainTimer);
    this.umpTimer = undefined;
    this.chainTimer = undefined;
    await Promise.allSettled([this.umpBusy, this.chainBusy]);
  }

  /** Report the UMP's load and module health now (a sample already running is joined, not repeated). */
  sampleUmp(): Promise<void> {
    const ump = this.init.ump;
    if (ump === undefined) return Promise.resolve();
    if (this.umpBusy !== undefined) return this.umpBusy;
    const run = async (): Promise<void> => {
      this.init.metrics.umpLoad(ump.load());
      for (const m of (await ump.moduleHealth?.()) ?? []) this.init.metrics.umpModuleHealth(m.moduleId, m.healthy);
    };
    const p = run()
      .catch((err: unknown) => this.init.onError?.("ump", err))
      .finally(() => {
        this.umpBusy = undefined;
      });
    this.umpBusy = p;
    return p;
  }

  /** Read stake and claimable earnings from the chain now (a read already running is joined, not repeated). */
  sampleChain(): Promise<void> {
    if (this.chainBusy !== undefined) return this.chainBusy;
    const run = async (): Promise<void> => {
      const [stake, claimable] = await Promise.all([this.init.stake?.(), this.init.claimable?.()]);
      if (stake !== undefined) this.init.metrics.stake(stake);
      if (claimable !== undefined) this.init.metrics.earningsClaimable(claimable);
    };
    const p = run()
      .catch((err: unknown) => this.init.onError?.("chain", err))
      .finally(() => {
        this.chainBusy = undefined;
      });
    this.chainBusy = p;
    return p;
  }
}
