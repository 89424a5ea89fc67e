/**
 * The node's HTTP API under bad input and load (issue 12). The API server is the real one (node:http on
 * 127.0.0.1, a free port) and the /tasks pager runs over a real level store (NodeDb + MessageRepositories).
 * TEST DOUBLES: FakeNodeData stands in for a running node's data (status, task views, earnings, metrics)
 * behind the API, and FakeTaskViewer / StatusViewer for the auction's task views over the real store. The
 * proof route on a real node (a task proved and certified) is in api-proof.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageRepositories, NodeDb, type TaskView } from "@zkpool/node";
import { encodeProofSubmission, generateNodeKey, signProofSubmission, type Hex, type ProtocolDomain, type Task } from "@zkpool/protocol";
import {
  DEFAULT_TASKS_LIMIT,
  MAX_TASKS_LIMIT,
  cachedAsync,
  countTasks,
  defaultConfig,
  pageTasks,
  startApi,
  taskProofOf,
  type ApiHandlers,
  type StatusApi,
  type TaskPage,
  type TaskPageQuery,
} from "../src/index.js";

const idOf = (i: number): string => `0x${i.toString(16).padStart(64, "0")}`;

/** TEST DOUBLE: a node's data behind the API (ids 0..n-1, in order). */
class FakeNodeData implements ApiHandlers {
  statusCalls = 0;
  failWith: Error | undefined;
  constructor(readonly ids: string[]) {}
  async status(): Promise<unknown> {
    this.statusCalls++;
    await new Promise((r) => setImmediate(r));
    return { peers: 3, tasks: { total: this.ids.length } };
  }
  tasks(q: TaskPageQuery): Promise<TaskPage> {
    const from = q.after === undefined ? 0 : this.ids.findIndex((x) => x > q.after!);
    const rest = from < 0 ? [] : this.ids.slice(from);
    const items = rest.slice(0, q.limit).map((taskId) => ({ taskId }));
    return Promise.resolve(rest.length > q.limit ? { items, next: items[items.length - 1]!.taskId } : { items });
  }
  task(id: string): Promise<unknown> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(this.ids.includes(id) ? { taskId: id } : undefined);
  }
  earnings(): Promise<unknown> {
    return Promise.resolve({ claimable: 0n });
  }
  metrics(): Promise<{ contentType: string; body: string }> {
    return Promise.resolve({ contentType: "text/plain", body: "# none\n" });
  }
}

/** TEST DOUBLE: the auction's view of each stored task (status from the id's last digit). */
class FakeTaskViewer {
  taskView(id: Hex): Promise<TaskView | undefined> {
    const status = (["open", "completed", "failed", "invalid", "unfunded"] as const)[Number.parseInt(id.slice(-1), 16) % 5]!;
    return Promise.resolve({ taskId: id, task: { requester: "0x01", maxReward: 1n } as unknown as Task, status });
  }
}

