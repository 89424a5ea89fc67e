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
import { PROOF_SYSTEMS, formatProverStatus, formatQuote, parseProofSystem, parseScheduleFlags, proverJoin, proverStatus, taskQuote, taskStatus, taskSubmit } from "./commands.js";
import { formatEth, parseEth } from "./amounts.js";
import { createProgress, progressMode, type Progress } from "./progress.js";
import { addCircuitCommands, circuitCommandGroup } from "./circuit.js";
import { circuitList, circuitOfFlags, circuitRegister, circuitShow, type CircuitFlags } from "./circuit-registry.js";
import {
  describeTime, fund, proverClaim, proverUnstake, proverWithdraw, taskBalance, taskDeposit, taskExpire, taskWithdraw,
} from "./roles.js";

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopSignal(): Promise<string>;
  /** Asks for the keystore password (last resort). @default a hidden prompt, only when stdin is a terminal */
  prompt?(question: string): Promise<string>;
  /** The stream behind `out` or `err`: live progress is drawn on it when it is a terminal. @default none (lines) */
  terminal?(which: "out" | "err"): NodeJS.WriteStream | undefined;
}

/** Where the keystore password comes from, as --help and the README say (highest first). */
export const PASSWORD_PRECEDENCE = "--password-file > ZKPOOL_PASSWORD > passwordFile in the config (or ZKPOOL_PASSWORD_FILE) > a prompt on the terminal";

