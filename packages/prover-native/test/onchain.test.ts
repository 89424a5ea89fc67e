import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ContractFactory, JsonRpcProvider, type Contract } from "ethers";
import solc from "solc";
import * as snarkjs from "snarkjs";
import { createNativeProverModule, type NativeProverModule } from "../src/index.js";
import { BINARY, fixtureArtifacts } from "./helpers.js";

const require = createRequire(import.meta.url);

/** snarkjs's package folder (its exports map hides the templates). */
function snarkjsDir(): string {
  let dir = dirname(require.resolve("snarkjs"));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

async function startAnvil(): Promise<{ child: ChildProcess; url: string }> {
  const bin = join(dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json")), "bin", "anvil");
  const child = spawn(bin, ["--host", "127.0.0.1", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`anvil did not start: ${out}`)), 15_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Listening on [\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", () => reject(new Error(`anvil exited: ${out}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

describe("native proofs verify on-chain (snarkjs-exported Solidity verifier on anvil)", function () {
  this.timeout(120_000);
  const circuit = fixtureArtifacts();
  let anvil: { child: ChildProcess; url: string } | undefined;
  let provider: JsonRpcProvider | undefined;
  let mod: NativeProverModule;
  let verifier: Contract;

  before(async () => {
    const template = readFileSync(join(snarkjsDir(), "templates", "verifier_groth16.sol.ejs"), "utf8");
    const source = await snarkjs.zKey.exportSolidityVerifier(circuit.zkey.path, { groth16: template });
    const input = {
      language: "Solidity",
      sources: { "Verifier.sol": { content: source } },
      settings: { evmVersion: "paris", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
    };
    const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
      errors?: { severity: string; formattedMessage: string }[];
      contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
    };
    const errors = (output.errors ?? []).filter((e) => e.severity === "error");
    assert.equal(errors.length, 0, errors.map((e) => e.formattedMessage).join("\n"));
    const art = output.contracts["Verifier.sol"]!["Groth16Verifier"]!;
    anvil = await startAnvil();
    provider = new JsonRpcProvider(anvil.url, undefined, { cacheTimeout: -1, batchMaxCount: 1 });
    const wallet = await provider.getSigner(0); // one of anvil's unlocked development accounts
    const factory = new ContractFactory(art.abi as never, "0x" + art.evm.bytecode.object, wallet);
    verifier = (await (await factory.deploy()).waitForDeployment()) as Contract;
    mod = createNativeProverModule({ binaryPath: BINARY });
    await mod.start();
  });

  after(async () => {
    await mod?.stop();
    provider?.destroy();
    if (anvil) {
      const exited = new Promise((r) => anvil!.child.once("exit", r));
      anvil.child.kill("SIGTERM");
      await exited;
    }
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    await g.curve_bn128?.terminate();
    delete g.curve_bn128;
  });

  it("the verifier contract accepts a sidecar proof and rejects it for other public signals", async () => {
    const res = await mod.prove({ taskId: "0x02", circuit, input: { a: "11", b: "13" } });
    const calldata = await snarkjs.groth16.exportSolidityCallData(res.proof, res.publicSignals);
    const [a, b, c, pub] = JSON.parse(`[${calldata}]`) as [string[], string[][], string[], string[]];
    assert.equal(await verifier.getFunction("verifyProof").staticCall(a, b, c, pub), true);
    const wrong = [pub[0]!, "0x" + (BigInt(pub[1]!) + 1n).toString(16)];
    assert.equal(await verifier.getFunction("verifyProof").staticCall(a, b, c, wrong), false);
  });
});
