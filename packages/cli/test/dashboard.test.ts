/**
 * The dashboard's HTTP routes (issue 16) on the real API server (node:http on 127.0.0.1, a free port): pages,
 * static and vendor files, JSON views with paging, bad ids, 405 for every method but GET/HEAD on every route
 * (no write path reaches the data), and the SSE streams: events delivered, a client limit, closed clients
 * removed, slow clients dropped. TEST DOUBLE: FakeDashboard stands in for a running node's dashboard data
 * source; the TaskTracker under it is the real one.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { request, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";
import { startApi, type ApiHandlers, type StatusApi } from "../src/api.js";
import { MAX_RECENT_LIMIT } from "../src/dashboard/http.js";
import { SseHub } from "../src/dashboard/sse.js";
import { TaskTracker } from "../src/dashboard/tracker.js";
import type { DashboardData, DashboardEvent, RecentTasksPage, RecentTasksQuery } from "../src/dashboard/types.js";

const idOf = (i: number): string => `0x${i.toString(16).padStart(64, "0")}`;

/** TEST DOUBLE: a node's dashboard data over a real TaskTracker; counts every call. */
class FakeDashboard implements DashboardData {
  readonly tracker = new TaskTracker({ countersEveryMs: 0 });
  calls = 0;
  pool(): Promise<unknown> {
    this.calls++;
    return Promise.resolve({ node: { peerId: "12D3Koo", operator: "0x01", role: "prover" }, peers: [], operators: [], totalStake: 10n ** 19n, counters: this.tracker.counters, recent: [], history: [] });
  }
  operator(): Promise<unknown> {
    this.calls++;
    return Promise.resolve({ operator: "0x01", role: "prover", counters: {}, bids: [], earnings: null, earningsSeries: [], ump: null });
  }
  tasks(q: RecentTasksQuery): Promise<RecentTasksPage> {
    this.calls++;
    return Promise.resolve(this.tracker.recent(q));
  }
  task(id: string): Promise<unknown> {
    this.calls++;
    const t = this.tracker.get(id);
    return Promise.resolve(t === undefined ? undefined : { taskId: id, phase: t.phase, timeline: t.timeline });
  }
  subscribe(listener: (e: DashboardEvent) => void): () => void {
    return this.tracker.subscribe(listener);
  }
}

/** TEST DOUBLE: the rest of the API's handlers (not under test here). */
const apiHandlers = (dashboard: DashboardData): ApiHandlers => ({
  status: () => Promise.resolve({}),
  tasks: () => Promise.resolve({ items: [] }),
  task: () => Promise.resolve(undefined),
  earnings: () => Promise.resolve({}),
  metrics: () => Promise.resolve({ contentType: "text/plain", body: "" }),
  dashboard,
});

