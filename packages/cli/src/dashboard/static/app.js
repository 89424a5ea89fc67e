// ZKPool node dashboard: plain ES module, no build step. Reads /dashboard/api/* and follows /dashboard/events.
// Every value from the node is put in the page with textContent (never as HTML).

const PHASES = ["published", "bids", "assigned", "proved", "completed", "settled"];
const main = document.getElementById("main");
const path = location.pathname.replace(/\/+$/, "/");
const view = path.startsWith("/dashboard/task/") ? "task" : path === "/dashboard/operator" || path === "/dashboard/operator/" ? "operator" : "pool";
const taskId = view === "task" ? decodeURIComponent(path.slice("/dashboard/task/".length).replace(/\/$/, "")).toLowerCase() : undefined;
for (const a of document.querySelectorAll("nav a")) if (a.dataset.nav === view) a.classList.add("active");

// ------------------------------------------------------------------ helpers

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("data-")) el.setAttribute(k, String(v));
    else if (k === "href" || k === "title" || k === "id" || k === "datetime") el.setAttribute(k, String(v));
    else el[k] = v;
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
const short = (s) => (typeof s === "string" && s.length > 14 ? `${s.slice(0, 10)}…${s.slice(-4)}` : s ?? "–");
function eth(wei) {
  if (wei === undefined || wei === null || wei === "") return "–";
  const v = BigInt(wei);
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").slice(0, 4);
  return `${whole}.${frac} ETH`;
}
const time = (t) => (t === undefined || t === null ? "before start" : new Date(t).toLocaleTimeString());
const ago = (t) => (t ? `${Math.max(0, Math.round((Date.now() - t) / 1000))} s ago` : "–");
async function getJson(url) {
  const r = await fetch(url, { headers: { accept: "application/json" } });
  if (!r.ok) throw Object.assign(new Error(`${url}: ${r.status}`), { status: r.status, body: await r.json().catch(() => null) });
  return r.json();
}
function section(title, id, body, wide = false) {
  return h("section", { id, class: wide ? "wide" : undefined }, h("h2", {}, title), body);
}
function table(headers, rows, attrs = {}) {
  return h("table", attrs, h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))), h("tbody", {}, rows));
}
function steps(t) {
  const failed = t.phase === "failed";
  const at = PHASES.indexOf(t.phase);
  return h("span", { class: "steps" }, PHASES.map((p, i) =>
    h("span", { class: `step${(t.phases && t.phases[p] !== undefined) || i <= at ? " done" : ""}${p === t.phase ? " current" : ""}`, "data-step": p }, p)),
    failed ? h("span", { class: "step current phase-failed", "data-step": "failed" }, "failed") : null);
}
function throttle(ms, f) {
  let timer, again = false;
  return () => {
    if (timer) { again = true; return; }
    f();
    timer = setTimeout(() => { timer = undefined; if (again) { again = false; f(); } }, ms);
  };
}

// ------------------------------------------------------------------ charts (uPlot)

const charts = new Map();
function chart(id, title, series, data, opts = {}) {
  const el = document.getElementById(id);
  if (!el || !window.uPlot) return;
  const width = Math.max(300, el.clientWidth - 10);
  const existing = charts.get(id);
  if (existing && existing.el === el) { existing.u.setData(data); return; }
  el.textContent = "";
  const palette = ["#4fb3ff", "#f5a623", "#b47cff", "#3ecf8e", "#ff5c5c", "#e0e0e0", "#00c2a8"];
  const u = new window.uPlot({
    title, width, height: 200,
    // one point (or all at one time): show a minute either side instead of uPlot's default years
    scales: { x: { time: true, range: (_u, min, max) => (max - min < 60 ? [min - 60, max + 60] : [min, max]) } },
    axes: [{ stroke: "#8a96a3", grid: { stroke: "#26323d" } }, { stroke: "#8a96a3", grid: { stroke: "#26323d" }, size: 70, ...(opts.yAxis ?? {}) }],
    series: [{}, ...series.map((s, i) => ({ stroke: palette[i % palette.length], width: 2, ...s }))],
  }, data, el);
  charts.set(id, { u, el });
}

// ------------------------------------------------------------------ views

let current = {};

function renderCounters(c) {
  const el = document.getElementById("counters");
  if (!el || !c) return;
  const items = [["tasks", "tasks seen"], ["commits", "bid commits"], ["reveals", "bid reveals"], ["assignments", "assignments"], ["proofs", "proofs"],
    ["completed", "completed"], ["settled", "settled"], ["failed", "failed"], ["votes", "votes"], ["bidsMade", "my bids"], ["wins", "my wins"]];
  el.replaceChildren(...items.map(([k, label]) => h("div", { class: "counter", "data-counter": k }, h("b", {}, c[k] ?? 0), label)),
    h("div", { class: "counter", "data-counter": "earnedWei" }, h("b", {}, eth(c.earnedWei)), "earned here"));
}

