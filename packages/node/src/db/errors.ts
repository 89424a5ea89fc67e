import { ZkPoolError } from "@zkpool/protocol";

export enum DbErrorCode {
  OPEN_FAILED = "DB_OPEN_FAILED",
  SCHEMA_MISMATCH = "DB_SCHEMA_MISMATCH",
  SCHEMA_MISSING = "DB_SCHEMA_MISSING",
  CORRUPT_VALUE = "DB_CORRUPT_VALUE",
  INVALID_KEY = "DB_INVALID_KEY",
}

export type DbErrorType =
  | { code: DbErrorCode.OPEN_FAILED; path: string }
  | { code: DbErrorCode.SCHEMA_MISMATCH; path: string; found: number; expected: number }
  | { code: DbErrorCode.SCHEMA_MISSING; path: string }
  | { code: DbErrorCode.CORRUPT_VALUE; bucket: string; key: string }
  | { code: DbErrorCode.INVALID_KEY; bucket: string; part: string };

export class DbError extends ZkPoolError<DbErrorType> {}
