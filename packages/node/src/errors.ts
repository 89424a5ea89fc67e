import { ZkPoolError } from "@zkpool/protocol";

/** Error codes raised by the pool node outside gossip validation (which uses GossipActionError). */
export enum NodeErrorCode {
  CONFIG_INVALID = "NODE_CONFIG_INVALID",
  PEER_KEY_INVALID = "NODE_PEER_KEY_INVALID",
  NOT_STARTED = "NODE_NOT_STARTED",
  ALREADY_STARTED = "NODE_ALREADY_STARTED",
}

export type NodeErrorType =
  | { code: NodeErrorCode.CONFIG_INVALID; field: string; reason: string }
  | { code: NodeErrorCode.PEER_KEY_INVALID; path: string; reason: string }
  | { code: NodeErrorCode.NOT_STARTED }
  | { code: NodeErrorCode.ALREADY_STARTED };

export class NodeError extends ZkPoolError<NodeErrorType> {}
