/**
 * Pool node benchmark: N real nodes in one process over TCP loopback (devnet settings).
 *   node --expose-gc packages/node/dist/bench/network.js [sizes=5,10,20] [latencySamples=30] [throughputMsgs=200]
 * Prints, per size: mesh formation time, task propagation latency to all nodes (p50/p99), sustained
 * validated task messages per second (fully propagated), heap per node; and 20 MB artifact fetch MB/s.
 * Every task is a real EIP-712-signed Task, verified by every node (the dominant cost).
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeTask, taskId } from "@zkpool/protocol";
import { messageId } from "../src/index.js";
import { DOMAIN, startCluster, stopAll, taskBytes, waitFor, type TestNode } from "../test/utils.js";

const sizes = (process.argv[2] ?? "5,10,20").split(",").map(Number);
const samples = Number(process.argv[3] ?? 30);
const throughputMsgs = Number(process.argv[4] ?? 200);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

let nonce = 1_000_000n;

async function benchSize(n: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const mem0 = process.memoryUsage();
  const t0 = performance.now();
  const nodes: TestNode[] = await startCluster(n);
  try {
    await Promise.all(nodes.map((t) => waitFor(() => t.node.gossip.meshPeers("tasks").length > 0, "mesh", 60_000)));
    const meshMs = performance.now() - t0;
    gc?.();
    const mem1 = process.memoryUsage();
    const heapPerNodeMb = (mem1.heapUsed + mem1.external - mem0.heapUsed - mem0.external) / n / 1e6;

    // accepted counts per message id
    const seen = new Map<string, number>();
    const lastAt = new Map<string, number>();
    for (const t of nodes) {
      t.node.gossip.on("accepted", ({ ctx }) => {
        seen.set(ctx.msgId, (seen.get(ctx.msgId) ?? 0) + 1);
        lastAt.set(ctx.msgId, performance.now());
      });
    }
    const everywhere = (id: string): boolean => (seen.get(id) ?? 0) >= n;

    console.error(`[n=${n}] mesh formed`);
    // Latency: one task at a time, from publish to the last node's acceptance.
    const lat: number[] = [];
    for (let i = 0; i < samples; i++) {
      const bytes = taskBytes(nonce++);
      const id = messageId(bytes);
      const start = performance.now();
      await nodes[i % n]!.node.gossip.publish("tasks", bytes);
      await waitFor(() => everywhere(id), "propagation", 60_000);
      lat.push(lastAt.get(id)! - start);
    }

    // Throughput: pre-signed tasks published back to back from rotating nodes.
    const batch = Array.from({ length: throughputMsgs }, () => taskBytes(nonce++));
    const ids = batch.map((b) => messageId(b));
    const s0 = performance.now();
    await Promise.all(batch.map((b, i) => nodes[i % n]!.node.gossip.publish("tasks", b)));
    await waitFor(() => ids.every(everywhere), "throughput batch", 120_000).catch((err: unknown) => {
      const missing = ids.filter((id) => !everywhere(id));
      console.log(`incomplete: ${missing.length} of ${ids.length} messages not on every node; counts:`, missing.slice(0, 5).map((id) => seen.get(id) ?? 0));
      throw err;
    });
    console.error(`[n=${n}] throughput batch done`);
    const secs = (performance.now() - s0) / 1000;
    const stored = await nodes[n - 1]!.node.repos.tasks.has([taskId(decodeTask(batch[0]!), DOMAIN).toLowerCase()]);

    console.log(
      `nodes=${n}  mesh=${meshMs.toFixed(0)} ms  latency p50=${pct(lat, 50).toFixed(1)} ms p99=${pct(lat, 99).toFixed(1)} ms (n=${samples})  ` +
        `throughput=${(throughputMsgs / secs).toFixed(1)} msgs/s fully propagated (${((throughputMsgs * n) / secs).toFixed(0)} validations/s total)  ` +
        `heap+external/node≈${heapPerNodeMb.toFixed(1)} MB (gc ${gc ? "on" : "off: run with --expose-gc"})  stored=${stored}`,
    );

    if (n === sizes[0]) {
      const blob = randomBytes(20 * 1024 * 1024);
      const hash = createHash("sha256").update(blob).digest("hex");
      console.error(`[n=${n}] transfer: add`);
      await nodes[1]!.node.transfer.add(blob, { signal: AbortSignal.timeout(60_000) });
      console.error(`[n=${n}] transfer: fetch`);
      const f0 = performance.now();
      const got = await nodes[n - 1]!.node.transfer.fetch(hash);
      const fs = (performance.now() - f0) / 1000;
      console.log(`transfer: 20 MB via DHT lookup + fetch + sha256 verify + store in ${(fs * 1000).toFixed(0)} ms = ${(got.byteLength / 1e6 / fs).toFixed(1)} MB/s`);
    }
  } finally {
    await stopAll(nodes);
  }
}

for (const n of sizes) await benchSize(n);
