import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, stat, unlink, open } from "node:fs/promises";
import { join } from "node:path";
import { TransferError, TransferErrorCode } from "./errors.js";

const HEX32 = /^[0-9a-f]{64}$/;

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function checkHash(hash: string): string {
  const h = hash.toLowerCase().replace(/^0x/, "");
  if (!HEX32.test(h)) throw new TransferError({ code: TransferErrorCode.BAD_HASH, hash }, `"${hash}" is not a sha256 hex digest (64 hex digits)`);
  return h;
}

/**
 * Content-addressed blobs (circuit artifacts, task inputs) on disk under `<dir>/<sha256 hex>`. Only
 * verified content is ever stored: `put` computes the hash itself; `putVerified` checks a claimed one.
 */
export class ContentStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  path(hash: string): string {
    return join(this.dir, checkHash(hash));
  }

  async has(hash: string): Promise<boolean> {
    try {
      await stat(this.path(hash));
      return true;
    } catch {
      return false;
    }
  }

  async size(hash: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(hash))).size;
    } catch {
      return undefined;
    }
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(hash));
    } catch {
      return undefined;
    }
  }

  /** Stream the stored bytes in chunks. */
  chunks(hash: string, chunkBytes: number): AsyncIterable<Buffer> {
    return createReadStream(this.path(hash), { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>;
  }

  /** Store bytes; returns their sha256 (hex). */
  async put(data: Uint8Array): Promise<string> {
    const hash = sha256Hex(data);
    await this.writeAtomic(hash, [data]);
    return hash;
  }

  /** Store chunks only if they hash to `hash`; throws HASH_MISMATCH otherwise (nothing is kept). */
  async putVerified(hash: string, chunks: Uint8Array[], peer: string): Promise<void> {
    const h = createHash("sha256");
    for (const c of chunks) h.update(c);
    if (h.digest("hex") !== checkHash(hash)) {
      throw new TransferError({ code: TransferErrorCode.HASH_MISMATCH, hash, peer }, `Content from ${peer} does not match hash ${hash}; discarded`);
    }
    await this.writeAtomic(hash, chunks);
  }

  private async writeAtomic(hash: string, chunks: Uint8Array[]): Promise<void> {
    const final = this.path(hash);
    const tmp = `${final}.${randomBytes(6).toString("hex")}.tmp`;
    const fh = await open(tmp, "w");
    try {
      for (const c of chunks) await fh.write(c);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, final);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }
}
