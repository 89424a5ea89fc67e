import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { encodeFrame, FrameDecoder } from "./frames.js";

/** A reply from the sidecar: `ok` plus op-specific fields, or `code` + `message` when ok is false. */
export type SidecarReply = Record<string, unknown> & { id: string; ok: boolean; code?: string; message?: string };

export interface SidecarInfo {
  version: string;
  device: "cpu" | "cuda";
  threads: number;
  memTotal: number;
  memAvailable: number;
  gpuName?: string;
  gpuMemTotal?: number;
  gpuMemFree?: number;
}

export class SidecarExitedError extends Error {
  constructor(readonly detail: string) {
    super(`native prover sidecar exited: ${detail}`);
    this.name = "SidecarExitedError";
  }
}

export class SidecarTimeoutError extends Error {
  constructor(readonly op: string, readonly ms: number) {
    super(`native prover sidecar did not answer ${op} within ${ms} ms`);
    this.name = "SidecarTimeoutError";
  }
}

export interface SidecarClientOptions {
  binaryPath: string;
  /** Extra CLI args after "sidecar" (none today). */
  args?: string[];
  /** Milliseconds to wait for the ready event. */
  startTimeoutMs?: number;
  /** Called once when the process exits without stop() having been called. */
  onUnexpectedExit?: (detail: string) => void;
}

interface Pending {
  op: string;
  resolve: (reply: SidecarReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * One sidecar process: spawns `zkprover sidecar`, matches replies to requests by id, and rejects every
 * pending request with SidecarExitedError when the process dies. Restarting is the owner's job.
 */
export class SidecarClient {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private stopping = false;
  private exited = false;
  private exitPromise: Promise<void> = Promise.resolve();
  private stderrTail = "";
  info: SidecarInfo | undefined;

  constructor(private readonly options: SidecarClientOptions) {}

  get running(): boolean {
    return this.child !== undefined && !this.exited;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<SidecarInfo> {
    const child = spawn(this.options.binaryPath, ["sidecar", ...(this.options.args ?? [])], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    this.exited = false;
    this.stopping = false;
    const decoder = new FrameDecoder();
    let readyResolve: ((info: SidecarInfo) => void) | undefined;
    let readyReject: ((err: Error) => void) | undefined;
    const ready = new Promise<SidecarInfo>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.exitPromise = new Promise<void>((resolve) => {
      const onGone = (detail: string): void => {
        if (this.exited) return;
        this.exited = true;
        const err = new SidecarExitedError(detail);
        readyReject?.(err);
        for (const [id, p] of this.pending) {
          if (p.timer) clearTimeout(p.timer);
          this.pending.delete(id);
          p.reject(err);
        }
        if (!this.stopping) this.options.onUnexpectedExit?.(detail);
        resolve();
      };
      child.on("exit", (code, signal) => {
        const tail = this.stderrTail.trim();
        onGone(`code ${String(code)}, signal ${String(signal)}${tail ? `, stderr: ${tail}` : ""}`);
      });
      child.on("error", (err) => onGone(err.message));
    });
    child.stdin.on("error", () => {
      // EPIPE after the process died: the exit handler reports it
    });
    child.stderr.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString("utf8")).slice(-2000);
    });
    child.stdout.on("data", (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.stderrTail += ` [protocol error: ${(err as Error).message}]`;
        child.kill("SIGKILL");
        return;
      }
      for (const f of frames) {
        const reply = f.json as SidecarReply;
        if (reply.event === "ready") {
          readyResolve?.(reply as unknown as SidecarInfo);
          continue;
        }
        const p = this.pending.get(String(reply.id));
        if (!p) continue;
        this.pending.delete(String(reply.id));
        if (p.timer) clearTimeout(p.timer);
        p.resolve(reply);
      }
    });
    const ms = this.options.startTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SidecarTimeoutError("start", ms)), ms);
    });
    try {
      this.info = await Promise.race([ready, timeout]);
      return this.info;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send one request; resolves with the reply (ok or not). Rejects when the process dies or on timeout. */
  request(
    op: string,
    fields: Record<string, string | number> = {},
    payload?: Uint8Array,
    timeoutMs?: number,
  ): { id: string; reply: Promise<SidecarReply> } {
    const id = String(this.nextId++);
    const child = this.child;
    if (!child || this.exited) {
      return { id, reply: Promise.reject(new SidecarExitedError("not running")) };
    }
    const reply = new Promise<SidecarReply>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new SidecarTimeoutError(op, timeoutMs));
            }, timeoutMs);
      this.pending.set(id, { op, resolve, reject, timer });
      child.stdin.write(encodeFrame({ ...fields, id, op }, payload));
    });
    return { id, reply };
  }

  /** Kill the process now (used after a timeout). The exit is reported as unexpected only if not stopping. */
  kill(): void {
    this.child?.kill("SIGKILL");
  }

  /** Close stdin (the sidecar cancels any job and exits), SIGKILL after graceMs. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    this.stopping = true;
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
