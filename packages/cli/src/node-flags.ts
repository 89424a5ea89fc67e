/**
 * Runtime settings of a long-running `zkpool node start` process (issue 17, item 6: an idle node's memory).
 * Kept apart from bin.ts, and free of imports, so that whatever spawns nodes (the devnet, tests) can pass the same
 * settings on its command line, which spares the node the re-exec bin.ts otherwise does to apply them.
 *
 * - `--max-semi-space-size=1`: V8's young generation (two semi-spaces) grows to 2 × 16 MiB by default under
 *   allocation bursts and stays there while the node idles; capped at 1 MiB per semi-space it cannot. The idle
 *   RSS of a node whose young generation had grown drops ~35 MiB, its start-up peak and its peak while attesting
 *   ~30 MiB. It caps the proving worker threads' young generation too: the snarkjs module bench's prove times
 *   (groth16 range-check-32, hash-chain-10, merkle-10, 1 thread) did not change beyond the machine's noise.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own malloc arena (V8's compiler and GC
 *   helper threads, libuv's pool, LevelDB's work on it), and memory freed in an arena stays mapped; two arenas
 *   cut 3-8 MiB of idle private memory. Ignored outside glibc.
 * Measured and left out: `--v8-pool-size=1` (nothing more on top of these; fewer GC helpers for big proofs),
 * `--optimize-for-size` (lower start-up peak only), `--max-old-space-size` (no idle gain; a cap risks OOM).
 */

/** V8 flags `node start` runs with; a flag the user set (command line or NODE_OPTIONS) is left as they set it. */
export const NODE_START_FLAGS: readonly string[] = ["--max-semi-space-size=1"];

/** Environment `node start` runs with; a variable already set is left as it is. */
export const NODE_START_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** Set to 1 to run `node start` as started, without the re-exec that applies the settings above. */
export const NO_REEXEC_ENV = "ZKPOOL_NO_REEXEC";

/** `--max_semi_space_size=2` → `--max-semi-space-size` (V8 accepts either spelling). */
function flagName(arg: string): string {
  return arg.split("=", 1)[0]!.replace(/_/g, "-");
}

/** Whether `argv` (the CLI's arguments, without node and the script) runs `node start` (not its --help). */
export function isNodeStart(argv: readonly string[]): boolean {
  if (argv.includes("--help") || argv.includes("-h")) return false;
  const words = argv.filter((a) => !a.startsWith("-"));
  return words[0] === "node" && words[1] === "start";
}

export interface Reexec {
  /** node's arguments after the executable: the added flags, the node flags it ran with, the script, argv */
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The command line `node start` should re-exec itself with to apply NODE_START_FLAGS and NODE_START_ENV, or
 * undefined when nothing is missing (the devnet passes them) or the re-exec is off (ZKPOOL_NO_REEXEC=1, or an
 * inspector is attached, whose session a re-exec would drop).
 */
export function reexecFor(o: { argv: readonly string[]; execArgv: readonly string[]; env: NodeJS.ProcessEnv; script: string }): Reexec | undefined {
  if (!isNodeStart(o.argv) || o.env[NO_REEXEC_ENV] === "1") return undefined;
  const given = [...o.execArgv, ...(o.env["NODE_OPTIONS"] ?? "").split(/\s+/).filter((a) => a !== "")].map(flagName);
  if (given.some((f) => f.startsWith("--inspect"))) return undefined;
  const flags = NODE_START_FLAGS.filter((f) => !given.includes(flagName(f)));
  if (flags.length === 0) return undefined;
  const env: NodeJS.ProcessEnv = { ...o.env };
  for (const [k, v] of Object.entries(NODE_START_ENV)) if (env[k] === undefined) env[k] = v;
  return { args: [...flags, ...o.execArgv, o.script, ...o.argv], env };
}