function taskRow(t) {
  return h("tr", { "data-task-id": t.taskId, "data-phase": t.phase },
    h("td", { class: "mono" }, h("a", { href: `/dashboard/task/${t.taskId}` }, short(t.taskId))),
    h("td", { class: `phase phase-${t.phase}` }, t.phase),
    h("td", {}, steps(t)),
    h("td", {}, `${t.commits ?? 0} / ${t.reveals ?? 0}`),
    h("td", { class: "mono" }, t.prover ? short(t.prover) : "–"),
    h("td", {}, t.price !== undefined ? eth(t.price) : "–"),
    h("td", {}, t.maxReward !== undefined ? eth(t.maxReward) : "–"),
    h("td", { class: "muted" }, time(t.firstSeen)));
}
function tasksTable(items) {
  return table(["task", "phase", "progress", "commits / reveals", "prover", "price", "max reward", "first seen"], items.map(taskRow), { id: "tasks-table" });
}

async function renderPool() {
  const p = await getJson("/dashboard/api/pool");
  current.pool = p;
  document.getElementById("node-id").textContent = `${p.node.role} ${short(p.node.operator)} · ${short(p.node.peerId)}`;
  main.replaceChildren(
    section("Counters", "counters-section", h("div", { class: "counters", id: "counters" }), true),
    section("Tasks (live)", "tasks", tasksTable(p.recent), true),
    section("Tasks by phase", "phase-chart-section", h("div", { class: "chart", id: "chart-phases" })),
    section(`Operators (${p.operators.length}; total stake ${eth(p.totalStake)})`, "operators",
      table(["operator", "stake", "proof systems", "modules", "capacity", "rating", ""], p.operators.map((o) =>
        h("tr", { "data-operator": o.operator }, h("td", { class: "mono" }, short(o.operator)), h("td", {}, eth(o.stake)),
          h("td", {}, (o.proofSystems ?? []).join(", ") || "–"), h("td", { class: "mono" }, (o.moduleIds ?? []).join(", ") || "–"),
          h("td", {}, o.capacity ?? "–"), h("td", {}, o.rating ? `${o.rating.completed}/${o.rating.assigned} completed, ${o.rating.defaulted} defaulted, ${o.rating.nonReveals} unrevealed` : "–"), h("td", {}, o.self ? "this node" : ""))))),
    section(`Peers (${p.peers.length})`, "peers",
      table(["peer", "address", "direction", "operator"], p.peers.map((x) =>
        h("tr", { "data-peer": x.peerId }, h("td", { class: "mono" }, short(x.peerId)), h("td", { class: "mono" }, x.addr), h("td", {}, x.direction), h("td", { class: "mono" }, short(x.operator)))))),
    section("This node", "node", h("dl", { class: "kv" },
      [["peer id", p.node.peerId], ["operator", p.node.operator], ["role", p.node.role], ["chain id", p.node.chainId], ["escrow", p.node.escrow],
      ["uptime", `${p.node.uptimeSeconds ?? "–"} s`], ["addresses", (p.node.addrs ?? []).join(" ")]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
  );
  renderCounters(p.counters);
  drawPhaseChart(p.history);
}
function drawPhaseChart(history) {
  if (!history || history.length === 0) return;
  const keys = ["published", "bids", "assigned", "proved", "completed", "settled", "failed"];
  chart("chart-phases", "tracked tasks by phase", keys.map((k) => ({ label: k })), [history.map((x) => x.t / 1000), ...keys.map((k) => history.map((x) => x[k]))]);
}
function upsertTaskRow(t) {
  const tbody = document.querySelector("#tasks-table tbody");
  if (!tbody) return;
  const row = taskRow(t);
  const old = tbody.querySelector(`tr[data-task-id="${t.taskId}"]`);
  if (old) old.replaceWith(row);
  else tbody.prepend(row);
  while (tbody.children.length > 100) tbody.lastElementChild.remove();
}

async function renderOperator() {
  const o = await getJson("/dashboard/api/operator");
  current.operator = o;
  document.getElementById("node-id").textContent = `${o.role} ${short(o.operator)}`;
  const e = o.earnings;
  main.replaceChildren(
    section("Bids, wins and losses", "bids-summary", h("div", { class: "counters" },
      [["bidsMade", "bids"], ["wins", "won"], ["losses", "lost"]].map(([k, l]) => h("div", { class: "counter", "data-counter": k }, h("b", {}, o.counters[k]), l)),
      h("div", { class: "counter", "data-counter": "earnedWei" }, h("b", {}, eth(o.counters.earnedWei)), "task prices won (seen here)"),
      h("div", { class: "counter", "data-counter": "claimable" }, h("b", {}, e ? eth(e.claimable) : "–"), "claimable on chain")), true),
    section("Earnings over time", "earnings-chart-section", h("div", { class: "chart", id: "chart-earnings" }, o.earningsSeries.length === 0 ? h("p", { class: "muted" }, "no settled task proved by this operator yet") : null)),
    section("Bid prices", "bid-chart-section", h("div", { class: "chart", id: "chart-bids" }, o.bids.length === 0 ? h("p", { class: "muted" }, "no bids yet") : null)),
    section("My bids", "bids", table(["task", "bid", "outcome", "winner", "winning price", "when"], o.bids.map((b) =>
      h("tr", { "data-task-id": b.taskId, "data-outcome": b.outcome }, h("td", { class: "mono" }, h("a", { href: `/dashboard/task/${b.taskId}` }, short(b.taskId))),
        h("td", {}, b.price !== undefined ? eth(b.price) : "sealed"), h("td", { class: b.outcome }, b.outcome), h("td", { class: "mono" }, short(b.winner)),
        h("td", {}, b.winningPrice !== undefined ? eth(b.winningPrice) : "–"), h("td", { class: "muted" }, time(b.t))))), true),
    section("UMP modules", "ump", o.ump === null ? h("p", { class: "muted" }, "this node has no UMP") : h("div", {},
      h("p", {}, `load: ${o.ump.load.running} running, ${o.ump.load.queued} queued, ${o.ump.load.reserved} reserved`),
      table(["module", "version", "kind", "proof systems", "state", "proofs", "mean ms", "last ms", "profiles"], o.ump.modules.map((m) =>
        h("tr", { "data-module": m.id }, h("td", { class: "mono" }, m.id), h("td", {}, m.version), h("td", {}, m.kind), h("td", {}, m.proofSystems.join(", ")),
          h("td", {}, m.state + (m.error ? ` (${m.error})` : "")), h("td", {}, m.proofs), h("td", {}, m.meanProofMs ?? "–"), h("td", {}, m.lastProofMs ?? "–"),
          h("td", {}, m.profiles.length === 0 ? "not benchmarked" : m.profiles.map((p) => `${p.proofSystem}: ${p.samples.map((s) => `${s.constraints}c ${s.ms} ms`).join(", ")}`).join("; "))))),
      h("div", { class: "chart", id: "chart-proofs" }))),
  );
  if (o.earningsSeries.length > 0) chart("chart-earnings", "cumulative earnings (ETH)", [{ label: "earned" }], [o.earningsSeries.map((x) => x.t / 1000), o.earningsSeries.map((x) => Number(BigInt(x.total)) / 1e18)]);
  const priced = o.bids.filter((b) => b.price !== undefined).slice().reverse();
  if (priced.length > 0) chart("chart-bids", "my bid prices (ETH)", [{ label: "bid", points: { show: true, size: 6 } }, { label: "won", points: { show: true, size: 8 }, width: 0 }],
    [priced.map((b) => b.t / 1000), priced.map((b) => Number(BigInt(b.price)) / 1e18), priced.map((b) => (b.outcome === "won" ? Number(BigInt(b.price)) / 1e18 : null))]);
  if (o.ump && o.ump.proofs.length > 0) chart("chart-proofs", "measured proof time (ms)", [{ label: "proof ms", points: { show: true, size: 6 } }], [o.ump.proofs.map((p) => p.t / 1000), o.ump.proofs.map((p) => p.durationMs)]);
}

async function renderTask() {
  let t;
  try {
    t = await getJson(`/dashboard/api/task/${taskId}`);
  } catch (err) {
    main.replaceChildren(section("Task", "task", h("p", { "data-error": err.status ?? "error" }, err.status === 404 ? "This node has not seen that task (yet). The page updates when it does." : err.status === 400 ? "That is not a task id (0x followed by 64 hex digits)." : String(err)), true));
    return;
  }
  current.task = t;
  document.getElementById("node-id").textContent = `task ${short(t.taskId)}`;
  const task = t.task;
  const settlement = t.settlement;
  main.replaceChildren(
    h("section", { id: "task", class: "wide", "data-task-id": t.taskId, "data-phase": t.phase, "data-status": t.status },
      h("h2", {}, "Task ", h("span", { class: "mono" }, t.taskId)),
      h("p", {}, "phase: ", h("span", { id: "task-phase", class: `phase phase-${t.phase}`, "data-phase": t.phase }, t.phase), " ", steps({ phase: t.phase, phases: t.phases }),
        ` · status ${t.status}${t.round !== null ? ` · round ${t.round}` : ""}${t.reason ? ` · ${t.reason}` : ""}`),
      task ? h("dl", { class: "kv" }, [["requester", task.requester], ["proof system", task.proofSystem], ["max reward", eth(task.maxReward)], ["penalty", eth(task.penalty)],
        ["bid deadline", new Date(Number(task.bidDeadline) * 1000).toLocaleTimeString()], ["reveal deadline", new Date(Number(task.revealDeadline) * 1000).toLocaleTimeString()],
        ["proof window", `${task.proofWindow} s`], ["rounds", task.maxRounds], ["stake epoch", task.stakeEpoch], ["input hash", task.inputHash]].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])) : null),
    section("Timeline", "timeline-section", t.timeline.length === 0 ? h("p", { class: "muted" }, "no live events seen for this task") :
      h("ol", { class: "timeline", id: "timeline" }, t.timeline.map((e) => h("li", { "data-phase": e.phase, "data-kind": e.kind }, h("time", {}, time(e.t)), e.text)))),
    section(`Bids (${t.commits.length} committed, ${t.reveals.length} revealed)`, "bids",
      table(["prover", "commitment", "revealed price"], t.commits.map((c) => {
        const r = t.reveals.find((x) => x.prover === c.prover);
        return h("tr", { "data-prover": c.prover, "data-revealed": r ? "yes" : "no" }, h("td", { class: "mono" }, short(c.prover)), h("td", { class: "mono" }, short(c.commitment)), h("td", {}, r ? eth(r.price) : "sealed"));
      }))),
    section("Draw", "draw", t.draw.pending ? h("p", { class: "muted" }, t.draw.detail) : t.draw.error ? h("p", { class: "phase-failed" }, t.draw.error) :
      table(["rank", "prover", "bid", "paid if it proves", "stake"], t.draw.order.map((p, i) => h("tr", { "data-rank": i }, h("td", {}, i + 1), h("td", { class: "mono" }, short(p.prover)), h("td", {}, eth(p.bid)), h("td", {}, eth(p.price)), h("td", {}, eth(p.stake)))))),
    section(`Certificates (${t.certificates.length})`, "certificates",
      table(["kind", "round", "prover", "price", "signers"], t.certificates.map((c) =>
        h("tr", { "data-kind": c.kind }, h("td", {}, c.kind), h("td", {}, c.round ?? 0), h("td", { class: "mono" }, short(c.prover)), h("td", {}, c.price !== undefined ? eth(c.price) : "–"), h("td", {}, c.signers))))),
    section("Proof", "proof", t.proofs.length === 0 ? h("p", { class: "muted" }, "no proof yet") : h("div", {}, t.proofs.map((p) => h("div", { "data-round": p.round },
      h("p", {}, `round ${p.round}, by `, h("span", { class: "mono" }, p.prover)), h("pre", {}, p.proof), h("p", { class: "muted" }, `public signals: ${p.publicSignals.join(", ")}`))))),
    h("section", { id: "settlement", "data-status": settlement ? settlement.status : "none" }, h("h2", {}, "Settlement"),
      !settlement ? h("p", { class: "muted" }, t.status === "open" ? "not settled yet" : "no settlement known") :
        h("dl", { class: "kv" }, Object.entries(settlement).flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-field": k }, k === "price" || k === "refund" ? eth(v) : String(v))]))),
  );
}

const renderers = { pool: renderPool, operator: renderOperator, task: renderTask };
const rerender = throttle(400, () => renderers[view]().catch((err) => console.error(err)));

// ------------------------------------------------------------------ live updates

function connect() {
  const es = new EventSource("/dashboard/events");
  es.addEventListener("open", () => (document.body.dataset.sse = "open"));
  es.addEventListener("error", () => (document.body.dataset.sse = es.readyState === EventSource.CLOSED ? "error" : "connecting"));
  es.addEventListener("task", (ev) => {
    const { task } = JSON.parse(ev.data);
    if (view === "pool") upsertTaskRow(task);
    if (view === "task" && task.taskId === taskId) rerender();
    if (view === "operator") rerender();
  });
  es.addEventListener("counters", (ev) => {
    if (view === "pool") renderCounters(JSON.parse(ev.data));
  });
  es.addEventListener("operator", () => {
    if (view === "operator") rerender();
  });
  es.addEventListener("peers", () => {
    if (view === "pool") slowPool();
  });
}
const slowPool = throttle(3000, () => rerender());

renderers[view]().catch((err) => main.replaceChildren(h("p", { class: "phase-failed" }, String(err)))).finally(connect);
if (view === "pool") setInterval(() => getJson("/dashboard/api/pool").then((p) => drawPhaseChart(p.history)).catch(() => undefined), 5000);
