/**
 * Per-task committees (issue 15, protocol/SPEC.md §11, proposed): the exact safety table, a
 * naive reference of the draw, and the vector generator.
 *
 *   npm run sim:committee -w @zkpool/protocol                        # the safety and liveness tables
 *   node packages/protocol/dist/bench/committee.js --write-vectors   # regenerate protocol/vectors/committee.json
 *   node packages/protocol/dist/bench/committee.js --check-vectors   # exit 1 if the file is stale
 *
 * Every probability is computed exactly (bigint rationals, `committeeFaultBound`); floats appear only in the
 * timing line.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import {
  COMMITTEE_DOMAIN,
  CommitteeError,
  blockingSeats,
  checkCommitteeSigners,
  committeeFaultBound,
  committeeLivenessFailure,
  committeeQuorum,
  drawCommittee,
  forgingSeats,
  formatProbability,
  type Committee,
  type DrawCommitteeParams,
  type Fraction,
} from "../src/committee/index.js";
import { repoRoot } from "./repo-root.js";

export const COMMITTEE_VECTORS_PATH = "protocol/vectors/committee.json";
export const SAFETY_SEATS = [32, 64, 128, 256] as const;
export const SAFETY_ADVERSARY_PERCENT = [10, 15, 20, 25, 30] as const;

/* ------------------------------------------------------------------ naive reference */

/**
 * An independent, deliberately naive implementation of the draw (hex-string hashing, a linear walk per seat),
 * used to generate the vectors and to cross-check `drawCommittee` in the tests.
 */
export function naiveCommittee(params: DrawCommitteeParams): Committee {
  const table = new Map<string, bigint>();
  const entries = params.stakes instanceof Map ? [...params.stakes.entries()] : Object.entries(params.stakes);
  for (const [a, s] of entries as [string, bigint][]) table.set(a.toLowerCase(), s);
  const attesters = [...table.entries()]
    .filter(([, s]) => s > 0n)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const seedHex = keccak256(
    "0x" +
      Buffer.from(COMMITTEE_DOMAIN, "utf8").toString("hex") +
      Buffer.from(params.taskId).toString("hex") +
      Buffer.from(params.beacon).toString("hex"),
  );
  const total = attesters.reduce((acc, [, s]) => acc + s, 0n);
  const base = {
    seed: getBytes(seedHex),
    size: params.size,
    attesterCount: attesters.length,
    totalStake: total,
  };
  if (attesters.length <= params.size) {
    return {
      ...base,
      mode: "everyone",
      members: attesters.map(([attester, stake]) => ({ attester, stake, weight: stake, seats: [] })),
      totalWeight: total,
    };
  }
  const seats = new Map<string, number[]>();
  for (let j = 0; j < params.size; j++) {
    const x = BigInt(keccak256(seedHex + j.toString(16).padStart(8, "0"))) % total;
    let c = 0n;
    for (const [a, s] of attesters) {
      c += s;
      if (c > x) {
        seats.set(a, [...(seats.get(a) ?? []), j]);
        break;
      }
    }
  }
  return {
    ...base,
    mode: "sampled",
    members: attesters
      .filter(([a]) => seats.has(a))
      .map(([attester, stake]) => ({
        attester,
        stake,
        weight: BigInt(seats.get(attester)!.length),
        seats: seats.get(attester)!,
      })),
    totalWeight: BigInt(params.size),
  };
}

/* ------------------------------------------------------------------ vectors */

export interface CommitteeVectorInput {
  taskId: string;
  beacon: string;
  size: number;
  /** `[address (any case), stake (decimal)]`, in the order given (the order never matters). */
  stakes: [string, string][];
}

export interface CommitteeJson {
  seed: string;
  mode: string;
  attesterCount: number;
  totalStake: string;
  totalWeight: string;
  quorum: string;
  members: { attester: string; stake: string; weight: string; seats: number[] }[];
}

