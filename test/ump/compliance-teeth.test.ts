// The compliance suite fails a module that breaks its rules: run it (in a child mocha) against
// NonCompliantTestDoubleModule and check that each rule's test fails.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

interface JsonReport {
  stats: { passes: number; failures: number };
  failures: { title: string; err: { message?: string } }[];
  passes: { title: string }[];
}

describe("compliance suite catches a non-compliant module", function () {
  this.timeout(300_000);
  let report: JsonReport;

  before(async () => {
    const mochaBin = createRequire(import.meta.url).resolve("mocha/bin/mocha.js");
    const suite = fileURLToPath(new URL("./noncompliant-module.suite.js", import.meta.url));
    const child = spawn(
      process.execPath,
      [mochaBin, "--no-config", "--reporter", "json", "--timeout", "120000", suite],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", () => resolve());
    });
    // The JSON report is the last thing printed; witness-generator errors may come before it.
    report = JSON.parse(out.slice(out.indexOf('{\n  "stats"'))) as JsonReport;
  });

  const fails = (title: RegExp, message: RegExp): void => {
    const f = report.failures.find((x) => title.test(x.title));
    assert.ok(
      f,
      `expected "${String(title)}" to fail; passes: ${report.passes.map((p) => p.title).join(" | ")}`,
    );
    assert.match(f.err.message ?? "", message);
  };

  it("flags lost error types", () => {
    fails(/INVALID_INPUT/, /expected a UmpError with code INVALID_INPUT/);
    fails(/truncated/, /expected a UmpError with code INVALID_ARTIFACT/);
  });
  it("flags backwards progress", () => fails(/reports progress/, /progress went backwards/));
  it("flags a verify() that accepts a wrong proof", () =>
    fails(/answers false/, /accepted a proof for other public signals/));
  it("flags threads beyond the declared resources", () => fails(/declared resources/, /extra OS threads/));
  it("flags ignored cancellation", () => fails(/cancels promptly/, /finished before cancellation/));
  it("flags a stop() that leaves work running", () =>
    fails(/stop\(\) is idempotent/, /still running after stop/));
  it("still passes what the module does right", () => {
    assert.ok(report.passes.some((p) => /well-formed manifest/.test(p.title)));
    assert.ok(report.passes.some((p) => /preflight accepts/.test(p.title)));
  });
});
