import type { BalanceSource } from "../auction/balance.js";

/** What EscrowBalanceSource needs of @zkpool/chain's EscrowClient. */
export interface EscrowBalanceReader {
  availableBalance(account: string): Promise<bigint>;
}

/**
 * Requesters' free escrow balance read from the Escrow contract (balance minus a pending withdrawal), for the
 * auction's funding check (SPEC §2.3 step 5). An RPC failure answers `undefined` (unknown), never a number.
 * Answers are cached for `cacheMs` so a burst of tasks from one requester costs one read.
 */
export class EscrowBalanceSource implements BalanceSource {
  private readonly cache = new Map<string, { at: number; value: Promise<bigint | undefined> }>();
  constructor(
    private readonly escrow: EscrowBalanceReader,
    private readonly cacheMs = 2_000,
  ) {}

  availableBalance(requester: string): Promise<bigint | undefined> {
    const key = requester.toLowerCase();
    const hit = this.cache.get(key);
    if (hit !== undefined && Date.now() - hit.at < this.cacheMs) return hit.value;
    const value = this.escrow.availableBalance(key).catch(() => undefined);
    this.cache.set(key, { at: Date.now(), value });
    if (this.cache.size > 4096) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }
}
