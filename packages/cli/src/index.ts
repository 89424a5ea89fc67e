export * from "./errors.js";
export * from "./config.js";
export * from "./keystore.js";
export * from "./api.js";
export * from "./runner.js";
export * from "./program.js";
export * from "./devnet.js";
export * from "./commands.js";
