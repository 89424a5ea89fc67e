/**
 * A mocha root hook (`--require test/dist/lib/leaks.js`). Mocha runs without `--exit`, so a node, chain, browser,
 * worker or socket that a test started and did not stop keeps the process up after the last test. Instead of
 * letting CI hang until its time limit, this names what is still alive a while after the last test and fails.
 */
const GRACE_MS = Number(process.env["ZKPOOL_LEAK_GRACE_MS"] ?? 30_000);

interface HandleLike {
  constructor: { name: string };
  pid?: number;
  spawnfile?: string;
  spawnargs?: string[];
  remoteAddress?: string;
  remotePort?: number;
  localPort?: number;
  threadId?: number;
}

function describe(h: HandleLike): string {
  const name = h.constructor.name;
  if (h.pid !== undefined) return `${name} pid ${h.pid} (${(h.spawnargs ?? [h.spawnfile ?? "?"]).join(" ").slice(0, 160)})`;
  if (h.threadId !== undefined) return `${name} thread ${h.threadId}`;
  if (h.remoteAddress !== undefined) return `${name} ${h.remoteAddress}:${h.remotePort ?? "?"} (local port ${h.localPort ?? "?"})`;
  if (h.localPort !== undefined) return `${name} listening on ${h.localPort}`;
  return name;
}

export const mochaHooks = {
  afterAll(): void {
    const timer = setTimeout(() => {
      const handles = (process as unknown as { _getActiveHandles(): HandleLike[] })._getActiveHandles();
      const resources = process.getActiveResourcesInfo().filter((r) => r !== "Timeout");
      console.error(
        `leak: the test process is still up ${GRACE_MS / 1000} s after the last test, so something a test started was not stopped.\n` +
          `leak: active handles: ${handles.map(describe).join("; ") || "none"}\n` +
          `leak: active resources: ${resources.join(" ") || "none"}`,
      );
      // mocha's own exit listener sets the exit code to its failure count; this one runs after it
      process.on("exit", () => (process.exitCode = 1));
      process.exit(1);
    }, GRACE_MS);
    timer.unref();
  },
};
