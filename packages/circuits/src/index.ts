export * from "./catalog.js";
export * from "./definitions.js";
export * from "./errors.js";
export * from "./ids.js";
export type { CircuitMeta, FileEntry, SystemMeta } from "./meta.js";
export { COMMITTED_DIR, DEV_PTAU, defaultCacheDir } from "./paths.js";
export { runSetup } from "./setup/index.js";
export type { SetupOptions, SetupResult } from "./setup/index.js";
