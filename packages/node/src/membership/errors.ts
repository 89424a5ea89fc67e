import { ZkPoolError } from "@zkpool/protocol";

export enum MembershipErrorCode {
  /** A newer operator record for this peer id is already in the DHT. */
  STALE_RECORD = "MEMBERSHIP_STALE_RECORD",
}

export type MembershipErrorType = { code: MembershipErrorCode.STALE_RECORD; peerId: string; seq: string; storedSeq: string };

export class MembershipError extends ZkPoolError<MembershipErrorType> {}
