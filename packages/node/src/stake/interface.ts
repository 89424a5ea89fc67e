/**
 * Where the node learns operators' stake. The static genesis file is the first implementation; the chain
 * issue adds an on-chain one. Addresses are checksummed (EIP-55); stake is in wei (bigint).
 */
export interface StakeSource {
  /** Stake of `address` at `snapshot` (0n when unknown). */
  stakeOf(address: string, snapshot: bigint): Promise<bigint>;
  /** The whole table at `snapshot`: checksummed address -> stake > 0. */
  stakeTable(snapshot: bigint): Promise<ReadonlyMap<string, bigint>>;
}
