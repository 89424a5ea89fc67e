/**
 * Per-task committees (issue 15, protocol/SPEC.md §11, proposed): vectors, the exact safety
 * bound against an independent recurrence, certificates checked against a committee, fast-check properties and
 * stake-proportional seat frequencies (chi-square, alpha = 0.001, fixed seed sequence: never flaky).
 * Runs: ZKPOOL_FC_RUNS (default 45).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { keccak256 } from "ethers";
import {
  CertificateError,
  CommitteeError,
  DEFAULT_COMMITTEE_SIZE,
  assembleCertificate,
  attesterSet,
  binomialTail,
  blockingSeats,
  checkCommitteeSigners,
  committeeAttesterSet,
  committeeFaultBound,
  committeeLivenessFailure,
  committeeQuorum,
  committeeSignedWeight,
  committeeWeightOf,
  drawCommittee,
  forgingSeats,
  formatProbability,
  hasCommitteeQuorum,
  hasQuorum,
  committeeSeatValue,
  isPreparedStakes,
  prepareStakeTable,
  taskId as taskIdOf,
  verifyCertificate,
  type Committee,
  type Fraction,
} from "../src/index.js";
import {
  COMMITTEE_VECTORS_PATH,
  SAFETY_ADVERSARY_PERCENT,
  SAFETY_SEATS,
  committeeJson,
  naiveCommittee,
  parseCommitteeInput,
  renderCommitteeVectors,
  repoRoot,
  type CommitteeVectorFile,
} from "../bench/committee.js";
import { DOMAIN, devAddress, devAssignmentVote, devTask } from "./fixtures.js";

const RUNS = Number(process.env.ZKPOOL_FC_RUNS ?? 45);
const addr = (i: number): string => "0x" + (0xc000 + i).toString(16).padStart(40, "0");
const bytes32 = (i: number): Uint8Array => {
  const b = new Uint8Array(32).fill(0x3c);
  new DataView(b.buffer).setUint32(28, i, false);
  return b;
};

function expectCommitteeError(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CommitteeError, `expected CommitteeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (field !== undefined) assert.equal(err.type.field, field);
    return true;
  });
}

/** Exact P(X >= k) by the recurrence dist_n(k) = a dist_{n-1}(k-1) + (d-a) dist_{n-1}(k) (no binomials). */
function tailByRecurrence(n: number, p: Fraction, kMin: number): Fraction {
  const a = p.num;
  const b = p.den - p.num;
  let dist = [1n];
  for (let i = 0; i < n; i++) {
    const next = new Array<bigint>(dist.length + 1).fill(0n);
    dist.forEach((v, k) => {
      next[k] = next[k]! + v * b;
      next[k + 1] = next[k + 1]! + v * a;
    });
    dist = next;
  }
  let num = 0n;
  for (let k = Math.max(0, kMin); k <= n; k++) num += dist[k]!;
  return { num, den: p.den ** BigInt(n) };
}

const sameFraction = (x: Fraction, y: Fraction): boolean => x.num * y.den === y.num * x.den;

/** Float log-space binomial tail (an independent sanity check only; floats never decide anything). */
function tailLogSpace(n: number, p: number, kMin: number): number {
  const lf: number[] = [0];
  for (let i = 1; i <= n; i++) lf[i] = lf[i - 1]! + Math.log(i);
  let s = 0;
  for (let k = kMin; k <= n; k++)
    s += Math.exp(lf[n]! - lf[k]! - lf[n - k]! + k * Math.log(p) + (n - k) * Math.log(1 - p));
  return s;
}