async function get(api: StatusApi, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; body: unknown }> {
  const res = await fetch(api.url + path, { redirect: "manual", ...init });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** An SSE stream read with node:http: its status, the text so far, and a way to close it. */
interface Stream {
  status: number;
  res: IncomingMessage;
  text(): string;
  close(): void;
}
function openStream(api: StatusApi): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}/dashboard/events`, { headers: { accept: "text/event-stream" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("error", () => undefined);
      resolve({ status: res.statusCode ?? 0, res, text: () => text, close: () => req.destroy() });
    });
    req.on("error", reject);
    req.end();
  });
}
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("cli: the dashboard routes serve pages, static files and JSON views, read only", function () {
  this.timeout(30_000);
  const data = new FakeDashboard();
  let api: StatusApi | undefined;
  before(async () => {
    for (let i = 0; i < 120; i++) data.tracker.record(idOf(i), "published", "task", `task ${i}`);
    data.tracker.record(idOf(7), "bids", "commit", "a bid");
    api = await startApi("127.0.0.1", 0, apiHandlers(data), { sse: { maxClients: 2, heartbeatMs: 60_000 } });
  });
  after(async () => {
    await api?.close();
  });

  it("serves the pages (with a CSP), its script and style, and uPlot from node_modules", async () => {
    for (const p of ["/dashboard/", "/dashboard/operator", `/dashboard/task/${idOf(7)}`]) {
      const r = await get(api!, p);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get("content-type") ?? "", /text\/html/);
      assert.match(r.headers.get("content-security-policy") ?? "", /script-src 'self'/);
      assert.match(r.text, /\/dashboard\/static\/app\.js/);
    }
    assert.equal((await get(api!, "/dashboard")).status, 308);
    assert.equal((await get(api!, "/")).headers.get("location"), "/dashboard/");
    const js = await get(api!, "/dashboard/static/app.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assert.match(js.text, /EventSource/);
    const uplot = await get(api!, "/dashboard/vendor/uPlot.iife.min.js");
    assert.equal(uplot.status, 200);
    assert.match(uplot.text, /uPlot/);
    assert.equal((await get(api!, "/dashboard/vendor/uPlot.min.css")).status, 200);
    for (const p of ["/dashboard/static/..%2F..%2Fapi.ts", "/dashboard/static/../../package.json", "/dashboard/static/index.htm", "/dashboard/vendor/uPlot.cjs.js", "/dashboard/nope"]) {
      assert.equal((await get(api!, p)).status, 404, p);
    }
  });

  it("the page script parses as an ES module (it has no build step to catch a syntax error)", () => {
    const tmp = mkdtempSync(join(tmpdir(), "zkpool-dash-"));
    try {
      const copy = join(tmp, "app.mjs");
      copyFileSync(fileURLToPath(new URL("../../src/dashboard/static/app.js", import.meta.url)), copy);
      const r = spawnSync(process.execPath, ["--check", copy], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("JSON views: pool, operator, tasks paged newest first (limit 1..200, before), one task; bad ids 400, unknown 404", async () => {
    const pool = await get(api!, "/dashboard/api/pool");
    assert.equal(pool.status, 200);
    assert.equal((pool.body as { totalStake: string }).totalStake, "10000000000000000000", "bigints as decimal strings");
    assert.equal((await get(api!, "/dashboard/api/operator")).status, 200);
    const first = await get(api!, "/dashboard/api/tasks");
    const page = first.body as { items: Array<{ taskId: string; seq: number }>; next?: number };
    assert.equal(page.items.length, 50);
    assert.equal(page.items[0]!.taskId, idOf(119), "newest first");
    assert.equal(first.headers.get("x-next-before"), String(page.next));
    const seen: string[] = [];
    let before: number | undefined;
    for (;;) {
      const r = await get(api!, `/dashboard/api/tasks?limit=${MAX_RECENT_LIMIT}${before !== undefined ? `&before=${before}` : ""}`);
      const p = r.body as { items: Array<{ taskId: string }>; next?: number };
      seen.push(...p.items.map((t) => t.taskId));
      if (p.next === undefined) break;
      before = p.next;
    }
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
    const two = (await get(api!, "/dashboard/api/tasks?limit=2&before=50")).body as { items: Array<{ seq: number }>; next: number };
    assert.deepEqual(two.items.map((t) => t.seq), [49, 48]);
    for (const q of ["limit=0", `limit=${MAX_RECENT_LIMIT + 1}`, "limit=x", "limit=1&limit=2", "before=-1", "before=1.5", "before=abc"]) {
      const r = await get(api!, `/dashboard/api/tasks?${q}`);
      assert.equal(r.status, 400, q);
      assert.match((r.body as { error: string }).error, /^bad (limit|before)$/, q);
    }
    const one = await get(api!, `/dashboard/api/task/0x${idOf(7).slice(2).toUpperCase()}`);
    assert.equal(one.status, 200);
    assert.equal((one.body as { phase: string }).phase, "bids");
    for (const bad of ["/dashboard/api/task/nothex", "/dashboard/api/task/0x12", `/dashboard/api/task/${idOf(1)}00`, "/dashboard/api/task/%E0%A4%A", "/dashboard/api/task/", "/dashboard/task/0x12", "/dashboard/task/%zz"]) {
      const r = await get(api!, bad);
      assert.equal(r.status, 400, bad);
      assert.equal((r.body as { error: string }).error, "bad task id", bad);
    }
    const unknown = await get(api!, `/dashboard/api/task/0x${"ab".repeat(32)}`);
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { error: string }).error, "unknown task");
  });

  it("every method but GET and HEAD answers 405 on every route, and none reaches the data", async () => {
    const before = data.calls;
    const paths = ["/dashboard/", "/dashboard/operator", `/dashboard/task/${idOf(7)}`, "/dashboard/static/app.js", "/dashboard/vendor/uPlot.iife.min.js",
      "/dashboard/api/pool", "/dashboard/api/operator", "/dashboard/api/tasks", `/dashboard/api/task/${idOf(7)}`, "/dashboard/events", "/status"];
    for (const p of paths) {
      for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
        const r = await get(api!, p, { method, ...(method === "POST" || method === "PUT" || method === "PATCH" ? { body: "{}" } : {}) });
        assert.equal(r.status, 405, `${method} ${p}`);
        assert.match(r.headers.get("allow") ?? "", /^GET, HEAD$/);
      }
    }
    assert.equal(data.calls, before, "no non-GET request reached the data source");
    const head = await fetch(`${api!.url}/dashboard/api/pool`, { method: "HEAD" });
    assert.equal(head.status, 200);
  });

  it("SSE: events reach every stream; at most maxClients streams (503 past it); closed streams are removed", async () => {
    const a = await openStream(api!);
    const b = await openStream(api!);
    assert.equal(a.status, 200);
    assert.match(a.res.headers["content-type"] ?? "", /text\/event-stream/);
    const c = await get(api!, "/dashboard/events");
    assert.equal(c.status, 503, "a third stream is refused");
    assert.equal(c.headers.get("retry-after"), "5");
    data.tracker.record(idOf(200), "published", "task", "a new task");
    data.tracker.record(idOf(200), "bids", "commit", "a commit");
    await until(() => a.text().includes("event: task") && b.text().includes("event: task"), "the task events");
    assert.match(a.text(), new RegExp(`"taskId":"${idOf(200)}"`));
    await until(() => a.text().includes("event: counters"), "a counters event");
    a.close();
    // the hub notices the close; then a new stream fits again
    let d: Stream | undefined;
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      d = await openStream(api!);
      if (d.status === 200) break;
      d.close();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(d?.status, 200, "a closed stream frees its place");
    b.close();
    d.close();
  });
});

/** TEST DOUBLE: the parts of a ServerResponse the hub writes to, with a send buffer that never drains. */
class StuckResponse {
  writableLength = 0;
  destroyed = false;
  frames: string[] = [];
  private handlers: Array<() => void> = [];
  writeHead(): this {
    return this;
  }
  write(s: string): boolean {
    this.frames.push(s);
    this.writableLength += s.length;
    return false;
  }
  end(): void {
    this.handlers.forEach((f) => f());
  }
  destroy(): void {
    this.destroyed = true;
    this.handlers.forEach((f) => f());
  }
  once(_ev: string, f: () => void): void {
    this.handlers.push(f);
  }
}

describe("cli: the dashboard's SSE hub and task tracker", function () {
  it("drops a client whose send buffer passes the bound (it reconnects and reloads); keeps the others", () => {
    const hub = new SseHub({ maxClients: 4, maxBufferedBytes: 1000, heartbeatMs: 60_000 });
    const req = { method: "GET", once: () => undefined, socket: { setTimeout: () => undefined } } as unknown as IncomingMessage;
    const stuck = new StuckResponse();
    const fine = new StuckResponse();
    hub.add(req, stuck as unknown as ServerResponse);
    hub.add(req, fine as unknown as ServerResponse);
    assert.equal(hub.size, 2);
    for (let i = 0; i < 40; i++) {
      hub.broadcast({ type: "task", data: { i, pad: "x".repeat(50) } });
      fine.writableLength = 0; // this one reads
    }
    assert.equal(stuck.destroyed, true);
    assert.ok(stuck.writableLength < 1000 + 200, `buffered ${stuck.writableLength} bytes`);
    assert.equal(fine.destroyed, false);
    assert.equal(hub.size, 1);
    assert.equal(hub.droppedClients, 1);
    hub.close();
    assert.equal(hub.size, 0);
  });

  it("phases only move forward; failed ends a task unless it settled; tasks, timelines and bids are bounded", () => {
    const t = new TaskTracker({ maxTasks: 10, maxTimeline: 5, maxBids: 3, countersEveryMs: 0 });
    const events: DashboardEvent[] = [];
    const off = t.subscribe((e) => events.push(e));
    t.record(idOf(1), "published", "task", "published");
    t.record(idOf(1), "assigned", "certificate", "assigned");
    t.record(idOf(1), "bids", "reveal", "a late reveal");
    assert.equal(t.get(idOf(1))!.phase, "assigned");
    t.record(idOf(1), "proved", "proof", "proof");
    t.record(idOf(1), "settled", "settlement", "settled");
    t.record(idOf(1), "failed", "ended", "too late");
    assert.equal(t.get(idOf(1))!.phase, "settled");
    t.record(idOf(2), "failed", "ended", "no bids");
    t.record(idOf(2), "completed", "certificate", "after the end");
    assert.equal(t.get(idOf(2))!.phase, "failed");
    assert.equal(t.get(idOf(1))!.timeline.length, 5);
    assert.equal(t.get(idOf(1))!.timeline[0]!.text, "published", "the first entry is kept");
    for (let i = 3; i < 30; i++) t.record(idOf(i), "published", "task", "x");
    assert.equal(t.size, 10);
    assert.equal(t.get(idOf(1)), undefined, "the oldest tasks are dropped");
    for (let i = 0; i < 6; i++) t.ownBid(idOf(i), { price: BigInt(i) });
    t.ownBid(idOf(5), { outcome: "won" });
    assert.equal(t.ownBids().length, 3);
    assert.equal(t.counters.wins, 1);
    assert.ok(events.some((e) => e.type === "task" && (e.data as { phaseChanged: boolean }).phaseChanged));
    off();
    t.stop();
  });
});
