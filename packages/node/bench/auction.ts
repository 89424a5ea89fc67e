/**
 * Auction benchmark: end-to-end tasks through sealed bids, lottery agreement, real snarkjs Groth16 proving
 * (range-check-32, the smallest committed circuit) and completion, on N in-process nodes over TCP loopback.
 * Prints tasks per minute, time from publish to the completion certificate (p50/p99), time from the reveal
 * deadline to the assignment certificate, and gossip messages and bytes per task.
 *
 *   node packages/node/dist/bench/auction.js [--nodes 5] [--provers 2] [--tasks 6] [--spacing-ms 1000] [--null-prover]
 *
 * --null-prover: provers replay one valid proof computed at start-up (a TEST DOUBLE of the prover runtime), so
 * the protocol alone is measured; attesters still verify every proof.
 *
 * The windows are fixed (bid 4 s, reveal 5 s, proof 8 s), so latency is dominated by them: the figure that
 * measures the protocol itself is "voting cut-off -> assignment certificate" (the cut-off is the first whole
 * second after revealDeadline + MAX_CLOCK_SKEW, when attesters may sign).
 */
import { parseArgs } from "node:util";
import type { Hex, Task } from "@zkpool/protocol";
import type { ProofResult, Reservation } from "@zkpool/ump";
import type { AuctionProver } from "../src/auction/index.js";
import { GossipProofVerifier, type AuctionService } from "../src/auction/index.js";
import { publish, realUmp, smallCircuit, startService, stopUmp } from "../test/auction-utils.js";
import { startCluster, stopAll, type TestNode } from "../test/utils.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "5" },
    provers: { type: "string", default: "2" },
    tasks: { type: "string", default: "6" },
    "spacing-ms": { type: "string", default: "1000" },
    "null-prover": { type: "boolean", default: false },
  },
});
const N = Number(values.nodes);
const P = Number(values.provers);
const T = Number(values.tasks);
const SPACING = Number(values["spacing-ms"]);
const NULL_PROVER = values["null-prover"];
const WINDOWS = { bidWindow: 4, revealWindow: 5, proofWindow: 8 };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** TEST DOUBLE of the prover runtime: instant, replays one real proof of the sample input. */
function nullProver(proof: ProofResult): AuctionProver {
  let n = 0;
  return {
    reserve: (req) =>
      Promise.resolve<Reservation>({ id: `null:${n++}`, circuitId: req.circuit.circuitId, deadlineMs: req.deadlineMs, estimatedMs: 1, estimatedDoneMs: Date.now() + 1, release: () => {} }),
    load: () => ({ queued: 0, running: 0, reserved: 0 }),
    modules: () => [],
    prove: () => Promise.resolve({ ...proof, durationMs: 0 }),
  };
}

async function main(): Promise<void> {
  const circuit = await smallCircuit();
  const verifier = await realUmp();
  const umps = NULL_PROVER ? [] : await Promise.all(Array.from({ length: P }, () => realUmp()));
  const replay = NULL_PROVER ? nullProver(await verifier.ump.prove({ taskId: "0x00", circuit, input: circuit.sampleInput })) : undefined;
  const gv = Array.from({ length: N }, () => new GossipProofVerifier(verifier.ump));
  let nodes: TestNode[] = [];
  const services: AuctionService[] = [];
  try {
    // With the null prover, proofs are verified once per node (completion vote), not again in gossip.
    nodes = await startCluster(N, (i) => (NULL_PROVER ? {} : { proofVerifier: gv[i]! }));
    nodes.forEach((t, i) => gv[i]!.attach(t.node));
    const proverOf = (i: number): AuctionProver | undefined => (i >= 1 && i <= P ? (replay ?? umps[i - 1]!.ump) : undefined);
    for (let i = 0; i < N; i++) services.push(startService(nodes[i]!, proverOf(i), verifier.ump));
    const cpu0 = process.cpuUsage();
    await Promise.all(services.map((s) => s.start()));
    await new Promise((r) => setTimeout(r, 1500)); // operator records and mesh settle

    const observer = nodes[N - 1]!;
    let msgs = 0;
    let bytes = 0;
    observer.node.gossip.on("accepted", (m) => {
      msgs++;
      bytes += m.ctx.data.byteLength;
    });
    const published = new Map<Hex, { at: number; task?: Task }>();
    const assignedAt = new Map<Hex, number>();
    const doneAt = new Map<Hex, number>();
    const obs = services[N - 1]!;
    obs.on("certificate", (c) => {
      const id = c.taskId.toLowerCase() as Hex;
      if (c.kind === "assignment" && c.round === 0 && !assignedAt.has(id)) assignedAt.set(id, Date.now());
      if (c.kind === "completion" && !doneAt.has(id)) doneAt.set(id, Date.now());
    });
    const t0 = Date.now();
    for (let k = 0; k < T; k++) {
      const at = Date.now();
      const id = await publish(nodes[0]!, circuit, 2, WINDOWS);
      published.set(id, { at });
      if (k < T - 1) await new Promise((r) => setTimeout(r, SPACING));
    }
    const deadline = Date.now() + 120_000;
    while (doneAt.size < T && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const elapsed = (Math.max(...doneAt.values()) - t0) / 1000;
    const e2e: number[] = [];
    const toAssign: number[] = [];
    for (const [id, p] of published) {
      const view = await obs.taskView(id);
      const d = doneAt.get(id);
      if (d !== undefined) e2e.push(d - p.at);
      const a = assignedAt.get(id);
      // Attesters act once now > revealDeadline + MAX_CLOCK_SKEW in whole seconds: from (revealDeadline + 3) s.
      if (a !== undefined && view !== undefined) toAssign.push(a - (Number(view.task.revealDeadline) + 3) * 1000);
    }
    const statuses = await Promise.all([...published.keys()].map(async (id) => (await obs.taskView(id))?.status));
    const cpu = process.cpuUsage(cpu0);
    console.log(`auction bench: ${NULL_PROVER ? "NULL prover" : "snarkjs prover"}, ${N} nodes (${P} provers), ${T} tasks published ${SPACING} ms apart, circuit ${circuit.name} groth16 (${circuit.constraints} constraints)`);
    console.log(`windows: bid ${WINDOWS.bidWindow} s, reveal ${WINDOWS.revealWindow} s, proof ${WINDOWS.proofWindow} s`);
    console.log(`completed: ${doneAt.size}/${T} (statuses: ${statuses.join(",")})`);
    console.log(`throughput: ${((doneAt.size / elapsed) * 60).toFixed(1)} tasks/minute over ${elapsed.toFixed(1)} s (first publish -> last completion)`);
    console.log(`publish -> completion certificate: p50 ${(pct(e2e, 50) / 1000).toFixed(2)} s, p99 ${(pct(e2e, 99) / 1000).toFixed(2)} s`);
    console.log(`voting cut-off (revealDeadline + skew, whole seconds) -> assignment certificate: p50 ${pct(toAssign, 50)} ms, p99 ${pct(toAssign, 99)} ms`);
    console.log(`process CPU (main thread, all ${N} nodes): ${((cpu.user + cpu.system) / 1000 / T).toFixed(0)} ms/task`);
    console.log(`gossip accepted at one node: ${(msgs / T).toFixed(1)} messages/task, ${(bytes / T / 1024).toFixed(1)} KiB/task (incl. operator records)`);
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    await stopAll(nodes);
    for (const u of umps) await stopUmp(u);
    await stopUmp(verifier);
  }
}

await main();
