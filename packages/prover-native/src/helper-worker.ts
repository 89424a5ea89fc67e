/**
 * Worker thread that keeps snarkjs off the caller's event loop: witness calculation (circom WASM) and
 * Groth16 verification of every proof the sidecar returns.
 */
import workerThreads, { parentPort } from "node:worker_threads";

// ffjavascript starts its threads with the `web-worker` package, which takes any non-main thread for one of
// its own workers and crashes reading its workerData; let it see this helper as a main thread (its own
// workers, started from here, still see false). snarkjs is imported only after this.
Object.defineProperty(workerThreads, "isMainThread", { value: true });
const snarkjs = await import("snarkjs");

export type HelperRequest =
  | { id: number; op: "witness"; wasmPath: string; input: Record<string, unknown> }
  | { id: number; op: "verify"; vkey: unknown; publicSignals: string[]; proof: unknown };

export type HelperResponse =
  | { id: number; ok: true; wtns?: Uint8Array; valid?: boolean }
  | { id: number; ok: false; message: string };

const port = parentPort;
if (port) {
  port.on("message", (req: HelperRequest) => {
    void handle(req).then(
      (res) => port.postMessage(res, res.ok && res.wtns ? [res.wtns.buffer as ArrayBuffer] : []),
      (err: unknown) => port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) }),
    );
  });
}

async function handle(req: HelperRequest): Promise<HelperResponse> {
  if (req.op === "witness") {
    const out: { type: "mem"; data?: Uint8Array } = { type: "mem" };
    await snarkjs.wtns.calculate(req.input, req.wasmPath, out);
    if (!out.data) throw new Error("witness calculation produced no data");
    const copy = new Uint8Array(out.data.byteLength);
    copy.set(out.data);
    return { id: req.id, ok: true, wtns: copy };
  }
  const valid = await snarkjs.groth16.verify(req.vkey, req.publicSignals, req.proof);
  return { id: req.id, ok: true, valid: valid === true };
}
