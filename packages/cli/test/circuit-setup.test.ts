/** `zkpool circuit setup` in-process (a fresh commander program + addCircuitCommands): outputs, --json, the dev warning, typed errors. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { isZkPoolError } from "@zkpool/protocol";
import { addCircuitCommands, circuitCommandGroup } from "../src/circuit.js";

const SMALL = `pragma circom 2.0.0;
include "circomlib/circuits/comparators.circom";
include "bitify.circom";
template Small() {
  signal input x;
  signal input limit;
  signal input salt[2];
  signal output ok;
  component lt = LessThan(16);
  lt.in[0] <== x;
  lt.in[1] <== limit;
  component bits = Num2Bits(8);
  bits.in <== salt[0];
  ok <== lt.out * (salt[1] + 1);
}
component main {public [limit]} = Small();
`;

interface Ran {
  out: string[];
  err: string[];
  error?: unknown;
  /** What reached the real process.stdout / stderr meanwhile (must stay empty). */
  leaked: string;
}

async function run(args: string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("zkpool").exitOverride();
  addCircuitCommands(program, { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, tty: false });
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  let leaked = "";
  const grab = ((c: string | Uint8Array) => ((leaked += String(c)), true)) as typeof process.stdout.write;
  process.stdout.write = grab;
  process.stderr.write = grab;
  try {
    await program.parseAsync(args, { from: "user" });
    return { out, err, leaked };
  } catch (error) {
    return { out, err, error, leaked };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

describe("cli: zkpool circuit setup", function () {
  this.timeout(240_000);
  let dir: string;
  let file: string;
  const savedCache = process.env["ZKPOOL_CIRCUITS_CACHE"];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-cli-circuit-"));
    process.env["ZKPOOL_CIRCUITS_CACHE"] = join(dir, "cache");
    await mkdir(join(dir, "src"));
    file = join(dir, "src", "small.circom");
    await writeFile(file, SMALL);
  });
  after(async () => {
    if (savedCache === undefined) delete process.env["ZKPOOL_CIRCUITS_CACHE"];
    else process.env["ZKPOOL_CIRCUITS_CACHE"] = savedCache;
    await rm(dir, { recursive: true, force: true });
  });

  it("--dev-ptau --json: writes the artifacts and circuit.json, prints parsable JSON, warns loudly on stderr", async () => {
    const outDir = join(dir, "out");
    const t = Date.now();
    const r = await run(["circuit", "setup", file, "--dev-ptau", "--out", outDir, "--json"]);
    assert.equal(r.error, undefined, String(r.error));
    console.log(`      (zkpool circuit setup, groth16, 2^5 dev ptau made: ${Date.now() - t} ms)`);
    assert.equal(r.leaked, "");
    assert.equal(r.out.length, 1);
    const j = JSON.parse(r.out[0]!) as { manifest: string; inputs: string[]; nPublic: number; ptau: { dev: boolean; power: number }; systems: Record<string, { circuitId: string; zkey: { file: string } }> };
    assert.equal(j.manifest, join(outDir, "circuit.json"));
    assert.deepEqual([...j.inputs].sort(), ["limit", "salt", "x"]);
    assert.equal(j.nPublic, 2);
    assert.equal(j.ptau.dev, true);
    assert.equal(j.ptau.power, 5);
    assert.match(j.systems["groth16"]!.circuitId, /^0x[0-9a-f]{64}$/);
    for (const f of ["circuit.json", "small.wasm", "small.r1cs", "small.sym", "small.groth16.zkey", "small.groth16.vkey.json"]) {
      assert.ok(existsSync(join(outDir, f)), f);
    }
    const stderr = r.err.join("\n");
    assert.match(stderr, /INSECURE/);
    assert.match(stderr, /DEVELOPMENT ONLY/);
    assert.match(stderr, /✓ \[1\/\d+\] compile small\.circom/, "one line per step without a TTY");
    assert.doesNotMatch(stderr, /template instances|Everything went okay/);
    assert.deepEqual(JSON.parse(readFileSync(join(outDir, "circuit.json"), "utf8")).inputs, j.inputs);
  });

  it("several proof systems (repeated and comma-separated) print a human summary", async () => {
    const outDir = join(dir, "multi");
    const r = await run(["circuit", "setup", file, "--proof-system", "groth16", "--proof-system", "plonk,groth16", "--dev-ptau", "-o", outDir]);
    assert.equal(r.error, undefined, String(r.error));
    const out = r.out.join("\n");
    assert.match(out, /small: \d+ constraints, 2 public signals \(ok, limit\)/);
    assert.match(out, /inputs: limit \(public\), x, salt\[2\]/);
    assert.match(out, /groth16 +circuitId 0x/);
    assert.match(out, /plonk +circuitId 0x/);
    assert.equal(r.out.filter((l) => l.startsWith("groth16")).length, 1);
    assert.ok(existsSync(join(outDir, "small.plonk.vkey.json")));
    assert.equal(r.leaked, "");
  });

  it("errors are typed and say what to do", async () => {
    let r = await run(["circuit", "setup", join(dir, "missing.circom"), "--dev-ptau"]);
    assert.ok(isZkPoolError(r.error, "CLI_BAD_USAGE"), String(r.error));
    assert.match(String((r.error as Error).message), /no circuit file at .*missing\.circom/);

    r = await run(["circuit", "setup", file, "--dev-ptau", "--ptau", "x.ptau"]);
    assert.ok(isZkPoolError(r.error, "CLI_BAD_USAGE"));
    assert.match((r.error as Error).message, /either --ptau <file> or --dev-ptau, not both/);

    r = await run(["circuit", "setup", file]);
    assert.ok(isZkPoolError(r.error, "CLI_BAD_USAGE"));
    assert.match((r.error as Error).message, /--ptau <file> .* or --dev-ptau/);

    r = await run(["circuit", "setup", file, "--dev-ptau", "--proof-system", "groth16,halo2"]);
    assert.ok(isZkPoolError(r.error, "CLI_BAD_USAGE"));
    assert.match((r.error as Error).message, /unknown proof system "halo2": use groth16, plonk, fflonk/);

    // the 2^5 dev ptau of the first test is enough for Groth16 but not for PLONK (2^7)
    const small = join(dir, "cache", "ptau", "pot5_local_dev.ptau");
    r = await run(["circuit", "setup", file, "--ptau", small, "--proof-system", "plonk", "-o", join(dir, "tiny")]);
    assert.ok(isZkPoolError(r.error, "PTAU_TOO_SMALL"), String(r.error));
    assert.match((r.error as Error).message, /2\^5 powers; PLONK .* needs power 7/);
    assert.equal(r.leaked, "");

    const bad = join(dir, "src", "bad.circom");
    await writeFile(bad, "pragma circom 2.0.0;\ntemplate T() {\n  signal input a;\n  signal output b\n  b <== a * a;\n}\ncomponent main = T();\n");
    r = await run(["circuit", "setup", bad, "--dev-ptau", "-o", join(dir, "bad")]);
    assert.ok(isZkPoolError(r.error, "COMPILE_FAILED"), String(r.error));
    assert.match((r.error as Error).message, /bad\.circom:4:\d+: error\[P1008\]: Missing semicolon/);
    assert.equal(r.leaked, "");
  });

  it("the circuit group is shared: a later command joins the same `circuit` command", () => {
    const program = new Command("zkpool");
    addCircuitCommands(program);
    circuitCommandGroup(program).command("list");
    assert.equal(program.commands.filter((c) => c.name() === "circuit").length, 1);
    assert.deepEqual(circuitCommandGroup(program).commands.map((c) => c.name()), ["setup", "list"]);
  });
});
