import { ZkPoolError } from "@zkpool/protocol";

export enum NetworkErrorCode {
  PEER_KEY_INVALID = "NETWORK_PEER_KEY_INVALID",
  PEER_KEY_WRITE_FAILED = "NETWORK_PEER_KEY_WRITE_FAILED",
  BAD_MULTIADDR = "NETWORK_BAD_MULTIADDR",
}

export type NetworkErrorType =
  | { code: NetworkErrorCode.PEER_KEY_INVALID; path: string }
  | { code: NetworkErrorCode.PEER_KEY_WRITE_FAILED; path: string }
  | { code: NetworkErrorCode.BAD_MULTIADDR; field: string; value: string };

export class NetworkError extends ZkPoolError<NetworkErrorType> {}
