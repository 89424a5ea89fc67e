import { ZkPoolError, type ErrorType } from "@zkpool/protocol";

/** Errors raised by the chain package (codes start with CHAIN_). */
export class ChainError<T extends ErrorType = ErrorType> extends ZkPoolError<T> {}

/** Narrows to ChainError (instanceof alone narrows the generic parameter to any). */
export function isChainError(err: unknown): err is ChainError {
  return err instanceof ChainError;
}
