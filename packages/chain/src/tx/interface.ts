/**
 * The transaction-submission interface (issue 12, deliver 1). Defined here until packages/chain/src/types.ts
 * carries it; the shapes must stay structurally identical to the ones there.
 */
import type { TransactionReceipt } from "ethers";

export interface TxRequest {
  to: string;
  data: string;
  value?: bigint;
}

export interface TxSendOptions {
  label: string;
  /** resolves true when the tx is no longer needed (e.g. task already settled) */
  moot?: () => Promise<boolean>;
}

export interface TxSender {
  send(req: TxRequest, opts: TxSendOptions): Promise<TransactionReceipt>;
}
