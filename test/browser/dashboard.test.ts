/**
 * The node's web dashboard in a real browser (issue 16): Debian's chromium (installed by .ci/run) driven by
 * playwright-core, against a `zkpool devnet` of OS processes. A task submitted through the SDK is followed
 * on a node's pool view and task page as it goes through bids, assignment, proof and settlement; screenshots
 * of the pool view, the task page and the operator view are saved under test/dist/artifacts/ (the path is
 * printed). Without chromium the suite skips with one line. Every browser, devnet and client it starts, it stops.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet, Mnemonic, Wallet, parseEther } from "ethers";
import type { Browser, Page } from "playwright-core";
import { ANVIL_DEV_MNEMONIC } from "@zkpool/chain";
import { loadCircuit } from "@zkpool/circuits";
import { createClient, terminateSnarkjs, type ZkPoolClient } from "@zkpool/sdk";
import { startDevnetProcess, type DevnetProcess } from "../e2e/devnet-process.js";

const CHROMIUM = process.env["ZKPOOL_CHROMIUM"] ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
/** anvil dev account 7: not the deployer (0), not a devnet operator (1..3) nor its requester (9). */
const REQUESTER = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/7").privateKey;

interface NodeLine { name: string; api: string; dashboard: string; role: string }

describe("browser: a node's dashboard shows a task go through bids, assignment, proof and settlement (chromium)", function () {
  this.timeout(600_000);
  let dir: string | undefined;
  let devnet: DevnetProcess | undefined;
  let browser: Browser | undefined;
  let client: ZkPoolClient | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: no chromium at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does; or set ZKPOOL_CHROMIUM)`);
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), "zkpool-dashboard-"));
    devnet = await startDevnetProcess(dir, ["--provers", "2", "--attesters", "1"]);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await devnet?.stop();
    await terminateSnarkjs();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("pool view and task page follow the task live; the settlement transaction is shown; screenshots saved", async () => {
    const nodes = devnet!.output().split("\n").filter((l) => l.includes('"event":"node"')).map((l) => JSON.parse(l) as NodeLine);
    assert.equal(nodes.length, 3);
    for (const n of nodes) assert.match(n.dashboard, /^http:\/\/127\.0\.0\.1:\d+\/dashboard\/$/, "the devnet prints each node's dashboard URL");
    const watched = nodes.find((n) => n.role === "attester") ?? nodes[0]!;

    const pool = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    pool.on("pageerror", (e) => errors.push(String(e)));
    await pool.goto(watched.dashboard);
    await pool.waitForSelector('body[data-sse="open"]', { timeout: 20_000 });
    await pool.waitForSelector("#operators tbody tr", { timeout: 20_000 });
    assert.ok((await pool.locator("#operators tbody tr").count()) >= 3, "the operators and their stake are listed");
    // record every phase the task's row shows, as the page changes it
    // (browser code as a string: the test build has no DOM types)
    await pool.evaluate(`(() => {
      window.__phases = {};
      const note = () => {
        for (const tr of document.querySelectorAll("#tasks-table tbody tr")) {
          const seen = (window.__phases[tr.dataset.taskId] ??= []);
          if (seen.at(-1) !== tr.dataset.phase) seen.push(tr.dataset.phase);
        }
      };
      new MutationObserver(note).observe(document.getElementById("main"), { subtree: true, childList: true, attributes: true, attributeFilter: ["data-phase"] });
    })()`);

    client = await createClient({ signer: new Wallet(REQUESTER), rpcUrl: devnet!.rpcUrl, deployment: devnet!.deployment, bootstrap: devnet!.bootstrap, devnet: true });
    await client.deposit({ amount: parseEther("1") });
    const circuit = await loadCircuit("range-check-32", "groth16");
    const handle = await client.submitTask({
      circuit: "range-check-32", input: circuit.sampleInput, publicSignals: circuit.expectedPublicSignals.map((s) => BigInt(s)),
      maxReward: parseEther("0.1"), windows: { bidWindow: 5, revealWindow: 5, proofWindow: 30, maxRounds: 2 },
    });
    const id = handle.taskId.toLowerCase();
    const settledBySdk = new Promise<void>((resolve) => handle.once("settled", () => resolve()));

    const taskPage: Page = await browser!.newPage({ viewport: { width: 1400, height: 1400 } });
    taskPage.on("pageerror", (e) => errors.push(String(e)));
    await taskPage.goto(`${watched.dashboard}task/${id}`);
    await taskPage.waitForSelector('body[data-sse="open"]', { timeout: 20_000 });

    const row = `#tasks-table tbody tr[data-task-id="${id}"]`;
    for (const phase of ["bids", "assigned", "proved", "settled"]) {
      // each phase appears on the pool row (as the current phase or a step already done) in this order
      await pool.waitForSelector(`${row} .step.done[data-step="${phase}"]`, { timeout: 120_000 });
    }
    await pool.waitForSelector(`${row}[data-phase="settled"]`, { timeout: 60_000 });
    await settledBySdk;
    const seen = await pool.evaluate<string[]>(`window.__phases[${JSON.stringify(id)}] ?? []`);
    const order = ["published", "bids", "assigned", "proved", "completed", "settled"];
    assert.deepEqual(seen.filter((p) => order.includes(p)), [...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)), `phases in order: ${seen.join(" → ")}`);
    assert.ok(seen.length >= 3 && seen.at(-1) === "settled", `the row changed live: ${seen.join(" → ")}`);

    // the task page: timeline, bids revealed, the draw, certificates, the proof, the settlement transaction
    await taskPage.waitForSelector('#task[data-phase="settled"]', { timeout: 60_000 });
    await taskPage.waitForSelector('#settlement[data-status="settled"] [data-field="txHash"]', { timeout: 30_000 });
    for (const phase of ["published", "bids", "assigned", "proved", "settled"]) {
      assert.ok((await taskPage.locator(`#timeline li[data-phase="${phase}"]`).count()) >= 1, `timeline has ${phase}`);
    }
    assert.ok((await taskPage.locator('#bids tbody tr[data-revealed="yes"]').count()) >= 1, "revealed bids");
    assert.ok((await taskPage.locator("#draw tbody tr").count()) >= 1, "the draw");
    assert.ok((await taskPage.locator('#certificates tbody tr[data-kind="assignment"]').count()) === 1, "the assignment certificate");
    assert.ok((await taskPage.locator('#certificates tbody tr[data-kind="completion"]').count()) === 1, "the completion certificate");
    assert.match(await taskPage.locator("#proof pre").first().innerText(), /^0x[0-9a-f]+$/);
    const tx = await taskPage.locator('#settlement [data-field="txHash"]').innerText();
    assert.match(tx, /^0x[0-9a-f]{64}$/);

    // the winner's operator view: its win, with the price
    const winnerAddr = await taskPage.locator('#certificates tbody tr[data-kind="assignment"] td').nth(2).innerText();
    const operatorPages: Page[] = [];
    let winnerView: Page | undefined;
    for (const n of nodes.filter((x) => x.role === "prover")) {
      const p = await browser!.newPage({ viewport: { width: 1400, height: 1100 } });
      operatorPages.push(p);
      await p.goto(`${n.dashboard}operator`);
      await p.waitForSelector("#bids", { timeout: 20_000 });
      if ((await p.locator(`#bids tbody tr[data-task-id="${id}"][data-outcome="won"]`).count()) === 1) winnerView = p;
    }
    assert.ok(winnerView !== undefined, `a prover's operator view shows the win (winner ${winnerAddr})`);
    await winnerView.waitForSelector('#ump tbody tr[data-module]', { timeout: 10_000 });

    await mkdir(ARTIFACTS, { recursive: true });
    await pool.reload();
    await pool.waitForSelector(`${row}[data-phase="settled"]`, { timeout: 20_000 });
    await pool.waitForTimeout(500);
    await pool.screenshot({ path: join(ARTIFACTS, "dashboard-pool.png"), fullPage: true });
    await taskPage.screenshot({ path: join(ARTIFACTS, "dashboard-task.png"), fullPage: true });
    await winnerView.screenshot({ path: join(ARTIFACTS, "dashboard-operator.png"), fullPage: true });
    console.log(`    screenshots: ${join(ARTIFACTS, "dashboard-pool.png")}, dashboard-task.png, dashboard-operator.png`);
    for (const p of [pool, taskPage, ...operatorPages]) await p.close();
    assert.deepEqual(errors, [], "no script errors in the pages");
  });
});
