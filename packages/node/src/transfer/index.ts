export * from "./errors.js";
export * from "./options.js";
export * from "./store.js";
export * from "./cid.js";
export * from "./service.js";
