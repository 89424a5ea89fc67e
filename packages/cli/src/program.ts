/** The `zkpool` command line (commander). `main(argv)` resolves to the exit status. */
import { Command, CommanderError, Option } from "commander";
import { Wallet } from "ethers";
import { isZkPoolError } from "@zkpool/protocol";
import { toJson } from "./api.js";
import { CONFIG_KEYS, keystorePath, resolveConfig, type NodeConfig } from "./config.js";
import { CliError, CliErrorCode, exitCodeOf } from "./errors.js";
import { keystoreAddress, resolvePassword, unlockKeystore, writeKeystore } from "./keystore.js";
import { runNode } from "./runner.js";
import { formatSummary, runDevnet } from "./devnet.js";
import { formatProverStatus, parseEth, proverJoin, proverStatus, taskStatus, taskSubmit } from "./commands.js";

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal(): Promise<string>;
}

export const processIo: CliIo = {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
  env: process.env,
  stopSignal: () => new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  }),
};

function addConfigFlags(cmd: Command): Command {
  cmd.option("-c, --config <file>", "JSON config file (precedence: flags > ZKPOOL_* env > file > defaults)");
  // commander names each option's attribute after its flag (--data-dir -> dataDir), i.e. the config key
  for (const s of Object.values(CONFIG_KEYS)) {
    const arg = s.kind === "bool" ? "[bool]" : "<value>";
    cmd.addOption(new Option(`${s.flag} ${arg}`, `${s.doc} (env ${s.env})`));
  }
  return cmd;
}

function flagsOf(opts: Record<string, unknown>): Partial<Record<keyof NodeConfig, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(CONFIG_KEYS)) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}

function configOf(opts: Record<string, unknown>, io: CliIo): NodeConfig {
  const file = (opts["config"] as string | undefined) ?? io.env["ZKPOOL_CONFIG"];
  return resolveConfig(flagsOf(opts), io.env, file);
}

