/**
 * GET /tasks/<id>/proof (issue 12: a requester can always fetch a proof that exists, from the API). A real pool
 * node as `zkpool node start` runs it (runNode: libp2p over TCP on 127.0.0.1, level store and content store on
 * disk, the snarkjs UMP, the HTTP API on a free port), in genesis mode: one staked operator that proves and
 * attests, so a task completes without a chain. A real Groth16 task (the committed range-check-32 circuit) is
 * published to it; its proof route answers 404 "no proof yet" while the task is open, then the proof submission
 * of the completed round, which verifies (snarkjs, via the UMP) and is signed by the prover's node key.
 * Bad ids answer 400, unknown tasks 404, unknown sub-paths 404, all with JSON errors.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, hexlify } from "ethers";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import { publishTask } from "@zkpool/node";
import { decodeSnarkjsProof, proofHash, verifyProofSubmissionSignature, type Hex, type ProofSubmission, type ProtocolDomain } from "@zkpool/protocol";
import { snarkjsModule } from "@zkpool/prover-snarkjs";
import { createUmp, type Ump } from "@zkpool/ump";
import { resolveConfig, runNode, type RunningNode, type TaskProof } from "../src/index.js";

const DOMAIN: ProtocolDomain = { chainId: 31337n, escrow: "0x5fbdb2315678afecb367f032d93f642f64180aa3" };
const OPERATOR = new Wallet(hexlify(new Uint8Array(32).fill(7)));
const REQUESTER = new Wallet(hexlify(new Uint8Array(32).fill(201)));
const UNKNOWN_ID = `0x${"ab".repeat(32)}`;

async function get(url: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
}

describe("cli: GET /tasks/<id>/proof on a real node", function () {
  this.timeout(180_000);
  let dir: string;
  let running: RunningNode | undefined;
  let verifier: Ump | undefined;
  let circuit: CatalogCircuit;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "zkpool-api-proof-"));
    const genesis = join(dir, "genesis.json");
    await writeFile(genesis, JSON.stringify({ version: 1, stakes: { [OPERATOR.address]: (1000n * 10n ** 18n).toString() } }));
    const config = resolveConfig({
      dataDir: join(dir, "node"),
      genesis,
      chainId: DOMAIN.chainId.toString(),
      escrow: DOMAIN.escrow,
      prover: true,
      priceShare: 50,
      listen: ["/ip4/127.0.0.1/tcp/0"],
      apiPort: 0,
      devnet: true,
      logLevel: "silent",
    }, {});
    running = await runNode(config, OPERATOR);
    base = running.api.url;
    circuit = await loadCircuit("range-check-32", "groth16");
    verifier = createUmp({ modules: [snarkjsModule({ workers: 1, threads: 1, cacheDir: join(dir, "verifier") })], concurrency: 1 });
    await verifier.start();
  });
  after(async () => {
    await running?.stop();
    await verifier?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("bad ids answer 400, unknown tasks 404, unknown sub-paths 404, each with a JSON error saying what to do", async () => {
    for (const bad of ["/tasks/nothex/proof", "/tasks/0x1234/proof", `/tasks/${UNKNOWN_ID}00/proof`, "/tasks/%E0%A4%A/proof", "/tasks//proof"]) {
      const r = await get(base + bad);
      assert.equal(r.status, 400, bad);
      assert.match(r.type, /application\/json/);
      assert.equal(r.body["error"], "bad task id", bad);
      assert.match(String(r.body["detail"]), /64 hex digits|percent-encoding/, bad);
    }
    const unknown = await get(`${base}/tasks/${UNKNOWN_ID}/proof`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body["error"], "unknown task");
    assert.match(String(unknown.body["detail"]), /stores no task with that id/);
    for (const sub of [`/tasks/${UNKNOWN_ID}/proofs`, `/tasks/${UNKNOWN_ID}/proof/x`, `/tasks/${UNKNOWN_ID}/x/proof`]) {
      const r = await get(base + sub);
      assert.equal(r.status, 404, sub);
      assert.equal(r.body["error"], "not found", sub);
      assert.ok((r.body["routes"] as string[]).includes("/tasks/<id>/proof"), "the routes list the proof route");
    }
  });

  it("a task's proof route answers 'no proof yet' while it is open, then the completed round's proof, which verifies", async () => {
    const node = running!.node;
    const { taskId } = await publishTask({
      node,
      requester: REQUESTER,
      proofSystem: 1,
      wasmPath: circuit.wasm.path,
      zkeyPath: circuit.zkey.path,
      vkeyPath: circuit.vkey.path,
      input: circuit.sampleInput,
      publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward: 10n ** 18n,
      penalty: 10n ** 17n,
      bidWindow: 4,
      revealWindow: 5,
      proofWindow: 60,
      maxRounds: 1,
      nonce: BigInt(Date.now()),
    });
    // in the bid window nothing can have been proved yet
    const open = await get(`${base}/tasks/${taskId}/proof`);
    assert.equal(open.status, 404);
    assert.equal(open.body["error"], "no proof yet");
    assert.match(String(open.body["detail"]), /the task is open.*ask again later.*GET \/tasks\/0x[0-9a-f]{64}/);

    // bids, reveals, assignment, the proof and the completion certificate (generous bound: correctness only)
    const end = Date.now() + 120_000;
    let status = "";
    while (Date.now() < end) {
      status = String((await get(`${base}/tasks/${taskId}`)).body["status"]);
      if (status !== "open") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, "completed");

    // upper-case hex is the same task
    const r = await get(`${base}/tasks/${taskId.toUpperCase().replace("0X", "0x")}/proof`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.type, /application\/json/);
    const p = r.body as unknown as TaskProof;
    assert.deepEqual(Object.keys(p).sort(), ["peerId", "proof", "proofSystem", "prover", "publicSignals", "round", "signature", "taskId"]);
    assert.equal(p.taskId, taskId);
    assert.equal(p.round, 0);
    assert.equal(p.prover, OPERATOR.address.toLowerCase());
    assert.equal(p.proofSystem, 1);
    assert.match(p.proof, /^0x[0-9a-f]+$/);
    assert.deepEqual(p.publicSignals, circuit.expectedPublicSignals, "decimal strings, as the task committed to");
    assert.ok(p.publicSignals.every((s) => typeof s === "string" && /^\d+$/.test(s)));

    // the completion certificate names exactly this proof
    const certs = (await get(`${base}/tasks/${taskId}`)).body["certificates"] as Array<{ kind: string; round: number; proofHash?: string }>;
    const completion = certs.find((c) => c.kind === "completion");
    assert.ok(completion !== undefined, "a completion certificate is held");
    assert.equal(completion.round, p.round);
    assert.equal(completion.proofHash, proofHash(p.proof as Hex));

    // a requester can check the proof itself: it verifies against the task's key; a changed signal does not
    const snark = decodeSnarkjsProof(1, p.proof as Hex);
    assert.equal(await verifier!.verify(circuit, snark, p.publicSignals), true, "the served proof verifies");
    const wrong = [...p.publicSignals];
    wrong[0] = (BigInt(wrong[0]!) + 1n).toString();
    assert.equal(await verifier!.verify(circuit, snark, wrong), false);
    // and the submission is the prover node's signed message
    const submission: ProofSubmission = { round: p.round, taskId: p.taskId, prover: p.prover as Hex, peerId: p.peerId as Hex, proof: p.proof as Hex, signature: p.signature as Hex, publicSignals: p.publicSignals.map((s) => BigInt(s)) };
    assert.equal(verifyProofSubmissionSignature(submission, DOMAIN), true);
    assert.equal(verifyProofSubmissionSignature({ ...submission, publicSignals: wrong.map((s) => BigInt(s)) }, DOMAIN), false);
  });
});
