/**
 * The circuit registry from an attacker's side (SPEC §9.12): a registration cannot claim one key and verify
 * with another, malformed keys and unknown proof systems are refused, a second registration changes nothing, and
 * a proof is checked only under the proof system its circuit was registered with.
 */
import assert from "node:assert/strict";
import { ProofSystem, sha256, circuitId } from "@zkpool/protocol";
import { toChainError } from "../src/index.js";
import { fixtureArtifacts, fixtureCircuitId, expectRevert, groth16Proof, otherProof, usePool, type PoolEnv } from "./helpers/pool.js";

describe("chain: circuit registry refusals (SPEC §9.12)", function () {
  this.timeout(120_000);
  const pool = usePool();
  let env: PoolEnv;
  before(() => {
    env = pool();
  });

  it("the id is derived on chain from the key: another wasm/zkey claim gives another id, never the victim's", async () => {
    const a = fixtureArtifacts(ProofSystem.Groth16);
    const registry = env.deployed.circuitRegistry.connect(env.outsider);
    const fakeWasm = `0x${"11".repeat(32)}`;
    const r = await registry.register(ProofSystem.Groth16, fakeWasm, a.zkeySha256, a.vkey);
    assert.equal(r.registered, true);
    assert.equal(r.circuitId, circuitId(ProofSystem.Groth16, fakeWasm as `0x${string}`, a.zkeySha256 as `0x${string}`, sha256(a.vkey)));
    assert.notEqual(r.circuitId, fixtureCircuitId(ProofSystem.Groth16));
    // the victim's entry is untouched: same registrant, same key hash
    const victim = (await registry.circuit(fixtureCircuitId(ProofSystem.Groth16)))!;
    assert.equal(victim.registrant, env.outsider.address);
    assert.equal(victim.vkeySha256, sha256(a.vkey));
  });

  it("registering the same circuit again, from anyone, is a no-op", async () => {
    const a = fixtureArtifacts(ProofSystem.Plonk);
    const before = await env.deployed.circuitRegistry.circuitCount();
    const r = await env.deployed.circuitRegistry.connect(env.requester).register(ProofSystem.Plonk, a.wasmSha256, a.zkeySha256, a.vkey);
    assert.deepEqual([r.circuitId, r.registered], [fixtureCircuitId(ProofSystem.Plonk), false]);
    assert.equal(await env.deployed.circuitRegistry.circuitCount(), before);
    assert.equal((await env.deployed.circuitRegistry.circuit(r.circuitId))!.registrant, env.outsider.address, "the first registrant stays");
  });

  it("refuses keys of the wrong length, a header of another system and unknown proof systems", async () => {
    const a = fixtureArtifacts(ProofSystem.Groth16);
    const registry = env.deployed.circuitRegistry.connect(env.outsider);
    const raw = registry.contract.connect(env.outsider) as typeof registry.contract;
    const words = `0x${Buffer.from(a.vkey.subarray(32)).toString("hex")}`;
    const register = (...args: unknown[]): Promise<unknown> =>
      raw.getFunction("register").staticCall(...args).catch((e: unknown) => {
        throw toChainError(e, "register");
      });
    await expectRevert(register(ProofSystem.Groth16, a.wasmSha256, a.zkeySha256, words.slice(0, -64)), "MalformedKey");
    await expectRevert(register(ProofSystem.Groth16, a.wasmSha256, a.zkeySha256, words + "00".repeat(32)), "MalformedKey");
    await expectRevert(register(ProofSystem.Groth16, a.wasmSha256, a.zkeySha256, "0x"), "MalformedKey");
    await expectRevert(register(4, a.wasmSha256, a.zkeySha256, words), "UnsupportedProofSystem");
    // a Groth16 key presented as PLONK: wrong length for PLONK
    await expectRevert(register(ProofSystem.Plonk, a.wasmSha256, a.zkeySha256, words), "MalformedKey");
    // the TypeScript client refuses a key whose header names another system before sending anything
    await assert.rejects(registry.register(ProofSystem.Plonk, a.wasmSha256, a.zkeySha256, a.vkey), /not a canonical verification key of proof system 2/);
  });

  it("verify answers only under the registered proof system, and only for the registered key's proofs", async () => {
    const registry = env.deployed.circuitRegistry;
    const g = await groth16Proof();
    const p = await otherProof("plonk");
    assert.equal(await registry.verify(fixtureCircuitId(ProofSystem.Groth16), ProofSystem.Groth16, g.proof, g.publicSignals), true);
    // the wrong public signals, and a PLONK proof under the Groth16 id, do not verify
    assert.equal(await registry.verify(fixtureCircuitId(ProofSystem.Groth16), ProofSystem.Groth16, g.proof, [g.publicSignals[0]! + 1n, g.publicSignals[1]!]), false);
    await expectRevert(registry.verify(fixtureCircuitId(ProofSystem.Groth16), ProofSystem.Groth16, p.proof, p.publicSignals), "MalformedProof");
    // a registered id asked under another proof system, and an id nobody registered
    await expectRevert(registry.verify(fixtureCircuitId(ProofSystem.Groth16), ProofSystem.Plonk, p.proof, p.publicSignals), "UnknownCircuit");
    await expectRevert(registry.verify(`0x${"ab".repeat(32)}`, ProofSystem.Groth16, g.proof, g.publicSignals), "UnknownCircuit");
  });
});
