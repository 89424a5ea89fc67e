/**
 * Native secp256k1 (libsecp256k1 through the `secp256k1` package's N-API bindings, prebuilt for linux-x64,
 * darwin-arm64 and win32-x64). The bindings are loaded directly (`secp256k1/bindings`), not through the package
 * index, which would fall back silently to a pure-JS `elliptic` build with other edge-case behaviour. Where the
 * native addon cannot load, `nativeSecp256k1` is undefined and callers (eip712.ts) use ethers instead, whose
 * accept/reject semantics they reproduce exactly.
 */
import { createRequire } from "node:module";
import type * as Secp256k1 from "secp256k1";

export type Secp256k1Api = typeof Secp256k1;

function load(): Secp256k1Api | undefined {
  if (process.env["ZKPOOL_NO_NATIVE_SECP256K1"] === "1") return undefined;
  try {
    return createRequire(import.meta.url)("secp256k1/bindings") as Secp256k1Api;
  } catch {
    return undefined;
  }
}

/** The native bindings, or undefined where they cannot load (or ZKPOOL_NO_NATIVE_SECP256K1=1). */
export const nativeSecp256k1: Secp256k1Api | undefined = load();
