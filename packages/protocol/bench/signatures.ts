/**
 * secp256k1 signing and recovery per second on one core, ethers v6 (pure JS, what ran before issue 15) against
 * the native libsecp256k1 bindings that signDigest / recoverSigner use now, measured in the same run over the
 * same keys and digests. One line per implementation and operation:
 *   signatures: impl=<ethers|secp256k1> op=<sign|recover> per_s=<n>
 * Run: `npm run bench:signatures -w @zkpool/protocol`. BENCH_MS sets the time per line (default 1500).
 */
import { SigningKey, getBytes, keccak256, recoverAddress } from "ethers";
import { recoverSigner, signDigest, type Hex } from "../src/index.js";
import { nativeSecp256k1 } from "../src/crypto/secp256k1.js";

const MS = Number(process.env["BENCH_MS"] ?? 1500);
const COUNT = 256;

const keys = Array.from({ length: COUNT }, (_, i) => new SigningKey(keccak256(Uint8Array.of(1, i >> 8, i & 0xff))));
const digests = Array.from({ length: COUNT }, (_, i) => keccak256(Uint8Array.of(2, i >> 8, i & 0xff)) as Hex);
const signatures = keys.map((k, i) => k.sign(digests[i]!).serialized.toLowerCase() as Hex);
const signers = keys.map((k) => keccak256(getBytes(k.publicKey).subarray(1)).slice(26));

/** Calls fn(i) round-robin over the fixtures for about MS milliseconds (after a short warm-up); ops per second. */
function perSecond(fn: (i: number) => unknown): number {
  for (let i = 0; i < 64; i++) fn(i % COUNT);
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(MS) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let j = 0; j < 16; j++, n++) fn(n % COUNT);
    now = process.hrtime.bigint();
  }
  return Math.round(n / (Number(now - start) / 1e9));
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench fixture mismatch: ${what}`);
}
for (let i = 0; i < COUNT; i++) {
  check(recoverSigner(digests[i]!, signatures[i]!) === `0x${signers[i]}`, `recover ${i}`);
  check(signDigest(digests[i]!, keys[i]!) === signatures[i], `sign ${i}`);
}
if (nativeSecp256k1 === undefined) console.error("signatures: native secp256k1 bindings did not load; secp256k1 lines measure the ethers fallback");

const lines: [string, string, (i: number) => unknown][] = [
  ["ethers", "recover", (i) => recoverAddress(digests[i]!, signatures[i]!)],
  ["secp256k1", "recover", (i) => recoverSigner(digests[i]!, signatures[i]!)],
  ["ethers", "sign", (i) => keys[i]!.sign(digests[i]!).serialized],
  ["secp256k1", "sign", (i) => signDigest(digests[i]!, keys[i]!)],
];
for (const [impl, op, fn] of lines) console.log(`signatures: impl=${impl} op=${op} per_s=${perSecond(fn)}`);
