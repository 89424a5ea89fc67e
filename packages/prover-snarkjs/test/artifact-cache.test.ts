import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isZkPoolError } from "@zkpool/protocol";
import { ArtifactCache, sha256File } from "@zkpool/ump";

// Tests of @zkpool/ump's ArtifactCache (owned by this package's author; the cache is what this module loads through).
describe("ump: ArtifactCache", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-cache-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const bytes = new TextEncoder().encode("hello artifact");
  const sha = createHash("sha256").update(bytes).digest("hex");

  it("stores by sha256 and reads back checked bytes", async () => {
    const cache = new ArtifactCache({ dir });
    const ref = await cache.put(bytes);
    assert.equal(ref.sha256, sha);
    assert.equal(ref.path, join(dir, sha));
    assert.equal(await sha256File(ref.path), sha);
    assert.deepEqual(Buffer.from(await cache.read(sha)), Buffer.from(bytes));
    assert.deepEqual(await readdir(dir), [sha], "no temporary files left");
  });

  it("put with a wrong hash is INVALID_ARTIFACT and stores nothing", async () => {
    const cache = new ArtifactCache({ dir: join(dir, "c") });
    await assert.rejects(cache.put(bytes, "00".repeat(32)), (e) => isZkPoolError(e, "INVALID_ARTIFACT"));
    assert.equal(await cache.has(sha), false);
    await assert.rejects(cache.put(bytes, "not-a-hash"), (e) => isZkPoolError(e, "INVALID_ARTIFACT"));
  });

  it("a file changed on disk fails the check on use and is evicted", async () => {
    const cache = new ArtifactCache({ dir });
    await cache.put(bytes);
    await writeFile(cache.pathOf(sha), "evil");
    await assert.rejects(cache.read(sha), (e) => isZkPoolError(e, "INVALID_ARTIFACT"));
    assert.equal(await cache.has(sha), false);
  });

  it("ensure() imports from the ref's path once, checking the hash; a missing file is INVALID_ARTIFACT", async () => {
    const cache = new ArtifactCache({ dir: join(dir, "c") });
    const src = join(dir, "src.bin");
    await writeFile(src, bytes);
    assert.deepEqual(Buffer.from(await cache.ensure({ sha256: sha, path: src })), Buffer.from(bytes));
    await rm(src);
    assert.deepEqual(
      Buffer.from(await cache.ensure({ sha256: sha, path: src })),
      Buffer.from(bytes),
      "served from the cache",
    );
    await assert.rejects(cache.ensure({ sha256: "11".repeat(32), path: src }), (e) =>
      isZkPoolError(e, "INVALID_ARTIFACT"),
    );
    await writeFile(src, "other bytes");
    await assert.rejects(cache.ensure({ sha256: "22".repeat(32), path: src }), (e) =>
      isZkPoolError(e, "INVALID_ARTIFACT"),
    );
  });
});
