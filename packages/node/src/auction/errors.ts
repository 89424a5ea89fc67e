import { ZkPoolError } from "@zkpool/protocol";

export enum AuctionErrorCode {
  /** The service was started twice, or used before start. */
  NOT_RUNNING = "AUCTION_NOT_RUNNING",
  ALREADY_STARTED = "AUCTION_ALREADY_STARTED",
  /** The node this service runs on is not started. */
  NODE_NOT_STARTED = "AUCTION_NODE_NOT_STARTED",
  /** A proof system this node cannot encode proofs for (v0: Groth16 only). */
  UNSUPPORTED_PROOF_SYSTEM = "AUCTION_UNSUPPORTED_PROOF_SYSTEM",
  /** The task's input document is not a JSON object of circuit inputs. */
  BAD_INPUT_DOCUMENT = "AUCTION_BAD_INPUT_DOCUMENT",
  /** Stored auction state cannot be read back (corrupt database). */
  CORRUPT_STATE = "AUCTION_CORRUPT_STATE",
  /** A task could not be published (invalid fields, unfunded, rejected by our own validation). */
  PUBLISH_FAILED = "AUCTION_PUBLISH_FAILED",
  /** A task's artifact or input is not in the local content store yet (fetch it first). */
  CONTENT_MISSING = "AUCTION_CONTENT_MISSING",
}

export type AuctionErrorType =
  | { code: AuctionErrorCode.NOT_RUNNING | AuctionErrorCode.ALREADY_STARTED | AuctionErrorCode.NODE_NOT_STARTED }
  | { code: AuctionErrorCode.UNSUPPORTED_PROOF_SYSTEM; proofSystem: number }
  | { code: AuctionErrorCode.BAD_INPUT_DOCUMENT; taskId: string }
  | { code: AuctionErrorCode.CORRUPT_STATE; key: string }
  | { code: AuctionErrorCode.PUBLISH_FAILED; reason: string }
  | { code: AuctionErrorCode.CONTENT_MISSING; hash: string };

export class AuctionError extends ZkPoolError<AuctionErrorType> {}
