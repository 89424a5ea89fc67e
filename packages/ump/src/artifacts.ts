/**
 * Content-addressed artifact cache with integrity checks.
 *
 * Files (circuit WASM, zkeys, verification keys) are stored under `<dir>/<sha256>` where the name is the
 * lowercase hex sha256 of the bytes. The hash is checked when a file enters the cache (`put`, `import`)
 * and again every time it is used (`read`, `ensure`): a file that was corrupted or replaced on disk is
 * rejected with a `UmpError` of code `INVALID_ARTIFACT` and removed from the cache, never used.
 *
 * I/O only: no parsing of the artifacts themselves.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UmpError } from "./errors.js";
import type { ArtifactRef } from "./interface.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** sha256 of bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** sha256 of a file, streamed (does not hold the file in memory), lowercase hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function checkHashFormat(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) {
    throw new UmpError(
      { code: "INVALID_ARTIFACT", detail: `not a sha256: ${sha256.slice(0, 80)}` },
      "artifact hash must be 64 lowercase hex characters (sha256 of the file, no 0x prefix)",
    );
  }
}

function mismatch(expected: string, actual: string, where: string): UmpError {
  return new UmpError(
    { code: "INVALID_ARTIFACT", detail: `expected sha256 ${expected}, got ${actual} (${where})` },
    `artifact ${expected.slice(0, 12)}… does not match its content hash: the file is corrupt or was ` +
      `replaced; fetch it again from a trusted source`,
  );
}

export interface ArtifactCacheInit {
  /** Directory that holds the cached files; created on first write. */
  dir: string;
}

export class ArtifactCache {
  readonly dir: string;

  constructor(init: ArtifactCacheInit) {
    this.dir = init.dir;
  }

  /** Path a file with this hash has (or would have) in the cache. */
  pathOf(sha256: string): string {
    checkHashFormat(sha256);
    return join(this.dir, sha256);
  }

  /** True when a file with this hash is present (its content is checked on use, not here). */
  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Store bytes. When `sha256` is given the bytes must hash to it (else INVALID_ARTIFACT and nothing is
   * stored). Returns the ref of the cached copy.
   */
  async put(bytes: Uint8Array, sha256?: string): Promise<ArtifactRef> {
    const actual = sha256Hex(bytes);
    if (sha256 !== undefined) {
      checkHashFormat(sha256);
      if (actual !== sha256) throw mismatch(sha256, actual, "put");
    }
    const path = this.pathOf(actual);
    if (!(await this.has(actual))) {
      await mkdir(this.dir, { recursive: true });
      // Write to a temporary name, then rename: a crash never leaves a partial file under a hash name.
      const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    }
    return { sha256: actual, path };
  }

  /** Copy a file into the cache, checking it against `sha256` when given. */
  async import(path: string, sha256?: string): Promise<ArtifactRef> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new UmpError(
        { code: "INVALID_ARTIFACT", detail: `cannot read ${path}` },
        `artifact file ${path} cannot be read; check the path`,
        { cause },
      );
    }
    return this.put(bytes, sha256);
  }

  /**
   * Read a cached file's bytes after checking them against the hash. A file that fails the check is
   * removed from the cache and INVALID_ARTIFACT is thrown; a missing file is INVALID_ARTIFACT too.
   */
  async read(sha256: string): Promise<Uint8Array> {
    const path = this.pathOf(sha256);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new UmpError(
        { code: "INVALID_ARTIFACT", detail: `missing ${sha256}` },
        `artifact ${sha256.slice(0, 12)}… is not in the cache at ${this.dir}; import it first`,
        { cause },
      );
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) {
      await rm(path, { force: true });
      throw mismatch(sha256, actual, `cache file ${path}, removed`);
    }
    return bytes;
  }

  /**
   * Make sure the artifact `ref` is in the cache (importing it from `ref.path` when it is not) and return
   * its verified bytes: the bytes returned are exactly the ones that were hashed, so nothing can swap the
   * file between the check and the use.
   */
  async ensure(ref: ArtifactRef): Promise<Uint8Array> {
    checkHashFormat(ref.sha256);
    if (!(await this.has(ref.sha256))) await this.import(ref.path, ref.sha256);
    return this.read(ref.sha256);
  }

  /** Remove a file from the cache (no error when absent). */
  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
}
