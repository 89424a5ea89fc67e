/**
 * Lifecycle metrics (issue 16): a task runs through a small in-process pool (real libp2p, real snarkjs Groth16
 * proofs) with PrometheusMetrics on every node, and the counters move as the lifecycle says. Label values stay
 * bounded, and the Grafana dashboard and the alert rules only use metrics a node exposes.
 * Behaviour only: no assertion on a timing value.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { encodeTask, signTask, type Hex } from "@zkpool/protocol";
import type { CatalogCircuit } from "@zkpool/circuits";
import { LifecycleSampler, MIN_CHAIN_SAMPLE_MS, NoopMetrics, type NodeMetrics, PrometheusMetrics, proofSystemLabel, refusalReason, systemNow, weiToEth, priceRatio } from "../src/index.js";
import { CachedProvabilityChecker, GossipProofVerifier, type AuctionService } from "../src/auction/index.js";
import { DOMAIN, OTHER_DOMAIN, REQUESTER, startCluster, stopAll, unsignedTask, waitFor, type TestNode } from "./utils.js";
import { publish, realUmp, smallCircuit, startService, stopUmp, WithholdingProver } from "./auction-utils.js";

const GRAFANA = fileURLToPath(new URL("../../grafana/", import.meta.url));

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of a Prometheus text exposition. */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples named `name` whose labels include `labels`. */
function total(all: Sample[], name: string, labels: Record<string, string> = {}): number {
  return all
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** Metric names a PromQL expression refers to. */
function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\bzkpool_node_[a-zA-Z0-9_]+/g) ?? [])];
}

