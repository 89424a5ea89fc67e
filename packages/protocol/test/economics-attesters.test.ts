/** SPEC §9.13 "Attesters earn": the parameter, its bound, the fee split and the pro-rata shares. */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BPS, DEVNET_CHAIN_PARAMS, EconomicsError, PRODUCTION_CHAIN_PARAMS, attesterShares, checkChainParams, feeSplit,
} from "../src/index.js";

describe("protocol: attesters' share of the pool fee (SPEC §9.13)", () => {
  it("defaults to 2000 bps of the fee on devnet and in production; checkChainParams bounds it to [0, 10000]", () => {
    assert.equal(DEVNET_CHAIN_PARAMS.attesterShareBps, 2_000n);
    assert.equal(PRODUCTION_CHAIN_PARAMS.attesterShareBps, 2_000n);
    checkChainParams(DEVNET_CHAIN_PARAMS);
    checkChainParams(PRODUCTION_CHAIN_PARAMS);
    for (const v of [0n, 10_000n]) checkChainParams({ ...DEVNET_CHAIN_PARAMS, attesterShareBps: v });
    const { attesterShareBps: _omit, ...without } = DEVNET_CHAIN_PARAMS;
    checkChainParams(without);
    for (const v of [10_001n, -1n, 5 as unknown as bigint]) {
      assert.throws(() => checkChainParams({ ...DEVNET_CHAIN_PARAMS, attesterShareBps: v }),
        (e) => e instanceof EconomicsError && e.type.code === "INVALID_PARAMS" && e.type.field === "attesterShareBps");
    }
  });

  it("takes the attesters' share out of the fee before the treasury / fund split; the prover's share is unchanged", () => {
    const s = feeSplit(10n ** 18n / 2n, { feeBps: 500n, treasuryShareBps: 5_000n, attesterShareBps: 2_000n });
    assert.equal(s.fee, 25n * 10n ** 15n);
    assert.equal(s.toAttesters, 5n * 10n ** 15n);
    assert.equal(s.toTreasury, 10n * 10n ** 15n);
    assert.equal(s.toInsurance, 10n * 10n ** 15n);
    assert.equal(s.toProverBeforeRoyalty, 10n ** 18n / 2n - s.fee);
    const none = feeSplit(10n ** 18n / 2n, { feeBps: 500n, treasuryShareBps: 5_000n, attesterShareBps: 0n });
    assert.equal(none.toAttesters, 0n);
    assert.equal(none.toProverBeforeRoyalty, s.toProverBeforeRoyalty);
  });

  it("pays floor(total · stake_i / Σ stake) per signer; shares + remainder = total to the wei (property)", () => {
    assert.deepEqual(attesterShares(100n, [40n, 30n, 20n]), { shares: [44n, 33n, 22n], remainder: 1n });
    assert.deepEqual(attesterShares(7n, [1n, 0n]), { shares: [7n, 0n], remainder: 0n });
    assert.throws(() => attesterShares(1n, [0n, 0n]), (e) => e instanceof EconomicsError && e.type.field === "stakes");
    fc.assert(fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 24n }),
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 24n }), { minLength: 1, maxLength: 30 }).filter((a) => a.some((x) => x > 0n)),
      (total, stakes) => {
        const { shares, remainder } = attesterShares(total, stakes);
        assert.equal(shares.reduce((a, b) => a + b, 0n) + remainder, total);
        assert.ok(remainder >= 0n && remainder < BigInt(stakes.length));
        const signed = stakes.reduce((a, b) => a + b, 0n);
        shares.forEach((x, i) => assert.ok(x * signed <= total * stakes[i]! && (x + 1n) * signed > total * stakes[i]!));
      },
    ));
    assert.equal(BPS, 10_000n);
  });
});
