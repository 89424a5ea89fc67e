import { ZkPoolError, type ErrorType } from "@zkpool/protocol";

/** Errors raised by the chain package (codes start with CHAIN_). */
export class ChainError<T extends ErrorType = ErrorType> extends ZkPoolError<T> {}
