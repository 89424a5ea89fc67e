export * from "./interface.js";
export * from "./options.js";
export * from "./noop.js";
export * from "./prometheus.js";
export * from "./labels.js";
export * from "./sampler.js";
