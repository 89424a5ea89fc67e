/**
 * Ed25519 node-key signing for BidCommit, BidReveal and ProofSubmission (SPEC §0.2, §1.2), with Node's
 * built-in crypto (OpenSSL). A node key is the libp2p peer key; its peer id is the identity multihash of the
 * protobuf-encoded public key, so the public key is read straight from the peer id.
 */
import { createPrivateKey, createPublicKey, sign, verify, randomBytes, type KeyObject } from "node:crypto";
import { concatBytes, fromHex, isHex, toHex, uintToBytes, utf8, type Hex } from "../bytes.js";
import { ED25519_PEER_ID_PREFIX, unsignedEncoding } from "../codec/index.js";
import { SigningError } from "../errors.js";
import type { BidCommit, BidReveal, ProofSubmission, ProtocolDomain, Unsigned } from "../types.js";
import { checkDomain } from "./eip712.js";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface NodeKey {
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** libp2p peer id bytes (38), hex. */
  readonly peerId: Hex;
  readonly privateKey: KeyObject;
}

/**
 * A node key from its 32-byte Ed25519 seed (or libp2p's 64-byte raw private key seed || public key; only the
 * first 32 bytes are used).
 */
export function nodeKeyFromSeed(seed: Uint8Array): NodeKey {
  if (!(seed instanceof Uint8Array) || (seed.byteLength !== 32 && seed.byteLength !== 64)) {
    throw new SigningError({ code: "INVALID_KEY" }, "an Ed25519 seed is 32 bytes (or libp2p's 64-byte raw key)");
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed.subarray(0, 32)]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(spki.byteLength - 32));
  return { publicKey, peerId: peerIdFromPublicKey(publicKey), privateKey };
}

export function generateNodeKey(): NodeKey {
  return nodeKeyFromSeed(randomBytes(32));
}

export function peerIdFromPublicKey(publicKey: Uint8Array): Hex {
  if (publicKey.byteLength !== 32) throw new SigningError({ code: "INVALID_KEY" }, "Ed25519 public keys are 32 bytes");
  return toHex(concatBytes(ED25519_PEER_ID_PREFIX, publicKey));
}

/** The 32-byte public key inside an Ed25519 peer id, or undefined if it is not one. */
export function publicKeyFromPeerId(peerId: Hex): Uint8Array | undefined {
  if (!isHex(peerId, 38)) return undefined;
  const bytes = fromHex(peerId);
  for (let i = 0; i < ED25519_PEER_ID_PREFIX.byteLength; i++) if (bytes[i] !== ED25519_PEER_ID_PREFIX[i]) return undefined;
  return bytes.subarray(ED25519_PEER_ID_PREFIX.byteLength);
}

const keyCache = new Map<string, KeyObject | null>();

function publicKeyObject(peerId: Hex): KeyObject | undefined {
  const id = peerId.toLowerCase();
  const cached = keyCache.get(id);
  if (cached !== undefined) return cached ?? undefined;
  const raw = publicKeyFromPeerId(peerId);
  let key: KeyObject | null = null;
  if (raw !== undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
    } catch {
      key = null;
    }
  }
  if (keyCache.size >= 4096) keyCache.clear();
  keyCache.set(id, key);
  return key ?? undefined;
}

export type Ed25519MessageName = "BidCommit" | "BidReveal" | "ProofSubmission";

/** utf8("zkpool/v1/<Name>/") || uint64be(chainId) || escrow (20 bytes) || unsigned canonical encoding. */
export function ed25519SigningPayload(name: Ed25519MessageName, domain: ProtocolDomain, unsigned: Uint8Array): Uint8Array {
  checkDomain(domain);
  return concatBytes(utf8(`zkpool/v1/${name}/`), uintToBytes(domain.chainId, 8), fromHex(domain.escrow), unsigned);
}

function signPayload(payload: Uint8Array, key: NodeKey): Hex {
  return toHex(sign(null, payload, key.privateKey));
}

function verifyPayload(payload: Uint8Array, signature: Hex, peerId: Hex): boolean {
  const pub = publicKeyObject(peerId);
  if (pub === undefined || !isHex(signature, 64)) return false;
  try {
    return verify(null, payload, pub, fromHex(signature));
  } catch {
    return false;
  }
}

function checkPeer(key: NodeKey, peerId: Hex): void {
  if (key.peerId !== peerId.toLowerCase()) {
    throw new SigningError({ code: "INVALID_KEY" }, "the message's peerId is not this node key's peer id");
  }
}

export function signBidCommit(c: Unsigned<BidCommit>, key: NodeKey, domain: ProtocolDomain): BidCommit {
  checkPeer(key, c.peerId);
  const payload = ed25519SigningPayload("BidCommit", domain, unsignedEncoding.BidCommit(c));
  return { ...c, signature: signPayload(payload, key) };
}

export function verifyBidCommitSignature(c: BidCommit, domain: ProtocolDomain): boolean {
  return verifyPayload(ed25519SigningPayload("BidCommit", domain, unsignedEncoding.BidCommit(c)), c.signature, c.peerId);
}

export function signBidReveal(r: Unsigned<BidReveal>, key: NodeKey, domain: ProtocolDomain): BidReveal {
  checkPeer(key, r.peerId);
  const payload = ed25519SigningPayload("BidReveal", domain, unsignedEncoding.BidReveal(r));
  return { ...r, signature: signPayload(payload, key) };
}

export function verifyBidRevealSignature(r: BidReveal, domain: ProtocolDomain): boolean {
  return verifyPayload(ed25519SigningPayload("BidReveal", domain, unsignedEncoding.BidReveal(r)), r.signature, r.peerId);
}

export function signProofSubmission(p: Unsigned<ProofSubmission>, key: NodeKey, domain: ProtocolDomain): ProofSubmission {
  checkPeer(key, p.peerId);
  const payload = ed25519SigningPayload("ProofSubmission", domain, unsignedEncoding.ProofSubmission(p));
  return { ...p, signature: signPayload(payload, key) };
}

export function verifyProofSubmissionSignature(p: ProofSubmission, domain: ProtocolDomain): boolean {
  return verifyPayload(
    ed25519SigningPayload("ProofSubmission", domain, unsignedEncoding.ProofSubmission(p)),
    p.signature,
    p.peerId,
  );
}
