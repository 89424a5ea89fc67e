/** SDK errors that tell the user what to do, against a real anvil + deployment and a real embedded node. */
import assert from "node:assert/strict";
import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import { ANVIL_DEV_MNEMONIC, deployContracts, startAnvil, testProvider, type Anvil, type Deployment } from "@zkpool/chain";
import { loadCircuit } from "@zkpool/circuits";
import { isZkPoolError } from "@zkpool/protocol";
import { createClient, SdkErrorCode, terminateSnarkjs, ZkPoolClient } from "../src/index.js";

const NOWHERE = "/ip4/127.0.0.1/tcp/9/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf";

describe("sdk: client options, deposits and submit checks", function () {
  this.timeout(60_000);
  let anvil: Anvil | undefined;
  let deployment: Deployment;
  let client: ZkPoolClient | undefined;
  const dev = (i: number): Wallet => new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey);

  before(async () => {
    anvil = await startAnvil({ hardfork: "cancun" });
    const provider = testProvider(anvil.url);
    deployment = (await deployContracts(dev(0).connect(provider))).deployment;
    provider.destroy();
  });
  after(async () => {
    await client?.close();
    await terminateSnarkjs();
    await anvil?.stop();
  });

  it("refuses empty bootstrap, an unreachable RPC and a deployment of another chain, each with what to fix", async () => {
    await assert.rejects(createClient({ signer: dev(5), bootstrap: [], rpcUrl: anvil!.url, deployment }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_OPTIONS) && /pass at least one pool node/.test((e as Error).message));
    await assert.rejects(createClient({ signer: dev(5), bootstrap: [NOWHERE], rpcUrl: "http://127.0.0.1:9", deployment }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.CHAIN_UNREACHABLE) && /check rpcUrl/.test((e as Error).message));
    await assert.rejects(createClient({ signer: dev(5), bootstrap: [NOWHERE], rpcUrl: anvil!.url, deployment: { ...deployment, chainId: "1" } }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.CHAIN_UNREACHABLE) && /the deployment is for chain 1/.test((e as Error).message));
  });

  it("deposits and reads the balance; refuses a task of an unregistered circuit, one the balance cannot cover, an unknown circuit and an input the circuit rejects", async () => {
    client = await createClient({ signer: dev(5), bootstrap: [NOWHERE], rpcUrl: anvil!.url, deployment, devnet: true });
    const d = await client.deposit({ amount: 10n ** 17n });
    assert.equal(d.balance, 10n ** 17n);
    assert.deepEqual(await client.balance(), { balance: 10n ** 17n, pendingWithdrawal: 0n, available: 10n ** 17n, readyAt: 0n });
    const c = await loadCircuit("range-check-32", "groth16");
    // a bad price schedule is refused first, before the circuit is even looked up (SPEC §10.3)
    await assert.rejects(client.submitTask({ circuit: "range-check-32", input: c.sampleInput, maxReward: 10n ** 15n, schedule: { startPrice: 10n ** 15n, priceStep: 1n } }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_SCHEDULE) && /0 < startPrice < maxReward/.test((e as Error).message));
    // a circuit the chain does not have is refused before anything is published; anyone may then register it
    await assert.rejects(client.submitTask({ circuit: "range-check-32", input: c.sampleInput, maxReward: 10n ** 15n }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.CIRCUIT_NOT_REGISTERED) && /zkpool circuit register --circuit range-check-32/.test((e as Error).message));
    assert.deepEqual(await client.isCircuitRegistered({ circuit: "range-check-32" }), { circuitId: c.circuitId, registered: false });
    const reg = await client.registerCircuit({ circuit: "range-check-32" });
    assert.deepEqual([reg.circuitId, reg.registered, reg.proofSystem], [c.circuitId, true, "groth16"]);
    assert.equal((await client.registerCircuit({ circuit: "range-check-32" })).registered, false, "registering again is a no-op");
    await assert.rejects(client.submitTask({ circuit: "range-check-32", input: c.sampleInput, maxReward: 10n ** 18n }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.INSUFFICIENT_BALANCE) && /deposit first/.test((e as Error).message));
    // an unknown name is answered with what this chain can settle (not every catalog circuit)
    await assert.rejects(client.submitTask({ circuit: "no-such-circuit", input: {}, maxReward: 1n }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.UNKNOWN_CIRCUIT) && /catalog circuits registered on this chain: range-check-32 \(groth16\)$/.test((e as Error).message));
    await assert.rejects(client.submitTask({ input: {}, maxReward: 1n }), (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_OPTIONS));
    await assert.rejects(client.submitTask({ circuit: "range-check-32", input: { nothing: 1 }, maxReward: 1n }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.INPUT_MISSING) && /lacks the field "value"/.test((e as Error).message));
    // every field there, but a value the circuit's constraints reject (value above upper)
    await assert.rejects(client.submitTask({ circuit: "range-check-32", input: { ...c.sampleInput, value: "2000000" }, maxReward: 1n }),
      (e: unknown) => isZkPoolError(e, SdkErrorCode.BAD_INPUT) && /does not satisfy the circuit/.test((e as Error).message));
    // the witness gives the catalog's expected public signals for the sample input
    const vkey = { nPublic: c.nPublic };
    assert.deepEqual((await ZkPoolClient.publicSignalsOf(c.wasm.path, vkey, c.sampleInput)).map(String), c.expectedPublicSignals);
    const w = await client.requestWithdrawal({ amount: 10n ** 16n });
    assert.ok((w.readyAt ?? 0n) > 0n);
    assert.equal((await client.balance()).available, 9n * 10n ** 16n);
  });
});
