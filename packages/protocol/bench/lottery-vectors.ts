/**
 * Generates protocol/vectors/lottery.json: lottery inputs -> seed, ordered draw and exclusions.
 *
 *   npx tsc -b packages/protocol && node packages/protocol/dist/bench/lottery-vectors.js --write
 *
 * Without --write it only checks that the committed file is current (exit code 1 if not). Expected
 * outputs come from the independent reference implementation (./lottery-reference.ts) and the generator
 * refuses to write if drawLottery disagrees with it.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { isZkPoolError } from "../src/errors.js";
import { drawLottery, type DrawLotteryParams } from "../src/lottery/index.js";
import { referenceDraw, type RefBid } from "./lottery-reference.js";
import { repoRoot } from "./repo-root.js";

export interface VectorBid {
  prover: string;
  price: string;
  salt: string;
}
export interface VectorInput {
  taskId: string;
  maxReward: string;
  limit?: number;
  /** v1: the task's collateral (minimum stake), decimal; absent = 0. */
  collateral?: string;
  bids: VectorBid[];
  stakes: Record<string, string>;
}
export interface VectorExpected {
  seed: string;
  order: { prover: string; price: string; weight: string }[];
  excluded: { prover: string; reason: string }[];
}
export interface LotteryVector {
  name: string;
  description: string;
  input: VectorInput;
  expected?: VectorExpected;
  expectedError?: { code: string; field: string };
}
export interface LotteryVectorFile {
  description: string;
  rule: string;
  generator: string;
  encoding: string;
  vectors: LotteryVector[];
}

/** Turns a vector's JSON input into drawLottery parameters. */
export function parseVectorInput(input: VectorInput): DrawLotteryParams {
  const stakes: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(input.stakes)) stakes[k] = BigInt(v);
  const params: DrawLotteryParams = {
    taskId: getBytes(input.taskId),
    maxReward: BigInt(input.maxReward),
    bids: input.bids.map((b) => ({ prover: b.prover, price: BigInt(b.price), salt: getBytes(b.salt) })),
    stakes,
  };
  if (input.limit !== undefined) params.limit = input.limit;
  if (input.collateral !== undefined) params.collateral = BigInt(input.collateral);
  return params;
}

const h = (label: string): string => keccak256(toUtf8Bytes(label));
/** Deterministic test address number i (lowercase). */
const addr = (i: number): string => "0x" + h(`zkpool/vector/prover/${i}`).slice(-40);
const salt = (label: string): string => h(`zkpool/vector/salt/${label}`);
const task = (label: string): string => h(`zkpool/vector/task/${label}`);
const bid = (i: number, price: bigint, saltLabel = String(i)): VectorBid => ({
  prover: addr(i),
  price: price.toString(),
  salt: salt(saltLabel),
});
const stakesOf = (pairs: [number, bigint][]): Record<string, string> =>
  Object.fromEntries(pairs.map(([i, s]) => [addr(i), s.toString()]));

const E18 = 10n ** 18n;

type Case = Omit<LotteryVector, "expected" | "expectedError"> & { error?: { code: string; field: string } };

