import type { StakeSource } from "../stake/interface.js";

/** What the adapter needs of @zkpool/chain's ChainStakeSource. */
export interface EpochStakeReader {
  stakeOf(address: string, epoch: bigint): Promise<bigint>;
  stakeTable(epoch: bigint): Promise<ReadonlyMap<string, bigint>>;
  /** The newest epoch that is final now. */
  latestFinalEpoch(): bigint;
}

/**
 * The node's StakeSource over the chain's `ChainStakeSource`. Task questions name the task's stake epoch
 * (SPEC §9.1) and pass through unchanged. The node asks for snapshot `0n` when it means "current stake"
 * (operator records, membership: not tied to a task); that is mapped to the newest final epoch.
 */
export class NodeChainStakeSource implements StakeSource {
  constructor(private readonly inner: EpochStakeReader) {}

  private resolve(epoch: bigint): bigint {
    return epoch === 0n ? this.inner.latestFinalEpoch() : epoch;
  }

  stakeOf(address: string, epoch: bigint): Promise<bigint> {
    return this.inner.stakeOf(address, this.resolve(epoch));
  }

  stakeTable(epoch: bigint): Promise<ReadonlyMap<string, bigint>> {
    return this.inner.stakeTable(this.resolve(epoch));
  }
}