export interface CommitteeVectorFile {
  description: string;
  rule: string;
  generator: string;
  encoding: string;
  draws: { name: string; description: string; input: CommitteeVectorInput; expected: CommitteeJson }[];
  quorumChecks: {
    name: string;
    draw: string;
    signers: string[];
    expected: { signedWeight: string; totalWeight: string; quorum: string } | { error: string };
  }[];
  invalid: { name: string; input: CommitteeVectorInput; error: { code: string; field: string } }[];
  safety: {
    seats: number;
    adversaryPercent: number;
    blockingSeats: number;
    forgingSeats: number;
    block: { num: string; den: string; approx: string };
    forge: { num: string; den: string; approx: string };
  }[];
}

export function parseCommitteeInput(input: CommitteeVectorInput): DrawCommitteeParams {
  return {
    taskId: getBytes(input.taskId),
    beacon: getBytes(input.beacon),
    size: input.size,
    stakes: new Map(input.stakes.map(([a, s]) => [a, BigInt(s)])),
  };
}

export function committeeJson(c: Committee): CommitteeJson {
  return {
    seed: hexlify(c.seed),
    mode: c.mode,
    attesterCount: c.attesterCount,
    totalStake: c.totalStake.toString(),
    totalWeight: c.totalWeight.toString(),
    quorum: committeeQuorum(c).toString(),
    members: c.members.map((m) => ({
      attester: m.attester,
      stake: m.stake.toString(),
      weight: m.weight.toString(),
      seats: [...m.seats],
    })),
  };
}

const h32 = (label: string): string => keccak256(toUtf8Bytes(`zkpool/test/committee/${label}`));
const vaddr = (i: number): string =>
  "0x" + keccak256(toUtf8Bytes(`zkpool/test/committee/attester/${i}`)).slice(26);
/** A deterministic pseudo-random stake in [lo, lo + span). */
const vstake = (i: number, lo: bigint, span: bigint): bigint =>
  lo + (BigInt(keccak256(toUtf8Bytes(`zkpool/test/committee/stake/${i}`))) % span);
const E18 = 10n ** 18n;

function table(list: [string, bigint][]): [string, string][] {
  return list.map(([a, s]) => [a, s.toString()]);
}

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => i + from);
}

function drawCases(): { name: string; description: string; input: CommitteeVectorInput }[] {
  const t = (name: string) => ({ taskId: h32(`task/${name}`), beacon: h32(`beacon/${name}`) });
  const c: { name: string; description: string; input: CommitteeVectorInput }[] = [];
  c.push({
    name: "everyone-small-pool",
    description: "N = 4 <= C = 128: everyone, weight = stake (v1's rule unchanged)",
    input: { ...t("small"), size: 128, stakes: table(range(4).map((i) => [vaddr(i), BigInt(i + 1) * E18])) },
  });
  c.push({
    name: "everyone-exact-fit",
    description: "N = C = 8: everyone",
    input: {
      ...t("fit"),
      size: 8,
      stakes: table(range(8).map((i) => [vaddr(i), vstake(i, E18, 10n * E18)])),
    },
  });
  c.push({
    name: "sampled-one-over",
    description: "N = 9 > C = 8: eight seats drawn with replacement",
    input: {
      ...t("over"),
      size: 8,
      stakes: table(range(9).map((i) => [vaddr(i), vstake(i, E18, 10n * E18)])),
    },
  });
  c.push({
    name: "sampled-equal-stakes",
    description: "40 equal stakes, C = 16",
    input: { ...t("equal"), size: 16, stakes: table(range(40).map((i) => [vaddr(i), 32n * E18])) },
  });
  c.push({
    name: "sampled-whale",
    description: "one operator with 60% of the stake and 20 small ones, C = 32",
    input: {
      ...t("whale"),
      size: 32,
      stakes: table([
        [vaddr(100), 300n * E18],
        ...range(20).map((i): [string, bigint] => [vaddr(i), 10n * E18]),
      ]),
    },
  });
  c.push({
    name: "sampled-64-of-100",
    description: "100 attesters with stakes in [1, 1000) ETH, C = 64",
    input: {
      ...t("hundred"),
      size: 64,
      stakes: table(range(100).map((i) => [vaddr(i), vstake(i, E18, 999n * E18)])),
    },
  });
  c.push({
    name: "sampled-64-of-100-other-beacon",
    description: "the same task and table with another beacon value: another committee",
    input: {
      taskId: h32("task/hundred"),
      beacon: h32("beacon/hundred/other"),
      size: 64,
      stakes: table(range(100).map((i) => [vaddr(i), vstake(i, E18, 999n * E18)])),
    },
  });
  c.push({
    name: "zero-and-missing-stake",
    description: "zero stakes are not attesters: 6 listed, 3 with stake, C = 2",
    input: {
      ...t("zero"),
      size: 2,
      stakes: table([
        [vaddr(0), 0n],
        [vaddr(1), 5n * E18],
        [vaddr(2), 0n],
        [vaddr(3), 7n * E18],
        [vaddr(4), 1n],
        [vaddr(5), 0n],
      ]),
    },
  });
  c.push({
    name: "no-attesters",
    description: "nobody has stake: empty committee, total weight 0, quorum 1 (never reached)",
    input: { ...t("none"), size: 16, stakes: table([[vaddr(0), 0n]]) },
  });
  c.push({
    name: "size-one",
    description: "C = 1, N = 5: a single seat",
    input: { ...t("one"), size: 1, stakes: table(range(5).map((i) => [vaddr(i), BigInt(i + 1) * E18])) },
  });
  c.push({
    name: "mixed-case-addresses",
    description: "addresses in any letter case; outputs are lowercase; C = 3 of 5",
    input: {
      ...t("case"),
      size: 3,
      stakes: table(range(5).map((i) => ["0x" + vaddr(i).slice(2).toUpperCase(), BigInt(2 * i + 1) * E18])),
    },
  });
  c.push({
    name: "stakes-near-2^96",
    description: "stakes close to 2^96 wei, C = 8 of 12",
    input: {
      ...t("big"),
      size: 8,
      stakes: table(range(12).map((i) => [vaddr(i), (1n << 96n) - BigInt(i) * 12345n])),
    },
  });
  return c;
}

function errorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof CommitteeError) return { code: err.code, field: err.type.field ?? "" };
    throw err;
  }
  throw new Error("expected a CommitteeError");
}

function quorumCases(draws: Map<string, Committee>): CommitteeVectorFile["quorumChecks"] {
  const out: CommitteeVectorFile["quorumChecks"] = [];
  const add = (name: string, draw: string, signers: string[]): void => {
    const c = draws.get(draw)!;
    let expected: CommitteeVectorFile["quorumChecks"][number]["expected"];
    try {
      const r = checkCommitteeSigners(c, signers);
      expected = {
        signedWeight: r.signedWeight.toString(),
        totalWeight: r.totalWeight.toString(),
        quorum: r.quorum.toString(),
      };
    } catch (err) {
      if (!(err instanceof CommitteeError)) throw err;
      expected = { error: err.code };
    }
    out.push({ name, draw, signers, expected });
  };
  /** Members ascending, heaviest first until the quorum: a minimal-count quorum, returned in address order. */
  const minimal = (c: Committee): string[] => {
    const q = committeeQuorum(c);
    const byWeight = [...c.members].sort((a, b) =>
      a.weight > b.weight ? -1 : a.weight < b.weight ? 1 : a.attester < b.attester ? -1 : 1,
    );
    const chosen: string[] = [];
    let w = 0n;
    for (const m of byWeight) {
      if (w >= q) break;
      chosen.push(m.attester);
      w += m.weight;
    }
    return chosen.sort();
  };
  for (const d of ["sampled-64-of-100", "everyone-small-pool", "sampled-whale"]) {
    const c = draws.get(d)!;
    const all = c.members.map((m) => m.attester);
    add(`${d}/all-members`, d, all);
    const min = minimal(c);
    add(`${d}/minimal-quorum`, d, min);
    // Drop the lightest signer of the minimal set: below quorum unless it had slack.
    const lightest = [...min].sort((a, b) => {
      const wa = c.members.find((m) => m.attester === a)!.weight;
      const wb = c.members.find((m) => m.attester === b)!.weight;
      return wa < wb ? -1 : wa > wb ? 1 : 0;
    })[0]!;
    add(
      `${d}/one-member-short`,
      d,
      min.filter((a) => a !== lightest),
    );
  }
  const c = draws.get("sampled-64-of-100")!;
  const all = c.members.map((m) => m.attester);
  const outsider = drawCases()
    .find((x) => x.name === "sampled-64-of-100")!
    .input.stakes.map(([a]) => a.toLowerCase())
    .find((a) => !all.includes(a))!;
  add("sampled-64-of-100/non-member", "sampled-64-of-100", [...all, outsider].sort());
  add("sampled-64-of-100/duplicate", "sampled-64-of-100", [all[0]!, all[0]!, ...all.slice(1)]);
  add("sampled-64-of-100/unsorted", "sampled-64-of-100", [all[1]!, all[0]!, ...all.slice(2)]);
  add("sampled-64-of-100/empty", "sampled-64-of-100", []);
  add("no-attesters/empty", "no-attesters", []);
  return out;
}

