export { SnarkjsModule, snarkjsModule, MODULE_ID, MODULE_VERSION } from "./module.js";
export type { SnarkjsModuleInit } from "./module.js";
export { DEFAULT_COST, defaultEstimateMs, estimateFromProfile, estimateMemoryBytes } from "./preflight.js";
export { ProvabilityCache } from "./provability.js";
export type {
  ProvabilityChecker,
  ProvabilityFailureCode,
  ProvabilityRequest,
  ProvabilityVerdict,
} from "./provability.js";
