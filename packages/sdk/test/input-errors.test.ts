/**
 * Newcomer input errors of the witness path (ZkPoolClient.publicSignalsOf, what submitTask runs): a missing or an
 * extra input field is named, and nothing the witness calculator prints reaches stdout / stderr. No chain needed.
 */
import assert from "node:assert/strict";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCircuit, setupCircuit } from "@zkpool/circuits";
import { isZkPoolError } from "@zkpool/protocol";
import { SdkErrorCode, terminateSnarkjs, ZkPoolClient } from "../src/index.js";
import type { SdkError } from "../src/index.js";

/** Run `fn`, collecting every write to process.stdout / process.stderr (and so every console call) meanwhile. */
async function quiet<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; printed: string }> {
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  let printed = "";
  const grab = ((chunk: string | Uint8Array) => ((printed += String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = grab;
  process.stderr.write = grab;
  try {
    return { value: await fn(), printed };
  } catch (error) {
    return { error, printed };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

function sdkError(e: unknown, code: SdkErrorCode): SdkError {
  assert.ok(isZkPoolError(e, code), `expected ${code}, got ${String(e)}`);
  return e as SdkError;
}

describe("sdk: input errors name the field (witness calculation)", function () {
  this.timeout(120_000);
  let dir: string;
  let wasm: string;
  let vkey: { nPublic: number };
  const good = { value: "123456", lower: "1000", upper: "1000000" };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-sdk-input-"));
    const c = await loadCircuit("range-check-32", "groth16");
    wasm = c.wasm.path;
    vkey = { nPublic: c.nPublic };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await terminateSnarkjs();
  });

  it("a good input gives the public signals and prints nothing", async () => {
    const r = await quiet(() => ZkPoolClient.publicSignalsOf(wasm, vkey, good));
    assert.equal(r.error, undefined);
    assert.deepEqual(r.value, [1000n, 1000000n]);
    assert.equal(r.printed, "");
  });

  it("a missing field is SDK_INPUT_MISSING with the field's name (catalog meta beside the wasm)", async () => {
    const r = await quiet(() => ZkPoolClient.publicSignalsOf(wasm, vkey, { value: "5", lower: "1" }));
    const e = sdkError(r.error, SdkErrorCode.INPUT_MISSING);
    assert.equal(e.type.field, "upper");
    assert.match(e.message, /lacks the field "upper"/);
    assert.doesNotMatch(e.message, /Not all inputs have been set/);
    assert.equal(r.printed, "");
  });

  it("an extra field is SDK_INPUT_UNKNOWN with its name; a typo names both", async () => {
    let r = await quiet(() => ZkPoolClient.publicSignalsOf(wasm, vkey, { ...good, extra: "1" }));
    let e = sdkError(r.error, SdkErrorCode.INPUT_UNKNOWN);
    assert.equal(e.type.field, "extra");
    assert.equal(r.printed, "");
    r = await quiet(() => ZkPoolClient.publicSignalsOf(wasm, vkey, { value: "5", lower: "1", uper: "9" }));
    e = sdkError(r.error, SdkErrorCode.INPUT_MISSING);
    assert.equal(e.type.field, "upper");
    assert.match(e.message, /uper/);
  });

  it("a bare wasm (no names beside it): an extra field is still named, a missing one is counted with a hint", async () => {
    const bare = join(dir, "bare.wasm");
    await copyFile(wasm, bare);
    let r = await quiet(() => ZkPoolClient.publicSignalsOf(bare, vkey, { ...good, extra: "1" }));
    let e = sdkError(r.error, SdkErrorCode.INPUT_UNKNOWN);
    assert.equal(e.type.field, "extra");
    assert.equal(r.printed, "");
    r = await quiet(() => ZkPoolClient.publicSignalsOf(bare, vkey, { value: "5", lower: "1" }));
    e = sdkError(r.error, SdkErrorCode.INPUT_MISSING);
    assert.equal(e.type.field, undefined);
    assert.equal(e.type.need, "3");
    assert.equal(e.type.have, "2");
    assert.match(e.message, /circuit\.json/);
    assert.equal(r.printed, "");
    // names given by the caller
    r = await quiet(() => ZkPoolClient.publicSignalsOf(bare, vkey, { value: "5", lower: "1" }, { inputNames: ["value", "lower", "upper"] }));
    assert.equal(sdkError(r.error, SdkErrorCode.INPUT_MISSING).type.field, "upper");
  });

  it("an input the circuit rejects is SDK_BAD_INPUT with circom's message, and no raw ERROR line is printed", async () => {
    const r = await quiet(() => ZkPoolClient.publicSignalsOf(wasm, vkey, { value: "5", lower: "1000", upper: "1000000" }));
    const e = sdkError(r.error, SdkErrorCode.BAD_INPUT);
    assert.match(e.message, /Assert Failed/);
    assert.match(e.message, /line: \d+/);
    assert.doesNotMatch(e.message, /ERROR:/);
    assert.equal(r.printed, "");
    const wrongSize = await quiet(() => ZkPoolClient.publicSignalsOf(wasm, vkey, { ...good, upper: ["1", "2"] }));
    assert.equal(sdkError(wrongSize.error, SdkErrorCode.BAD_INPUT).type.field, "upper");
  });

  it("a circuit set up with setupCircuit: its circuit.json names the missing field", async () => {
    const circuit = join(dir, "mul.circom");
    await writeFile(circuit, "pragma circom 2.0.0;\ntemplate M() {\n  signal input a;\n  signal input b[2];\n  signal output c;\n  c <== a * b[1];\n}\ncomponent main = M();\n");
    const out = join(dir, "mul");
    const s = await quiet(() => setupCircuit({ circuit, outDir: out, devPtau: true, cacheDir: join(dir, "cache"), warn: () => undefined }));
    assert.equal(s.error, undefined, String(s.error));
    const w = join(out, "mul.wasm");
    const r = await quiet(() => ZkPoolClient.publicSignalsOf(w, { nPublic: 1 }, { a: "3" }));
    assert.equal(sdkError(r.error, SdkErrorCode.INPUT_MISSING).type.field, "b");
    assert.equal(r.printed, "");
    const ok = await ZkPoolClient.publicSignalsOf(w, { nPublic: 1 }, { a: "3", b: ["0", "5"] });
    assert.deepEqual(ok, [15n]);
  });
});
