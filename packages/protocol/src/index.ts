export * from "./errors.js";
export * from "./lottery/index.js";
