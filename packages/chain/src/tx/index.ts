export * from "./interface.js";
export * from "./errors.js";
export { createTxSender, type ManagedTxSender, type TxMetrics, type TxSenderInit, type TxSenderStats } from "./sender.js";
