/**
 * The node core's proof check (PoolNodeOptions.proofVerifier, SPEC §2.8 step 10) backed by a ProofChecker
 * (a UMP): the verification key is fetched by its content hash through the node's transfer service.
 * Created before the node (it is a node option) and attached to it once the node exists.
 */
import { decodeSnarkjsProof, type ProofSubmission, type Task } from "@zkpool/protocol";
import type { ProofVerifier } from "../messages/proofs.js";
import type { PoolNode } from "../node.js";
import { AuctionError, AuctionErrorCode } from "./errors.js";
import type { ProofChecker } from "./interface.js";
import { taskCircuit } from "./service.js";

export class GossipProofVerifier implements ProofVerifier {
  private node: PoolNode | undefined;
  constructor(private readonly checker: ProofChecker) {}

  attach(node: PoolNode): this {
    this.node = node;
    return this;
  }

  async verify(task: Task, p: ProofSubmission): Promise<boolean> {
    const node = this.node;
    if (node === undefined) throw new AuctionError({ code: AuctionErrorCode.NOT_RUNNING }, "proof verifier used before attach(node)");
    const vkey = task.vkeySha256.slice(2).toLowerCase();
    await node.transfer.fetch(vkey);
    const circuit = taskCircuit(task, (h) => node.transfer.store.path(h), 1);
    const proof = decodeSnarkjsProof(task.proofSystem, p.proof);
    return this.checker.verify(circuit, proof, p.publicSignals.map((s) => s.toString()));
  }
}
