/** The node's small HTTP API (node:http): GET /status, /tasks, /tasks/<id>, /earnings, /metrics. Read only. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CliError, CliErrorCode } from "./errors.js";

export interface ApiHandlers {
  status(): Promise<unknown>;
  tasks(): Promise<unknown>;
  task(id: string): Promise<unknown>;
  earnings(): Promise<unknown>;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface StatusApi {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** JSON with bigints as decimal strings. */
export function toJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString("hex") : x), indent);
}

function send(res: ServerResponse, status: number, body: string, type = "application/json"): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

export async function startApi(host: string, port: number, h: ApiHandlers): Promise<StatusApi> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (req.method !== "GET") return send(res, 405, toJson({ error: "only GET is served" }));
    const route = async (): Promise<void> => {
      if (path === "/status") return send(res, 200, toJson(await h.status()));
      if (path === "/tasks") return send(res, 200, toJson(await h.tasks()));
      if (path.startsWith("/tasks/")) {
        const t = await h.task(decodeURIComponent(path.slice(7)));
        return t === undefined ? send(res, 404, toJson({ error: "unknown task" })) : send(res, 200, toJson(t));
      }
      if (path === "/earnings") return send(res, 200, toJson(await h.earnings()));
      if (path === "/metrics") {
        const m = await h.metrics();
        return send(res, 200, m.body, m.contentType);
      }
      send(res, 404, toJson({ error: "not found", routes: ["/status", "/tasks", "/tasks/<id>", "/earnings", "/metrics"] }));
    };
    route().catch((err: unknown) => send(res, 500, toJson({ error: String(err) })));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new CliError({ code: CliErrorCode.API_LISTEN_FAILED, detail: String(err) },
      `status API cannot listen on ${host}:${port}: ${(err).message} (pick another --api-port, or 0 for a free one)`)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    url: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
