export * from "./errors.js";
export * from "./types.js";
export * from "./client.js";
export { circuitPaths, readCircuit, type ReadCircuit } from "./circuit.js";
export { MIN_REBID_WINDOW, checkScheduleLifetime, minPriceStep, suggestSchedule, taskScheduleOf } from "./schedule.js";
