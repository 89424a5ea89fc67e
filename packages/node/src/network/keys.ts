import { readFile, writeFile, mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { NetworkError, NetworkErrorCode } from "./errors.js";

export const PEER_KEY_FILE = "peer-key";

/**
 * Load the node's Ed25519 peer key from `<dataDir>/peer-key` (libp2p protobuf encoding), creating it
 * (mode 0600) on first start so the peer id survives restarts.
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, PEER_KEY_FILE);
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new NetworkError({ code: NetworkErrorCode.PEER_KEY_INVALID, path }, `Cannot read peer key ${path}; check its permissions`, { cause: err });
    }
  }
  if (bytes !== undefined) {
    try {
      const key = privateKeyFromProtobuf(bytes);
      if (key.type !== "Ed25519") throw new Error(`key type ${key.type}`);
      return key;
    } catch (cause) {
      throw new NetworkError(
        { code: NetworkErrorCode.PEER_KEY_INVALID, path },
        `Peer key ${path} is not a valid Ed25519 libp2p key; restore it from backup or delete it to create a new identity`,
        { cause },
      );
    }
  }
  const key = await generateKeyPair("Ed25519");
  try {
    await mkdir(dataDir, { recursive: true });
    const tmp = `${path}.tmp`;
    await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
    await rename(tmp, path);
  } catch (cause) {
    throw new NetworkError({ code: NetworkErrorCode.PEER_KEY_WRITE_FAILED, path }, `Cannot write peer key ${path}; check the data directory`, { cause });
  }
  return key;
}
