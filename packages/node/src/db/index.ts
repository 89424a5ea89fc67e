export * from "./interface.js";
export * from "./options.js";
export * from "./errors.js";
export * from "./db.js";
export * from "./messages.js";
