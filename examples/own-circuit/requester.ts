/**
 * A requester proving ITS OWN circuit through the pool with the SDK: artifacts from `zkpool circuit setup`
 * (wasm, zkey, vkey; any proof system), an input, a reward. It registers the circuit first (anyone may). The SDK serves the artifacts from its embedded node, publishes the task, follows
 * it and returns the proof verified locally; the escrow pays the prover at settlement.
 *
 *   node examples/dist/own-circuit/requester.js <wasm> <zkey> <vkey> <input.json>
 *
 * Environment: ZKPOOL_RPC_URL, ZKPOOL_DEPLOYMENT, ZKPOOL_BOOTSTRAP (printed by `zkpool devnet --tasks 0`),
 * ZKPOOL_PRIVATE_KEY (a funded key; on the devnet anvil's dev account 7).
 */
import { readFile, writeFile } from "node:fs/promises";
import { Wallet, formatEther, parseEther } from "ethers";
import { createClient, terminateSnarkjs, isSdkError } from "./sdk.js";

const [wasm, zkey, vkey, inputPath] = process.argv.slice(2);
const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined || v === "") throw new Error(`set ${k} (see the header of this file)`);
  return v;
};
if (inputPath === undefined) {
  console.error("usage: requester.js <wasm> <zkey> <vkey> <input.json>");
  process.exit(2);
}

const client = await createClient({
  signer: new Wallet(env("ZKPOOL_PRIVATE_KEY")),
  rpcUrl: env("ZKPOOL_RPC_URL"),
  deployment: env("ZKPOOL_DEPLOYMENT"),
  bootstrap: env("ZKPOOL_BOOTSTRAP").split(","),
  devnet: true,
});
try {
  if ((await client.balance()).available < parseEther("0.2")) await client.deposit({ amount: parseEther("1") });
  const artifacts = { wasm: wasm!, zkey: zkey!, vkey: vkey! };
  // anyone may register a circuit by its key (a no-op when it is already there); unregistered, a task could not settle
  const reg = await client.registerCircuit({ artifacts });
  console.log(`circuit ${reg.circuitId} (${reg.proofSystem}) ${reg.registered ? "registered now" : "already registered"}`);
  const task = await client.submitTask({
    artifacts,
    input: JSON.parse(await readFile(inputPath, "utf8")) as Record<string, unknown>,
    maxReward: parseEther("0.2"),
    windows: { bidWindow: 6, revealWindow: 6, proofWindow: 60 },
  });
  console.log(`published ${task.taskId}`);
  task.on("assigned", (e) => console.log(`assigned to ${e.prover} for ${formatEther(e.price)} ETH`));
  task.on("defaulted", (e) => console.log(`prover ${e.prover} defaulted; the task moves to the next round`));
  const result = await task.result(); // verified locally against your vkey
  await writeFile("proof.json", JSON.stringify({ proof: result.proof, publicSignals: result.publicSignals }, null, 2));
  console.log(`proof verified, written to proof.json (public signals ${result.publicSignals.join(", ")})`);
  await new Promise<void>((resolve) => task.once("settled", (e) => {
    console.log(`settled: paid ${formatEther(e.price)} ETH, ${formatEther(e.refunded)} ETH back to your balance`);
    resolve();
  }));
} catch (err) {
  console.error(isSdkError(err) ? `${err.message} [${err.code}]` : err);
  process.exitCode = 1;
} finally {
  await client.close();
  await terminateSnarkjs();
}