async function get(api: StatusApi, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const res = await fetch(api.url + path, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

describe("cli: the HTTP API answers bad requests and load without leaking internals or scanning every task", function () {
  const N = 2500;
  const data = new FakeNodeData(Array.from({ length: N }, (_, i) => idOf(i)));
  const logged: Array<Record<string, unknown>> = [];
  let api: StatusApi | undefined;

  before(async () => {
    // a long status age: "computed once" below does not depend on how fast this machine is
    api = await startApi("127.0.0.1", 0, data, { log: (_m, f) => logged.push(f), statusMaxAgeMs: 600_000 });
  });
  after(async () => {
    await api?.close();
  });

  it("binds to 127.0.0.1 by default", () => {
    assert.equal(defaultConfig().apiHost, "127.0.0.1");
    assert.match(api!.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("a bad task id answers 400 with a JSON error that says what is wrong; unknown ids and paths 404", async () => {
    for (const bad of ["/tasks/nothex", "/tasks/0x1234", `/tasks/${idOf(1)}00`, "/tasks/%E0%A4%A", "/tasks/..%2F..%2Fetc", "/tasks/"]) {
      const r = await get(api!, bad);
      assert.equal(r.status, 400, bad);
      assert.match(r.headers.get("content-type") ?? "", /application\/json/);
      const b = r.body as { error: string; detail: string };
      assert.match(b.error, /^bad task id$/, bad);
      assert.match(b.detail, /64 hex digits|percent-encoding/, bad);
    }
    const known = await get(api!, `/tasks/${idOf(7).toUpperCase().replace("0X", "0x")}`);
    assert.equal(known.status, 200);
    assert.deepEqual(known.body, { taskId: idOf(7) });
    const unknown = await get(api!, `/tasks/${"0x" + "ab".repeat(32)}`);
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { error: string }).error, "unknown task");
    const nope = await get(api!, "/nope");
    assert.equal(nope.status, 404);
    assert.ok(Array.isArray((nope.body as { routes: unknown }).routes));
    const post = await get(api!, "/status", { method: "POST" });
    assert.equal(post.status, 405);
    assert.match(post.headers.get("allow") ?? "", /GET/);
  });

  it("an internal error answers 500 with a generic message; the details go to the log only", async () => {
    data.failWith = new Error("level: corrupt value at /var/lib/zkpool/db/000123.ldb");
    try {
      const r = await get(api!, `/tasks/${idOf(3)}`);
      assert.equal(r.status, 500);
      const b = r.body as { error: string; requestId: string };
      assert.equal(b.error, "internal error");
      assert.doesNotMatch(r.text, /ldb|corrupt|var\/lib/);
      const entry = logged.find((l) => l["requestId"] === b.requestId);
      assert.ok(entry !== undefined, "the log has the request id");
      assert.match(String(entry["err"]), /corrupt value/);
    } finally {
      data.failWith = undefined;
    }
  });

  it("/tasks is paged: default 100, ?limit up to 1000, ?after a task id; bad values answer 400", async () => {
    const first = await get(api!, "/tasks");
    assert.equal(first.status, 200);
    assert.equal((first.body as unknown[]).length, DEFAULT_TASKS_LIMIT);
    assert.equal(first.headers.get("x-next-after"), idOf(DEFAULT_TASKS_LIMIT - 1));
    assert.match(first.headers.get("link") ?? "", /rel="next"/);
    const all: string[] = [];
    let after: string | null = "";
    while (after !== null) {
      const r = await get(api!, `/tasks?limit=${MAX_TASKS_LIMIT}${after === "" ? "" : `&after=${after}`}`);
      assert.equal(r.status, 200);
      all.push(...(r.body as Array<{ taskId: string }>).map((t) => t.taskId));
      after = r.headers.get("x-next-after");
    }
    assert.deepEqual(all, data.ids, "the pages hold every task once, in order");
    for (const [q, what] of [["limit=0", "bad limit"], [`limit=${MAX_TASKS_LIMIT + 1}`, "bad limit"], ["limit=ten", "bad limit"], ["limit=-5", "bad limit"],
      ["limit=1.5", "bad limit"], ["after=0x12", "bad after"], ["limit=1&limit=2", "bad limit"]] as const) {
      const r = await get(api!, `/tasks?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((r.body as { error: string }).error, what, q);
    }
  });

  it("200 concurrent /status requests share one computation", async () => {
    const before = data.statusCalls;
    const rs = await Promise.all(Array.from({ length: 200 }, () => get(api!, "/status")));
    assert.ok(rs.every((r) => r.status === 200));
    assert.deepEqual(rs[0]!.body, { peers: 3, tasks: { total: N } });
    assert.ok(data.statusCalls - before <= 1, `status computed ${data.statusCalls - before} times`);
  });

  it("cachedAsync shares a computation in flight and does not keep a failure", async () => {
    let calls = 0;
    let fail = true;
    const f = cachedAsync(async () => {
      calls++;
      await new Promise((r) => setImmediate(r));
      if (fail) throw new Error("boom");
      return calls;
    }, 600_000);
    const [a, b] = await Promise.allSettled([f(), f()]);
    assert.equal(a.status, "rejected");
    assert.equal(b.status, "rejected");
    assert.equal(calls, 1);
    fail = false;
    assert.equal(await f(), 2);
    assert.equal(await f(), 2);
    assert.equal(calls, 2);
  });
});

describe("cli: the /tasks pager and /status counts over a real task store", function () {
  let dir: string | undefined;
  let db: NodeDb | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-api-"));
    db = await NodeDb.open({ path: join(dir, "db") });
  });
  after(async () => {
    await db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("pages every stored task once, in id order, and counts them by status", async () => {
    const repos = new MessageRepositories(db!);
    const ids = Array.from({ length: 250 }, (_, i) => idOf(i * 7919 + 3));
    for (const id of [...ids].reverse()) await repos.addTask(id, new Uint8Array([1]), 10n ** 10n);
    const viewer = new FakeTaskViewer();
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await pageTasks(repos, viewer, after === undefined ? { limit: 100 } : { limit: 100, after });
      pages++;
      seen.push(...(page.items as Array<{ taskId: string }>).map((t) => t.taskId));
      assert.ok(page.items.length <= 100);
      if (page.next === undefined) break;
      after = page.next;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].sort());
    assert.deepEqual(await pageTasks(repos, viewer, { limit: 5, after: ids.at(-1)! }), { items: [] });
    const byStatus = { open: 0, completed: 0, failed: 0, invalid: 0 } as Record<string, number>;
    for (const id of ids) {
      const s = (await viewer.taskView(id as Hex))!.status;
      if (s in byStatus) byStatus[s]!++;
    }
    assert.deepEqual(await countTasks(repos, viewer), { total: ids.length, ...byStatus });
  });
});

/** TEST DOUBLE: the auction's view of stored tasks, with the status and round the test sets per id. */
class StatusViewer {
  readonly views = new Map<string, Pick<TaskView, "status" | "round" | "reason">>();
  taskView(id: Hex): Promise<TaskView | undefined> {
    const v = this.views.get(id);
    return Promise.resolve(v === undefined ? undefined : { taskId: id, task: { proofSystem: 1 } as unknown as Task, ...v });
  }
}

describe("cli: the proof route's answers for each task state, over a real store", function () {
  const DOMAIN: ProtocolDomain = { chainId: 31337n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
  let dir: string | undefined;
  let db: NodeDb | undefined;
  let api: StatusApi | undefined;
  const viewer = new StatusViewer();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-api-proof-store-"));
    db = await NodeDb.open({ path: join(dir, "db") });
    const repos = new MessageRepositories(db);
    const none = new FakeNodeData([]);
    api = await startApi("127.0.0.1", 0, {
      status: () => none.status(),
      tasks: (q) => none.tasks(q),
      task: (id) => none.task(id),
      taskProof: (id) => taskProofOf(repos, viewer, id),
      earnings: () => none.earnings(),
      metrics: () => none.metrics(),
    });
  });
  after(async () => {
    await api?.close();
    await db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("serves the stored submission of the completed round; says why there is none otherwise", async () => {
    const repos = new MessageRepositories(db!);
    const key = generateNodeKey();
    const done = idOf(1);
    // a round-0 proof that did not complete the task, and the round-1 one that did
    for (const round of [0, 1]) {
      const sub = signProofSubmission({ taskId: done as Hex, round, prover: "0x00000000000000000000000000000000000000aa", peerId: key.peerId, proof: `0x${String(round).repeat(64)}`, publicSignals: [BigInt(round), 2n ** 200n] }, key, DOMAIN);
      await repos.proofs.put([done, String(round)], encodeProofSubmission(sub));
    }
    viewer.views.set(done, { status: "completed", round: 1 });
    viewer.views.set(idOf(2), { status: "open", round: 0 });
    viewer.views.set(idOf(3), { status: "failed", round: 1, reason: "no proof by the final deadline" });
    viewer.views.set(idOf(4), { status: "completed", round: 0 }); // certified, but the proof never reached this node
    viewer.views.set(idOf(5), { status: "invalid" });

    const ok = await get(api!, `/tasks/${done}/proof`);
    assert.equal(ok.status, 200);
    const p = ok.body as Record<string, unknown>;
    assert.equal(p["round"], 1);
    assert.equal(p["proof"], `0x${"1".repeat(64)}`);
    assert.deepEqual(p["publicSignals"], ["1", (2n ** 200n).toString()], "decimal strings, exact beyond 2^53");
    assert.equal(p["prover"], "0x00000000000000000000000000000000000000aa");
    assert.equal(p["peerId"], key.peerId);
    assert.equal(p["proofSystem"], 1);

    const cases: Array<[string, string, RegExp]> = [
      [idOf(2), "no proof yet", /open \(round 0\).*ask again later/],
      [idOf(3), "no proof", /ended failed \(no proof by the final deadline\)/],
      [idOf(4), "proof not held", /completed in round 0 but this node holds no proof.*another pool node/],
      [idOf(5), "no proof", /ended invalid/],
      [idOf(6), "unknown task", /stores no task with that id/],
    ];
    for (const [id, error, detail] of cases) {
      const r = await get(api!, `/tasks/${id}/proof`);
      assert.equal(r.status, 404, id);
      assert.match(r.headers.get("content-type") ?? "", /application\/json/);
      assert.equal((r.body as { error: string }).error, error, id);
      assert.match((r.body as { detail: string }).detail, detail, id);
    }
  });

  it("without a proof handler the route answers 404 saying this node serves no proofs", async () => {
    const other = await startApi("127.0.0.1", 0, new FakeNodeData([idOf(1)]));
    try {
      const r = await get(other, `/tasks/${idOf(1)}/proof`);
      assert.equal(r.status, 404);
      assert.equal((r.body as { error: string }).error, "no proofs");
      assert.equal((await get(other, "/tasks/nothex/proof")).status, 400, "a bad id is still a 400");
    } finally {
      await other.close();
    }
  });
});
