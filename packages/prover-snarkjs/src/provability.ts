/**
 * Task provability check (SPEC §9.7): the types, duplicated structurally from the node's
 * `ProvabilityChecker` (packages/node/src/auction/provability.ts; this package must not depend on the node),
 * and the cache both sides use.
 */

export type ProvabilityFailureCode =
  | "ARTIFACTS_MISMATCH"
  | "WRONG_PROOF_SYSTEM"
  | "BAD_ZKEY"
  | "BAD_WASM"
  | "BAD_INPUT"
  | "PUBLIC_SIGNALS_MISMATCH";

export type ProvabilityVerdict = { ok: true } | { ok: false; code: ProvabilityFailureCode; reason: string };

export interface ProvabilityRequest {
  /** 1 = Groth16, 2 = PLONK, 3 = FFLONK (SPEC §0.3). */
  proofSystem: 1 | 2 | 3;
  /** Artifact files, already checked against their hashes by the content transfer. */
  wasmPath: string;
  zkeyPath: string;
  vkeyPath: string;
  /** The input document (UTF-8 JSON; it must be an object). */
  inputBytes: Uint8Array;
  /** The task's committed keccak256(abi.encodePacked(uint256[] publicSignals)). */
  publicSignalsHash: `0x${string}`;
  /** Content key of the check, e.g. (wasmSha256, zkeySha256, vkeySha256, inputHash); verdicts are cached by it. */
  cacheKey: string;
}

export interface ProvabilityChecker {
  checkProvable(req: ProvabilityRequest): Promise<ProvabilityVerdict>;
}

/**
 * Verdicts by cache key, least recently used dropped first. Concurrent calls for one key share one promise;
 * a call that throws (timeout, crash, missing file, stopped module) is forgotten, so the next call runs again.
 */
export class ProvabilityCache<T = ProvabilityVerdict> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(readonly maxEntries = 1024) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError("maxEntries must be an integer ≥ 1");
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    // a compute() that throws synchronously becomes a rejected promise (and is not cached)
    const promise = new Promise<T>((resolve) => resolve(compute()));
    this.entries.set(key, promise);
    promise.catch(() => {
      if (this.entries.get(key) === promise) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return promise;
  }

  clear(): void {
    this.entries.clear();
  }
}