function invalidCases(): CommitteeVectorFile["invalid"] {
  const ok: CommitteeVectorInput = {
    taskId: h32("task/invalid"),
    beacon: h32("beacon/invalid"),
    size: 4,
    stakes: [[vaddr(0), "1"]],
  };
  const list: { name: string; input: CommitteeVectorInput }[] = [
    { name: "task-id-31-bytes", input: { ...ok, taskId: ok.taskId.slice(0, 64) } },
    { name: "beacon-33-bytes", input: { ...ok, beacon: ok.beacon + "00" } },
    { name: "size-zero", input: { ...ok, size: 0 } },
    { name: "size-too-large", input: { ...ok, size: 65_537 } },
    { name: "size-not-integer", input: { ...ok, size: 1.5 } },
    { name: "bad-address", input: { ...ok, stakes: [["0x1234", "1"]] } },
    { name: "negative-stake", input: { ...ok, stakes: [[vaddr(1), "-1"]] } },
    { name: "stake-2^256", input: { ...ok, stakes: [[vaddr(1), (1n << 256n).toString()]] } },
    {
      name: "case-conflict",
      input: {
        ...ok,
        stakes: [
          [vaddr(2), "5"],
          ["0x" + vaddr(2).slice(2).toUpperCase(), "6"],
        ],
      },
    },
  ];
  return list.map(({ name, input }) => ({
    name,
    input,
    error: errorOf(() => drawCommittee(parseCommitteeInput(input))),
  }));
}

function fractionJson(f: Fraction): { num: string; den: string; approx: string } {
  return { num: f.num.toString(), den: f.den.toString(), approx: formatProbability(f) };
}

export function safetyCells(): CommitteeVectorFile["safety"] {
  const out: CommitteeVectorFile["safety"] = [];
  for (const seats of SAFETY_SEATS) {
    for (const pct of SAFETY_ADVERSARY_PERCENT) {
      const b = committeeFaultBound(seats, { num: BigInt(pct), den: 100n });
      out.push({
        seats,
        adversaryPercent: pct,
        blockingSeats: blockingSeats(seats),
        forgingSeats: forgingSeats(seats),
        block: fractionJson(b.block),
        forge: fractionJson(b.forge),
      });
    }
  }
  return out;
}

export function buildCommitteeVectors(): CommitteeVectorFile {
  const cases = drawCases();
  const draws = new Map<string, Committee>();
  const drawVectors = cases.map((v) => {
    const params = parseCommitteeInput(v.input);
    const reference = naiveCommittee(params);
    const expected = committeeJson(reference);
    const actual = committeeJson(drawCommittee(params));
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(
        `drawCommittee disagrees with the naive reference on ${v.name}; refusing to write vectors`,
      );
    }
    draws.set(v.name, reference);
    return { ...v, expected };
  });
  return {
    description:
      "ZKPool per-task committees: stake table + task id + beacon + size -> committee (members, weights, seats), quorum checks, malformed inputs, and the exact safety bound",
    rule: "protocol/SPEC.md §11 (proposed, v1 part 3)",
    generator:
      "packages/protocol/bench/committee.ts (node packages/protocol/dist/bench/committee.js --write-vectors)",
    encoding:
      "bytes as 0x hex; integers as decimal strings; stakes as [address, stake] pairs in any order; probabilities as exact reduced fractions num/den with a 3-digit decimal approx",
    draws: drawVectors,
    quorumChecks: quorumCases(draws),
    invalid: invalidCases(),
    safety: safetyCells(),
  };
}

