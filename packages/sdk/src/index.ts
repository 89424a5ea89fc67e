export * from "./errors.js";
export * from "./types.js";
export * from "./client.js";
export { circuitPaths, readCircuit, type ReadCircuit } from "./circuit.js";
