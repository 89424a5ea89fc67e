import type { StakeSource } from "../stake/interface.js";

/** What the adapter needs of @zkpool/chain's ChainStakeSource. */
export interface SnapshotStakeReader {
  stakeOf(address: string, snapshot: bigint): Promise<bigint>;
  stakeTable(snapshot: bigint): Promise<ReadonlyMap<string, bigint>>;
}

/** What the adapter needs of an ethers provider. */
export interface BlockNumberReader {
  getBlockNumber(): Promise<number>;
}

/**
 * The node's StakeSource over the chain's `ChainStakeSource`. The node asks for snapshot `0n` when it means
 * "current stake" (operator records, membership: not tied to a task); the chain source reads checkpoints at a
 * block, so snapshot 0 is mapped to the latest block (minus `confirmations`), re-read at most every
 * `latestCacheMs`. Task snapshots (> 0) pass through unchanged.
 */
export class NodeChainStakeSource implements StakeSource {
  private latest: { at: number; block: Promise<bigint> } | undefined;
  constructor(
    private readonly inner: SnapshotStakeReader,
    private readonly provider: BlockNumberReader,
    private readonly confirmations = 0,
    private readonly latestCacheMs = 2_000,
  ) {}

  private async resolve(snapshot: bigint): Promise<bigint> {
    if (snapshot !== 0n) return snapshot;
    if (this.latest === undefined || Date.now() - this.latest.at > this.latestCacheMs) {
      const block = this.provider.getBlockNumber().then((n) => {
        const b = BigInt(n) - BigInt(this.confirmations);
        return b > 0n ? b : 0n;
      });
      block.catch(() => (this.latest = undefined));
      this.latest = { at: Date.now(), block };
    }
    return this.latest.block;
  }

  async stakeOf(address: string, snapshot: bigint): Promise<bigint> {
    return this.inner.stakeOf(address, await this.resolve(snapshot));
  }

  async stakeTable(snapshot: bigint): Promise<ReadonlyMap<string, bigint>> {
    return this.inner.stakeTable(await this.resolve(snapshot));
  }
}
