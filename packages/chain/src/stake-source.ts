/**
 * On-chain stake for the node: the attester set at a task's stake snapshot, read from the StakeRegistry's
 * checkpoints. Shaped like the node's StakeSource (stakeOf(address, snapshot), stakeTable(snapshot)).
 */
import { getAddress, type ContractRunner } from "ethers";
import { StakeRegistryClient, type StakeReader } from "./contracts.js";
import { ChainError } from "./errors.js";

export interface ChainStakeSourceInit {
  /** StakeRegistry address (from the deployment file). */
  stakeRegistry: string;
  runner: ContractRunner;
  /**
   * Refuse snapshots newer than `latest - confirmations` (their stake could still change or be reorged).
   * @default 0
   */
  confirmations?: number;
  /** Cached snapshot tables (a final snapshot never changes). @default 64 */
  cacheSize?: number;
}

export class ChainStakeSource {
  private readonly reader: StakeReader;
  private readonly tables = new Map<bigint, Promise<Map<string, bigint>>>();

  constructor(private readonly init: ChainStakeSourceInit) {
    this.reader = new StakeRegistryClient(init.stakeRegistry, init.runner);
  }

  /** Stake of `address` at block `snapshot` (0n for a non-staker). */
  async stakeOf(address: string, snapshot: bigint): Promise<bigint> {
    return (await this.stakeTable(snapshot)).get(getAddress(address)) ?? 0n;
  }

  /** Every operator with stake > 0 at block `snapshot`: checksummed address -> stake (wei). */
  async stakeTable(snapshot: bigint): Promise<ReadonlyMap<string, bigint>> {
    await this.checkFinal(snapshot);
    let t = this.tables.get(snapshot);
    if (t === undefined) {
      t = this.reader.stakeTable(snapshot);
      this.tables.set(snapshot, t);
      t.catch(() => this.tables.delete(snapshot));
      while (this.tables.size > (this.init.cacheSize ?? 64)) this.tables.delete(this.tables.keys().next().value!);
    }
    return t;
  }

  /** Total attester stake at block `snapshot`. */
  totalStakeAt(snapshot: bigint): Promise<bigint> {
    return this.reader.totalStakeAt(snapshot);
  }

  private async checkFinal(snapshot: bigint): Promise<void> {
    const provider = this.init.runner.provider;
    if (!provider) throw new ChainError({ code: "CHAIN_NO_PROVIDER" }, "the stake source's runner must have a provider");
    const latest = BigInt(await provider.getBlockNumber());
    const finalBlock = latest - BigInt(this.init.confirmations ?? 0);
    if (snapshot > finalBlock)
      throw new ChainError(
        { code: "CHAIN_SNAPSHOT_NOT_FINAL", snapshot: snapshot.toString(), latest: latest.toString() },
        `stake snapshot block ${snapshot} is not final yet (latest ${latest}, ${this.init.confirmations ?? 0} confirmations required); wait for it`,
      );
  }
}
