/**
 * The dashboard's routes (issue 16), served by the node's API server on the same host and port, read only:
 *   GET /dashboard/                 pool view (HTML; the page's script loads the JSON below)
 *   GET /dashboard/operator         operator view
 *   GET /dashboard/task/<id>        task page
 *   GET /dashboard/static/<file>    the pages' own script and style (a fixed list of files)
 *   GET /dashboard/vendor/<file>    uPlot's dist files, read from node_modules at runtime (no build step)
 *   GET /dashboard/api/pool | operator | tasks?limit=&before= | task/<id>
 *   GET /dashboard/events           server-sent events: task phase changes, counters (see sse.ts)
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpError, pathParam, send, taskIdParam, toJson } from "./http-base.js";
import { SseHub, type SseOptions } from "./sse.js";
import type { DashboardData, RecentTasksQuery } from "./types.js";

export const DASHBOARD_ROUTES = [
  "/dashboard/", "/dashboard/operator", "/dashboard/task/<id>", "/dashboard/api/pool", "/dashboard/api/operator",
  "/dashboard/api/tasks?limit=&before=", "/dashboard/api/task/<id>", "/dashboard/events",
];
export const DEFAULT_RECENT_LIMIT = 50;
export const MAX_RECENT_LIMIT = 200;

const STATIC_DIR = fileURLToPath(new URL("../../../src/dashboard/static/", import.meta.url));
const STATIC: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};
const VENDOR: Record<string, string> = {
  "uPlot.iife.min.js": "text/javascript; charset=utf-8",
  "uPlot.min.css": "text/css; charset=utf-8",
};
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function vendorDir(): string {
  return dirname(createRequire(import.meta.url).resolve("uplot"));
}

function recentQuery(q: URLSearchParams): RecentTasksQuery {
  for (const k of ["limit", "before"]) if (q.getAll(k).length > 1) throw new HttpError(400, `bad ${k}`, `give ${k} at most once`);
  let limit = DEFAULT_RECENT_LIMIT;
  const rawLimit = q.get("limit");
  if (rawLimit !== null) {
    if (!/^[0-9]{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_RECENT_LIMIT) {
      throw new HttpError(400, "bad limit", `limit must be an integer from 1 to ${MAX_RECENT_LIMIT} (default ${DEFAULT_RECENT_LIMIT})`);
    }
    limit = Number(rawLimit);
  }
  const before = q.get("before");
  if (before === null || before === "") return { limit };
  if (!/^[0-9]{1,15}$/.test(before)) throw new HttpError(400, "bad before", "before must be a task's seq (a non-negative integer) from the previous page");
  return { limit, before: Number(before) };
}

export interface DashboardRoutes {
  /** Handles `path` when it is a dashboard path (returns true), else returns false. */
  handle(path: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly sse: SseHub;
  close(): void;
}

export function createDashboardRoutes(data: DashboardData, o: SseOptions = {}): DashboardRoutes {
  const sse = new SseHub(o);
  const unsubscribe = data.subscribe((e) => sse.broadcast(e));
  const cache = new Map<string, Buffer>();
  const file = async (dir: string, name: string): Promise<Buffer> => {
    const key = `${dir}\0${name}`;
    let b = cache.get(key);
    if (b === undefined) {
      b = await readFile(join(dir, name));
      cache.set(key, b);
    }
    return b;
  };
  const page = async (res: ServerResponse): Promise<void> =>
    send(res, 200, await file(STATIC_DIR, "index.html"), STATIC["index.html"], { "content-security-policy": CSP, "referrer-policy": "no-referrer" });

  const handle = async (path: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (path !== "/dashboard" && !path.startsWith("/dashboard/")) return false;
    if (path === "/dashboard") {
      send(res, 308, "", "text/plain", { location: "/dashboard/" });
      return true;
    }
    if (path === "/dashboard/" || path === "/dashboard/operator") {
      await page(res);
      return true;
    }
    if (path.startsWith("/dashboard/task/")) {
      taskIdParam(pathParam(path, "/dashboard/task/", "task id"), "task id");
      await page(res);
      return true;
    }
    if (path.startsWith("/dashboard/static/")) {
      const name = path.slice("/dashboard/static/".length);
      const type = Object.hasOwn(STATIC, name) ? STATIC[name] : undefined;
      if (type === undefined) throw new HttpError(404, "not found", "no such dashboard file");
      send(res, 200, await file(STATIC_DIR, name), type, { "cache-control": "no-cache" });
      return true;
    }
    if (path.startsWith("/dashboard/vendor/")) {
      const name = path.slice("/dashboard/vendor/".length);
      const type = Object.hasOwn(VENDOR, name) ? VENDOR[name] : undefined;
      if (type === undefined) throw new HttpError(404, "not found", "no such dashboard file");
      send(res, 200, await file(vendorDir(), name), type, { "cache-control": "max-age=3600" });
      return true;
    }
    if (path === "/dashboard/events") {
      sse.add(req, res);
      return true;
    }
    if (path === "/dashboard/api/pool") {
      send(res, 200, toJson(await data.pool()));
      return true;
    }
    if (path === "/dashboard/api/operator") {
      send(res, 200, toJson(await data.operator()));
      return true;
    }
    if (path === "/dashboard/api/tasks") {
      const q = recentQuery(url.searchParams);
      const p = await data.tasks(q);
      send(res, 200, toJson(p), "application/json", p.next !== undefined ? { "x-next-before": String(p.next) } : {});
      return true;
    }
    if (path.startsWith("/dashboard/api/task/")) {
      const id = taskIdParam(pathParam(path, "/dashboard/api/task/", "task id"), "task id");
      const t = await data.task(id);
      if (t === undefined) send(res, 404, toJson({ error: "unknown task", detail: "this node has seen no task with that id" }));
      else send(res, 200, toJson(t));
      return true;
    }
    throw new HttpError(404, "not found", `no such dashboard path; routes: ${DASHBOARD_ROUTES.join(", ")}`);
  };
  return {
    handle,
    sse,
    close: () => {
      unsubscribe();
      sse.close();
    },
  };
}
