/**
 * The node's small HTTP API (node:http): GET /status, /tasks, /tasks/<id>, /tasks/<id>/proof, /earnings, /metrics,
 * and the web dashboard under /dashboard/ (issue 16; see dashboard/http.ts) when the node gives it a data source. Read only
 * (anything but GET and HEAD answers 405), bound to 127.0.0.1 unless configured otherwise.
 *
 * Hardening (issue 12): a malformed request answers 400 with a JSON error saying what is wrong; an unknown path
 * 404; an internal error 500 with a generic message and a request id (the details go to the log only). /status is
 * computed at most once per `statusMaxAgeMs` however many clients ask (concurrent requests share one
 * computation), and /tasks is paged (`?limit=` 1..1000, default 100; `?after=<task id>`), so no request scans
 * every task.
 *
 * GET /tasks/<id>/proof (issue 12: a requester can always fetch a proof that exists) answers the proof
 * submission of the task's completed round as JSON (round, prover, proof hex, public signals as decimal strings),
 * or 404 with a JSON error that says why there is none here (unknown task, not completed, proof not held).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CliError, CliErrorCode } from "./errors.js";
import { createDashboardRoutes, DASHBOARD_ROUTES, type DashboardRoutes } from "./dashboard/http.js";
import { HttpError, send, taskIdParam, toJson } from "./dashboard/http-base.js";
import type { SseOptions } from "./dashboard/sse.js";
import type { DashboardData } from "./dashboard/types.js";

export { toJson } from "./dashboard/http-base.js";
export type { DashboardData, DashboardEvent, RecentTasksPage, RecentTasksQuery } from "./dashboard/types.js";

/** One page of /tasks: task ids in ascending order, strictly after `after`. */
export interface TaskPageQuery {
  limit: number;
  after?: string;
}

export interface TaskPage {
  items: unknown[];
  /** The id to pass as `after` for the next page; absent on the last page. */
  next?: string;
}

/** GET /tasks/<id>/proof: the proof submission of a task's completed round (SPEC §1.9 proof bytes). */
export interface TaskProof {
  taskId: string;
  /** The round that completed (its Completion certificate names this proof). */
  round: number;
  /** Operator address of the prover. */
  prover: string;
  /** The prover node's peer id (hex), which signed the submission. */
  peerId: string;
  /** The task's proof system (1 Groth16, 2 PLONK, 3 FFLONK). */
  proofSystem: number;
  /** Canonical proof bytes, hex. */
  proof: string;
  /** Public signals, decimal strings. */
  publicSignals: string[];
  /** The prover node's signature over the submission. */
  signature: string;
}

/** Why a node has no proof to serve for a task (answered 404 with this error and detail). */
export interface NoTaskProof {
  missing: "unknown task" | "no proof yet" | "no proof" | "proof not held";
  detail: string;
}

export interface ApiHandlers {
  status(): Promise<unknown>;
  tasks(q: TaskPageQuery): Promise<TaskPage>;
  /** One task by id (lowercase 0x + 64 hex digits, checked before this is called); undefined if unknown. */
  task(id: string): Promise<unknown>;
  /** The proof of a task's completed round, or why there is none (id checked as for `task`). No proof route without it. */
  taskProof?(id: string): Promise<TaskProof | NoTaskProof>;
  earnings(): Promise<unknown>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** The web dashboard's data (pool, operator, task views and live events); no dashboard without it. */
  dashboard?: DashboardData;
}

export interface ApiOptions {
  /** Where internal errors are reported (the response only says "internal error" and a request id). */
  log?: (msg: string, fields: Record<string, unknown>) => void;
  /** Longest a computed /status is served again, ms. @default 1000 */
  statusMaxAgeMs?: number;
  /** Most connections at once; more are refused. @default 256 */
  maxConnections?: number;
  /** Dashboard event streams: client limit, per-client buffer, heartbeat. */
  sse?: SseOptions;
}

