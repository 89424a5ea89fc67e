/**
 * Typed errors shared by every ZKPool package.
 *
 * An error carries a machine-readable `type` object whose `code` names the failure and whose other fields
 * are plain data (strings, numbers, booleans) so the whole object survives worker / IPC / JSON boundaries
 * (Lodestar's LodestarError pattern). The message is short and tells a user what to do.
 */
export interface ErrorType {
  code: string;
  [key: string]: string | number | boolean | undefined;
}

export class ZkPoolError<T extends ErrorType = ErrorType> extends Error {
  readonly type: T;

  constructor(type: T, message?: string, options?: { cause?: unknown }) {
    super(message ?? type.code, options);
    this.type = type;
    this.name = new.target.name;
  }

  get code(): T["code"] {
    return this.type.code;
  }

  /** Plain-data form for logs and IPC. */
  toObject(): { name: string; message: string; type: T } {
    return { name: this.name, message: this.message, type: this.type };
  }
}

/** True when `err` is a ZkPoolError (optionally with the given code). */
export function isZkPoolError(err: unknown, code?: string): err is ZkPoolError {
  return err instanceof ZkPoolError && (code === undefined || err.type.code === code);
}
