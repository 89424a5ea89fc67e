import type { ProverModule } from "../interface.js";

/** Options of `createUmp(init)`. Every duration is integer ms. */
export interface UmpInit {
  /**
   * Jobs proved at the same time. A prover usually saturates every core or the GPU, so one at a time.
   * @default 1
   */
  concurrency?: number;
  /**
   * Safety margin added to every estimate used for capacity accounting, in percent.
   * @default 20
   */
  estimateMarginPercent?: number;
  /**
   * Per-attempt timeout when the caller gives none: `max(minJobTimeoutMs, estimatedMs * timeoutFactor)`.
   * When it fires the module's work is aborted (its worker killed) and dispatch falls back to the next module.
   * @default 4
   */
  timeoutFactor?: number;
  /** @default 10_000 */
  minJobTimeoutMs?: number;
  /**
   * After aborting a module's work (cancel, timeout, stop), how long to wait for the module to settle before
   * giving up on it: the job rejects anyway and the module is not dispatched to until that work settles.
   * @default 2_000
   */
  abortGraceMs?: number;
  /**
   * Check each proof with the module's verify() before returning it; a proof that fails counts as a module
   * failure (`PROOF_INVALID`) and dispatch falls back to the next module. Skipped for modules whose manifest
   * says `verifiesProofs: true` (they already checked it).
   * @default true
   */
  verifyProofs?: boolean;
  /**
   * Refuse (`OVER_CAPACITY`) a prove() without a reservation when it would make accepted work miss deadlines.
   * @default true
   */
  enforceCapacity?: boolean;
  /** A module's health() slower than this counts as unhealthy. @default 1_000 */
  healthTimeoutMs?: number;
  /**
   * Directory of the profile store (`ump-profiles.json`): loaded at start, written by `benchmark()`.
   * @default undefined (profiles live in memory only)
   */
  dataDir?: string;
  /** Modules registered at construction. */
  modules?: ProverModule[];
  /** Clock (unix ms). @default Date.now */
  now?: () => number;
}

export const UMP_DEFAULTS = {
  concurrency: 1,
  estimateMarginPercent: 20,
  timeoutFactor: 4,
  minJobTimeoutMs: 10_000,
  abortGraceMs: 2_000,
  verifyProofs: true,
  enforceCapacity: true,
  healthTimeoutMs: 1_000,
} as const;
