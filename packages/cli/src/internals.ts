/**
 * TEMPORARY bridge: @zkpool/node does not export its auction service and chain services from its index yet
 * (the node's owner adds `export * from "./auction/index.js"` and `export * from "./chain/index.js"`). Until
 * then they are loaded from the installed package's dist next to its entry point. Types come from the same
 * files. Replace with plain imports from "@zkpool/node" once exported.
 */
import type * as AuctionModule from "../../node/dist/src/auction/index.js";
import type * as ChainModule from "../../node/dist/src/chain/index.js";

export type Auction = typeof AuctionModule;
export type NodeChain = typeof ChainModule;
export type { AuctionService } from "../../node/dist/src/auction/index.js";
export type { ChainSettlementService, EarningsView } from "../../node/dist/src/chain/index.js";

async function load<T>(rel: string): Promise<T> {
  const entry = import.meta.resolve("@zkpool/node");
  return (await import(new URL(rel, entry).href)) as T;
}

export function loadAuction(): Promise<Auction> {
  return load<Auction>("./auction/index.js");
}

export function loadNodeChain(): Promise<NodeChain> {
  return load<NodeChain>("./chain/index.js");
}
