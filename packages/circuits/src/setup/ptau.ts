/** Powers of tau: pick the committed dev file, a user's ceremony file, or make an (insecure) local one. */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { buildBn128, loadSnarkjs } from "./lazy.js";
import type { Progress } from "./progress.js";

/** Warn loudly: a locally made powers of tau knows its own toxic waste. */
export function warnInsecurePtau(progress: Progress, what: string): void {
  progress.warn([
    `WARNING: ${what}`,
    "This powers of tau is INSECURE: whoever made it could know its toxic waste",
    "and forge proofs for every key derived from it. Use it for DEVELOPMENT ONLY.",
    "Production: pass a file from a public ceremony, e.g.",
    "  zkpool-circuits setup --ptau powersOfTau28_hez_final_16.ptau",
  ]);
}

/**
 * Make a phase-2-prepared powers of tau of 2^power locally: new accumulator, one random contribution,
 * a beacon, prepare phase 2. Slow (2^12 ~1 min, 2^16 ~20 min on 2 cores). Returns its path.
 */
export async function makeLocalPtau(power: number, dir: string, progress: Progress): Promise<string> {
  const out = join(dir, `pot${power}_local_dev.ptau`);
  try {
    if ((await stat(out)).isFile()) {
      warnInsecurePtau(progress, `using the locally made powers of tau ${out}`);
      return out;
    }
  } catch {
    // make it
  }
  warnInsecurePtau(progress, `making a LOCAL powers of tau of 2^${power} (this takes a while)`);
  await mkdir(dir, { recursive: true });
  const tmp = (i: number): string => join(dir, `pot${power}_local_dev.${i}.tmp`);
  const snarkjs = await loadSnarkjs();
  const curve = await buildBn128();
  await progress.step(`ptau 2^${power}: new accumulator`, (l) =>
    snarkjs.powersOfTau.newAccumulator(curve, power, tmp(0), l),
  );
  await progress.step(`ptau 2^${power}: contribute`, (l) =>
    snarkjs.powersOfTau.contribute(tmp(0), tmp(1), "zkpool local dev", randomBytes(32).toString("hex"), l),
  );
  await progress.step(`ptau 2^${power}: beacon`, (l) =>
    snarkjs.powersOfTau.beacon(
      tmp(1),
      tmp(2),
      "zkpool local dev beacon",
      randomBytes(32).toString("hex"),
      10,
      l,
    ),
  );
  await progress.step(`ptau 2^${power}: prepare phase 2`, (l) =>
    snarkjs.powersOfTau.preparePhase2(tmp(2), tmp(3), l),
  );
  await rename(tmp(3), out);
  await Promise.all([0, 1, 2].map((i) => rm(tmp(i), { force: true })));
  return out;
}
