/**
 * On-chain stake for the node: the attester set at a task's stake epoch (SPEC §9.1), read from the
 * StakeRegistry's timestamp checkpoints. Shaped like the node's StakeSource (stakeOf(address, epoch),
 * stakeTable(epoch)). A final epoch's table never changes, so tables are cached.
 */
import { getAddress, type ContractRunner } from "ethers";
import { StakeRegistryClient, type StakeReader } from "./contracts.js";
import { ChainError } from "./errors.js";

export interface ChainStakeSourceInit {
  /** StakeRegistry address (from the deployment file). */
  stakeRegistry: string;
  runner: ContractRunner;
  /** Length of a stake epoch (the registry's `epochSeconds`). */
  epochSeconds: bigint;
  /**
   * Seconds after an epoch's start at which it counts as final even if no block with a timestamp at or after
   * its start exists yet (a chain that mines only on demand, like anvil): the next block's timestamp cannot be
   * earlier. @default 2 (MAX_CLOCK_SKEW)
   */
  finalityLagSeconds?: bigint;
  /** Unix seconds now. @default the system clock */
  now?: () => bigint;
  /** Cached epoch tables. @default 64 */
  cacheSize?: number;
}

export class ChainStakeSource {
  private readonly reader: StakeReader;
  private readonly tables = new Map<bigint, Promise<Map<string, bigint>>>();

  constructor(private readonly init: ChainStakeSourceInit) {
    if (init.epochSeconds < 1n) throw new ChainError({ code: "CHAIN_BAD_PARAMETERS" }, "epochSeconds must be >= 1");
    this.reader = new StakeRegistryClient(init.stakeRegistry, init.runner);
  }

  /** Stake of `address` at stake epoch `epoch` (0n for a non-staker). */
  async stakeOf(address: string, epoch: bigint): Promise<bigint> {
    return (await this.stakeTable(epoch)).get(getAddress(address)) ?? 0n;
  }

  /** Every operator with stake > 0 at `epoch`: checksummed address -> stake (wei). */
  async stakeTable(epoch: bigint): Promise<ReadonlyMap<string, bigint>> {
    let t = this.tables.get(epoch);
    if (t !== undefined) return t;
    await this.checkFinal(epoch);
    t = this.tables.get(epoch);
    if (t === undefined) {
      t = this.reader.stakeTable(epoch);
      this.tables.set(epoch, t);
      t.catch(() => this.tables.delete(epoch));
      while (this.tables.size > (this.init.cacheSize ?? 64)) this.tables.delete(this.tables.keys().next().value!);
    }
    return t;
  }

  /** Total attester stake at `epoch`. */
  totalStakeAt(epoch: bigint): Promise<bigint> {
    return this.reader.totalStakeAt(epoch);
  }

  /** The newest epoch that is final now (for "current stake" questions not tied to a task). */
  latestFinalEpoch(): bigint {
    const t = this.clock() - (this.init.finalityLagSeconds ?? 2n);
    return t <= 0n ? 0n : t / this.init.epochSeconds;
  }

  private clock(): bigint {
    return this.init.now !== undefined ? this.init.now() : BigInt(Math.floor(Date.now() / 1000));
  }

  private async checkFinal(epoch: bigint): Promise<void> {
    const start = epoch * this.init.epochSeconds;
    if (this.clock() >= start + (this.init.finalityLagSeconds ?? 2n)) return;
    const provider = this.init.runner.provider;
    if (!provider) throw new ChainError({ code: "CHAIN_NO_PROVIDER" }, "the stake source's runner must have a provider");
    const latest = await provider.getBlock("latest");
    if (latest !== null && BigInt(latest.timestamp) >= start) return;
    throw new ChainError(
      { code: "CHAIN_EPOCH_NOT_FINAL", epoch: epoch.toString(), epochStart: start.toString() },
      `stake epoch ${epoch} (starts at ${start}) is not final yet: no block at or after its start; wait for it`,
    );
  }
}
