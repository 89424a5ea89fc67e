export * from "./errors.js";
export * from "./balance.js";
export * from "./settlement.js";
export * from "./stake.js";