describe("committee: vectors (protocol/vectors/committee.json)", () => {
  const text = readFileSync(join(repoRoot(), COMMITTEE_VECTORS_PATH), "utf8");
  const file = JSON.parse(text) as CommitteeVectorFile;

  it("the committed vector file is current (regenerate with committee.js --write-vectors)", () => {
    assert.equal(text, renderCommitteeVectors());
  });

  it("covers the required cases", () => {
    const names = file.draws.map((v) => v.name);
    for (const n of [
      "everyone-small-pool",
      "everyone-exact-fit",
      "sampled-one-over",
      "sampled-whale",
      "no-attesters",
      "mixed-case-addresses",
    ]) {
      assert.ok(names.includes(n), `missing vector ${n}`);
    }
    assert.equal(file.safety.length, SAFETY_SEATS.length * SAFETY_ADVERSARY_PERCENT.length);
  });

  for (const v of file.draws) {
    it(`draw ${v.name}`, () => {
      const params = parseCommitteeInput(v.input);
      assert.deepEqual(committeeJson(drawCommittee(params)), v.expected);
      assert.deepEqual(committeeJson(naiveCommittee(params)), v.expected);
      // The same vector through a stake table prepared once (per epoch): byte-identical.
      const prepared = prepareStakeTable(params.stakes as Map<string, bigint>);
      assert.deepEqual(committeeJson(drawCommittee({ ...params, stakes: prepared })), v.expected);
      assert.deepStrictEqual(drawCommittee({ ...params, stakes: prepared }), drawCommittee(params));
    });
  }

  for (const q of file.quorumChecks) {
    it(`quorum ${q.name}`, () => {
      const draw = file.draws.find((d) => d.name === q.draw)!;
      const c = drawCommittee(parseCommitteeInput(draw.input));
      if ("error" in q.expected) {
        expectCommitteeError(() => checkCommitteeSigners(c, q.signers), q.expected.error);
        if (q.expected.error === "BELOW_QUORUM") assert.equal(hasCommitteeQuorum(c, q.signers), false);
      } else {
        const r = checkCommitteeSigners(c, q.signers);
        assert.deepEqual(
          {
            signedWeight: r.signedWeight.toString(),
            totalWeight: r.totalWeight.toString(),
            quorum: r.quorum.toString(),
          },
          q.expected,
        );
        assert.equal(hasCommitteeQuorum(c, q.signers), true);
      }
    });
  }

  for (const v of file.invalid) {
    it(`invalid ${v.name}`, () => {
      expectCommitteeError(() => drawCommittee(parseCommitteeInput(v.input)), v.error.code, v.error.field);
      // A bad table is refused by prepareStakeTable with the same code and field; other bad inputs by the draw.
      const params = parseCommitteeInput(v.input);
      let prepared: ReturnType<typeof prepareStakeTable> | undefined;
      try {
        prepared = prepareStakeTable(params.stakes as Map<string, bigint>);
      } catch (err) {
        assert.ok(err instanceof CommitteeError && err.code === v.error.code && err.type.field === v.error.field, String(err));
        return;
      }
      expectCommitteeError(() => drawCommittee({ ...params, stakes: prepared }), v.error.code, v.error.field);
    });
  }

  it("safety cells equal an independent exact recurrence and a float log-space estimate", () => {
    for (const cell of file.safety) {
      const p = { num: BigInt(cell.adversaryPercent), den: 100n };
      const block = { num: BigInt(cell.block.num), den: BigInt(cell.block.den) };
      const forge = { num: BigInt(cell.forge.num), den: BigInt(cell.forge.den) };
      assert.ok(
        sameFraction(block, tailByRecurrence(cell.seats, p, blockingSeats(cell.seats))),
        `block ${cell.seats}/${cell.adversaryPercent}`,
      );
      assert.ok(
        sameFraction(forge, tailByRecurrence(cell.seats, p, forgingSeats(cell.seats))),
        `forge ${cell.seats}/${cell.adversaryPercent}`,
      );
      const approx = tailLogSpace(cell.seats, cell.adversaryPercent / 100, forgingSeats(cell.seats));
      assert.ok(
        Math.abs(Number(cell.forge.approx) / approx - 1) < 6e-3,
        `forge approx ${cell.forge.approx} vs ${approx}`,
      );
    }
  });
});

