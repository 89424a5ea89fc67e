export * from "./strategy.js";
