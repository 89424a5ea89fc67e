import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// dist/test/generated.test.js -> repository root
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

describe("generated wire code", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("is what protons generates from protocol/zkpool.proto (regenerate with `npm run generate -w @zkpool/protocol`)", () => {
    dir = mkdtempSync(join(tmpdir(), "zkpool-protons-"));
    execFileSync(process.execPath, [
      join(ROOT, "node_modules", "protons", "dist", "bin", "protons.js"),
      "-o",
      dir,
      join(ROOT, "protocol", "zkpool.proto"),
    ]);
    const fresh = readFileSync(join(dir, "zkpool.ts"), "utf8");
    const committed = readFileSync(join(ROOT, "packages", "protocol", "src", "generated", "zkpool.ts"), "utf8");
    assert.equal(committed, fresh, "packages/protocol/src/generated/zkpool.ts is stale");
  });
});