export function renderCommitteeVectors(): string {
  return JSON.stringify(buildCommitteeVectors(), null, 2) + "\n";
}

export { repoRoot };

/* ------------------------------------------------------------------ tables */

/** Least honest-online stake share, in basis points, for which a committee of `seats` fails to certify with
 *  probability at most `target` (exact; binary search over basis points). */
export function honestOnlineNeeded(seats: number, target: Fraction): number {
  let lo = 6_667; // below 2/3 the everyone-committee cannot certify either
  let hi = 10_000;
  const ok = (bps: number): boolean => {
    const p = committeeLivenessFailure(seats, { num: BigInt(bps), den: 10_000n });
    return p.num * target.den <= target.num * p.den;
  };
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function safetyReport(): string[] {
  const cells = safetyCells();
  const lines: string[] = [];
  const header = `| C (quorum) | ${SAFETY_ADVERSARY_PERCENT.map((p) => `${p} %`).join(" | ")} |`;
  const rule = `|---|${SAFETY_ADVERSARY_PERCENT.map(() => "---").join("|")}|`;
  for (const [title, key] of [
    ["p_block = P(adversary seats > C/3): it can stall the task", "block"],
    ["p_forge = P(adversary seats >= 2C/3): it can certify alone", "forge"],
  ] as const) {
    lines.push(`**${title}**`, "", header, rule);
    for (const seats of SAFETY_SEATS) {
      const row = cells.filter((c) => c.seats === seats).map((c) => c[key].approx);
      lines.push(`| ${seats} (${forgingSeats(seats)}) | ${row.join(" | ")} |`);
    }
    lines.push("");
  }
  lines.push(
    "**Liveness: least honest-online stake share h for P(no certificate) <= target**",
    "",
    "| C | target 1e-6 | target 1e-9 |",
    "|---|---|---|",
  );
  for (const seats of SAFETY_SEATS) {
    const a = honestOnlineNeeded(seats, { num: 1n, den: 10n ** 6n });
    const b = honestOnlineNeeded(seats, { num: 1n, den: 10n ** 9n });
    lines.push(`| ${seats} | ${(a / 100).toFixed(2)} % | ${(b / 100).toFixed(2)} % |`);
  }
  lines.push("");
  for (const c of cells) {
    lines.push(
      `committee: C=${c.seats} adversary=${c.adversaryPercent}% p_block=${c.block.approx} p_forge=${c.forge.approx}`,
    );
  }
  return lines;
}

function timing(): string {
  const stakes = new Map(range(1000).map((i) => [vaddr(i), vstake(i, E18, 999n * E18)]));
  const reps = 50;
  const start = performance.now();
  for (let r = 0; r < reps; r++) {
    const taskId = getBytes(h32(`timing/${r}`));
    drawCommittee({ taskId, beacon: taskId, stakes, size: 128 });
  }
  return `drawCommittee: N=1000 C=128 ${((performance.now() - start) / reps).toFixed(2)} ms per draw`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--write-vectors")) {
    const path = join(repoRoot(), COMMITTEE_VECTORS_PATH);
    writeFileSync(path, renderCommitteeVectors());
    console.log(`wrote ${path}`);
  } else if (process.argv.includes("--check-vectors")) {
    const path = join(repoRoot(), COMMITTEE_VECTORS_PATH);
    const ok = existsSync(path) && readFileSync(path, "utf8") === renderCommitteeVectors();
    console.log(ok ? `${path} is current` : `${path} is stale; regenerate with --write-vectors`);
    if (!ok) process.exit(1);
  } else {
    console.log(
      "## Committee safety (exact; C seats drawn with replacement by stake, adversary seats ~ Binomial(C, f))\n",
    );
    for (const l of safetyReport()) console.log(l);
    console.log(timing());
  }
}
