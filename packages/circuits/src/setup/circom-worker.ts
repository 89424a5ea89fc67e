/**
 * Worker thread that runs circom2 (circom 2 compiled to WASI) with explicit preopens and captures everything
 * it writes to stdout / stderr, so no raw compiler output reaches the user's terminal. Run by runCircom().
 */
import { readFileSync } from "node:fs";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";

export interface CircomJob {
  /** circom2 command line arguments (absolute paths). */
  args: string[];
  /** WASI preopens: path the compiler sees -> host path (identical absolute paths here). */
  preopens: Record<string, string>;
  /** The circom2 package folder. */
  circom2Dir: string;
}

export interface CircomJobResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** A crash of the compiler itself (a WASM trap, not a diagnosed error). */
  crash?: string;
}

interface CircomRunnerCtor {
  new (o: { args: string[]; env: Record<string, string>; preopens: Record<string, string>; bindings: unknown }): {
    execute(wasm: Uint8Array): Promise<unknown>;
  };
}

async function run(job: CircomJob): Promise<CircomJobResult> {
  const require = createRequire(`${job.circom2Dir}/`);
  const circom2 = require(`${job.circom2Dir}/index.js`) as {
    CircomRunner: CircomRunnerCtor;
    bindings: Record<string, unknown>;
  };
  const out = { stdout: "", stderr: "" };
  const decoder = new TextDecoder();
  // Every write of the compiler to fd 1 / 2 lands here; files it writes go to the real fs.
  const captureFs = {
    ...fs,
    writeSync(fd: number, buf: Uint8Array | string, ...rest: unknown[]): number {
      if (fd === 1 || fd === 2) {
        const text = typeof buf === "string" ? buf : decoder.decode(buf);
        if (fd === 1) out.stdout += text;
        else out.stderr += text;
        return typeof buf === "string" ? Buffer.byteLength(buf) : buf.byteLength;
      }
      return (fs.writeSync as (...a: unknown[]) => number)(fd, buf, ...rest);
    },
  };
  let exitCode = 0;
  class Exit extends Error {
    constructor(readonly code: number) {
      super(`exit ${code}`);
    }
  }
  const runner = new circom2.CircomRunner({
    args: job.args,
    env: {},
    preopens: job.preopens,
    bindings: {
      ...circom2.bindings,
      fs: captureFs,
      isTTY: () => false,
      exit(code: number) {
        throw new Exit(code);
      },
      kill(signal: string) {
        throw new Exit(128 + (signal === "SIGKILL" ? 9 : 15));
      },
    },
  });
  try {
    await runner.execute(readFileSync(`${job.circom2Dir}/circom.wasm`));
  } catch (err) {
    if (err instanceof Exit) exitCode = err.code;
    else if (typeof (err as { code?: unknown }).code === "number") exitCode = (err as { code: number }).code;
    else return { exitCode: 1, ...out, crash: String((err as Error)?.stack ?? err) };
  }
  return { exitCode, ...out };
}

if (parentPort !== null) {
  const port = parentPort;
  run(workerData as CircomJob).then(
    (r) => port.postMessage(r),
    (err: unknown) => port.postMessage({ exitCode: 1, stdout: "", stderr: "", crash: String(err) } satisfies CircomJobResult),
  );
}
