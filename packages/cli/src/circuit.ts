/**
 * `zkpool circuit …`: the user's own circuits. This file adds `circuit setup` (compile a .circom file from any
 * folder, make its keys from a powers of tau, write circuit.json); `register`, `list` and `show` join the same
 * group through `circuitCommandGroup`.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { createSetupProgress, formatBanner, isProofSystem, PROOF_SYSTEMS, setupCircuit } from "@zkpool/circuits";
import type { SetupCircuitResult } from "@zkpool/circuits";
import type { ProofSystem } from "@zkpool/ump";
import { CliError, CliErrorCode } from "./errors.js";
import type { CliIo } from "./program.js";

/** Where `circuit` commands print: lines to stdout / stderr. @default the process' */
export type CircuitIo = Pick<CliIo, "out" | "err">;

export interface CircuitCommandsOptions {
  io?: CircuitIo;
  /** Draw a progress bar on stderr (else one line per step through io.err). @default process.stderr.isTTY */
  tty?: boolean;
}

const processLines: CircuitIo = {
  out: (l) => void process.stdout.write(l + "\n"),
  err: (l) => void process.stderr.write(l + "\n"),
};

/** The `circuit` command group of `program`, created on first use (shared by setup, register, list, show). */
export function circuitCommandGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "circuit") ??
    program.command("circuit").description("your own circuits: set them up (keys, circuit.json), register and inspect them")
  );
}

const collect = (v: string, prev: string[]): string[] => [...prev, ...v.split(",").map((s) => s.trim()).filter((s) => s !== "")];

interface SetupFlags {
  out?: string;
  proofSystem: string[];
  ptau?: string;
  devPtau?: boolean;
  include: string[];
  name?: string;
  json?: boolean;
}

/** Add `circuit setup` (and the `circuit` group if missing) to `program`. */
export function addCircuitCommands(program: Command, o: CircuitCommandsOptions = {}): void {
  const io = o.io ?? processLines;
  circuitCommandGroup(program)
    .command("setup")
    .description("compile your .circom circuit (any folder; circomlib included) and make its proving and verification keys")
    .argument("<file>", "the circuit's .circom file")
    .option("-o, --out <dir>", "output folder (default ./build/<name>)")
    .option("--proof-system <systems>", `${PROOF_SYSTEMS.join(", ")}; repeat or comma-separate (default groth16)`, collect, [])
    .option("--ptau <file>", "phase-2-prepared powers of tau from a public ceremony (e.g. powersOfTau28_hez_final_16.ptau)")
    .option("--dev-ptau", "make a local powers of tau of the size needed instead: INSECURE, for development only")
    .option("-I, --include <dir>", "extra include folder, searched before circomlib (repeatable)", collect, [])
    .option("--name <name>", "artifact base name (default: the file name without .circom)")
    .option("--json", "machine-readable JSON output")
    .addHelpText(
      "after",
      "\nIncludes: `include \"circomlib/circuits/poseidon.circom\";` and `include \"poseidon.circom\";` both find circomlib;\n" +
        "other files are looked up beside the including file and in each --include folder.\n" +
        "Writes <name>.wasm, <name>.r1cs, <name>.sym, <name>.<system>.zkey, <name>.<system>.vkey.json and circuit.json\n" +
        "(constraints, input names, file hashes, circuit ids).\n" +
        "Examples:\n" +
        "  zkpool circuit setup ./sha.circom --dev-ptau\n" +
        "  zkpool circuit setup /src/sha.circom --proof-system groth16,plonk --ptau powersOfTau28_hez_final_16.ptau --out build/sha",
    )
    .action(async (file: string, flags: SetupFlags, cmd: Command) => {
      const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
      const path = resolve(file);
      if (!existsSync(path) || !statSync(path).isFile()) {
        throw new CliError({ code: CliErrorCode.BAD_USAGE, path }, `no circuit file at ${path}: pass the path of your .circom file`);
      }
      const systems = [...new Set(flags.proofSystem.length > 0 ? flags.proofSystem : ["groth16"])].map((s): ProofSystem => {
        const l = s.toLowerCase();
        if (!isProofSystem(l)) {
          throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "proof-system", detail: s }, `unknown proof system "${s}": use ${PROOF_SYSTEMS.join(", ")} (repeat --proof-system or comma-separate)`);
        }
        return l;
      }).filter((s, i, all) => all.indexOf(s) === i);
      if (flags.ptau !== undefined && flags.devPtau === true) {
        throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "ptau" }, "pass either --ptau <file> or --dev-ptau, not both");
      }
      if (flags.ptau === undefined && flags.devPtau !== true) {
        throw new CliError(
          { code: CliErrorCode.BAD_USAGE, key: "ptau" },
          "no powers of tau: pass --ptau <file> (a phase-2-prepared ceremony file, e.g. powersOfTau28_hez_final_16.ptau) or --dev-ptau (INSECURE, development only)",
        );
      }
      if (flags.ptau !== undefined && !existsSync(resolve(flags.ptau))) {
        throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "ptau", path: resolve(flags.ptau) }, `no powers of tau file at ${resolve(flags.ptau)}`);
      }
      for (const d of flags.include) {
        if (!existsSync(resolve(d)) || !statSync(resolve(d)).isDirectory()) {
          throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "include", path: resolve(d) }, `--include ${d}: no such folder`);
        }
      }
      const tty = o.tty ?? process.stderr.isTTY === true;
      const display = createSetupProgress({ tty, line: (l) => io.err(l) });
      let r: SetupCircuitResult;
      try {
        r = await setupCircuit({
          circuit: path,
          systems,
          includes: flags.include,
          ...(flags.out !== undefined ? { outDir: flags.out } : {}),
          ...(flags.name !== undefined ? { name: flags.name } : {}),
          ...(flags.ptau !== undefined ? { ptau: flags.ptau } : { devPtau: true }),
          onProgress: (e) => display.onProgress(e),
          warn: (lines) => (tty ? display.log(formatBanner(lines)) : io.err(formatBanner(lines))),
        });
      } finally {
        display.stop();
      }
      for (const w of r.compilerWarnings) io.err(`circom: ${w}`);
      const m = r.manifest;
      if (json) {
        io.out(JSON.stringify({
          name: m.name,
          outDir: r.outDir,
          manifest: r.manifestPath,
          constraints: m.constraints,
          nPublic: m.nPublic,
          inputs: m.inputs,
          publicSignals: m.publicSignals,
          ptau: r.ptau,
          systems: Object.fromEntries(systems.map((s) => [s, m.systems[s]])),
          compilerWarnings: r.compilerWarnings,
          ms: r.totalMs,
        }));
        return;
      }
      const sig = (s: { name: string; dims: number[]; public: boolean }): string =>
        `${s.name}${s.dims.map((d) => `[${d}]`).join("")}${s.public ? " (public)" : ""}`;
      io.out(`${m.name}: ${m.constraints} constraints, ${m.nPublic} public signals (${m.publicSignals.join(", ")})`);
      io.out(`inputs: ${m.signals.inputs.map(sig).join(", ") || "none"}`);
      for (const s of systems) {
        const e = m.systems[s]!;
        io.out(`${s.padEnd(8)} circuitId ${e.circuitId}  zkey ${e.zkey.file}  vkey ${e.vkey.file}`);
      }
      io.out(`written to ${r.outDir} (manifest ${r.manifestPath}) in ${(r.totalMs / 1000).toFixed(1)} s`);
      if (r.ptau.dev) io.err(`note: the keys come from a DEV powers of tau (${r.ptau.path}): INSECURE, for development only`);
    });
}
