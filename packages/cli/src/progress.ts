/**
 * Live progress of the CLI's long commands (devnet start-up, `task submit`), in one of three modes:
 * - `tty`: a listr2 task list on the terminal: the running step spins, finished ones stay as ✔ / ✖ lines;
 * - `plain`: one line per finished step (pipes, logs, CI);
 * - `json`: one JSON object per finished step (`--json`), bigints as decimal strings.
 * Steps run one after another; events that are no step (a demo task's progress) are lines in every mode.
 */
import { DefaultRenderer, Listr, ListrLogger, ProcessOutput, color, type ListrTaskWrapper } from "listr2";
import { toJson } from "./api.js";

export type ProgressMode = "tty" | "plain" | "json";

/** `json` with --json, else `tty` when the stream the progress goes to is a terminal, else `plain`. */
export function progressMode(json: boolean, stream: { isTTY?: boolean } | undefined): ProgressMode {
  if (json) return "json";
  return stream?.isTTY === true ? "tty" : "plain";
}

export interface ProgressOptions {
  mode: ProgressMode;
  /** Writes one finished line (plain and json modes). */
  line(text: string): void;
  /** The terminal the tty mode draws on (without one, tty falls back to plain). */
  terminal?: NodeJS.WriteStream;
  /**
   * Start time (ms since the epoch): plain lines then start with the seconds since it (`[   1.2s] `) and JSON
   * objects with `t` (seconds). @default no time stamps
   */
  since?: number;
}

/** Fields of a JSON line (its `event` names the step or event). */
export type ProgressData = Record<string, unknown>;

export interface Step {
  /** New text of the running step (tty); with `data`, also a line (plain, json). */
  update(title: string, data?: ProgressData): void;
  /** The step finished: ✔ `text` (tty), `text` (plain), `data` (json). */
  done(text: string, data: ProgressData): void;
  /** The step failed: ✖ `text` (tty); with `data`, also a line (plain, json). */
  fail(text: string, data?: ProgressData): void;
}

export interface Progress {
  readonly mode: ProgressMode;
  /** Starts a step; a step still running is ended as failed first. */
  start(title: string): Step;
  /** Runs `fn` as a step: done with `finished(result)`, failed (and rethrown) when `fn` throws. */
  run<T>(title: string, fn: (step: Step) => Promise<T>, finished: (result: T) => [text: string, data: ProgressData]): Promise<T>;
  /** A line that is no step (tty: printed once the running step, if any, has finished). */
  event(text: string, data: ProgressData): void;
  /** Ends a running step as failed and releases the terminal; resolves once all output is written. */
  close(): Promise<void>;
}

export function createProgress(o: ProgressOptions): Progress {
  return o.mode === "tty" && o.terminal !== undefined ? new TtyProgress(o.terminal, o.since) : new LineProgress(o);
}

/** `[  12.3s] text` with a start time, else `text`. */
function stamped(text: string, since: number | undefined): string {
  return since === undefined ? text : `[${((Date.now() - since) / 1000).toFixed(1).padStart(6)}s] ${text}`;
}

abstract class BaseProgress implements Progress {
  abstract readonly mode: ProgressMode;
  abstract start(title: string): Step;
  abstract event(text: string, data: ProgressData): void;
  abstract close(): Promise<void>;

  async run<T>(title: string, fn: (step: Step) => Promise<T>, finished: (result: T) => [string, ProgressData]): Promise<T> {
    const step = this.start(title);
    let result: T;
    try {
      result = await fn(step);
    } catch (err) {
      step.fail(`${title}: ${(err as Error).message.split("\n")[0] ?? ""}`);
      throw err;
    }
    const [text, data] = finished(result);
    step.done(text, data);
    return result;
  }
}

/** plain and json modes: nothing is drawn, every finished step is one line. */
class LineProgress extends BaseProgress {
  readonly mode: "plain" | "json";
  constructor(private readonly o: ProgressOptions) {
    super();
    this.mode = o.mode === "json" ? "json" : "plain";
  }

