/**
 * Where the auction learns a requester's free escrow balance (SPEC §2.3 step 5). The chain issue implements
 * it against the escrow contract; `StaticBalanceSource` is the stand-in until then (a plug-in, not a fake of
 * a system that runs here).
 */
export interface BalanceSource {
  /** Free (not yet committed) escrow balance of `requester` in wei; undefined when unknown. */
  availableBalance(requester: string): Promise<bigint | undefined>;
}

/** Fixed balances per requester (lowercase address), and a default for everyone else. */
export class StaticBalanceSource implements BalanceSource {
  private readonly table: Map<string, bigint>;
  constructor(
    table: ReadonlyMap<string, bigint> | Record<string, bigint> = {},
    private readonly fallback: bigint | undefined = undefined,
  ) {
    const entries: Array<[string, bigint]> = table instanceof Map ? [...(table as ReadonlyMap<string, bigint>).entries()] : Object.entries(table as Record<string, bigint>);
    this.table = new Map(entries.map(([a, b]) => [a.toLowerCase(), b]));
  }
  availableBalance(requester: string): Promise<bigint | undefined> {
    return Promise.resolve(this.table.get(requester.toLowerCase()) ?? this.fallback);
  }
}

/** Every requester is funded (devnets, tests). */
export const UNLIMITED_BALANCE: BalanceSource = { availableBalance: () => Promise.resolve((1n << 256n) - 1n) };
