/**
 * @zkpool/protocol — the ZKPool wire protocol v1 (protocol/SPEC.md): codecs, signing domains, ids,
 * commit-reveal, certificates, validation and the lottery. Pure: no network, no disk.
 */
export * from "./errors.js";
export * from "./bytes.js";
export * from "./constants.js";
export type * from "./types.js";
export * from "./codec/index.js";
export * from "./crypto/eip712.js";
export * from "./crypto/ed25519.js";
export { sha256, inputHash, publicSignalsHash, proofHash, bidCommitment, randomSalt, messageId } from "./ids.js";
export * from "./proof.js";
export * from "./vkey.js";
export * from "./certificate.js";
export * from "./lifecycle.js";
export * from "./economics.js";
export * from "./validation.js";
export * from "./topics.js";
export * from "./lottery/index.js";
export * from "./market/index.js";
export * from "./committee/index.js";
export * from "./bls/index.js";
