/**
 * `@zkpool/ump/worker`: the worker-side helper, typed errors and the artifact cache, without the runtime (a
 * worker thread that imports only this stays free of ethers and libp2p).
 */
export { serveWorkerJobs, type WorkerJobContext, type WorkerJobHandler } from "./serve.js";
export { UmpError, isUmpError, type UmpErrorCode, type UmpErrorType } from "../errors.js";
export { ArtifactCache, sha256Hex, sha256File } from "../artifacts.js";
