import { pino } from "pino";
import { PinoPretty } from "pino-pretty";

/**
 * Structured logger used across the node: `log.info("message", {context})`.
 * Network-derived data (message bodies, peer-supplied strings) is logged at debug/trace only.
 */
export interface Logger {
  error(msg: string, ctx?: Record<string, unknown>, err?: unknown): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  debug(msg: string, ctx?: Record<string, unknown>): void;
  trace(msg: string, ctx?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = "silent" | "error" | "warn" | "info" | "debug" | "trace";

export interface LoggerOptions {
  /** @default "info" */
  level?: LogLevel;
  /** Name bound into every line (e.g. the node's short peer id). */
  name?: string;
  /** Destination file descriptor or path; @default stdout */
  destination?: number | string;
  /** Human-readable, coloured lines (pino-pretty) instead of JSON: for a terminal. @default false */
  pretty?: boolean;
}

function wrap(p: pino.Logger): Logger {
  return {
    error: (msg, ctx, err) => p.error({ ...ctx, err }, msg),
    warn: (msg, ctx) => p.warn(ctx ?? {}, msg),
    info: (msg, ctx) => p.info(ctx ?? {}, msg),
    debug: (msg, ctx) => p.debug(ctx ?? {}, msg),
    trace: (msg, ctx) => p.trace(ctx ?? {}, msg),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

/** A pino-backed structured logger. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  if (opts.pretty === true) {
    const stream = PinoPretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", destination: opts.destination ?? 1, sync: false });
    return wrap(pino({ level: opts.level ?? "info", name: opts.name, base: undefined }, stream));
  }
  const dest = pino.destination({ dest: opts.destination ?? 1, sync: false });
  const base = pino({ level: opts.level ?? "info", name: opts.name, base: undefined }, dest);
  return wrap(base);
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return wrap(pino({ level: "silent" }));
}
