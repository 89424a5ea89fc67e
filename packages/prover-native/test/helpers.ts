import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CircuitArtifacts } from "@zkpool/ump";
import { BUILD_DIR } from "../src/binary.js";

export const FIXTURES = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
export const BINARY = `${BUILD_DIR}zkprover`;

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The committed one-Poseidon-hash circuit (inputs a, b; public b; output out). */
export function fixtureArtifacts(): CircuitArtifacts {
  const ref = (name: string): { path: string; sha256: string } => ({ path: FIXTURES + name, sha256: sha256(FIXTURES + name) });
  return {
    circuitId: "0x" + "11".repeat(32),
    proofSystem: "groth16",
    wasm: ref("chain.wasm"),
    zkey: ref("chain.zkey"),
    vkey: ref("chain.vkey.json"),
    constraints: 517,
  };
}

/** Run `zkprover test` with one command per line; resolves with one output line per command. */
export function runTestCommands(lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, ["test"], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`zkprover test exited with ${String(code)}`));
      resolve(out.trim().split("\n"));
    });
    child.stdin.end(lines.join("\n") + "\n");
  });
}