describe("committee: rule", () => {
  const stakes = (n: number, f: (i: number) => bigint = (i) => BigInt(i + 1)): Map<string, bigint> =>
    new Map(Array.from({ length: n }, (_, i) => [addr(i), f(i)]));

  it("thresholds and quorum: block at 3k > C, forge at 3k >= 2C, quorum max(1, ceil(2T/3))", () => {
    assert.deepEqual([32, 64, 128, 256].map(blockingSeats), [11, 22, 43, 86]);
    assert.deepEqual([32, 64, 128, 256].map(forgingSeats), [22, 43, 86, 171]);
    assert.deepEqual(
      [0n, 1n, 2n, 3n, 100n, 128n].map((t) => committeeQuorum({ totalWeight: t })),
      [1n, 1n, 2n, 2n, 67n, 86n],
    );
    for (let t = 0n; t < 200n; t++) {
      const q = committeeQuorum({ totalWeight: t });
      for (const s of [q - 1n, q])
        if (s >= 0n && s <= t) assert.equal(s >= q, hasQuorum(s, t), `t=${t} s=${s}`);
    }
    assert.equal(DEFAULT_COMMITTEE_SIZE, 128);
  });

  it("N <= C is the v1 rule: the same attester set as attesterSet(stakes), and the same certificate outcome", () => {
    const table = new Map([...stakes(5), [addr(9), 0n]]);
    const c = drawCommittee({ taskId: bytes32(1), beacon: bytes32(2), stakes: table, size: 5 });
    assert.equal(c.mode, "everyone");
    const mine = committeeAttesterSet(c);
    const theirs = attesterSet(table);
    assert.deepEqual([...mine.stakes.entries()].sort(), [...theirs.stakes.entries()].sort());
    assert.equal(mine.total, theirs.total);
  });

  it("certificates verify against a sampled committee; non-members and short quorums are refused", () => {
    const task = devTask();
    const ids = Array.from({ length: 12 }, (_, i) => i + 1);
    const table = new Map(ids.map((i) => [devAddress(i), BigInt(i) * 10n ** 18n]));
    const c = drawCommittee({ taskId: bytes32(7), beacon: bytes32(8), stakes: table, size: 6 });
    assert.equal(c.mode, "sampled");
    const set = committeeAttesterSet(c);
    const body = {
      kind: "assignment" as const,
      taskId: taskIdOf(task, DOMAIN),
      round: 0,
      prover: devAddress(40),
      price: 5n,
    };
    const memberIds = ids.filter((i) => committeeWeightOf(c, devAddress(i)) > 0n);
    const votes = ids.map((i) => devAssignmentVote(i, task, 40, 5n));
    const cert = assembleCertificate(body, votes, set, DOMAIN);
    assert.ok(cert, "the members reach the quorum");
    const check = verifyCertificate(cert, set, DOMAIN);
    assert.equal(check.totalStake, 6n);
    assert.ok(3n * check.signedStake >= 12n);
    assert.deepEqual(checkCommitteeSigners(c, cert.attesters).signedWeight, check.signedStake);
    // A non-member's signature: SIGNER_WITHOUT_STAKE in verifyCertificate, NOT_IN_COMMITTEE here.
    const outsider = ids.find((i) => !memberIds.includes(i))!;
    const withOutsider = assembleCertificate(body, votes, attesterSet(table), DOMAIN)!; // everyone signs
    assert.ok(withOutsider.attesters.includes(devAddress(outsider)));
    assert.throws(
      () => verifyCertificate(withOutsider, set, DOMAIN),
      (e: unknown) => e instanceof CertificateError && e.code === "SIGNER_WITHOUT_STAKE",
    );
    expectCommitteeError(() => checkCommitteeSigners(c, withOutsider.attesters), "NOT_IN_COMMITTEE");
  });

  it("formatProbability: exact decimal rounding", () => {
    assert.equal(formatProbability({ num: 0n, den: 5n }), "0");
    assert.equal(formatProbability({ num: 1n, den: 1n }), "1.00e+0");
    assert.equal(formatProbability({ num: 1n, den: 3n }), "3.33e-1");
    assert.equal(formatProbability({ num: 2n, den: 3n }), "6.67e-1");
    assert.equal(formatProbability({ num: 9995n, den: 10n ** 7n }), "1.00e-3");
    assert.equal(formatProbability({ num: 12345n, den: 1n }), "1.23e+4");
    assert.equal(formatProbability({ num: 1n, den: 8n }, 1), "1e-1");
  });

  it("liveness failure is p_block at adversary share 1 - h", () => {
    const a = committeeLivenessFailure(64, { num: 9n, den: 10n });
    const b = committeeFaultBound(64, { num: 1n, den: 10n }).block;
    assert.ok(sameFraction(a, b));
    assert.ok(sameFraction(binomialTail(8, { num: 1n, den: 2n }, 0), { num: 1n, den: 1n }));
    assert.ok(sameFraction(binomialTail(8, { num: 1n, den: 2n }, 9), { num: 0n, den: 1n }));
    assert.ok(sameFraction(binomialTail(8, { num: 1n, den: 2n }, 8), { num: 1n, den: 256n }));
  });

  it("the beacon and the task id each change the committee", () => {
    const table = stakes(50);
    const base = committeeJson(
      drawCommittee({ taskId: bytes32(1), beacon: bytes32(1), stakes: table, size: 16 }),
    );
    const otherBeacon = committeeJson(
      drawCommittee({ taskId: bytes32(1), beacon: bytes32(2), stakes: table, size: 16 }),
    );
    const otherTask = committeeJson(
      drawCommittee({ taskId: bytes32(2), beacon: bytes32(1), stakes: table, size: 16 }),
    );
    assert.notDeepEqual(base.members, otherBeacon.members);
    assert.notDeepEqual(base.members, otherTask.members);
  });
});

