import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { isZkPoolError } from "@zkpool/protocol";
import { TransferError, TransferErrorCode } from "../src/index.js";
import { startCluster, stopAll, type TestNode } from "./utils.js";

describe("content routing and transfer: 5 nodes", function () {
  this.timeout(120_000);
  let nodes: TestNode[] = [];
  const blob = randomBytes(20 * 1024 * 1024);
  const hash = createHash("sha256").update(blob).digest("hex");

  before(async () => {
    nodes = await startCluster(5);
  });
  after(async () => {
    await stopAll(nodes);
  });

  it("finds a 20 MB artifact through the DHT and fetches it intact from the provider", async () => {
    const [, provider, , , fetcher] = nodes as [TestNode, TestNode, TestNode, TestNode, TestNode];
    assert.equal(await provider.node.transfer.add(blob), hash);
    assert.equal(await fetcher.node.transfer.store.has(hash), false);
    const got = await fetcher.node.transfer.fetch(hash);
    assert.equal(got.byteLength, blob.byteLength);
    assert.ok(Buffer.from(got).equals(blob));
    // Cached only after verification, and served from the cache afterwards.
    assert.equal(await fetcher.node.transfer.store.has(hash), true);
  });

  it("refuses a corrupted transfer and retries on another provider", async () => {
    const [, good, corrupt, fetcher] = nodes as [TestNode, TestNode, TestNode, TestNode];
    // `corrupt` gets a verified copy, then its disk copy is damaged (the provider record stays).
    await corrupt.node.transfer.fetch(hash, { providers: [good.node.peerId] });
    const damaged = Buffer.from(blob);
    damaged[12_345_678] = (damaged[12_345_678]! + 1) % 256;
    await writeFile(corrupt.node.transfer.store.path(hash), damaged);

    // Only the corrupt provider: refused, nothing cached.
    await assert.rejects(fetcher.node.transfer.fetch(hash, { providers: [corrupt.node.peerId] }), (err: unknown) => {
      assert.ok(isZkPoolError(err, TransferErrorCode.ALL_PROVIDERS_FAILED));
      assert.equal(((err as TransferError).type as { lastError?: string }).lastError, TransferErrorCode.HASH_MISMATCH);
      return true;
    });
    assert.equal(await fetcher.node.transfer.store.has(hash), false);

    // Corrupt provider first, then a good one: the fetch succeeds with the right bytes.
    const got = await fetcher.node.transfer.fetch(hash, { providers: [corrupt.node.peerId, good.node.peerId] });
    assert.ok(Buffer.from(got).equals(blob));
  });

  it("reports NO_PROVIDERS for content nobody announced", async () => {
    const missing = createHash("sha256").update("nobody has this").digest("hex");
    await assert.rejects(nodes[3]!.node.transfer.fetch(missing), (err: unknown) => isZkPoolError(err, TransferErrorCode.NO_PROVIDERS));
  });

  it("rejects content larger than the caller's limit before downloading it", async () => {
    const small = randomBytes(4096);
    const h = await nodes[0]!.node.transfer.add(small);
    await assert.rejects(nodes[2]!.node.transfer.fetch(h, { providers: [nodes[0]!.node.peerId], maxBytes: 1024 }), (err: unknown) => {
      assert.ok(isZkPoolError(err, TransferErrorCode.ALL_PROVIDERS_FAILED));
      assert.equal((err as TransferError).cause instanceof TransferError && ((err as TransferError).cause as TransferError).code, TransferErrorCode.TOO_LARGE);
      return true;
    });
  });
});
