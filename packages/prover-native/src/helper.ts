import { Worker } from "node:worker_threads";
import type { HelperRequest, HelperResponse } from "./helper-worker.js";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class HelperTerminatedError extends Error {
  constructor() {
    super("helper worker terminated");
    this.name = "HelperTerminatedError";
  }
}

/** One long-lived helper worker; recreated after terminate() (used to abort a witness calculation). */
export class Helper {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: HelperResponse) => void; reject: (e: Error) => void }>();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./helper-worker.js", import.meta.url));
    worker.on("message", (res: HelperResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      p.resolve(res);
    });
    const fail = (err: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on("error", fail);
    worker.on("exit", () => fail(new HelperTerminatedError()));
    this.worker = worker;
    return worker;
  }

  call(req: DistributiveOmit<HelperRequest, "id">): Promise<HelperResponse> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise<HelperResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id });
    });
  }

  async terminate(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