  private write(text: string, data: ProgressData): void {
    const since = this.o.since;
    if (this.mode === "json") {
      this.o.line(toJson(since === undefined ? data : { t: (Date.now() - since) / 1000, ...data }));
    } else {
      this.o.line(stamped(text, since));
    }
  }

  start(): Step {
    let open = true;
    return {
      update: (title, data) => {
        if (open && data !== undefined) this.write(title, data);
      },
      done: (text, data) => {
        if (open) this.write(text, data);
        open = false;
      },
      fail: (text, data) => {
        if (open && data !== undefined) this.write(text, data);
        open = false;
      },
    };
  }

  event(text: string, data: ProgressData): void {
    this.write(text, data);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Dim text (no colour where listr2's colorette has none). */
const dim = (text: string): string => (color.dim ?? String)(text);

interface Outcome { ok: boolean; text: string; at: number }
type TaskWrapper = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;

/**
 * tty mode: each step is a one-task listr2 list drawn by its default renderer (spinner, then ✔ / ✖ with the
 * step's duration). The lists run strictly one after another (a renderer owns the terminal while it runs),
 * and lines of events wait in the same queue.
 */
class TtyProgress extends BaseProgress {
  readonly mode = "tty" as const;
  private queue: Promise<void> = Promise.resolve();
  /** The running step and its text. */
  private current: { step: Step; text(): string } | undefined;

  constructor(private readonly terminal: NodeJS.WriteStream, private readonly since: number | undefined) {
    super();
  }

  start(title: string): Step {
    if (this.current !== undefined) this.current.step.fail(this.current.text());
    let settle: (o: Outcome) => void = () => undefined;
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    let text = title;
    const startedAt = Date.now();
    let task: TaskWrapper | undefined;
    let open = true;
    const finish = (o: Outcome): void => {
      if (!open) return;
      open = false;
      if (this.current?.step === step) this.current = undefined;
      settle(o);
    };
    const step: Step = {
      update: (t) => {
        if (!open) return;
        text = t;
        if (task !== undefined) task.title = t;
      },
      done: (t) => finish({ ok: true, text: t, at: Date.now() }),
      fail: (t) => finish({ ok: false, text: t, at: Date.now() }),
    };
    this.current = { step, text: () => text };
    // built only when its turn comes: listr2 saves the terminal's write() when built and swaps it while it runs
    this.queue = this.queue.then(() => this.list(title, async (t) => {
      task = t;
      t.title = text;
      const o = await outcome;
      // the step's own duration (its list may have started drawing later than the step)
      t.title = `${o.text} ${dim(`[${((o.at - startedAt) / 1000).toFixed(1)}s]`)}`;
      if (!o.ok) throw new Error(o.text);
    }).run().then(() => undefined, () => undefined));
    return step;
  }

  /** A one-step listr2 list drawn on the terminal. */
  private list(title: string, task: (t: TaskWrapper) => Promise<void>): Listr<unknown, typeof DefaultRenderer, typeof DefaultRenderer> {
    const options = {
      // both of listr2's outputs go to the terminal (its write() is buffered while the step is drawn)
      logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(this.terminal, this.terminal, { leaveEmptyLine: false }) }),
      showErrorMessage: false,
    };
    return new Listr<unknown, typeof DefaultRenderer, typeof DefaultRenderer>([{ title, task: (_ctx, t) => task(t) }], {
      renderer: DefaultRenderer, rendererOptions: options,
      // listr2 falls back when process.stdout is no terminal; the terminal here may be stderr
      fallbackRenderer: DefaultRenderer, fallbackRendererOptions: options,
      registerSignalListeners: false, exitOnError: true,
    });
  }

  event(text: string): void {
    const line = stamped(text, this.since); // stamped now, written once the running step is drawn
    this.queue = this.queue.then(() => new Promise<void>((resolve) => this.terminal.write(line + "\n", () => resolve())));
  }

  async close(): Promise<void> {
    if (this.current !== undefined) this.current.step.fail(this.current.text());
    await this.queue;
  }
}
