/** Helpers for tests against a local chain (anvil): snapshot/revert and time travel. */
import { JsonRpcProvider } from "ethers";

/** A provider suited to time-travel tests: no call cache, no batching (faster round trips on anvil). */
export function testProvider(url: string, chainId?: number): JsonRpcProvider {
  return new JsonRpcProvider(url, chainId, { cacheTimeout: -1, batchMaxCount: 1, staticNetwork: chainId !== undefined, pollingInterval: 50 });
}

export class ChainTestHelper {
  constructor(readonly provider: JsonRpcProvider) {}

  async snapshot(): Promise<string> {
    return (await this.provider.send("evm_snapshot", [])) as string;
  }
  /** Reverts to `id` (a snapshot can be reverted to once; take a new one after). */
  async revert(id: string): Promise<void> {
    const ok = (await this.provider.send("evm_revert", [id])) as boolean;
    if (!ok) throw new Error(`evm_revert(${id}) failed: unknown snapshot`);
  }
  async latestTimestamp(): Promise<bigint> {
    const b = await this.provider.getBlock("latest");
    if (!b) throw new Error("no latest block");
    return BigInt(b.timestamp);
  }
  async blockNumber(): Promise<bigint> {
    return BigInt(await this.provider.getBlockNumber());
  }
  /** Mines `n` empty blocks. */
  async mine(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) await this.provider.send("evm_mine", []);
  }
  /** The next block (mined by the next transaction or `mine`) will have this timestamp. */
  async setNextBlockTimestamp(ts: bigint): Promise<void> {
    await this.provider.send("evm_setNextBlockTimestamp", [Number(ts)]);
  }
  /** Moves time forward and mines a block at the new time. */
  async increaseTime(seconds: bigint): Promise<void> {
    await this.provider.send("evm_increaseTime", [Number(seconds)]);
    await this.mine();
  }
}
