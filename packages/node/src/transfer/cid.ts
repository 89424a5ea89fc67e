import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { checkHash } from "./store.js";

const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;

/** CIDv1 (raw codec, sha2-256 multihash) of a content hash, used as the DHT provider key. */
export function contentCid(hash: string): CID {
  return CID.createV1(RAW_CODEC, Digest.create(SHA2_256, Buffer.from(checkHash(hash), "hex")));
}
