/**
 * Progress display for long setup steps: one live status line on a terminal (spinner, elapsed seconds,
 * the latest snarkjs message), plain start/finish lines otherwise (CI logs).
 */
import type { SnarkjsLogger } from "snarkjs";

const FRAMES = ["|", "/", "-", "\\"];

export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

export class Progress {
  private readonly sink: ProgressSink;
  private readonly quiet: boolean;

  constructor(options: { sink?: ProgressSink; quiet?: boolean } = {}) {
    this.sink = options.sink ?? {
      write: (t) => process.stderr.write(t),
      isTTY: process.stderr.isTTY === true,
    };
    this.quiet = options.quiet ?? false;
  }

  /** Print a line (above any live status line). */
  line(text: string): void {
    if (!this.quiet) this.sink.write(text + "\n");
  }

  /** A loud, boxed warning; printed even when quiet. */
  warn(lines: string[]): void {
    const width = Math.max(...lines.map((l) => l.length)) + 4;
    const bar = "!".repeat(width);
    const body = lines.map((l) => `! ${l.padEnd(width - 4)} !`).join("\n");
    this.sink.write(`\n${bar}\n${body}\n${bar}\n\n`);
  }

  /** Run a step, showing its elapsed time and the latest message from the snarkjs logger it gets. */
  async step<T>(label: string, fn: (logger: SnarkjsLogger) => Promise<T>): Promise<T> {
    const start = Date.now();
    let last = "";
    let frame = 0;
    const secs = (): string => ((Date.now() - start) / 1000).toFixed(1) + "s";
    const draw = (): void => {
      if (this.quiet || !this.sink.isTTY) return;
      const msg = last.length > 60 ? last.slice(0, 57) + "..." : last;
      this.sink.write(
        `\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label} ${secs()}${msg ? "  " + msg : ""}`,
      );
    };
    const logger: SnarkjsLogger = {
      debug: (m) => {
        last = String(m);
      },
      info: (m) => {
        last = String(m);
      },
      warn: (m) => {
        last = String(m);
      },
      error: (m) => {
        last = String(m);
        this.line(`  snarkjs: ${String(m)}`);
      },
    };
    if (!this.quiet && !this.sink.isTTY) this.sink.write(`… ${label}\n`);
    const timer = setInterval(draw, 200);
    timer.unref();
    try {
      const result = await fn(logger);
      if (!this.quiet) this.sink.write(`${this.sink.isTTY ? "\r\x1b[2K" : ""}✓ ${label} (${secs()})\n`);
      return result;
    } catch (err) {
      if (!this.quiet) this.sink.write(`${this.sink.isTTY ? "\r\x1b[2K" : ""}✗ ${label} (${secs()})\n`);
      throw err;
    } finally {
      clearInterval(timer);
    }
  }
}
