/**
 * Lottery benchmark: time to draw the full order and the winner only for 10 … 10,000 bids.
 *
 *   npx tsc -b packages/protocol && node packages/protocol/dist/bench/lottery.js
 *
 * Each measurement repeats the draw until at least MIN_MS have passed (after one warm-up call) and
 * reports the mean. "setup" = validation, weights, sort and seed (drawLottery with limit 0); the
 * Fenwick-tree draw costs one keccak256 plus O(log n) bigint steps per position. The naive reference
 * (linear scans, O(n^2) for the full order) is shown for comparison where it finishes in reasonable time.
 */
import { hexlify, keccak256, toUtf8Bytes, getBytes } from "ethers";
import { drawLottery, type DrawLotteryParams } from "../src/lottery/index.js";
import { referenceDraw } from "./lottery-reference.js";

const MIN_MS = Number(process.env["LOTTERY_BENCH_MIN_MS"] ?? 1000);
const SIZES = [10, 100, 1_000, 10_000];
const E18 = 10n ** 18n;

function makeParams(n: number): DrawLotteryParams & { stakes: Map<string, bigint> } {
  const bids = [];
  const stakes = new Map<string, bigint>();
  for (let i = 0; i < n; i++) {
    const h = keccak256(toUtf8Bytes(`bench/${i}`));
    const prover = "0x" + h.slice(-40);
    const r = BigInt(h);
    bids.push({ prover, price: (r % (10n * E18)) + 1n, salt: getBytes(keccak256(h)) });
    stakes.set(prover, ((r >> 64n) % (1000n * E18)) + E18);
  }
  return { taskId: getBytes(keccak256(toUtf8Bytes("bench/task"))), maxReward: 10n * E18, bids, stakes };
}

function time(fn: () => void): { ms: number; runs: number } {
  fn(); // warm-up
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MS);
  return { ms: elapsed / runs, runs };
}

const fmt = (ms: number): string => (ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0));

const rows: string[][] = [];
for (const n of SIZES) {
  const p = makeParams(n);
  const setup = time(() => drawLottery({ ...p, limit: 0 }));
  const winner = time(() => drawLottery({ ...p, limit: 1 }));
  const rounds3 = time(() => drawLottery({ ...p, limit: 3 }));
  const full = time(() => drawLottery(p));
  let ref = "-";
  if (n <= 1_000) {
    const stakes: Record<string, bigint> = Object.fromEntries(p.stakes);
    const refBids = p.bids.map((b) => ({ prover: b.prover, price: b.price, salt: hexlify(b.salt) }));
    ref = fmt(time(() => referenceDraw(hexlify(p.taskId), p.maxReward, refBids, stakes)).ms);
  }
  rows.push([n.toLocaleString("en-US"), fmt(setup.ms), fmt(winner.ms), fmt(rounds3.ms), fmt(full.ms), ref]);
}

const header = ["bids", "setup ms", "winner ms", "3 rounds ms", "full order ms", "naive full ms"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string =>
  "| " + cells.map((c, i) => c.padStart(widths[i]!)).join(" | ") + " |";
console.log(`lottery benchmark (node ${process.version}, mean ms per draw, >= ${MIN_MS} ms per cell)`);
console.log(line(header));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const r of rows) console.log(line(r));