export function buildProgram(io: CliIo): Command {
  const program = new Command("zkpool")
    .description("ZKPool: a peer-to-peer prover pool")
    .option("--json", "machine-readable JSON output")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError("(run with --help for usage)");
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;
  const print = (human: string, data: unknown): void => io.out(json() ? toJson(data) : human);

  // ---------------------------------------------------------------- config
  const config = program.command("config").description("inspect the resolved configuration");
  addConfigFlags(config.command("show").description("print the configuration `node start` would use")).action((opts: Record<string, unknown>) => {
    const c = configOf(opts, io);
    io.out(toJson(c, json() ? undefined : 2));
  });

  // ---------------------------------------------------------------- keys
  const keys = program.command("keys").description("the operator's encrypted keystore");
  const keyFlags = (cmd: Command): Command =>
    cmd
      .option("--keystore <file>", "keystore path (default <data-dir>/keystore.json; env ZKPOOL_KEYSTORE)")
      .option("--data-dir <dir>", "data directory (env ZKPOOL_DATA_DIR)")
      .option("--password-file <file>", "file whose first line is the password (else ZKPOOL_PASSWORD, else a prompt)");
  const keyPath = (o: Record<string, unknown>): string =>
    keystorePath(resolveConfig({ ...(o["keystore"] !== undefined ? { keystore: o["keystore"] } : {}), ...(o["dataDir"] !== undefined ? { dataDir: o["dataDir"] } : {}) }, io.env));
  const scrypt = new Option("--scrypt-n <n>", "scrypt cost (default 131072; lower only for throwaway devnet keys)").argParser((v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 2 || (n & (n - 1)) !== 0) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "scrypt-n" }, `--scrypt-n must be a power of two (got ${v})`);
    return n;
  });
  keyFlags(keys.command("create").description("create a new operator key in an encrypted keystore")).addOption(scrypt).action(async (o: Record<string, unknown>) => {
    const path = keyPath(o);
    const password = await resolvePassword({ ...(o["passwordFile"] !== undefined ? { file: o["passwordFile"] as string } : {}), env: io.env, confirm: true });
    const address = await writeKeystore(path, Wallet.createRandom().privateKey, password, { ...(o["scryptN"] !== undefined ? { scryptN: o["scryptN"] as number } : {}) });
    print(`created ${address} in ${path}`, { address, keystore: path });
  });
  keyFlags(keys.command("import").description("encrypt an existing private key (from --private-key-file or ZKPOOL_PRIVATE_KEY)"))
    .option("--private-key-file <file>", "file holding the hex private key")
    .addOption(scrypt)
    .action(async (o: Record<string, unknown>) => {
      const path = keyPath(o);
      let pk = io.env["ZKPOOL_PRIVATE_KEY"];
      if (o["privateKeyFile"] !== undefined) {
        const { readFileSync } = await import("node:fs");
        pk = readFileSync(o["privateKeyFile"] as string, "utf8").trim();
      }
      if (pk === undefined || pk === "") {
        throw new CliError({ code: CliErrorCode.BAD_USAGE }, "no key to import: pass --private-key-file <file> or set ZKPOOL_PRIVATE_KEY (never on the command line)");
      }
      const password = await resolvePassword({ ...(o["passwordFile"] !== undefined ? { file: o["passwordFile"] as string } : {}), env: io.env, confirm: true });
      const address = await writeKeystore(path, pk, password, { ...(o["scryptN"] !== undefined ? { scryptN: o["scryptN"] as number } : {}) });
      print(`imported ${address} into ${path}`, { address, keystore: path });
    });
  keyFlags(keys.command("show").description("print the keystore's address (no password)")).action((o: Record<string, unknown>) => {
    const path = keyPath(o);
    const address = keystoreAddress(path);
    print(address, { address, keystore: path });
  });
  keyFlags(keys.command("check").description("check that the password decrypts the keystore")).action(async (o: Record<string, unknown>) => {
    const path = keyPath(o);
    const password = await resolvePassword({ ...(o["passwordFile"] !== undefined ? { file: o["passwordFile"] as string } : {}), env: io.env });
    const w = await unlockKeystore(path, password);
    print(`ok ${w.address}`, { ok: true, address: w.address });
  });

  // ---------------------------------------------------------------- node
  const node = program.command("node").description("run a pool node");
  addConfigFlags(node.command("start").description("start a pool node (attester; --prover to also prove) with its status API"))
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const path = keystorePath(c);
      keystoreAddress(path); // fail fast on a missing keystore, before asking for a password
      const password = await resolvePassword({ env: io.env, ...(c.passwordFile !== undefined ? { configFile: c.passwordFile } : {}) });
      const operator = await unlockKeystore(path, password);
      const running = await runNode(c, operator);
      print(`node ${running.node.peerId.toString()} operator ${running.operator}; API ${running.api.url}; Ctrl-C stops`,
        { event: "started", peerId: running.node.peerId.toString(), operator: running.operator, api: running.api.url, addrs: running.node.multiaddrs.map((a) => a.toString()) });
      const sig = await io.stopSignal();
      running.log.info("stopping", { signal: sig });
      await running.stop();
      print("stopped", { event: "stopped" });
    });

  const unlock = async (c: NodeConfig): Promise<Wallet> => {
    const path = keystorePath(c);
    keystoreAddress(path);
    const password = await resolvePassword({ env: io.env, ...(c.passwordFile !== undefined ? { configFile: c.passwordFile } : {}) });
    return unlockKeystore(path, password);
  };
  const optInt = (name: string) => (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: name }, `--${name} must be a positive integer (got ${v})`);
    return n;
  };

  // ---------------------------------------------------------------- prover
  const prover = program.command("prover").description("join the pool as a prover and inspect it");
  addConfigFlags(prover.command("join").description("stake, declare the accelerator royalty recipient, write the prover node config"))
    .requiredOption("--stake <eth>", "ETH to stake (0 to only write the config)")
    .option("--royalty-recipient <address>", "author of the accelerator module you run (receives the royalty)")
    .option("--config-out <file>", "config file to write (default <data-dir>/config.json)")
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const operator = await unlock(c);
      const r = await proverJoin(c, operator, {
        stake: parseEth(opts["stake"] as string, "--stake"),
        ...(opts["royaltyRecipient"] !== undefined ? { royaltyRecipient: opts["royaltyRecipient"] as string } : {}),
        configOut: (opts["configOut"] as string | undefined) ?? `${c.dataDir}/config.json`,
      });
      print(`staked; operator ${String(r["operator"])} now has ${String(r["stake"])} wei staked\nconfig written to ${String(r["config"])}\nnext: ${String(r["next"])}`, r);
    });
  addConfigFlags(prover.command("status").description("stake, unbonding, earnings on chain, and the local node's status")).action(async (opts: Record<string, unknown>) => {
    const c = configOf(opts, io);
    const s = await proverStatus(c, keystoreAddress(keystorePath(c)));
    print(formatProverStatus(s), s);
  });

  // ---------------------------------------------------------------- task
  const task = program.command("task").description("submit tasks and follow them");
  addConfigFlags(task.command("submit").description("submit a task (files in), wait for the verified proof (file out) and settlement"))
    .option("--circuit <name>", "catalog circuit (Groth16)")
    .option("--wasm <file>", "your circuit's wasm")
    .option("--zkey <file>", "your circuit's Groth16 proving key")
    .option("--vkey <file>", "your circuit's verification key (JSON)")
    .requiredOption("--input <file>", "circuit inputs (JSON)")
    .requiredOption("--max-reward <eth>", "most you pay, in ETH")
    .option("--penalty <eth>", "what a defaulting prover loses (default maxReward/10)")
    .option("--deposit <eth>", "deposit this much into the escrow first")
    .option("--out <file>", "where the proof goes", "proof.json")
    .option("--bid-window <s>", "seconds", optInt("bid-window"))
    .option("--reveal-window <s>", "seconds", optInt("reveal-window"))
    .option("--proof-window <s>", "seconds", optInt("proof-window"))
    .option("--max-rounds <n>", "rounds", optInt("max-rounds"))
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const requester = await unlock(c);
      const str = (k: string): string | undefined => opts[k] as string | undefined;
      const num = (k: string): number | undefined => opts[k] as number | undefined;
      const r = await taskSubmit(c, requester, {
        input: str("input")!, out: str("out")!, maxReward: parseEth(str("maxReward")!, "--max-reward"),
        ...(str("circuit") !== undefined ? { circuit: str("circuit")! } : {}),
        ...(str("wasm") !== undefined ? { wasm: str("wasm")! } : {}),
        ...(str("zkey") !== undefined ? { zkey: str("zkey")! } : {}),
        ...(str("vkey") !== undefined ? { vkey: str("vkey")! } : {}),
        ...(str("penalty") !== undefined ? { penalty: parseEth(str("penalty")!, "--penalty") } : {}),
        ...(str("deposit") !== undefined ? { deposit: parseEth(str("deposit")!, "--deposit") } : {}),
        ...(num("bidWindow") !== undefined ? { bidWindow: num("bidWindow")! } : {}),
        ...(num("revealWindow") !== undefined ? { revealWindow: num("revealWindow")! } : {}),
        ...(num("proofWindow") !== undefined ? { proofWindow: num("proofWindow")! } : {}),
        ...(num("maxRounds") !== undefined ? { maxRounds: num("maxRounds")! } : {}),
        progress: (l) => io.err(l),
      });
      print(`proof for ${String(r["taskId"])} written to ${String(r["out"])}${r["settled"] === true ? " (settled on chain)" : ""}`, r);
    });
  addConfigFlags(task.command("status").description("a task's on-chain state").argument("<taskId>")).action(async (id: string, opts: Record<string, unknown>) => {
    const c = configOf(opts, io);
    const s = await taskStatus(c, id);
    const ch = s["chain"] as { statusName: string; round: number; defaults: number; locked: bigint };
    print(`${id}: ${ch.statusName}, round ${ch.round}, defaults ${ch.defaults}, locked ${ch.locked} wei`, s);
  });

  // ---------------------------------------------------------------- devnet
  const int = (name: string) => (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: name }, `--${name} must be a non-negative integer (got ${v})`);
    return n;
  };
  program.command("devnet").description("local pool in one command: anvil, contracts, pool and prover nodes as processes, demo tasks, summary (Ctrl-C stops)")
    .addOption(new Option("--provers <n>", "prover nodes").argParser(int("provers")).default(2))
    .addOption(new Option("--attesters <n>", "attester-only pool nodes").argParser(int("attesters")).default(2))
    .addOption(new Option("--tasks <n>", "demo tasks").argParser(int("tasks")).default(6))
    .addOption(new Option("--interval <s>", "seconds between tasks").argParser(int("interval")).default(3))
    .option("--circuit <name>", "catalog circuit of the demo tasks (Groth16)", "range-check-32")
    .option("--keep", "keep the devnet directory (configs, node logs)")
    .action(async (o: { provers: number; attesters: number; tasks: number; interval: number; circuit: string; keep?: boolean }) => {
      if (o.provers < 1) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "provers" }, "--provers must be at least 1");
      const s = await runDevnet({ ...o, json: json(), out: (l: string) => io.out(l), stopSignal: io.stopSignal() });
      print(formatSummary(s), { event: "summary", ...s });
    });

  return program;
}

/** Run the CLI; resolves to the process exit status. Errors are printed as one actionable line. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return err.exitCode === 0 ? 0 : 2;
    }
    const wantJson = argv.includes("--json");
    if (isZkPoolError(err)) {
      io.err(wantJson ? toJson({ error: err.toObject() }) : `zkpool: ${err.message} [${err.code}]`);
      return exitCodeOf(err.code);
    }
    io.err(wantJson ? toJson({ error: { message: String(err) } }) : `zkpool: unexpected error: ${String(err)}`);
    return 1;
  }
}
