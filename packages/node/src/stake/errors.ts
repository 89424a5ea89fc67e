import { ZkPoolError } from "@zkpool/protocol";

export enum StakeErrorCode {
  GENESIS_UNREADABLE = "STAKE_GENESIS_UNREADABLE",
  GENESIS_INVALID = "STAKE_GENESIS_INVALID",
}

export type StakeErrorType =
  | { code: StakeErrorCode.GENESIS_UNREADABLE; path: string }
  | { code: StakeErrorCode.GENESIS_INVALID; path: string; field: string; reason: string };

export class StakeError extends ZkPoolError<StakeErrorType> {}
