/**
 * Task provability (SPEC §9.7): before an attester votes round 0's Assignment it asks a checker whether the
 * task can be proved at all; a task that cannot gets `Invalid(taskId)` instead, and nobody is slashed.
 *
 * `SnarkjsModule` from @zkpool/prover-snarkjs is a `ProvabilityChecker` (structurally: that package declares
 * the same types and does not depend on this one).
 */

export type ProvabilityVerdict =
  | { ok: true }
  | {
      ok: false;
      code:
        | "ARTIFACTS_MISMATCH"
        | "WRONG_PROOF_SYSTEM"
        | "BAD_ZKEY"
        | "BAD_WASM"
        | "BAD_INPUT"
        | "PUBLIC_SIGNALS_MISMATCH";
      reason: string;
    };

export interface ProvabilityChecker {
  /**
   * A verdict is about the task's content and may be cached. A failure of the checker itself (not started,
   * an unreadable file, a time limit, a crash) is thrown instead: the attester should not vote either way.
   */
  checkProvable(req: {
    proofSystem: 1 | 2 | 3;
    wasmPath: string;
    zkeyPath: string;
    vkeyPath: string;
    inputBytes: Uint8Array;
    publicSignalsHash: `0x${string}`;
    /** Content key, e.g. `${wasmSha256}:${zkeySha256}:${vkeySha256}:${inputHash}`. */
    cacheKey: string;
  }): Promise<ProvabilityVerdict>;
}

export type ProvabilityRequest = Parameters<ProvabilityChecker["checkProvable"]>[0];

export interface CachedProvabilityCheckerInit {
  /** Verdicts kept, least recently used dropped first. @default 1024 */
  maxEntries?: number;
}

/**
 * Caches another checker's verdicts. The key is the request's `cacheKey` together with its proof system and
 * `publicSignalsHash` (the verdict depends on both, and the SPEC's cache key, the four content hashes, names
 * neither). Concurrent identical calls share one promise; a call that throws is not cached.
 */
export class CachedProvabilityChecker implements ProvabilityChecker {
  private readonly entries = new Map<string, Promise<ProvabilityVerdict>>();
  private readonly maxEntries: number;

  constructor(
    private readonly inner: ProvabilityChecker,
    init: CachedProvabilityCheckerInit = {},
  ) {
    const max = init.maxEntries ?? 1024;
    if (!Number.isInteger(max) || max < 1) throw new RangeError("maxEntries must be an integer ≥ 1");
    this.maxEntries = max;
  }

  /** Verdicts (and checks in flight) held now. */
  get size(): number {
    return this.entries.size;
  }

  checkProvable(req: ProvabilityRequest): Promise<ProvabilityVerdict> {
    const key = `${req.proofSystem}:${req.publicSignalsHash.toLowerCase()}:${req.cacheKey}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const promise = new Promise<ProvabilityVerdict>((resolve) => resolve(this.inner.checkProvable(req)));
    this.entries.set(key, promise);
    promise.catch(() => {
      if (this.entries.get(key) === promise) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return promise;
  }

  clear(): void {
    this.entries.clear();
  }
}
