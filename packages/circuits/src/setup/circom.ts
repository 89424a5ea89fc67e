/**
 * Run circom2 (circom 2 as a WASI module) on a circuit at any path, with every folder it must see given to
 * it as a WASI preopen, and turn its output into clean diagnostics.
 *
 * circom2's own `cli.js` preopens only the working directory and its ancestors, so a circuit outside the
 * working tree, or an include folder elsewhere, is invisible to it. `CircomRunner` (circom2/index.js)
 * takes `preopens: { [pathTheCompilerSees]: hostPath }`; we map each needed folder to itself (absolute
 * paths), so absolute paths on the command line resolve. The compiler runs in a worker thread (it is
 * synchronous WASM: the main thread stays free for a progress display) and its fd 1 / fd 2 writes are
 * captured through the `fs` binding: nothing reaches the user's terminal.
 */
import { Worker } from "node:worker_threads";
import type { CircomJob, CircomJobResult } from "./circom-worker.js";
import { packageDir } from "../paths.js";

export type { CircomJobResult } from "./circom-worker.js";

export interface CircomDiagnostic {
  severity: "error" | "warning";
  /** circom's code, e.g. "P1008" (parse), "T3001" (type / constraint checks). */
  code?: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** The label under the source snippet ("A semicolon is needed here"). */
  label?: string;
  /** `= ...` notes (hints, call traces). */
  notes: string[];
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

/** Parse circom's codespan-style report (errors and warnings) from its captured stderr + stdout. */
export function parseCircomDiagnostics(text: string): CircomDiagnostic[] {
  const lines = stripAnsi(text).split(/\r?\n/);
  const out: CircomDiagnostic[] = [];
  let cur: CircomDiagnostic | undefined;
  for (const raw of lines) {
    const head = /^(error|warning)(?:\[(\w+)\])?:\s*(.*)$/.exec(raw.trim());
    if (head !== null) {
      cur = { severity: head[1] as "error" | "warning", message: (head[3] ?? "").trim(), notes: [] };
      if (head[2] !== undefined) cur.code = head[2];
      out.push(cur);
      continue;
    }
    if (cur === undefined) continue;
    const loc = /[┌╭]─+\s+"?(.+?)"?:(\d+):(\d+)\s*$/.exec(raw);
    if (loc !== null && cur.file === undefined) {
      cur.file = loc[1]!;
      cur.line = Number(loc[2]);
      cur.column = Number(loc[3]);
      continue;
    }
    const label = /[│|]\s.*?\^+\s+(\S.*)$/.exec(raw) ?? /^\s*[╰└][─]*\^+\s+(\S.*)$/.exec(raw);
    if (label !== null && cur.label === undefined) {
      cur.label = label[1]!.trim();
      continue;
    }
    const note = /^\s*=\s+(.*)$/.exec(raw);
    if (note !== null) {
      cur.notes.push(note[1]!.trim());
      continue;
    }
    if (/^\s*->/.test(raw) && cur.notes.length > 0) cur.notes[cur.notes.length - 1] += " " + raw.trim();
    if (/previous errors were found/.test(raw)) cur = undefined;
  }
  return out;
}

/** One line per diagnostic: `file:line:col: error[CODE]: message (label)`, then its notes. */
export function formatDiagnostic(d: CircomDiagnostic): string {
  const where = d.file !== undefined ? `${d.file}:${d.line}:${d.column}: ` : "";
  const what = `${d.severity}${d.code !== undefined ? `[${d.code}]` : ""}: ${d.message}`;
  const label = d.label !== undefined && d.label !== d.message ? ` (${d.label})` : "";
  return [`${where}${what}${label}`, ...d.notes.map((n) => `    note: ${n}`)].join("\n");
}

/** Run circom2 with these arguments; every folder in `preopens` is visible to it at its own absolute path. */
export function runCircom(args: string[], preopenDirs: string[]): Promise<CircomJobResult> {
  const preopens: Record<string, string> = {};
  for (const d of preopenDirs) preopens[d] = d;
  const job: CircomJob = { args, preopens, circom2Dir: packageDir("circom2") };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./circom-worker.js", import.meta.url), {
      workerData: job,
      stdout: true,
      stderr: true,
    });
    let stray = "";
    worker.stdout.on("data", (b: Buffer) => (stray += b.toString()));
    worker.stderr.on("data", (b: Buffer) => (stray += b.toString()));
    let result: CircomJobResult | undefined;
    worker.once("message", (r: CircomJobResult) => (result = r));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (result !== undefined) resolve({ ...result, stderr: result.stderr + stray });
      else reject(new Error(`the circom2 worker exited (code ${code}) without a result${stray ? `: ${stray}` : ""}`));
    });
  });
}