export const processIo: CliIo = {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
  env: process.env,
  terminal: (which) => (which === "out" ? process.stdout : process.stderr),
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

/** Password sources of a command with config flags: the --password-file flag apart from the config's passwordFile. */
function passwordSourcesOf(opts: Record<string, unknown>, io: CliIo): { file?: string; configFile?: string } {
  const flag = opts["passwordFile"] as string | undefined;
  const fromConfig = configOf({ ...opts, passwordFile: undefined }, io).passwordFile;
  return { ...(flag !== undefined ? { file: flag } : {}), ...(fromConfig !== undefined ? { configFile: fromConfig } : {}) };
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
  /** Progress on stderr (stdout keeps the command's result): live on a terminal, else lines (JSON with --json). */
  const progressOnErr = (): Progress => {
    const terminal = io.terminal?.("err");
    return createProgress({ mode: progressMode(json(), terminal), line: (l) => io.err(l), ...(terminal !== undefined ? { terminal } : {}) });
  };

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
      .option("--password-file <file>", `file whose first line is the password (password: ${PASSWORD_PRECEDENCE})`);
  const ask = io.prompt !== undefined ? { ask: (q: string) => io.prompt!(q) } : {};
  const keyPath = (o: Record<string, unknown>): string =>
    keystorePath(resolveConfig({ ...(o["keystore"] !== undefined ? { keystore: o["keystore"] } : {}), ...(o["dataDir"] !== undefined ? { dataDir: o["dataDir"] } : {}) }, io.env));
  const scrypt = new Option("--scrypt-n <n>", "scrypt cost (default 131072; lower only for throwaway devnet keys)").argParser((v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 2 || (n & (n - 1)) !== 0) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "scrypt-n" }, `--scrypt-n must be a power of two (got ${v})`);
    return n;
  });
  keyFlags(keys.command("create").description("create a new operator key in an encrypted keystore")).addOption(scrypt).action(async (o: Record<string, unknown>) => {
    const path = keyPath(o);
    const password = await resolvePassword({ ...(o["passwordFile"] !== undefined ? { file: o["passwordFile"] as string } : {}), env: io.env, confirm: true, ...ask });
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
      const password = await resolvePassword({ ...(o["passwordFile"] !== undefined ? { file: o["passwordFile"] as string } : {}), env: io.env, confirm: true, ...ask });
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
    const password = await resolvePassword({ ...(o["passwordFile"] !== undefined ? { file: o["passwordFile"] as string } : {}), env: io.env, ...ask });
    const w = await unlockKeystore(path, password);
    print(`ok ${w.address}`, { ok: true, address: w.address });
  });

  /** Unlock the configured keystore; password: PASSWORD_PRECEDENCE. */
  const unlock = async (c: NodeConfig, opts: Record<string, unknown>): Promise<{ wallet: Wallet; password: string; passwordFile?: string }> => {
    const path = keystorePath(c);
    keystoreAddress(path); // fail fast on a missing keystore, before asking for a password
    const src = passwordSourcesOf(opts, io);
    const password = await resolvePassword({ env: io.env, ...src, ...(io.prompt !== undefined ? { ask: (q: string) => io.prompt!(q) } : {}) });
    const wallet = await unlockKeystore(path, password);
    const passwordFile = src.file ?? src.configFile;
    return { wallet, password, ...(passwordFile !== undefined ? { passwordFile } : {}) };
  };

  // ---------------------------------------------------------------- node
  const node = program.command("node").description("run a pool node");
  addConfigFlags(node.command("start").description("start a pool node (attester; --prover to also prove) with its status API"))
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const { wallet: operator } = await unlock(c, opts);
      // a person at a terminal reads pretty log lines; --json or a pipe gets JSON lines
      const running = await runNode(c, operator, { prettyLogs: !json() && process.stdout.isTTY === true });
      print(`node ${running.node.peerId.toString()} operator ${running.operator}; API ${running.api.url}; Ctrl-C stops`,
        { event: "started", peerId: running.node.peerId.toString(), operator: running.operator, api: running.api.url, addrs: running.node.multiaddrs.map((a) => a.toString()) });
      const sig = await io.stopSignal();
      running.log.info("stopping", { signal: sig });
      await running.stop();
      print("stopped", { event: "stopped" });
    });


  const optInt = (name: string) => (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: name }, `--${name} must be a positive integer (got ${v})`);
    return n;
  };

  const chainHelp = "\nChain: --rpc-url <url> and --deployment <chainId>.json (or a --config file / ZKPOOL_RPC_URL, ZKPOOL_DEPLOYMENT).\n" +
    `Keystore: --keystore or <data-dir>/keystore.json; password: ${PASSWORD_PRECEDENCE}.\n` +
    "Amounts: flags take ETH (0.5); output prints ETH, --json prints wei as decimal strings.";
  const eth = (opts: Record<string, unknown>, key: string, flag: string, zero = false): bigint | undefined =>
    opts[key] === undefined ? undefined : parseEth(opts[key] as string, flag, { allowZero: zero });
  const when = (t: bigint, now: bigint): string => describeTime(t, now);

  // ---------------------------------------------------------------- circuit (own circuits: setup, registry)
  addCircuitCommands(program, { io });
  const circuit = circuitCommandGroup(program);
  const circuitFlags = (cmd: Command): Command => cmd
    .option("--circuit <name>", "a catalog circuit")
    .option("--dir <folder>", "a circuit set up with `zkpool circuit setup` (its circuit.json)")
    .option("--wasm <file>", "your circuit's wasm").option("--zkey <file>", "your proving key").option("--vkey <file>", "your verification key (snarkjs JSON or canonical)")
    .addOption(new Option("--proof-system <system>", `proof system: ${PROOF_SYSTEMS.join(" | ")}`).argParser(parseProofSystem));
  const flagsOfCircuit = (opts: Record<string, unknown>): CircuitFlags => {
    const out: CircuitFlags = {};
    for (const k of ["circuit", "dir", "wasm", "zkey", "vkey"] as const) if (typeof opts[k] === "string") out[k] = opts[k];
    if (opts["proofSystem"] !== undefined) out.proofSystem = opts["proofSystem"] as CircuitFlags["proofSystem"] & string;
    return out;
  };
  circuitFlags(addConfigFlags(circuit.command("register").description("register a circuit on chain by its verification key (any account; a circuit already registered is a no-op)")))
    .addHelpText("after", "\nThe chain derives the circuit id from the key itself (SPEC §9.12): the id you get is the one tasks of these artifacts carry.\n" +
      "Example: zkpool circuit register --dir build/sha --proof-system groth16 --config requester.json" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const p = await circuitOfFlags(flagsOfCircuit(opts));
      const { wallet } = await unlock(c, opts);
      const r = await circuitRegister(c, wallet, p);
      print(r.registered
        ? `registered ${r.proofSystem} circuit ${r.circuitId} (${r.nPublic} public signals) from ${r.registrant} (tx ${r.txHash})`
        : `circuit ${r.circuitId} (${r.proofSystem}) was already registered: nothing changed`, r);
    });
  addConfigFlags(circuit.command("list").description("the circuits registered on chain")).action(async (opts: Record<string, unknown>) => {
    const list = await circuitList(configOf(opts, io));
    print(list.length === 0 ? "no circuit is registered yet (zkpool circuit register)" :
      list.map((e) => `${e.circuitId}  ${e.proofSystem.padEnd(7)}  nPublic ${e.nPublic}  by ${e.registrant}`).join("\n"), list);
  });
  addConfigFlags(circuit.command("show").description("one registered circuit, with the verification key the chain holds").argument("<circuitId>"))
    .action(async (id: string, opts: Record<string, unknown>) => {
      const e = await circuitShow(configOf(opts, io), id);
      print([
        `${e.circuitId}: ${e.proofSystem}, ${e.nPublic} public signals`,
        `registered by ${e.registrant} at ${new Date(Number(e.registeredAt) * 1000).toISOString()}`,
        `wasm sha256 ${e.wasmSha256}`, `zkey sha256 ${e.zkeySha256}`, `vkey sha256 ${e.vkeySha256} (canonical key, SPEC §1.12)`,
      ].join("\n"), e);
    });

  // ---------------------------------------------------------------- fund (devnet faucet)
  addConfigFlags(program.command("fund").description("devnet faucet: send ETH from one of anvil's well-known dev accounts (refused unless chain id 31337 or a deployment with \"devnet\": true)"))
    .argument("[address]", "recipient (default: the keystore's address)")
    .option("--amount <eth>", "ETH to send", "10")
    .addHelpText("after", "\nExample: zkpool fund 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --amount 5 --rpc-url http://127.0.0.1:8545" + chainHelp)
    .action(async (addr: string | undefined, opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const to = addr ?? keystoreAddress(keystorePath(c));
      const r = await fund(c, to, eth(opts, "amount", "--amount")!);
      print(`sent ${formatEth(r.amount)} to ${r.to} from dev account ${r.from} (tx ${r.txHash}); it now holds ${formatEth(r.balance)}`, r);
    });

  // ---------------------------------------------------------------- prover
  const prover = program.command("prover").description("join the pool as a prover, inspect it, claim earnings, unstake");
  addConfigFlags(prover.command("join").description("stake, declare the accelerator royalty recipient, write the prover node config that `node start --config` runs"))
    .requiredOption("--stake <eth>", "ETH to stake (0 to only write the config)")
    .option("--royalty-recipient <address>", "author of the accelerator module you run (receives the royalty)")
    .option("--config-out <file>", "config file to write (default <data-dir>/config.json)")
    .addHelpText("after", "\nThe config written holds the chain, deployment, keystore and a password file (the --password-file given, the config's\n" +
      "passwordFile, or else <data-dir>/keystore.password, mode 600, holding the password used now), and an API port: --api-port\n" +
      "(default 7370) if free, else the next free one.\nExample: zkpool prover join --stake 1 --data-dir ~/.zkpool --rpc-url http://127.0.0.1:8545 --deployment deployments/31337.json" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const { wallet, password, passwordFile } = await unlock(c, opts);
      const r = await proverJoin(c, wallet, {
        stake: parseEth(opts["stake"] as string, "--stake"),
        ...(opts["royaltyRecipient"] !== undefined ? { royaltyRecipient: opts["royaltyRecipient"] as string } : {}),
        configOut: (opts["configOut"] as string | undefined) ?? `${c.dataDir}/config.json`,
        password, ...(passwordFile !== undefined ? { passwordFile } : {}),
      });
      print([
        `operator ${String(r["operator"])} now has ${formatEth(r["stake"] as bigint)} staked`,
        `config written to ${String(r["config"])} (API port ${String(r["apiPort"])}; password file ${String(r["passwordFile"])}${r["passwordSaved"] === true ? ", written now with mode 600" : ""})`,
        `next: ${String(r["next"])}`,
      ].join("\n"), r);
    });
  addConfigFlags(prover.command("status").description("stake, unbonding, earnings on chain, and the local node's status")).action(async (opts: Record<string, unknown>) => {
    const c = configOf(opts, io);
    const s = await proverStatus(c, keystoreAddress(keystorePath(c)));
    print(formatProverStatus(s), s);
  });
  addConfigFlags(prover.command("claim").description("claim the operator's earnings from the escrow (a no-op when there is nothing to claim)"))
    .addHelpText("after", "\nExample: zkpool prover claim --config ~/.zkpool/config.json" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const { wallet } = await unlock(c, opts);
      const r = await proverClaim(c, wallet);
      print(r.txHash === null ? `nothing to claim: ${r.operator} has no earnings in the escrow` : `claimed ${formatEth(r.claimed)} to ${r.operator} (tx ${r.txHash})`, r);
    });
  addConfigFlags(prover.command("unstake").description("start unbonding stake (it unlocks after the unstake delay; then `zkpool prover withdraw`)"))
    .option("--amount <eth>", "ETH to unstake (what stays must be 0 or at least the minimum stake)")
    .option("--all", "unstake everything")
    .addHelpText("after", "\nA new request adds to what is unbonding and restarts the delay.\nExample: zkpool prover unstake --all --config ~/.zkpool/config.json" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const amount = eth(opts, "amount", "--amount", true);
      if ((amount === undefined) === (opts["all"] !== true)) throw new CliError({ code: CliErrorCode.BAD_USAGE }, "pass either --amount <eth> or --all");
      const { wallet } = await unlock(c, opts);
      const r = await proverUnstake(c, wallet, { ...(amount !== undefined ? { amount } : {}), all: opts["all"] === true });
      print(`unstaking ${formatEth(r.unstaked)} (${formatEth(r.unbonding)} unbonding in all, ${formatEth(r.stake)} still staked); ` +
        `it unlocks at ${when(r.unlockTime, r.now)}: then run \`zkpool prover withdraw\``, r);
    });
  addConfigFlags(prover.command("withdraw").description("withdraw unbonded stake once the unstake delay has passed (says when, if too early)"))
    .addHelpText("after", "\nExample: zkpool prover withdraw --config ~/.zkpool/config.json" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const { wallet } = await unlock(c, opts);
      const r = await proverWithdraw(c, wallet);
      print(`withdrew ${formatEth(r.withdrawn)} of stake to ${r.operator} (tx ${r.txHash})`, r);
    });

  // ---------------------------------------------------------------- task
  const task = program.command("task").description("requesters: escrow deposit/balance/withdraw, submit tasks and follow them, expire unproved ones");
  addConfigFlags(task.command("submit").description("submit a task (files in), wait for the verified proof (file out) and settlement"))
    .option("--circuit <name>", "catalog circuit (in the proof system of --proof-system)")
    .addOption(new Option("--proof-system <system>", `proof system: ${PROOF_SYSTEMS.join(" | ")} (default groth16; with own artifacts it must match the vkey)`).argParser(parseProofSystem))
    .option("--wasm <file>", "your circuit's wasm")
    .option("--zkey <file>", "your circuit's proving key")
    .option("--vkey <file>", "your circuit's verification key (snarkjs JSON or canonical)")
    .option("--dir <folder>", "a circuit set up with `zkpool circuit setup` (its circuit.json)")
    .requiredOption("--input <file>", "circuit inputs (JSON)")
    .requiredOption("--max-reward <eth>", "most you pay, in ETH")
    .option("--penalty <eth>", "what a defaulting prover loses (default maxReward/10)")
    .option("--deposit <eth>", "deposit this much into the escrow first")
    .option("--out <file>", "where the proof goes", "proof.json")
    .option("--task-out <file>", "where the signed task goes (for `zkpool task expire`; default <data-dir>/tasks/<taskId>.json)")
    .option("--bid-window <s>", "seconds", optInt("bid-window"))
    .option("--reveal-window <s>", "seconds", optInt("reveal-window"))
    .option("--proof-window <s>", "seconds", optInt("proof-window"))
    .option("--max-rounds <n>", "rounds", optInt("max-rounds"))
    .option("--start-price <eth>", "price schedule: the first auction round's reserve, in ETH (below --max-reward); re-auctioned at a higher reserve only if nobody bids")
    .option("--price-step <eth>", "price schedule: reserve increase per auction round, in ETH (default ceil((max-reward - start-price) / 3): 4 auction rounds; at most 16 rounds)")
    .option("--rebid-window <s>", "price schedule: seconds to bid in each later auction round, 5..86400 (default the bid window, at least 5)")
    .addHelpText("after", "\nExample: zkpool task submit --circuit range-check-32 --proof-system plonk --input in.json --max-reward 0.1 --bootstrap <multiaddr>\n" +
      "Price schedule (SPEC §10.3): --start-price 0.02 --max-reward 0.1 opens the auction at 0.02 ETH and re-opens it at about 0.047, 0.073, then 0.1 ETH\n" +
      "while no prover bids; the escrow locks --max-reward, you pay the clearing price (at most the reserve of the round that assigned)." + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const str = (k: string): string | undefined => opts[k] as string | undefined;
      const num = (k: string): number | undefined => opts[k] as number | undefined;
      const maxReward = parseEth(str("maxReward")!, "--max-reward", { allowZero: false });
      const schedule = parseScheduleFlags({
        ...(str("startPrice") !== undefined ? { startPrice: str("startPrice")! } : {}),
        ...(str("priceStep") !== undefined ? { priceStep: str("priceStep")! } : {}),
        ...(str("rebidWindow") !== undefined ? { rebidWindow: str("rebidWindow")! } : {}),
      }, maxReward);
      const penalty = eth(opts, "penalty", "--penalty", true);
      const deposit = eth(opts, "deposit", "--deposit", true);
      if (str("dir") !== undefined) {
        const a = (await circuitOfFlags({ dir: str("dir")!, ...(opts["proofSystem"] !== undefined ? { proofSystem: opts["proofSystem"] as (typeof PROOF_SYSTEMS)[number] } : {}) })).artifacts!;
        Object.assign(opts, { wasm: a.wasm, zkey: a.zkey, vkey: a.vkey });
      }
      const { wallet: requester } = await unlock(c, opts);
      const r = await taskSubmit(c, requester, {
        input: str("input")!, out: str("out")!, maxReward,
        ...(str("circuit") !== undefined ? { circuit: str("circuit")! } : {}),
        ...(opts["proofSystem"] !== undefined ? { proofSystem: opts["proofSystem"] as (typeof PROOF_SYSTEMS)[number] } : {}),
        ...(str("wasm") !== undefined ? { wasm: str("wasm")! } : {}),
        ...(str("zkey") !== undefined ? { zkey: str("zkey")! } : {}),
        ...(str("vkey") !== undefined ? { vkey: str("vkey")! } : {}),
        ...(str("taskOut") !== undefined ? { taskOut: str("taskOut")! } : {}),
        ...(penalty !== undefined ? { penalty } : {}),
        ...(deposit !== undefined ? { deposit } : {}),
        ...(num("bidWindow") !== undefined ? { bidWindow: num("bidWindow")! } : {}),
        ...(num("revealWindow") !== undefined ? { revealWindow: num("revealWindow")! } : {}),
        ...(num("proofWindow") !== undefined ? { proofWindow: num("proofWindow")! } : {}),
        ...(num("maxRounds") !== undefined ? { maxRounds: num("maxRounds")! } : {}),
        ...(schedule !== undefined ? { schedule } : {}),
        progress: progressOnErr(),
      });
      const price = r["price"] as bigint | undefined;
      print(`proof for ${String(r["taskId"])} written to ${String(r["out"])}${r["settled"] === true ? ` (settled on chain${price !== undefined ? ` at ${formatEth(price)}` : ""})` : ""}`, r);
    });
  circuitFlags(addConfigFlags(task.command("quote").description("the provers' standing asks for a circuit: a suggested --max-reward, a suggested price schedule and the expected price (nothing is published)")))
    .option("--max-reward <eth>", "price the expectation at this maximum reward instead of the suggested one")
    .option("--wait <s>", "wait up to this many seconds for a first ask", optInt("wait"), 5)
    .addHelpText("after", "\nExample: zkpool task quote --circuit range-check-32 --bootstrap <multiaddr>" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const maxReward = eth(opts, "maxReward", "--max-reward", false);
      const q = await taskQuote(c, { circuit: await circuitOfFlags(flagsOfCircuit(opts)), ...(maxReward !== undefined ? { maxReward } : {}), waitMs: (opts["wait"] as number) * 1000 });
      print(formatQuote(q, maxReward), q);
    });
  addConfigFlags(task.command("status").description("a task's on-chain state").argument("<taskId>")).action(async (id: string, opts: Record<string, unknown>) => {
    const c = configOf(opts, io);
    const s = await taskStatus(c, id);
    const ch = s["chain"] as { statusName: string; round: number; defaults: number; locked: bigint };
    print(`${id}: ${ch.statusName}, round ${ch.round}, defaults ${ch.defaults}, locked ${formatEth(ch.locked)}`, s);
  });
  addConfigFlags(task.command("deposit").description("deposit ETH into the escrow (tasks are paid from it)"))
    .requiredOption("--amount <eth>", "ETH to deposit")
    .addHelpText("after", "\nExample: zkpool task deposit --amount 1 --config requester.json" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const amount = eth(opts, "amount", "--amount")!;
      const { wallet } = await unlock(c, opts);
      const r = await taskDeposit(c, wallet, amount);
      print(`deposited ${formatEth(r.deposited)} (tx ${r.txHash}); escrow balance ${formatEth(r.balance)}, available ${formatEth(r.available)}`, r);
    });
  addConfigFlags(task.command("balance").description("escrow balance of an account: balance, available for tasks, pending withdrawal"))
    .argument("[address]", "account (default: the keystore's address; no password needed)")
    .addHelpText("after", "\nExample: zkpool task balance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --rpc-url http://127.0.0.1:8545 --deployment deployments/31337.json" + chainHelp)
    .action(async (addr: string | undefined, opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const r = await taskBalance(c, addr ?? keystoreAddress(keystorePath(c)));
      const w = r.pendingWithdrawal;
      print([
        `account ${r.account}`,
        `  escrow balance ${formatEth(r.balance)}, available for tasks ${formatEth(r.available)}`,
        `  pending withdrawal ${w.amount === 0n ? "none" : `${formatEth(w.amount)}, ${w.ready ? "ready now: run `zkpool task withdraw`" : `ready at ${new Date(Number(w.readyAt) * 1000).toISOString()} (chain time)`}`}`,
        `  wallet ${formatEth(r.wallet)}`,
      ].join("\n"), r);
    });
  addConfigFlags(task.command("withdraw").description("escrow withdrawal, two steps: --amount/--all requests it; without them, completes the pending one once ready"))
    .option("--amount <eth>", "request a withdrawal of this much ETH (replaces a pending request; restarts the delay)")
    .option("--all", "request a withdrawal of the whole escrow balance")
    .option("--cancel", "cancel the pending withdrawal")
    .addHelpText("after", "\nStep 1: zkpool task withdraw --amount 0.5   (prints when it is ready; the Escrow's withdrawal delay)\n" +
      "Step 2: zkpool task withdraw               (after that time: sends the ETH to your account; says when, if too early)" + chainHelp)
    .action(async (opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const amount = eth(opts, "amount", "--amount", true);
      const { wallet } = await unlock(c, opts);
      const r = await taskWithdraw(c, wallet, { ...(amount !== undefined ? { amount } : {}), all: opts["all"] === true, cancel: opts["cancel"] === true });
      print(r.action === "requested"
        ? `withdrawal of ${formatEth(r.amount)} requested (tx ${r.txHash}); ready at ${when(r.readyAt, r.now)}: then run \`zkpool task withdraw\``
        : r.action === "withdrawn" ? `withdrew ${formatEth(r.amount)} from the escrow to ${r.account} (tx ${r.txHash})`
          : `cancelled the pending withdrawal of ${formatEth(r.amount)} (tx ${r.txHash})`, r);
    });
  addConfigFlags(task.command("expire").description("refund a task that got no proof: Escrow.expire once its final deadline + settle grace has passed"))
    .argument("<task>", "task id (saved by `task submit` in <data-dir>/tasks, or asked of a node's API) or a task JSON file")
    .option("--api-url <url>", "a pool node's API to fetch the task from (default: <data-dir>/api.json's)")
    .addHelpText("after", "\nExample: zkpool task expire ~/.zkpool/tasks/0xabc….json --config requester.json" + chainHelp)
    .action(async (ref: string, opts: Record<string, unknown>) => {
      const c = configOf(opts, io);
      const { wallet } = await unlock(c, opts);
      const r = await taskExpire(c, wallet, ref, { ...(opts["apiUrl"] !== undefined ? { apiUrl: opts["apiUrl"] as string } : {}) });
      print(`task ${r.taskId} expired on chain (tx ${r.txHash}): ${formatEth(r.refund)} back to the requester's escrow balance`, r);
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
    .option("--schedule", "demo tasks with a price schedule (SPEC §10.3) starting at maxReward/1000, so re-auctions can be watched")
    .action(async (o: { provers: number; attesters: number; tasks: number; interval: number; circuit: string; keep?: boolean; schedule?: boolean }) => {
      if (o.provers < 1) throw new CliError({ code: CliErrorCode.BAD_USAGE, key: "provers" }, "--provers must be at least 1");
      const terminal = io.terminal?.("out");
      const s = await runDevnet({ ...o, json: json(), out: (l: string) => io.out(l), ...(terminal !== undefined ? { terminal } : {}), stopSignal: io.stopSignal() });
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
