/**
 * Terminal display of setupCircuit's progress events: a progress bar (cli-progress) on a TTY, one line per
 * finished step otherwise (CI logs, pipes).
 */
import cliProgress from "cli-progress";
import type { SetupProgressEvent } from "./own.js";

export interface SetupProgressDisplayOptions {
  /** Where the bar is drawn. @default process.stderr */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Draw a bar (else one line per step). @default stream.isTTY */
  tty?: boolean;
  /** Sink of the plain lines (no TTY). @default a write to `stream` */
  line?: (text: string) => void;
}

export interface SetupProgressDisplay {
  onProgress(e: SetupProgressEvent): void;
  /** Print a line (above the bar on a TTY). */
  log(text: string): void;
  /** Remove the bar; call once setup has finished or failed. */
  stop(): void;
}

const secs = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)}s`;

export function createSetupProgress(o: SetupProgressDisplayOptions = {}): SetupProgressDisplay {
  const stream = o.stream ?? process.stderr;
  const tty = o.tty ?? stream.isTTY === true;
  const line = o.line ?? ((t: string) => void stream.write(t + "\n"));
  if (!tty) {
    return {
      onProgress(e) {
        if (e.type === "done") line(`✓ [${e.index}/${e.total}] ${e.label} (${secs(e.elapsedMs)})`);
        else if (e.type === "fail") line(`✗ [${e.index}/${e.total}] ${e.label} (${secs(e.elapsedMs)})`);
      },
      log: line,
      stop() {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: "{bar} {percentage}% | [{index}/{steps}] {label} {message}",
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
      autopadding: true,
      forceRedraw: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  const short = (m: string | undefined): string => (m === undefined ? "" : `· ${m.length > 40 ? m.slice(0, 37) + "..." : m}`);
  return {
    onProgress(e) {
      const payload = { index: e.index, steps: e.total, label: e.label, message: short(e.message) };
      const base = (e.index - 1) * 100;
      if (bar === undefined) bar = multi.create(e.total * 100, base, payload);
      else bar.setTotal(e.total * 100);
      if (e.type === "start") bar.update(base, { ...payload, message: "" });
      else if (e.type === "update") bar.update(base + Math.round((e.fraction ?? 0) * 100), payload);
      else {
        bar.update(e.index * 100, { ...payload, message: "" });
        multi.log(`${e.type === "done" ? "✓" : "✗"} [${e.index}/${e.total}] ${e.label} (${secs(e.elapsedMs)})\n`);
      }
    },
    log(text) {
      multi.log(text.endsWith("\n") ? text : text + "\n");
    },
    stop() {
      multi.stop();
    },
  };
}
