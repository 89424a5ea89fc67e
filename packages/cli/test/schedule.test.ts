/**
 * Price schedules in the CLI (SPEC §10.3): `task submit --start-price / --price-step / --rebid-window` parsing and its
 * errors (in-process through `main(argv, io)`: they come before any keystore or chain is touched), the progress lines of
 * a re-auctioned task (plain and --json), and the quote's suggested schedule. No chain.
 *
 * TEST DOUBLES: FakeHandle, an event emitter with a TaskHandle's events and result(), driven by the test as the SDK would
 * drive a handle; `noChain`, the client part followTask uses after settlement (it finds no settlement log).
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auctionDeadlines, reservePrice, type Hex, type Task } from "@zkpool/protocol";
import type { QuoteReturnType, TaskEvents, TaskHandle, TaskResult } from "@zkpool/sdk";
import { CliErrorCode, defaultPriceStep, followTask, formatQuote, main, parseScheduleFlags, type CliIo } from "../src/index.js";
import { createProgress } from "../src/progress.js";

const ETH = 10n ** 18n;
const MAX = ETH / 10n;

function cliError(f: () => unknown, code: CliErrorCode, key: string | undefined, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    const err = e as { code?: string; type?: { key?: string }; message: string };
    assert.equal(err.code, code, String(e));
    if (key !== undefined) assert.equal(err.type?.key, key);
    assert.match(err.message, message);
    return true;
  });
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, stopSignal: () => new Promise<string>(() => undefined) };
  const code = await main(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("price schedule flags and progress (SPEC §10.3)", () => {
  describe("parseScheduleFlags: --start-price, --price-step, --rebid-window against --max-reward", () => {
    it("no flags: no schedule; --start-price alone: the step reaches --max-reward in 4 auction rounds", () => {
      assert.equal(parseScheduleFlags({}, MAX), undefined);
      assert.deepEqual(parseScheduleFlags({ startPrice: "0.01" }, MAX), { startPrice: ETH / 100n, priceStep: 30_000_000_000_000_000n });
      assert.equal(defaultPriceStep(1n, 11n), 4n, "ceil(10 / 3)");
      assert.deepEqual(parseScheduleFlags({ startPrice: "0.0001", priceStep: "0.02", rebidWindow: "12" }, MAX),
        { startPrice: 10n ** 14n, priceStep: 2n * 10n ** 16n, rebidWindow: 12 });
      assert.deepEqual(parseScheduleFlags({ startPrice: "0.099999999999999999" }, MAX), { startPrice: MAX - 1n, priceStep: 1n });
      assert.deepEqual(parseScheduleFlags({ startPrice: "0.01", rebidWindow: 86_400 }, MAX), { startPrice: ETH / 100n, priceStep: 30_000_000_000_000_000n, rebidWindow: 86_400 });
    });

    it("refuses what the protocol refuses, naming the flag and the range", () => {
      cliError(() => parseScheduleFlags({ priceStep: "0.01" }, MAX), CliErrorCode.BAD_USAGE, "start-price", /--price-step shapes a price schedule: pass --start-price <ETH> too/);
      cliError(() => parseScheduleFlags({ rebidWindow: "5" }, MAX), CliErrorCode.BAD_USAGE, "start-price", /--rebid-window shapes/);
      cliError(() => parseScheduleFlags({ startPrice: "0.1" }, MAX), CliErrorCode.BAD_USAGE, "start-price", /--start-price 0\.1 ETH must be below --max-reward 0\.1 ETH/);
      cliError(() => parseScheduleFlags({ startPrice: "2" }, MAX), CliErrorCode.BAD_USAGE, "start-price", /must be below --max-reward/);
      cliError(() => parseScheduleFlags({ startPrice: "0" }, MAX), CliErrorCode.BAD_AMOUNT, "--start-price", /must be more than 0/);
      cliError(() => parseScheduleFlags({ startPrice: "1e-3" }, MAX), CliErrorCode.BAD_AMOUNT, "--start-price", /amount in ETH/);
      cliError(() => parseScheduleFlags({ startPrice: "0.01", priceStep: "0" }, MAX), CliErrorCode.BAD_AMOUNT, "--price-step", /must be more than 0/);
      cliError(() => parseScheduleFlags({ startPrice: "0.01", priceStep: "-1" }, MAX), CliErrorCode.BAD_AMOUNT, "--price-step", /negative/);
      // 0.09 ETH over steps of 0.005: 1 + 18 = 19 rounds; the least step that fits is 0.09 / 15 = 0.006
      cliError(() => parseScheduleFlags({ startPrice: "0.01", priceStep: "0.005" }, MAX), CliErrorCode.BAD_USAGE, "price-step",
        /makes 19 auction rounds, at most 16 are allowed: use --price-step 0\.006 or more/);
      assert.ok(parseScheduleFlags({ startPrice: "0.01", priceStep: "0.006" }, MAX) !== undefined, "the step the message names is enough");
      for (const rebidWindow of ["0", "4", "86401", "1.5", "x", "-3", ""]) {
        cliError(() => parseScheduleFlags({ startPrice: "0.01", rebidWindow }, MAX), CliErrorCode.BAD_USAGE, "rebid-window", /whole number of seconds from 5 to 86400/);
      }
      assert.equal(parseScheduleFlags({ startPrice: "0.01", rebidWindow: "5" }, MAX)!.rebidWindow, 5);
    });

    it("task submit: a bad schedule flag exits 2 before any keystore or chain is needed; --help documents the flags", async () => {
      let r = await cli(["task", "submit", "--circuit", "range-check-32", "--input", "in.json", "--max-reward", "0.1", "--start-price", "0.5"]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /--start-price 0\.5 ETH must be below --max-reward 0\.1 ETH: .*\[CLI_BAD_USAGE\]/);
      r = await cli(["--json", "task", "submit", "--circuit", "range-check-32", "--input", "in.json", "--max-reward", "0.1", "--price-step", "0.01"]);
      assert.equal(r.code, 2);
      assert.equal((JSON.parse(r.err) as { error: { type: { code: string; key: string } } }).error.type.key, "start-price");
      r = await cli(["task", "submit", "--input", "in.json", "--max-reward", "0.1", "--start-price", "0.01", "--rebid-window", "0"]);
      assert.equal(r.code, 2);
      assert.match(r.err, /--rebid-window must be a whole number/);
      r = await cli(["task", "submit", "--input", "in.json", "--max-reward", "0.1", "--start-price", "ten"]);
      assert.equal(r.code, 2);
      assert.match(r.err, /--start-price must be an amount in ETH .*\[CLI_BAD_AMOUNT\]/);
      const help = await cli(["task", "submit", "--help"]);
      assert.equal(help.code, 0);
      const flat = help.out.replace(/\s+/g, " "); // commander wraps option texts
      for (const flag of ["--start-price <eth>", "--price-step <eth>", "--rebid-window <s>", "default ceil((max-reward - start-price) / 3): 4 auction rounds"]) {
        assert.ok(flat.includes(flag), flag);
      }
      const devnet = await cli(["devnet", "--help"]);
      assert.match(devnet.out, /--schedule/);
    });
  });

  it("task quote prints the suggested schedule when there is one", () => {
    const q: QuoteReturnType = {
      circuitId: `0x${"12".repeat(32)}`, proofSystem: "groth16", willing: 2, suggestedMaxReward: 3n * 10n ** 15n, expectedPrice: 25n * 10n ** 14n,
      asks: [{ prover: `0x${"aa".repeat(20)}`, price: 2n * 10n ** 15n, stake: ETH, issuedAt: 1n }, { prover: `0x${"bb".repeat(20)}`, price: 3n * 10n ** 15n, stake: ETH, issuedAt: 1n }],
      suggestedSchedule: { startPrice: 2n * 10n ** 15n, priceStep: 333_333_333_333_334n },
    };
    assert.match(formatQuote(q), /suggested schedule --start-price 0\.002 --price-step 0\.000333333333333334 \(from the lowest ask up to 0\.003 ETH in 4 auction rounds/);
    assert.match(formatQuote(q, 4n * 10n ** 15n), /up to 0\.004 ETH in 7 auction rounds/);
    const { suggestedSchedule: _, ...without } = q;
    assert.doesNotMatch(formatQuote(without), /suggested schedule/);
  });

  describe("task submit progress of a re-auctioned task", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "zkpool-cli-schedule-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const prover: Hex = `0x${"ab".repeat(20)}`;
    const startPrice = MAX / 1000n;
    const schedule = { startPrice, priceStep: (MAX - startPrice) / 3n, rebidWindow: 5 };
    const now = BigInt(Math.floor(Date.now() / 1000));
    const taskOf = (s: typeof schedule | undefined): Task =>
      ({ maxReward: MAX, maxRounds: 2, proofWindow: 20, bidDeadline: now + 5n, revealDeadline: now + 10n, ...(s !== undefined ? { schedule: s } : {}) } as unknown as Task);

    class FakeHandle extends EventEmitter<TaskEvents> {
      readonly taskId: Hex = `0x${"cd".repeat(32)}`;
      fromBlock = 0;
      private done: (r: TaskResult) => void = () => undefined;
      private readonly r = new Promise<TaskResult>((resolve) => (this.done = resolve));
      constructor(readonly task: Task) {
        super();
      }
      result(): Promise<TaskResult> {
        return this.r;
      }
      finish(round: number): void {
        this.done({ taskId: this.taskId, round, prover, proof: {}, publicSignals: ["1"], verified: true, source: "gossip" });
      }
    }
    const noChain = { provider: { getLogs: () => Promise.resolve([]) }, escrow: { address: `0x${"ee".repeat(20)}` } } as unknown as Parameters<typeof followTask>[1];

    /** Drive a handle as the SDK would: no bid in auction round 0, the task clears in round 1 at 0.03 ETH. */
    async function run(mode: "plain" | "json", t: Task): Promise<string[]> {
      const lines: string[] = [];
      const h = new FakeHandle(t);
      const scheduled = t.schedule !== undefined;
      const followed = followTask(createProgress({ mode, line: (l) => lines.push(l) }), noChain, h as unknown as TaskHandle, { maxReward: MAX, out: join(dir, `${mode}.json`) }, "task.json");
      const a = scheduled ? 1 : 0;
      const g = a * t.maxRounds;
      const price = 3n * 10n ** 16n;
      h.emit("bids", { commits: 1, reveals: 0, auctionRound: 0 });
      if (scheduled) {
        h.emit("reauction", { auctionRound: 1, reserve: reservePrice(t, 1), ...auctionDeadlines(t, 1) });
        h.emit("reauction", { auctionRound: 1, reserve: reservePrice(t, 1), ...auctionDeadlines(t, 1) });
        h.emit("bids", { commits: 2, reveals: 0, auctionRound: 0 }); // late, of the round that is over
      }
      h.emit("bids", { commits: 2, reveals: 1, auctionRound: a });
      h.emit("assigned", { round: g, prover, price, auctionRound: a, reserve: reservePrice(t, a) });
      h.emit("proving", { round: g, prover, deadline: 0n });
      h.emit("proved", { round: g, prover });
      h.emit("settled", { round: g, prover, price, refunded: MAX - price });
      h.finish(g);
      const f = await followed;
      assert.equal(f.settled?.price, price);
      return lines;
    }

    it("plain: a re-auction line, bids of the new round, the assigned price against the round's reserve and the maximum", async () => {
      const lines = await run("plain", taskOf(schedule));
      assert.equal(lines[0], "bidding: 1 sealed, 0 revealed");
      assert.match(lines[1]!, /^re-auction: no bid at 0\.0001 ETH; auction round 1 at 0\.0334 ETH, bids until \d\d:\d\d:\d\d UTC( \(in \d+ s\))?$/);
      assert.deepEqual(lines.slice(2, 4), [
        "bidding (auction round 1): 2 sealed, 1 revealed",
        `assigned to ${prover} at 0.03 ETH in auction round 1 (reserve 0.0334 ETH, max 0.1) after 2 sealed, 1 revealed bids`,
      ]);
      assert.equal(lines.filter((l) => l.startsWith("re-auction")).length, 1, "once per step");
      assert.equal(lines.at(-1), "settled on chain: 0.03 ETH paid of 0.1 max (auction round 1, reserve 0.0334 ETH), 0.07 ETH back");
    });

    it("json: a reauction object (wei as strings); the other events keep their fields and gain the auction round", async () => {
      const t = taskOf(schedule);
      const objects = (await run("json", t)).map((l) => JSON.parse(l) as Record<string, unknown>);
      const w1 = auctionDeadlines(t, 1);
      assert.deepEqual(objects[1], {
        event: "reauction", taskId: `0x${"cd".repeat(32)}`, auctionRound: 1, reserve: "33400000000000000", bidDeadline: w1.bidDeadline.toString(),
        revealDeadline: w1.revealDeadline.toString(), previousReserve: "100000000000000", maxReward: MAX.toString(),
      });
      const assigned = objects.find((o) => o["event"] === "assigned")!;
      assert.deepEqual(assigned, { event: "assigned", taskId: `0x${"cd".repeat(32)}`, round: 2, prover, price: "30000000000000000", auctionRound: 1,
        reserve: "33400000000000000", maxReward: MAX.toString(), commits: 2, reveals: 1 });
      assert.deepEqual(objects.find((o) => o["event"] === "bids" && o["auctionRound"] === 1), { event: "bids", taskId: `0x${"cd".repeat(32)}`, commits: 2, reveals: 1, auctionRound: 1 });
      assert.equal(objects.find((o) => o["event"] === "settled")!["auctionRound"], 1);
    });

    it("without a schedule the lines are as before", async () => {
      const lines = await run("plain", taskOf(undefined));
      assert.deepEqual(lines.slice(0, 3), [
        "bidding: 1 sealed, 0 revealed",
        "bidding: 2 sealed, 1 revealed",
        `assigned to ${prover} at 0.03 ETH (max 0.1) after 2 sealed, 1 revealed bids`,
      ]);
      assert.equal(lines.at(-1), "settled on chain: 0.03 ETH paid of 0.1 max, 0.07 ETH back");
      const json = (await run("json", taskOf(undefined))).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(json.some((o) => o["event"] === "reauction"), false);
      assert.deepEqual(Object.keys(json.find((o) => o["event"] === "settled")!), ["event", "taskId", "price", "maxReward", "refunded"]);
    });
  });
});
