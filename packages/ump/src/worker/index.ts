/** `@zkpool/ump/worker`: the worker-side helper and typed errors, without the runtime. */
export { serveWorkerJobs, type WorkerJobContext, type WorkerJobHandler } from "./serve.js";
export { UmpError, isUmpError, type UmpErrorCode, type UmpErrorType } from "../errors.js";
