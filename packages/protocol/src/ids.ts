/** Content ids, commitments and gossip message ids (SPEC §0.3, §0.5, §2.1). */
import { createHash } from "node:crypto";
import { getBytes, keccak256 } from "ethers";
import { concatBytes, fromHex, toHex, word, wordOfBytes, type Hex } from "./bytes.js";
import { BN254_R } from "./constants.js";
import { ProtocolError } from "./errors.js";

export { circuitId, taskId } from "./crypto/eip712.js";

/** sha256 of bytes (input documents, circuit artifacts). */
export function sha256(bytes: Uint8Array): Hex {
  return toHex(createHash("sha256").update(bytes).digest());
}

/** inputHash = sha256(input document bytes). */
export const inputHash = sha256;

/** keccak256(abi.encodePacked(uint256[] publicSignals)). Every signal must be < the BN254 scalar order. */
export function publicSignalsHash(signals: readonly bigint[]): Hex {
  for (const s of signals) {
    if (typeof s !== "bigint" || s < 0n || s >= BN254_R) {
      throw new ProtocolError(
        { code: "FIELD_INVALID", field: "publicSignals" },
        "every public signal must be a bigint in [0, r) (BN254 scalar field)",
      );
    }
  }
  return keccak256(concatBytes(...signals.map(word))) as Hex;
}

/** proofHash = keccak256(canonical proof bytes) (SPEC §1.9). */
export function proofHash(proof: Hex | Uint8Array): Hex {
  return keccak256(typeof proof === "string" ? fromHex(proof) : proof) as Hex;
}

/** commitment = keccak256(abi.encode(bytes32 taskId, address prover, uint256 price, bytes32 salt)) (SPEC §0.5). */
export function bidCommitment(taskId: Hex, prover: Hex, price: bigint, salt: Hex): Hex {
  const t = fromHex(taskId);
  const p = fromHex(prover);
  const s = fromHex(salt);
  if (t.byteLength !== 32 || p.byteLength !== 20 || s.byteLength !== 32) {
    throw new ProtocolError(
      { code: "FIELD_INVALID", field: "commitment" },
      "taskId and salt must be 32 bytes and prover 20 bytes",
    );
  }
  return keccak256(concatBytes(t, wordOfBytes(p), word(price), s)) as Hex;
}

/** A fresh 32-byte random salt for a bid. */
export function randomSalt(): Hex {
  return toHex(getBytes(keccak256(crypto.getRandomValues(new Uint8Array(64)))));
}

/**
 * Gossip message id: sha256(topic-independent canonical message bytes). The canonical encoding makes it a
 * function of the message content (SPEC §2.1).
 */
export function messageId(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}