function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync(`${GRAFANA}dashboard.json`, "utf8")) as unknown;
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if ((k === "expr" || k === "definition") && typeof x === "string") out.push(x);
        else if (k === "query" && typeof x === "object" && x !== null && typeof (x as { query?: unknown }).query === "string") out.push((x as { query: string }).query);
        else walk(x);
      }
    }
  };
  walk(dash);
  return out;
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function alertRules(): AlertRule[] {
  const doc = parseYaml(readFileSync(`${GRAFANA}alerts.yml`, "utf8")) as { groups: Array<{ name: string; rules: AlertRule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

/** Exercise every NodeMetrics method, the tx sender adapter and the sampler once. */
async function exercised(): Promise<PrometheusMetrics> {
  const m = new PrometheusMetrics();
  const tx = m.txMetrics();
  tx.onSent("settle");
  tx.onMined("settle", 21_000n);
  tx.onFailed("settle", "reverted");
  tx.onReplaced("settle");
  tx.pending(1);
  m.gossipMessage("/zkpool/1/31337/tasks", "accept");
  m.task("seen");
  m.task("bid");
  m.task("won");
  m.task("proved");
  m.task("settled");
  m.task("defaulted");
  m.taskEnded("completed");
  m.taskRefused("validation", "LATE");
  m.taskRefused("bid", "NO_CAPACITY");
  m.bidPrice(5n * 10n ** 17n, 10n ** 18n);
  m.clearingPrice(4n * 10n ** 17n, 10n ** 18n);
  m.provingSeconds("snarkjs-wasm", "groth16", 0.7);
  m.verificationSeconds("groth16", 0.02);
  m.assignmentLatencySeconds(2.5);
  m.collateralAtRisk(10n ** 17n);
  const sampler = new LifecycleSampler({
    metrics: m,
    ump: { load: () => ({ queued: 2, running: 1, reserved: 3 }), moduleHealth: () => Promise.resolve([{ moduleId: "snarkjs-wasm", healthy: true }]) },
    stake: () => Promise.resolve(10n * 10n ** 18n),
    claimable: () => Promise.resolve(5n * 10n ** 17n),
  });
  await sampler.sampleUmp();
  await sampler.sampleChain();
  return m;
}

describe("lifecycle metrics: bounded labels, dashboard and alert rules", function () {
  it("maps unknown refusal reasons, proof systems and excess module ids to \"other\"", async function () {
    assert.equal(refusalReason("validation", "LATE"), "LATE");
    assert.equal(refusalReason("validation", "SOMETHING_A_PEER_MADE_UP"), "other");
    assert.equal(refusalReason("validation", undefined), "other");
    assert.equal(refusalReason("bid", "LATE"), "other", "codes are bounded per stage");
    assert.equal(refusalReason("bid", "NO_CAPACITY"), "NO_CAPACITY");
    assert.equal(proofSystemLabel(1), "groth16");
    assert.equal(proofSystemLabel(9), "other");
    assert.equal(proofSystemLabel("halo2"), "other");
    assert.equal(weiToEth(1_500_000_000_000_000_000n), 1.5);
    assert.equal(priceRatio(25n, 100n), 0.25);
    assert.equal(priceRatio(1n, 0n), 0);

    const m = new PrometheusMetrics();
    const before = samples(await m.text()).filter((s) => s.name === "zkpool_node_tasks_refused_total").length;
    for (let i = 0; i < 50; i++) m.taskRefused("validation", `0x${i.toString(16).padStart(64, "0")}`);
    for (let i = 0; i < 40; i++) m.provingSeconds(`module-${i}`, "groth16", 1);
    for (let i = 0; i < 40; i++) m.umpModuleHealth(`module-${i}`, true);
    const all = samples(await m.text());
    const refused = all.filter((s) => s.name === "zkpool_node_tasks_refused_total");
    assert.equal(refused.length, before, "no new series for unknown reasons");
    assert.equal(total(all, "zkpool_node_tasks_refused_total", { stage: "validation", reason: "other" }), 50);
    const modules = new Set(all.filter((s) => s.name === "zkpool_node_proving_seconds_count").map((s) => s.labels.module));
    assert.equal(modules.size, 17, "16 module ids, then other");
    assert.ok(modules.has("other"));
    assert.equal(total(all, "zkpool_node_ump_module_healthy", { module: "other" }), 1);
    // every bounded task series exists from the start, at 0
    const fresh = samples(await new PrometheusMetrics().text());
    for (const event of ["seen", "bid", "won", "proved", "settled", "defaulted"]) {
      assert.equal(fresh.filter((s) => s.name === "zkpool_node_tasks_total" && s.labels.event === event).length, 1, event);
    }
    // the no-op sink has every method
    const noop: NodeMetrics = new NoopMetrics();
    noop.task("seen");
    noop.taskRefused("bid", "x");
    noop.umpLoad({ queued: 0, running: 0, reserved: 0 });
  });

  it("the sampler reads the chain at most every 15 s, one read at a time, and survives failures", async function () {
    const m = new PrometheusMetrics();
    let reads = 0;
    let fail = false;
    const errors: string[] = [];
    const sampler = new LifecycleSampler({
      metrics: m,
      stake: () => {
        reads++;
        return fail ? Promise.reject(new Error("rpc down")) : Promise.resolve(3n * 10n ** 18n);
      },
      chainIntervalMs: 10,
      onError: (what) => errors.push(what),
    });
    assert.ok(MIN_CHAIN_SAMPLE_MS >= 15_000);
    sampler.start();
    await new Promise((r) => setTimeout(r, 200));
    await sampler.stop();
    assert.equal(reads, 1, "one read at start, none within 15 s");
    assert.equal(total(samples(await m.text()), "zkpool_node_stake_eth"), 3);
    fail = true;
    await Promise.all([sampler.sampleChain(), sampler.sampleChain()]);
    assert.equal(reads, 2, "concurrent samples share one read");
    assert.deepEqual(errors, ["chain"]);
    assert.equal(total(samples(await m.text()), "zkpool_node_stake_eth"), 3, "the last value stays");
  });

  it("every metric the dashboard and the alert rules use is in the /metrics output; alerts.yml holds exactly the two alerts", async function () {
    const m = await exercised();
    const exposed = new Set(samples(await m.text()).map((s) => s.name));
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 15, "the dashboard has queries");
    const used = new Set(exprs.flatMap(metricNames));
    for (const want of [
      "zkpool_node_tasks_total", "zkpool_node_tasks_refused_total", "zkpool_node_bid_price_ratio_bucket", "zkpool_node_clearing_price_ratio_bucket",
      "zkpool_node_proving_seconds_bucket", "zkpool_node_assignment_latency_seconds_bucket", "zkpool_node_chain_tx_pending",
      "zkpool_node_chain_tx_failed_total", "zkpool_node_stake_eth", "zkpool_node_earnings_claimable_eth", "zkpool_node_collateral_at_risk_eth",
      "zkpool_node_ump_queue_depth", "zkpool_node_ump_capacity_reserved", "zkpool_node_ump_module_healthy",
    ]) {
      assert.ok(used.has(want), `the dashboard shows ${want}`);
    }
    for (const name of used) assert.ok(exposed.has(name), `dashboard metric ${name} is in the node's /metrics output`);

    const rules = alertRules();
    assert.deepEqual(rules.map((r) => r.alert).sort(), ["ProverDefaulting", "SettlementStalled"]);
    for (const r of rules) {
      assert.equal(typeof r.expr, "string");
      assert.ok(r.annotations?.summary !== undefined && r.labels?.severity !== undefined, `${r.alert} has a summary and a severity`);
      let depth = 0;
      for (const ch of r.expr) {
        depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
        assert.ok(depth >= 0, `${r.alert}: balanced parentheses`);
      }
      assert.equal(depth, 0, `${r.alert}: balanced parentheses`);
      const names = metricNames(r.expr);
      assert.ok(names.length > 0);
      for (const name of names) assert.ok(exposed.has(name), `alert ${r.alert}: ${name} is in the node's /metrics output`);
    }
    assert.match(rules.find((r) => r.alert === "ProverDefaulting")!.expr, /event="defaulted"/);
    assert.match(rules.find((r) => r.alert === "SettlementStalled")!.expr, /chain_tx_pending/);
  });
});

describe("lifecycle metrics: one task through a pool with PrometheusMetrics on every node", function () {
  this.timeout(180_000);
  const N = 4;
  const PROVERS = [1, 2];
  let nodes: TestNode[] = [];
  let services: AuctionService[] = [];
  const metrics = Array.from({ length: N }, () => new PrometheusMetrics());
  const umps: Array<Awaited<ReturnType<typeof realUmp>> | undefined> = [];
  let verifier: Awaited<ReturnType<typeof realUmp>> | undefined;
  let circuit: CatalogCircuit;
  const withhold = new Set<string>();
  const withheld = new Set<string>();
  const provers: Array<WithholdingProver | undefined> = [];

  before(async function () {
    circuit = await smallCircuit();
    verifier = await realUmp();
    for (const i of PROVERS) {
      umps[i] = await realUmp();
      provers[i] = new WithholdingProver(umps[i].ump, withhold, withheld);
    }
    const gossipVerifiers = Array.from({ length: N }, () => new GossipProofVerifier(verifier!.ump));
    nodes = await startCluster(N, (i) => ({ proofVerifier: gossipVerifiers[i]!, metrics: metrics[i]! }));
    nodes.forEach((t, i) => gossipVerifiers[i]!.attach(t.node));
    services = nodes.map((t, i) => startService(t, provers[i], verifier!.ump, new CachedProvabilityChecker(verifier!.module)));
    await Promise.all(services.map((s) => s.start()));
    await waitFor(async () => {
      for (const t of nodes) if ((await t.node.membership.list()).length < N) return false;
      return true;
    }, "operator records everywhere");
  });

  after(async function () {
    await Promise.allSettled(services.map((s) => s.stop()));
    await stopAll(nodes);
    for (const u of umps) await stopUmp(u);
    await stopUmp(verifier);
  });

  it("seen on every node; bid, won and proved on the winner; assignment latency, clearing price and proving seconds by module observed", async function () {
    const id: Hex = await publish(nodes[0]!, circuit);
    for (const s of services) {
      await waitFor(async () => (await s.taskView(id))?.status === "completed", `task completes on ${s.address.slice(0, 8)}`, 90_000);
    }
    const completion = (await services[0]!.certificates(id)).find((c) => c.kind === "completion");
    assert.ok(completion !== undefined && completion.kind === "completion");
    const w = nodes.findIndex((t) => t.operator.address.toLowerCase() === completion.prover.toLowerCase());
    assert.ok(PROVERS.includes(w), "a prover node won");

    const scraped = await Promise.all(metrics.map(async (m) => samples(await m.text())));
    for (const [i, all] of scraped.entries()) {
      assert.ok(total(all, "zkpool_node_tasks_total", { event: "seen" }) >= 1, `node ${i} saw the task`);
      assert.equal(total(all, "zkpool_node_tasks_ended_total", { status: "completed" }), 1, `node ${i} counted it completed`);
      assert.equal(total(all, "zkpool_node_tasks_total", { event: "defaulted" }), 0);
      assert.ok(total(all, "zkpool_node_clearing_price_ratio_count") >= 1, `node ${i} saw the clearing price`);
      for (const s of all) for (const v of Object.values(s.labels)) assert.ok(!v.toLowerCase().includes(id.slice(2, 18)), "no task id in a label");
    }
    const win = scraped[w]!;
    assert.equal(total(win, "zkpool_node_tasks_total", { event: "bid" }), 1);
    assert.ok(total(win, "zkpool_node_tasks_total", { event: "won" }) >= 1);
    assert.equal(total(win, "zkpool_node_tasks_total", { event: "proved" }), 1);
    assert.equal(total(win, "zkpool_node_bid_price_ratio_count"), 1);
    assert.equal(total(win, "zkpool_node_bid_price_eth_count"), 1);
    const moduleId = umps[w]!.module.manifest.id;
    assert.equal(total(win, "zkpool_node_proving_seconds_count", { module: moduleId, proof_system: "groth16" }), 1);
    for (const i of PROVERS) assert.ok(total(scraped[i]!, "zkpool_node_tasks_total", { event: "bid" }) >= 1, `prover ${i} bid`);
    for (const i of [0, 3]) {
      assert.equal(total(scraped[i]!, "zkpool_node_tasks_total", { event: "bid" }), 0, `attester-only node ${i} does not bid`);
      assert.equal(total(scraped[i]!, "zkpool_node_tasks_total", { event: "won" }), 0);
    }
    // every node that held the assignment certificate from gossip (not sync) timed it
    const latency = scraped.map((all) => total(all, "zkpool_node_assignment_latency_seconds_count"));
    assert.ok(latency.reduce((a, n) => a + n, 0) >= 1, "assignment latency observed");
    // completion votes verified the proof first
    assert.ok(scraped.some((all) => total(all, "zkpool_node_proof_verification_seconds_count", { proof_system: "groth16" }) >= 1));

    // refusals by the tasks topic's validation, with the SPEC codes
    const late = encodeTask(signTask(unsignedTask(1n, systemNow() - 3_600n), REQUESTER, DOMAIN));
    const forged = encodeTask(signTask(unsignedTask(2n), REQUESTER, OTHER_DOMAIN));
    const t3 = nodes[3]!.node;
    assert.equal((await t3.gossip.process("tasks", late, "test", "local")).reason, "LATE");
    assert.equal((await t3.gossip.process("tasks", forged, "test", "local")).reason, "BAD_SIGNATURE");
    assert.equal((await t3.gossip.process("tasks", late, "test", "local")).reason, "LATE");
    const t3m = samples(await metrics[3]!.text());
    assert.equal(total(t3m, "zkpool_node_tasks_refused_total", { stage: "validation", reason: "LATE" }), 2);
    assert.equal(total(t3m, "zkpool_node_tasks_refused_total", { stage: "validation", reason: "BAD_SIGNATURE" }), 1);

    // the runner's wiring: tx metrics and the sampler on the same registry; every dashboard metric is declared
    const m = metrics[w]!;
    m.txMetrics();
    const sampler = new LifecycleSampler({ metrics: m, ump: umps[w]!.ump });
    await sampler.sampleUmp();
    const text = await m.text();
    const live = samples(text);
    assert.equal(total(live, "zkpool_node_ump_module_healthy", { module: moduleId }), 1, "the UMP module reports healthy");
    assert.equal(total(live, "zkpool_node_ump_queue_depth"), 0);
    assert.equal(total(live, "zkpool_node_ump_capacity_reserved"), 0, "the reservation was taken by the proof");
    const declared = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]!));
    const base = (n: string): string => n.replace(/_(bucket|sum|count)$/, "");
    for (const name of [...dashboardExprs(), ...alertRules().map((r) => r.expr)].flatMap(metricNames)) {
      assert.ok(declared.has(name) || declared.has(base(name)), `${name} is declared in the node's /metrics`);
    }
  });

  it("a prover that withholds its proof counts a default; the reassigned prover wins and proves", async function () {
    const before = await Promise.all(metrics.map(async (m) => samples(await m.text())));
    const id: Hex = await publish(nodes[0]!, circuit);
    withhold.add(id); // TEST DOUBLE: whoever is assigned first goes silent
    for (const s of services) {
      await waitFor(async () => {
        const st = (await s.taskView(id))?.status;
        return st === "completed" || st === "failed";
      }, `task ends on ${s.address.slice(0, 8)}`, 120_000);
    }
    const certs = await services[0]!.certificates(id);
    const dflt = certs.find((c) => c.kind === "default");
    assert.ok(dflt !== undefined && dflt.kind === "default", "the first prover defaulted");
    const d = nodes.findIndex((t) => t.operator.address.toLowerCase() === dflt.prover.toLowerCase());
    const after = await Promise.all(metrics.map(async (m) => samples(await m.text())));
    const delta = (i: number, event: string): number =>
      total(after[i]!, "zkpool_node_tasks_total", { event }) - total(before[i]!, "zkpool_node_tasks_total", { event });
    for (let i = 0; i < N; i++) assert.equal(delta(i, "defaulted"), i === d ? 1 : 0, `node ${i}: defaults of its own operator only`);
    assert.ok(delta(d, "won") >= 1, "the defaulting prover had won round 0");
    assert.equal(delta(d, "proved"), 0, "and published no proof");
    const completion = certs.find((c) => c.kind === "completion");
    if (completion !== undefined) {
      const r = nodes.findIndex((t) => t.operator.address.toLowerCase() === completion.prover.toLowerCase());
      assert.notEqual(r, d);
      assert.ok(delta(r, "won") >= 1, "the round-1 prover won");
      assert.equal(delta(r, "proved"), 1, "and proved");
    }
  });
});