function cases(): Case[] {
  const out: Case[] = [];
  out.push({
    name: "single-bidder",
    description: "one eligible bid: it is the whole order",
    input: {
      taskId: task("single"),
      maxReward: (5n * E18).toString(),
      bids: [bid(1, 2n * E18)],
      stakes: stakesOf([[1, 100n * E18]]),
    },
  });
  out.push({
    name: "tie-two-equal-weights",
    description: "two bids with equal stake and price (equal weights); order decided by the seed alone",
    input: {
      taskId: task("tie2"),
      maxReward: (10n * E18).toString(),
      bids: [bid(2, 7n * E18), bid(1, 7n * E18)],
      stakes: stakesOf([
        [1, 50n * E18],
        [2, 50n * E18],
      ]),
    },
  });
  out.push({
    name: "tie-five-equal-weights",
    description: "five equal weights (same stake, same price)",
    input: {
      taskId: task("tie5"),
      maxReward: "1000",
      bids: [5, 3, 1, 4, 2].map((i) => bid(i, 400n)),
      stakes: stakesOf([1, 2, 3, 4, 5].map((i) => [i, 10n ** 20n] as [number, bigint])),
    },
  });
  out.push({
    name: "price-extremes",
    description: "price = maxReward gives weight = stake; price = 1 gives weight just under 4 * stake",
    input: {
      taskId: task("extremes"),
      maxReward: (3n * E18).toString(),
      bids: [bid(1, 3n * E18), bid(2, 1n), bid(3, (3n * E18) / 2n)],
      stakes: stakesOf([
        [1, E18],
        [2, E18],
        [3, E18],
      ]),
    },
  });
  out.push({
    name: "zero-and-missing-stake",
    description: "stake 0 and absent from the table: both excluded (INSUFFICIENT_STAKE) and their salts not hashed",
    input: {
      taskId: task("zero-stake"),
      maxReward: (2n * E18).toString(),
      bids: [bid(1, E18), bid(2, E18), bid(3, E18), bid(4, E18 / 2n)],
      stakes: stakesOf([
        [1, 0n],
        [2, 30n * E18],
        [4, 10n * E18],
      ]),
    },
  });
  out.push({
    name: "price-out-of-range",
    description:
      "price 0 and price maxReward + 1 excluded (PRICE_OUT_OF_RANGE); price = maxReward and price = 1 kept",
    input: {
      taskId: task("price-range"),
      maxReward: "1000000",
      bids: [bid(1, 0n), bid(2, 1000001n), bid(3, 1000000n), bid(4, 1n)],
      stakes: stakesOf([
        [1, E18],
        [2, E18],
        [3, E18],
        [4, E18],
      ]),
    },
  });
  out.push({
    name: "all-excluded",
    description: "no eligible bid: empty order; seed = keccak256(domain || taskId)",
    input: {
      taskId: task("all-excluded"),
      maxReward: "100",
      bids: [bid(1, 0n), bid(2, 50n), bid(3, 101n)],
      stakes: stakesOf([
        [1, 5n],
        [3, 5n],
      ]),
    },
  });
  out.push({
    name: "no-bids",
    description: "no bids at all",
    input: { taskId: task("no-bids"), maxReward: "100", bids: [], stakes: stakesOf([[1, 5n]]) },
  });
  out.push({
    name: "duplicate-prover",
    description:
      "prover 1 has two conflicting reveals (excluded, DUPLICATE_PROVER); prover 2's reveal appears twice byte-identically (counted once)",
    input: {
      taskId: task("duplicate"),
      maxReward: (4n * E18).toString(),
      bids: [bid(1, E18, "1a"), bid(2, 2n * E18), bid(1, E18, "1b"), bid(3, 3n * E18), bid(2, 2n * E18)],
      stakes: stakesOf([
        [1, 9n * E18],
        [2, 3n * E18],
        [3, 3n * E18],
      ]),
    },
  });
  out.push({
    name: "large-stakes-2^96",
    description: "stakes near 2^96 (more than any realistic token supply in wei)",
    input: {
      taskId: task("large"),
      maxReward: (10n ** 24n).toString(),
      bids: [bid(1, 10n ** 24n), bid(2, 1n), bid(3, 10n ** 23n), bid(4, 5n * 10n ** 23n)],
      stakes: stakesOf([
        [1, (1n << 96n) - 1n],
        [2, (1n << 96n) - 2n],
        [3, 1n << 95n],
        [4, 1n],
      ]),
    },
  });
  out.push({
    name: "uint256-extremes",
    description:
      "maxReward and stakes at 2^256 - 1: the total weight exceeds 2^256 (see SPEC §4.6, bias bound)",
    input: {
      taskId: task("uint256"),
      maxReward: ((1n << 256n) - 1n).toString(),
      bids: [bid(1, 1n), bid(2, (1n << 256n) - 1n), bid(3, 1n << 255n)],
      stakes: stakesOf([
        [1, (1n << 256n) - 1n],
        [2, (1n << 256n) - 1n],
        [3, 1n << 200n],
      ]),
    },
  });
  out.push({
    name: "max-reward-one",
    description: "maxReward = 1: only price 1 is eligible and every weight equals the stake",
    input: {
      taskId: task("max-reward-one"),
      maxReward: "1",
      bids: [bid(1, 1n), bid(2, 1n), bid(3, 2n)],
      stakes: stakesOf([
        [1, 3n],
        [2, 1n],
        [3, 7n],
      ]),
    },
  });
  {
    const ids = Array.from({ length: 20 }, (_, k) => k + 1);
    out.push({
      name: "twenty-bidders-mixed-case",
      description:
        "20 bids with varied stakes and prices; provers and stake keys given in EIP-55 mixed case (output is lowercase)",
      input: {
        taskId: task("twenty"),
        maxReward: (10n * E18).toString(),
        bids: ids.map((i) => ({
          ...bid(i, (BigInt((i * 37) % 10) + 1n) * E18),
          prover: getAddress(addr(i)),
        })),
        stakes: Object.fromEntries(ids.map((i) => [getAddress(addr(i)), (BigInt(i * i) * E18).toString()])),
      },
    });
  }
  out.push({
    name: "limit-two",
    description:
      "limit = 2 (e.g. maxRounds = 2): only the first two positions, identical to the full order's",
    input: {
      taskId: task("twenty"),
      maxReward: (10n * E18).toString(),
      limit: 2,
      bids: [1, 2, 3, 4, 5].map((i) => bid(i, BigInt(i) * E18)),
      stakes: stakesOf([1, 2, 3, 4, 5].map((i) => [i, BigInt(6 - i) * E18] as [number, bigint])),
    },
  });
  out.push({
    name: "collateral-threshold",
    description:
      "v1 collateral = 10 ETH: stake 10 ETH (= collateral) is eligible, 10 ETH - 1 wei is not (INSUFFICIENT_STAKE), nor is stake 0",
    input: {
      taskId: task("collateral"),
      maxReward: (5n * E18).toString(),
      collateral: (10n * E18).toString(),
      bids: [bid(1, 2n * E18), bid(2, 3n * E18), bid(3, E18), bid(4, 4n * E18)],
      stakes: stakesOf([
        [1, 10n * E18],
        [2, 10n * E18 - 1n],
        [3, 0n],
        [4, 50n * E18],
      ]),
    },
  });
  out.push({
    name: "collateral-zero",
    description: "collateral = 0 behaves as 1: stake 1 wei is eligible, stake 0 is not",
    input: {
      taskId: task("collateral-zero"),
      maxReward: "100",
      collateral: "0",
      bids: [bid(1, 50n), bid(2, 50n)],
      stakes: stakesOf([
        [1, 1n],
        [2, 0n],
      ]),
    },
  });
  out.push({
    name: "collateral-all-excluded",
    description: "every staked prover is below the collateral: empty order, nothing hashed into the seed",
    input: {
      taskId: task("collateral-all"),
      maxReward: "100",
      collateral: "1000",
      bids: [bid(1, 50n), bid(2, 100n)],
      stakes: stakesOf([
        [1, 999n],
        [2, 500n],
      ]),
    },
  });
  // Malformed inputs: drawLottery throws LotteryError INVALID_INPUT naming the field.
  const ok = { taskId: task("err"), maxReward: "100", bids: [bid(1, 50n)], stakes: stakesOf([[1, 5n]]) };
  out.push({
    name: "error-salt-31-bytes",
    description: "a salt that is not 32 bytes",
    input: { ...ok, bids: [{ ...bid(1, 50n), salt: hexlify(getBytes(salt("1")).slice(1)) }] },
    error: { code: "INVALID_INPUT", field: "bids[0].salt" },
  });
  out.push({
    name: "error-task-id-length",
    description: "a task id that is not 32 bytes",
    input: { ...ok, taskId: "0x" + "ab".repeat(33) },
    error: { code: "INVALID_INPUT", field: "taskId" },
  });
  out.push({
    name: "error-negative-stake",
    description: "a negative stake",
    input: { ...ok, stakes: { [addr(1)]: "-1" } },
    error: { code: "INVALID_INPUT", field: `stakes[${addr(1)}]` },
  });
  out.push({
    name: "error-negative-collateral",
    description: "a negative collateral",
    input: { ...ok, collateral: "-1" },
    error: { code: "INVALID_INPUT", field: "collateral" },
  });
  out.push({
    name: "error-max-reward-zero",
    description: "maxReward = 0",
    input: { ...ok, maxReward: "0" },
    error: { code: "INVALID_INPUT", field: "maxReward" },
  });
  out.push({
    name: "error-bad-address",
    description: "a prover that is not a 20-byte hex address",
    input: { ...ok, bids: [{ ...bid(1, 50n), prover: "0x1234" }] },
    error: { code: "INVALID_INPUT", field: "bids[0].prover" },
  });
  out.push({
    name: "error-stake-case-conflict",
    description: "the same address listed twice in the stake table in different case with different stakes",
    input: { ...ok, stakes: { [addr(1)]: "5", [getAddress(addr(1))]: "6" } },
    error: { code: "INVALID_INPUT", field: `stakes[${getAddress(addr(1))}]` },
  });
  return out;
}

