export * from "./interface.js";
export * from "./errors.js";
export * from "./genesis.js";
