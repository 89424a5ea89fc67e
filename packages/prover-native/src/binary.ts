import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** build/ of this package (dist/src/../../build). */
export const BUILD_DIR = fileURLToPath(new URL("../../build/", import.meta.url));

export interface LocatedBinary {
  path: string | undefined;
  /** Why no binary was found (an actionable message), when path is undefined. */
  reason?: string;
  cuda: boolean;
}

/**
 * Find the sidecar binary: an explicit path, else $ZKPROVER_BIN, else build/zkprover-cuda when a GPU device
 * node exists, else build/zkprover.
 */
export function locateBinary(explicit?: string): LocatedBinary {
  const chosen = explicit ?? process.env.ZKPROVER_BIN;
  if (chosen !== undefined) {
    return existsSync(chosen)
      ? { path: chosen, cuda: chosen.endsWith("-cuda") }
      : { path: undefined, cuda: false, reason: `native prover binary not found at ${chosen}` };
  }
  const cuda = `${BUILD_DIR}zkprover-cuda`;
  if (existsSync(cuda) && existsSync("/dev/nvidia0")) return { path: cuda, cuda: true };
  const cpu = `${BUILD_DIR}zkprover`;
  if (existsSync(cpu)) return { path: cpu, cuda: false };
  return {
    path: undefined,
    cuda: false,
    reason:
      "native prover binary not built (no C++ compiler at install time?): run `npm run build:native -w @zkpool/prover-native`; " +
      "the node proves with the WASM module meanwhile",
  };
}
