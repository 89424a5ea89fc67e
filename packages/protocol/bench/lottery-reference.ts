/**
 * A second, deliberately naive implementation of the lottery rule (SPEC §0.6 / §4), written
 * independently of src/lottery: quadratic linear scans, solidityPacked hashing, no Fenwick tree. The vector
 * generator computes expected outputs with it and the tests cross-check drawLottery against it.
 * Not part of the package API.
 */
import { solidityPacked, keccak256, toUtf8Bytes, hexlify } from "ethers";

export interface RefBid {
  prover: string;
  price: bigint;
  salt: string; // 0x hex, 32 bytes
}

export interface RefResult {
  seed: string;
  order: { prover: string; price: bigint; weight: bigint }[];
  excluded: { prover: string; reason: string }[];
}

export function referenceDraw(
  taskId: string,
  maxReward: bigint,
  bids: readonly RefBid[],
  stakes: Readonly<Record<string, bigint>>,
  limit?: number,
  collateral = 0n,
): RefResult {
  const need = collateral > 1n ? collateral : 1n;
  const stake = (p: string): bigint => {
    let s = 0n;
    for (const k of Object.keys(stakes)) if (k.toLowerCase() === p) s = stakes[k]!;
    return s;
  };
  const provers = [...new Set(bids.map((b) => b.prover.toLowerCase()))].sort();
  const eligible: { prover: string; price: bigint; salt: string; weight: bigint }[] = [];
  const excluded: { prover: string; reason: string }[] = [];
  for (const p of provers) {
    const mine = bids.filter((b) => b.prover.toLowerCase() === p);
    const distinct = new Set(mine.map((b) => `${b.price.toString()}/${b.salt.toLowerCase()}`));
    const bid = mine[0]!;
    if (distinct.size > 1) excluded.push({ prover: p, reason: "DUPLICATE_PROVER" });
    else if (bid.price <= 0n || bid.price > maxReward)
      excluded.push({ prover: p, reason: "PRICE_OUT_OF_RANGE" });
    else if (stake(p) < need) excluded.push({ prover: p, reason: "INSUFFICIENT_STAKE" });
    else {
      const w = (stake(p) * (maxReward + 3n * (maxReward - bid.price))) / maxReward;
      eligible.push({ prover: p, price: bid.price, salt: bid.salt, weight: w });
    }
  }
  const seed = keccak256(
    solidityPacked(
      ["bytes", "bytes32", ...eligible.map(() => "bytes32")],
      [hexlify(toUtf8Bytes("zkpool/lottery/v1")), taskId, ...eligible.map((e) => e.salt)],
    ),
  );
  const remaining = [...eligible];
  const order: RefResult["order"] = [];
  const positions = limit === undefined ? remaining.length : Math.min(limit, remaining.length);
  for (let j = 0; j < positions; j++) {
    const W = remaining.reduce((a, e) => a + e.weight, 0n);
    if (W === 0n) break;
    const x = BigInt(keccak256(solidityPacked(["bytes32", "uint32"], [seed, j]))) % W;
    let cum = 0n;
    let idx = -1;
    for (let i = 0; i < remaining.length; i++) {
      cum += remaining[i]!.weight;
      if (cum > x) {
        idx = i;
        break;
      }
    }
    const [e] = remaining.splice(idx, 1);
    order.push({ prover: e!.prover, price: e!.price, weight: e!.weight });
  }
  return { seed, order, excluded };
}
