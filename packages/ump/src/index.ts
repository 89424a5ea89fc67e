export * from "./interface.js";
export * from "./errors.js";
