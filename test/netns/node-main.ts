/**
 * One pool node of the multi-host test, run inside its network namespace (`ip netns exec <ns> node node-main.js
 * <spec.json>`): the CLI's runner (`runNode`, what `zkpool node start` runs after unlocking the keystore) with
 * the config of the spec, plus one observer: every certificate the node accepts (its own once assembled, or one
 * received by gossip or sync) is appended to `events` as a JSON line with the wall-clock time, so the test can
 * measure when each node first held a task's assignment certificate. It also writes the peer ids of the operator
 * records the node holds to `operators` (every second), for the test's start-up convergence check (see
 * cluster.ts). SIGINT/SIGTERM stop the node.
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { Wallet } from "ethers";
import { resolveConfig, runNode, type NodeConfig } from "@zkpool/cli";

export interface NodeSpec {
  config: Partial<NodeConfig>;
  privateKey: string;
  /** File of certificate events (JSON lines). */
  events: string;
  /** File of the operator records held: {"peerIds": [...]} (rewritten every second). */
  operators: string;
}

export interface CertificateEvent {
  /** Date.now() when the node accepted it. */
  t: number;
  kind: string;
  taskId: string;
  round: number;
  source: string;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as NodeSpec;
const running = await runNode(resolveConfig(spec.config, {}), new Wallet(spec.privateKey));
running.node.gossip.on("accepted", (m) => {
  if (m.topic !== "certificates") return;
  const c = m.message as { kind: string; taskId: string; round: number };
  const e: CertificateEvent = { t: Date.now(), kind: c.kind, taskId: c.taskId.toLowerCase(), round: c.round, source: m.ctx.source };
  appendFileSync(spec.events, JSON.stringify(e) + "\n");
});
const dumpOperators = async (): Promise<void> => {
  const peerIds = [...new Set((await running.node.membership.list()).map((r) => r.peerId.toLowerCase()))].sort();
  writeFileSync(spec.operators + ".tmp", JSON.stringify({ t: Date.now(), peerIds }));
  renameSync(spec.operators + ".tmp", spec.operators);
};
const dumper = setInterval(() => void dumpOperators().catch(() => undefined), 1000);
dumper.unref();
const signal = await new Promise<string>((resolve) => {
  process.once("SIGINT", () => resolve("SIGINT"));
  process.once("SIGTERM", () => resolve("SIGTERM"));
});
running.log.info("stopping", { signal });
clearInterval(dumper);
await running.stop();
process.exit(0);
