// Re-export of what the example uses, plus a type guard for the SDK's typed errors.
import { isZkPoolError } from "@zkpool/protocol";
import { SdkError } from "@zkpool/sdk";
export { createClient, terminateSnarkjs } from "@zkpool/sdk";
export function isSdkError(e: unknown): e is SdkError {
  return isZkPoolError(e) && e instanceof SdkError;
}
