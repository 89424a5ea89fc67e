/** Response helpers shared by the API (../api.ts) and the dashboard routes. */
import type { ServerResponse } from "node:http";

/** JSON with bigints as decimal strings (and bytes as hex). */
export function toJson(v: unknown, indent?: number): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString("hex") : x), indent);
}

/** A client mistake: answered with its status and a JSON error that says what to change. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${detail}`);
  }
}

export function send(res: ServerResponse, status: number, body: string | Buffer, type = "application/json", headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff", ...headers });
  res.end(body);
}

export const TASK_ID = /^0x[0-9a-f]{64}$/;

export function taskIdParam(raw: string, what: string): string {
  if (!TASK_ID.test(raw.toLowerCase())) throw new HttpError(400, `bad ${what}`, `${what} must be 0x followed by 64 hex digits (a task id)`);
  return raw.toLowerCase();
}

/** The path segment after `prefix`, percent-decoded (400 when the encoding is bad). */
export function pathParam(path: string, prefix: string, what: string): string {
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch {
    throw new HttpError(400, `bad ${what}`, `the ${what} is not valid percent-encoding`);
  }
}