export interface StatusApi {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_TASKS_LIMIT = 100;
export const MAX_TASKS_LIMIT = 1000;
const API_ROUTES = ["/status", "/tasks?limit=&after=", "/tasks/<id>", "/tasks/<id>/proof", "/earnings", "/metrics"];
const PROOF_SUFFIX = "/proof";

/**
 * `f` computed at most once per `maxAgeMs`: callers within that time get the last value; callers while it is
 * being computed share that computation. A failed computation is not kept.
 */
export function cachedAsync<T>(f: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let last: { at: number; value: T } | undefined;
  let inFlight: Promise<T> | undefined;
  return () => {
    if (last !== undefined && Date.now() - last.at < maxAgeMs) return Promise.resolve(last.value);
    if (inFlight !== undefined) return inFlight;
    const p = f().then(
      (value) => {
        last = { at: Date.now(), value };
        return value;
      },
    ).finally(() => {
      inFlight = undefined;
    });
    inFlight = p;
    return p;
  };
}

function tasksQuery(q: URLSearchParams): TaskPageQuery {
  for (const k of ["limit", "after"]) if (q.getAll(k).length > 1) throw new HttpError(400, `bad ${k}`, `give ${k} at most once`);
  const rawLimit = q.get("limit");
  let limit = DEFAULT_TASKS_LIMIT;
  if (rawLimit !== null) {
    if (!/^[0-9]{1,7}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_TASKS_LIMIT) {
      throw new HttpError(400, "bad limit", `limit must be an integer from 1 to ${MAX_TASKS_LIMIT} (default ${DEFAULT_TASKS_LIMIT})`);
    }
    limit = Number(rawLimit);
  }
  const after = q.get("after");
  return after === null || after === "" ? { limit } : { limit, after: taskIdParam(after, "after") };
}

export async function startApi(host: string, port: number, h: ApiHandlers, o: ApiOptions = {}): Promise<StatusApi> {
  const log = o.log ?? (() => undefined);
  const status = cachedAsync(() => h.status(), o.statusMaxAgeMs ?? 1000);
  const dashboard: DashboardRoutes | undefined = h.dashboard !== undefined ? createDashboardRoutes(h.dashboard, o.sse) : undefined;
  const ROUTES = dashboard !== undefined ? [...API_ROUTES, ...DASHBOARD_ROUTES] : API_ROUTES;
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "method not allowed", "only GET is served (the API is read only)");
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://api.invalid");
    } catch {
      throw new HttpError(400, "bad request", "the request target is not a valid path");
    }
    const path = url.pathname;
    if (dashboard !== undefined && path === "/") return send(res, 308, "", "text/plain", { location: "/dashboard/" });
    if (dashboard !== undefined && (await dashboard.handle(path, url, req, res))) return;
    if (path === "/status") return send(res, 200, toJson(await status()));
    if (path === "/tasks") {
      const q = tasksQuery(url.searchParams);
      const page = await h.tasks(q);
      const headers: Record<string, string> = {};
      if (page.next !== undefined) {
        headers["x-next-after"] = page.next;
        headers["link"] = `</tasks?limit=${q.limit}&after=${page.next}>; rel="next"`;
      }
      return send(res, 200, toJson(page.items), "application/json", headers);
    }
    if (path.startsWith("/tasks/")) {
      let rest = path.slice("/tasks/".length);
      const proof = rest.endsWith(PROOF_SUFFIX);
      if (proof) rest = rest.slice(0, -PROOF_SUFFIX.length);
      if (rest.includes("/")) throw new HttpError(404, "not found", `no such path; routes: ${ROUTES.join(", ")}`);
      let raw: string;
      try {
        raw = decodeURIComponent(rest);
      } catch {
        throw new HttpError(400, "bad task id", "the task id is not valid percent-encoding");
      }
      const id = taskIdParam(raw, "task id");
      if (proof) {
        if (h.taskProof === undefined) throw new HttpError(404, "no proofs", "this node serves no proofs; ask a pool node's API");
        const p = await h.taskProof(id);
        if ("missing" in p) return send(res, 404, toJson({ error: p.missing, detail: p.detail }));
        return send(res, 200, toJson(p));
      }
      const t = await h.task(id);
      return t === undefined ? send(res, 404, toJson({ error: "unknown task", detail: "this node stores no task with that id" })) : send(res, 200, toJson(t));
    }
    if (path === "/earnings") return send(res, 200, toJson(await h.earnings()));
    if (path === "/metrics") {
      const m = await h.metrics();
      return send(res, 200, m.body, m.contentType);
    }
    throw new HttpError(404, "not found", `no such path; routes: ${ROUTES.join(", ")}`);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        const headers: Record<string, string> = { ...(err.status === 405 ? { allow: "GET, HEAD" } : {}), ...err.headers };
        return send(res, err.status, toJson({ error: err.error, detail: err.detail, ...(err.status === 404 ? { routes: ROUTES } : {}) }), "application/json", headers);
      }
      const requestId = randomUUID();
      log("api request failed", { requestId, method: req.method, url: req.url?.slice(0, 200), err: err instanceof Error ? err.stack ?? err.message : String(err) });
      send(res, 500, toJson({ error: "internal error", requestId }));
    });
  });
  // a slow or silent client cannot hold connections open for long
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 64;
  server.maxConnections = o.maxConnections ?? 256;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => {
      dashboard?.close();
      reject(new CliError({ code: CliErrorCode.API_LISTEN_FAILED, detail: String(err) },
      `status API cannot listen on ${host}:${port}: ${(err).message} (pick another --api-port, or 0 for a free one)`));
    });
    server.listen(port, host, () => resolve());
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      dashboard?.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
