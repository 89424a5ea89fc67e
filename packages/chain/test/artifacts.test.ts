import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderArtifacts, packageRoot } from "../src/compile.js";

describe("chain: compiled artifacts", function () {
  this.timeout(60_000);

  it("src/generated/artifacts.ts is current for contracts/*.sol (run `npm run compile -w @zkpool/chain` if not)", () => {
    const committed = readFileSync(join(packageRoot(), "src", "generated", "artifacts.ts"), "utf8");
    assert.ok(committed === renderArtifacts(), "artifacts are stale: run `npm run compile -w @zkpool/chain` and commit the result");
  });
});