/* ------------------------------------------------------------------ properties */

const tableArb = fc.uniqueArray(
  fc.record({
    id: fc.integer({ min: 0, max: 60 }),
    stake: fc.oneof(fc.bigInt({ min: 0n, max: 1_000n }), fc.bigInt({ min: 1n, max: 1n << 100n })),
    upper: fc.boolean(),
  }),
  { minLength: 0, maxLength: 40, selector: (e) => e.id },
);
const paramsArb = fc.record({
  taskId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  beacon: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  size: fc.integer({ min: 1, max: 48 }),
  table: tableArb,
});
const toMap = (t: { id: number; stake: bigint; upper: boolean }[]): Map<string, bigint> =>
  new Map(t.map((e) => [e.upper ? "0x" + addr(e.id).slice(2).toUpperCase() : addr(e.id), e.stake]));

describe("committee: properties (fast-check)", function () {
  this.timeout(120_000);

  it("deterministic, and equal to the naive reference", () => {
    fc.assert(
      fc.property(paramsArb, ({ taskId, beacon, size, table }) => {
        const p = { taskId, beacon, size, stakes: toMap(table) };
        const a = committeeJson(drawCommittee(p));
        assert.deepEqual(committeeJson(drawCommittee({ ...p, stakes: toMap(table) })), a);
        assert.deepEqual(committeeJson(naiveCommittee(p)), a);
      }),
      { numRuns: RUNS },
    );
  });

  it("permutation invariant: table order, Map vs record, letter case and zero-stake entries do not matter", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(fc.integer(), { minLength: 40, maxLength: 40 }),
        fc.boolean(),
        (p, keys, asRecord) => {
          const base = committeeJson(drawCommittee({ ...p, stakes: toMap(p.table) }));
          const shuffled = p.table
            .map((e, i) => ({ e: { ...e, upper: !e.upper }, k: keys[i]! }))
            .sort((x, y) => x.k - y.k)
            .map((x) => x.e);
          const extra = [...shuffled, { id: 99, stake: 0n, upper: false }];
          const m = toMap(extra);
          const stakes = asRecord ? Object.fromEntries(m) : m;
          assert.deepEqual(committeeJson(drawCommittee({ ...p, stakes })), base);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("size: N <= C gives everyone at weight = stake; N > C gives exactly C seats, members <= C, all staked", () => {
    fc.assert(
      fc.property(paramsArb, ({ taskId, beacon, size, table }) => {
        const c = drawCommittee({ taskId, beacon, size, stakes: toMap(table) });
        const staked = table.filter((e) => e.stake > 0n);
        assert.equal(c.attesterCount, staked.length);
        assert.equal(
          c.totalStake,
          staked.reduce((s, e) => s + e.stake, 0n),
        );
        for (const m of c.members) assert.ok(m.stake > 0n && m.weight > 0n);
        const sorted = c.members.map((m) => m.attester);
        assert.deepEqual(sorted, [...sorted].sort());
        if (staked.length <= size) {
          assert.equal(c.mode, "everyone");
          assert.deepEqual(new Set(sorted), new Set(staked.map((e) => addr(e.id))));
          for (const m of c.members) assert.equal(m.weight, m.stake);
          assert.equal(c.totalWeight, c.totalStake);
        } else {
          assert.equal(c.mode, "sampled");
          assert.ok(c.members.length <= size);
          assert.equal(c.totalWeight, BigInt(size));
          assert.equal(
            c.members.reduce((s, m) => s + m.weight, 0n),
            BigInt(size),
          );
          const seats = c.members.flatMap((m) => m.seats).sort((x, y) => x - y);
          assert.deepEqual(
            seats,
            Array.from({ length: size }, (_, j) => j),
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("more seats only add seats: the seats below C of a larger sampled committee are the C-seat committee", () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: 1, max: 30 }), ({ taskId, beacon, size, table }, extra) => {
        const stakes = toMap(table);
        const small = drawCommittee({ taskId, beacon, size, stakes });
        const big = drawCommittee({ taskId, beacon, size: size + extra, stakes });
        if (small.mode !== "sampled" || big.mode !== "sampled") return;
        const seatsOf = (c: Committee): Map<string, number[]> =>
          new Map(c.members.map((m) => [m.attester, [...m.seats]]));
        const restricted = new Map(
          [...seatsOf(big)]
            .map(([a, s]) => [a, s.filter((j) => j < size)] as const)
            .filter(([, s]) => s.length > 0),
        );
        assert.deepEqual(restricted, seatsOf(small));
      }),
      { numRuns: RUNS },
    );
  });

  it("quorum is monotone: adding signers never loses it; it holds iff 3 * signed >= 2 * total", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.array(fc.boolean(), { minLength: 48, maxLength: 48 }),
        fc.nat(47),
        (p, pick, add) => {
          const c = drawCommittee({ ...p, stakes: toMap(p.table) });
          const everyoneListed = p.table.map((e) => addr(e.id));
          const signers = everyoneListed.filter((_, i) => pick[i]);
          const more = [...signers, ...everyoneListed.slice(0, add)];
          const w = committeeSignedWeight(c, signers);
          const w2 = committeeSignedWeight(c, more);
          assert.ok(w2 >= w);
          if (hasCommitteeQuorum(c, signers)) assert.ok(hasCommitteeQuorum(c, more));
          assert.equal(hasCommitteeQuorum(c, signers), hasQuorum(w, c.totalWeight));
          assert.equal(
            hasCommitteeQuorum(
              c,
              c.members.map((m) => m.attester),
            ),
            c.totalWeight > 0n,
          );
          const q = committeeQuorum(c);
          assert.ok(q >= 1n && (c.totalWeight === 0n || q <= c.totalWeight));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("the exact tail agrees with the recurrence for random shares and sizes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.bigInt({ min: 1n, max: 1000n }),
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.integer({ min: -2, max: 62 }),
        (n, den, num0, k) => {
          const p = { num: num0 % (den + 1n), den };
          assert.ok(sameFraction(binomialTail(n, p, k), tailByRecurrence(n, p, k)));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("committee: a stake table prepared once per epoch (prepareStakeTable)", function () {
  this.timeout(120_000);

  it("fast-check: a draw from the prepared table is identical (deepStrictEqual) to the draw from the raw table", () => {
    fc.assert(
      fc.property(paramsArb, fc.boolean(), ({ taskId, beacon, size, table }, asRecord) => {
        const m = toMap(table);
        const stakes = asRecord ? Object.fromEntries(m) : m;
        let raw: Committee | CommitteeError;
        try {
          raw = drawCommittee({ taskId, beacon, size, stakes });
        } catch (err) {
          raw = err as CommitteeError;
        }
        if (raw instanceof Error) {
          // Tables listing one operator twice with different stakes (letter case) are refused by both.
          assert.throws(() => prepareStakeTable(stakes), (e: unknown) => e instanceof CommitteeError && e.code === raw.code);
          return;
        }
        const prepared = prepareStakeTable(stakes);
        assert.ok(isPreparedStakes(prepared));
        assert.deepStrictEqual(drawCommittee({ taskId, beacon, size, stakes: prepared }), raw);
        // ... and to the independent naive reference (a linear walk per seat over the raw table).
        assert.deepEqual(committeeJson(drawCommittee({ taskId, beacon, size, stakes: prepared })), committeeJson(naiveCommittee({ taskId, beacon, size, stakes })));
        // And again: the prepared table is not consumed or changed by a draw.
        assert.deepStrictEqual(drawCommittee({ taskId, beacon, size, stakes: prepared }), raw);
      }),
      { numRuns: 4 * RUNS },
    );
  });

  it("fast-check: identical on larger random tables (up to 600 attesters, skewed stakes, C up to 256)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 256 }),
        fc.array(fc.oneof(fc.bigInt({ min: 0n, max: 3n }), fc.bigInt({ min: 1n, max: 1n << 90n })), { minLength: 0, maxLength: 600 }),
        (taskId, beacon, size, stakeList) => {
          const stakes = new Map(stakeList.map((s, i) => [addr(i * 7919 % 65_000), s] as [string, bigint]));
          const prepared = prepareStakeTable(stakes);
          for (const t of [taskId, beacon]) {
            const fast = drawCommittee({ taskId: t, beacon, size, stakes: prepared });
            assert.deepStrictEqual(fast, drawCommittee({ taskId: t, beacon, size, stakes }));
            assert.deepEqual(committeeJson(fast), committeeJson(naiveCommittee({ taskId: t, beacon, size, stakes })));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("the seat hash (one-permutation keccak for 32-byte seeds) equals ethers' keccak256, for random and edge inputs", () => {
    const viaEthers = (seed: Uint8Array, j: number): bigint => {
      const buf = new Uint8Array(seed.length + 4);
      buf.set(seed, 0);
      new DataView(buf.buffer).setUint32(seed.length, j, false);
      return BigInt(keccak256(buf));
    };
    const edges = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 24 - 1, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
    for (const fill of [0x00, 0xff, 0x3c]) {
      const seed = new Uint8Array(32).fill(fill);
      for (const j of edges) assert.equal(committeeSeatValue(seed, j), viaEthers(seed, j), `fill ${fill} j ${j}`);
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 2 ** 32 - 1 }), (seed, j) => {
        assert.equal(committeeSeatValue(seed, j), viaEthers(seed, j));
        // A view into a larger buffer at an odd offset reads the same bytes.
        const big = new Uint8Array(40);
        big.set(seed, 3);
        assert.equal(committeeSeatValue(big.subarray(3, 35), j), viaEthers(seed, j));
      }),
      { numRuns: 20 * RUNS },
    );
    // Other seed lengths go through the general keccak.
    const short = new Uint8Array(5).fill(7);
    assert.equal(committeeSeatValue(short, 9), viaEthers(short, 9));
  });

  it("holds the sorted attesters and cumulative stakes, frozen, and ignores later changes to the source table", () => {
    const table = new Map<string, bigint>([
      [addr(3), 5n],
      [addr(1), 2n],
      [addr(2), 0n],
      ["0x" + addr(4).slice(2).toUpperCase(), 7n],
    ]);
    const prepared = prepareStakeTable(table);
    assert.deepEqual(prepared.attesters, [
      [addr(1), 2n],
      [addr(3), 5n],
      [addr(4), 7n],
    ]);
    assert.deepEqual(prepared.cumulative, [2n, 7n, 14n]);
    assert.equal(prepared.totalStake, 14n);
    assert.equal(prepared.attesterCount, 3);
    assert.ok(Object.isFrozen(prepared) && Object.isFrozen(prepared.attesters) && Object.isFrozen(prepared.cumulative));
    assert.ok(Object.isFrozen(prepared.attesters[0]));
    const p = { taskId: bytes32(1), beacon: bytes32(2), size: 2 };
    const before = drawCommittee({ ...p, stakes: prepared });
    table.set(addr(1), 1_000n);
    assert.deepStrictEqual(drawCommittee({ ...p, stakes: prepared }), before);
    assert.notDeepEqual(drawCommittee({ ...p, stakes: table }), before);
  });

  it("refuses the same malformed tables as drawCommittee, and prepared tables built any other way", () => {
    expectCommitteeError(() => prepareStakeTable(new Map([["0x12", 1n]])), "INVALID_INPUT", "stakes[0x12]");
    expectCommitteeError(() => prepareStakeTable(new Map([[addr(1), -1n]])), "INVALID_INPUT", `stakes[${addr(1)}]`);
    expectCommitteeError(() => prepareStakeTable(null as never), "INVALID_INPUT", "stakes");
    const Ctor = prepareStakeTable(new Map()).constructor as new (t: symbol, a: [string, bigint][]) => unknown;
    expectCommitteeError(() => new Ctor(Symbol("PreparedStakes"), [[addr(1), 1n]]), "INVALID_INPUT", "PreparedStakes");
    // A look-alike object is read as a raw record (and refused: its keys are not addresses).
    const fake = { attesters: [[addr(1), 1n]], cumulative: [1n], totalStake: 1n };
    assert.equal(isPreparedStakes(fake), false);
    expectCommitteeError(
      () => drawCommittee({ taskId: bytes32(1), beacon: bytes32(2), size: 4, stakes: fake as never }),
      "INVALID_INPUT",
      "stakes[attesters]",
    );
  });
});

/* ------------------------------------------------------------------ chi-square */

/** Upper 0.001 quantiles of the chi-square distribution (standard tables). */
const CHI2_CRITICAL_ALPHA_0_001 = { df6: 22.458, df19: 43.82 } as const;

function chiSquare(observed: number[], expected: number[]): number {
  return observed.reduce((s, o, i) => s + (o - expected[i]!) ** 2 / expected[i]!, 0);
}

describe("committee: seat frequencies (chi-square, alpha = 0.001, 4,000 committees over a fixed task-id sequence)", function () {
  this.timeout(120_000);
  const DRAWS = 4_000;
  const SEATS = 8;
  const K = 20;
  // Stakes 1..20 (total 210); the adversary holds attesters 0..10 minus 6 (stakes 1..11 minus 7 = 59) ~ 28.1 %.
  const table = new Map(Array.from({ length: K }, (_, i) => [addr(i), BigInt(i + 1)]));
  const adversary = new Set(
    Array.from({ length: 11 }, (_, i) => i)
      .filter((i) => i !== 6)
      .map(addr),
  );
  const advStake = [...adversary].reduce((s, a) => s + table.get(a)!, 0n);
  const seats = new Array<number>(K).fill(0);
  const advSeatHist = new Array<number>(SEATS + 1).fill(0);
  const index = new Map([...table.keys()].map((a, i) => [a, i]));

  before(() => {
    const beacon = new Uint8Array(32).fill(0x42);
    for (let d = 0; d < DRAWS; d++) {
      const c = drawCommittee({ taskId: bytes32(d), beacon, stakes: table, size: SEATS });
      let adv = 0;
      for (const m of c.members) {
        seats[index.get(m.attester)!]! += Number(m.weight);
        if (adversary.has(m.attester)) adv += Number(m.weight);
      }
      advSeatHist[adv]!++;
    }
  });

  it("each attester's seats fit C * stake / S (19 degrees of freedom)", () => {
    const expected = [...table.values()].map((s) => (DRAWS * SEATS * Number(s)) / 210);
    const stat = chiSquare(seats, expected);
    assert.ok(stat < CHI2_CRITICAL_ALPHA_0_001.df19, `chi2 = ${stat.toFixed(2)}`);
  });

  it("the adversary's seat count fits Binomial(C, f) exactly as the safety bound assumes (6 degrees of freedom)", () => {
    const f = { num: advStake, den: 210n };
    const pk = (k: number): number => {
      const hi = binomialTail(SEATS, f, k);
      const lo = binomialTail(SEATS, f, k + 1);
      return Number(hi.num * lo.den - lo.num * hi.den) / Number(hi.den * lo.den);
    };
    // bins 0..5 and >= 6
    const obs = [...advSeatHist.slice(0, 6), advSeatHist.slice(6).reduce((a, b) => a + b, 0)];
    const tail6 = binomialTail(SEATS, f, 6);
    const exp = [
      ...Array.from({ length: 6 }, (_, k) => DRAWS * pk(k)),
      (DRAWS * Number(tail6.num)) / Number(tail6.den),
    ];
    const stat = chiSquare(obs, exp);
    assert.ok(stat < CHI2_CRITICAL_ALPHA_0_001.df6, `chi2 = ${stat.toFixed(2)}`);
  });
});
