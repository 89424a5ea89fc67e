/* Auction test harness: real PoolNodes over TCP, real snarkjs Groth16 proofs on the smallest committed circuit. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCircuit, type CatalogCircuit } from "@zkpool/circuits";
import { snarkjsModule, type SnarkjsModule } from "@zkpool/prover-snarkjs";
import { createUmp, UmpError, type ProveRequest, type Ump, type UmpProveOptions } from "@zkpool/ump";
import type { Hex } from "@zkpool/protocol";
import { createAuctionService, FixedSharePricing, publishTask, type AuctionProver, type AuctionService, type ProvabilityChecker } from "../src/auction/index.js";
import { REQUESTER, type TestNode } from "./utils.js";

export const CIRCUIT_NAME = "range-check-32";

export async function smallCircuit(): Promise<CatalogCircuit> {
  return loadCircuit(CIRCUIT_NAME, "groth16");
}

/** A real UMP with the snarkjs WASM module (one worker, one thread: the box has 2 cores). */
export async function realUmp(): Promise<{ ump: Ump; dir: string; module: SnarkjsModule }> {
  const dir = await mkdtemp(join(tmpdir(), "zkpool-ump-"));
  const module = snarkjsModule({ workers: 1, threads: 1, cacheDir: dir });
  const ump = createUmp({ modules: [module], concurrency: 1 });
  await ump.start();
  return { ump, dir, module };
}

export async function stopUmp(u: { ump: Ump; dir: string } | undefined): Promise<void> {
  if (u === undefined) return;
  await u.ump.stop();
  await rm(u.dir, { recursive: true, force: true });
}

/**
 * TEST DOUBLE of a faulty prover (the UMP is a plug-in): it delegates to a real UMP except that the first
 * proof asked for each task in `withhold` is never produced (the prover "goes silent"). Shared between
 * prover nodes so exactly the first assigned prover of such a task defaults, whoever wins the lottery.
 */
export class WithholdingProver implements AuctionProver {
  constructor(
    private readonly real: Ump,
    private readonly withhold: Set<string>,
    private readonly withheld: Set<string>,
  ) {}
  reserve(...a: Parameters<Ump["reserve"]>): ReturnType<Ump["reserve"]> {
    return this.real.reserve(...a);
  }
  load(): ReturnType<Ump["load"]> {
    return this.real.load();
  }
  modules(): ReturnType<Ump["modules"]> {
    return this.real.modules();
  }
  verify(...a: Parameters<Ump["verify"]>): ReturnType<Ump["verify"]> {
    return this.real.verify(...a);
  }
  prove(request: ProveRequest, opts?: UmpProveOptions): ReturnType<Ump["prove"]> {
    const id = request.taskId.toLowerCase();
    if (this.withhold.has(id) && !this.withheld.has(id)) {
      this.withheld.add(id);
      opts?.reservation?.release();
      return Promise.reject(new UmpError({ code: "ABORTED", taskId: id, detail: "test double withholds" }, "withheld by the test double"));
    }
    return this.real.prove(request, opts);
  }
}

export function startService(t: TestNode, prover: AuctionProver | undefined, verifier: Ump, provability?: ProvabilityChecker): AuctionService {
  return createAuctionService({
    node: t.node,
    operator: t.operator,
    verifier,
    ...(provability !== undefined ? { provability } : {}),
    ...(prover !== undefined ? { ump: prover, pricing: new FixedSharePricing(50) } : {}),
    tickMs: 200,
  });
}

export const WINDOWS = { bidWindow: 6, revealWindow: 6, proofWindow: 8 };

let nonce = 1n;
export async function publish(t: TestNode, c: CatalogCircuit, maxRounds = 2, windows = WINDOWS): Promise<Hex> {
  const { taskId } = await publishTask({
    node: t.node,
    requester: REQUESTER,
    proofSystem: 1,
    wasmPath: c.wasm.path,
    zkeyPath: c.zkey.path,
    vkeyPath: c.vkey.path,
    input: c.sampleInput,
    publicSignals: c.expectedPublicSignals.map((s) => BigInt(s)),
    maxReward: 10n ** 18n,
    penalty: 10n ** 17n,
    ...windows,
    maxRounds,
    nonce: nonce++ + BigInt(Date.now()),
  });
  return taskId;
}