function toRefBids(bids: VectorBid[]): RefBid[] {
  return bids.map((b) => ({ prover: b.prover, price: BigInt(b.price), salt: b.salt }));
}

export function buildLotteryVectors(): LotteryVectorFile {
  const vectors: LotteryVector[] = [];
  for (const c of cases()) {
    const { error, ...vector } = c;
    if (error !== undefined) {
      let thrown: unknown;
      try {
        drawLottery(parseVectorInput(c.input));
      } catch (err) {
        thrown = err;
      }
      if (!isZkPoolError(thrown, error.code) || thrown.type["field"] !== error.field) {
        throw new Error(`vector ${c.name}: drawLottery did not throw ${error.code} for ${error.field}`);
      }
      vectors.push({ ...vector, expectedError: error });
      continue;
    }
    const stakes: Record<string, bigint> = {};
    for (const [k, v] of Object.entries(c.input.stakes)) stakes[k] = BigInt(v);
    const ref = referenceDraw(
      c.input.taskId,
      BigInt(c.input.maxReward),
      toRefBids(c.input.bids),
      stakes,
      c.input.limit,
      c.input.collateral === undefined ? 0n : BigInt(c.input.collateral),
    );
    const expected: VectorExpected = {
      seed: ref.seed,
      order: ref.order.map((o) => ({
        prover: o.prover,
        price: o.price.toString(),
        weight: o.weight.toString(),
      })),
      excluded: ref.excluded,
    };
    const got = drawLottery(parseVectorInput(c.input));
    const gotJson = JSON.stringify({
      seed: hexlify(got.seed),
      order: got.order.map((o) => ({
        prover: o.prover,
        price: o.price.toString(),
        weight: o.weight.toString(),
      })),
      excluded: got.excluded,
    });
    if (gotJson !== JSON.stringify(expected)) {
      throw new Error(`vector ${c.name}: drawLottery disagrees with the reference implementation`);
    }
    vectors.push({ ...vector, expected });
  }
  return {
    description:
      "ZKPool lottery v1 test vectors: inputs -> seed, ordered draw (order[r] = assignee of round r) and exclusions",
    rule: "protocol/SPEC.md §4 (SPEC §0.6, §4)",
    generator:
      "packages/protocol/bench/lottery-vectors.ts (node packages/protocol/dist/bench/lottery-vectors.js --write)",
    encoding:
      "bytes as 0x hex; integers (price, maxReward, stake, weight) as decimal strings; addresses in bids/stakes in any case, in outputs lowercase; limit absent = full order; collateral absent = 0 (v1: a prover is eligible iff stake >= max(1, collateral)); expectedError = drawLottery throws LotteryError with this code and type.field",
    vectors,
  };
}

export { repoRoot };

export const VECTORS_PATH = "protocol/vectors/lottery.json";

export function renderLotteryVectors(): string {
  return JSON.stringify(buildLotteryVectors(), null, 2) + "\n";
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = join(repoRoot(), VECTORS_PATH);
  const text = renderLotteryVectors();
  if (process.argv.includes("--write")) {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  } else {
    const current = existsSync(path) ? readFileSync(path, "utf8") : "";
    if (current !== text) {
      console.error(`${path} is stale; regenerate with --write`);
      process.exit(1);
    }
    console.log(`${path} is current`);
  }
}
