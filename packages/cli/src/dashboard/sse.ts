/**
 * Server-sent events for the dashboard: at most `maxClients` streams at once (more answer 503), each with a
 * bounded send buffer: a client that does not read (its socket buffer above `maxBufferedBytes`) is dropped,
 * and its EventSource reconnects and reloads the page's snapshot. Closed streams are removed at once; a
 * comment line every `heartbeatMs` keeps proxies from closing idle streams and finds dead sockets.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, toJson } from "./http-base.js";
import type { DashboardEvent } from "./types.js";

export interface SseOptions {
  /** Most SSE streams at once. @default 32 */
  maxClients?: number;
  /** Bytes a client may have unsent before it is dropped. @default 262144 */
  maxBufferedBytes?: number;
  /** Heartbeat comment interval, ms. @default 15000 */
  heartbeatMs?: number;
}

interface Client {
  res: ServerResponse;
  id: number;
}

export class SseHub {
  readonly maxClients: number;
  readonly maxBufferedBytes: number;
  private readonly clients = new Map<number, Client>();
  private nextClient = 0;
  private seq = 0;
  private dropped = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(o: SseOptions = {}) {
    this.maxClients = o.maxClients ?? 32;
    this.maxBufferedBytes = o.maxBufferedBytes ?? 256 * 1024;
    this.heartbeat = setInterval(() => this.write(": hb\n\n"), o.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  /** Clients connected now. */
  get size(): number {
    return this.clients.size;
  }

  /** Slow clients dropped so far. */
  get droppedClients(): number {
    return this.dropped;
  }

  /** Take over `res` as an event stream (or throw 503 when full). */
  add(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed) throw new HttpError(503, "closing", "the node is shutting down");
    if (this.clients.size >= this.maxClients) {
      throw new HttpError(503, "too many event streams", `at most ${this.maxClients} dashboard event streams at once; close one or retry later`, { "retry-after": "5" });
    }
    const id = this.nextClient++;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const client: Client = { res, id };
    this.clients.set(id, client);
    const remove = (): void => {
      this.clients.delete(id);
    };
    res.once("close", remove);
    req.once("close", remove);
    req.socket.setTimeout(0);
    res.write(`retry: 3000\n: zkpool dashboard events\n\n`);
  }

  /** Send one event to every client. */
  broadcast(e: DashboardEvent): void {
    this.write(`id: ${++this.seq}\nevent: ${e.type}\ndata: ${toJson(e.data)}\n\n`);
  }

  private write(frame: string): void {
    for (const c of [...this.clients.values()]) {
      if (c.res.writableLength > this.maxBufferedBytes || c.res.destroyed) {
        this.drop(c);
        continue;
      }
      c.res.write(frame);
    }
  }

  private drop(c: Client): void {
    this.clients.delete(c.id);
    this.dropped++;
    c.res.destroy();
  }

  /** End every stream and stop the heartbeat. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const c of this.clients.values()) c.res.end();
    this.clients.clear();
  }
}
