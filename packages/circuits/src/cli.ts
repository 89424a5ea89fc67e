#!/usr/bin/env node
/**
 * zkpool-circuits: dev setup of the demo circuits.
 *
 *   zkpool-circuits list
 *   zkpool-circuits setup [--circuit NAME]... [--system groth16|plonk|fflonk]... [--ptau FILE] [--power N]
 *                         [--out DIR] [--cache DIR] [--force]
 *   zkpool-circuits ptau --power N [--cache DIR]
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { buildBn128 } from "ffjavascript";
import { CIRCUITS } from "./definitions.js";
import { isProofSystem } from "./ids.js";
import { artifactRoots } from "./catalog.js";
import { readMeta } from "./meta.js";
import { defaultCacheDir } from "./paths.js";
import { makeLocalPtau, Progress, runSetup } from "./setup/index.js";

const USAGE = `usage:
  zkpool-circuits list [--cache DIR]
  zkpool-circuits setup [--circuit NAME]... [--system groth16|plonk|fflonk]... [--ptau FILE] [--power N]
                        [--out DIR] [--cache DIR] [--force]
  zkpool-circuits ptau --power N [--cache DIR]

Without --ptau, setup uses the committed 2^12 DEV powers of tau, or makes a local one: both are INSECURE.
Production keys need a ceremony file: --ptau powersOfTau28_hez_final_<N>.ptau`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      circuit: { type: "string", multiple: true },
      system: { type: "string", multiple: true },
      ptau: { type: "string" },
      power: { type: "string" },
      out: { type: "string" },
      cache: { type: "string" },
      force: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const cmd = positionals[0];
  if (values.help === true || cmd === undefined) {
    console.log(USAGE);
    return cmd === undefined && values.help !== true ? 2 : 0;
  }
  const cacheDir = values.cache ?? defaultCacheDir();
  const progress = new Progress({ quiet: values.quiet ?? false });
  const power = values.power === undefined ? undefined : Number.parseInt(values.power, 10);
  if (power !== undefined && !(Number.isInteger(power) && power >= 1 && power <= 28)) {
    console.error("--power must be an integer 1..28");
    return 2;
  }
  switch (cmd) {
    case "list": {
      for (const def of CIRCUITS) {
        const built: string[] = [];
        for (const root of artifactRoots(cacheDir)) {
          const meta = await readMeta(root, def.name);
          for (const s of Object.keys(meta?.systems ?? {})) built.push(s);
        }
        console.log(
          `${def.name.padEnd(16)} ${def.description}\n${"".padEnd(16)} built: ${built.length > 0 ? [...new Set(built)].join(", ") : "-"}`,
        );
      }
      return 0;
    }
    case "setup": {
      const systems = values.system?.map((s) => {
        if (!isProofSystem(s)) throw new Error(`unknown proof system "${s}" (groth16, plonk, fflonk)`);
        return s;
      });
      const results = await runSetup({
        circuits: values.circuit,
        systems,
        ptau: values.ptau,
        power,
        outDir: values.out,
        cacheDir,
        force: values.force,
        progress,
      });
      for (const r of results)
        console.log(`${r.circuit}\t${r.proofSystem}\t${r.status}\t${r.constraints}\t${r.circuitId}`);
      return 0;
    }
    case "ptau": {
      if (power === undefined) {
        console.error("ptau needs --power N");
        return 2;
      }
      try {
        console.log(await makeLocalPtau(power, join(cacheDir, "ptau"), progress));
      } finally {
        await (await buildBn128()).terminate();
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? `error: ${err.message}` : err);
    process.exit(1);
  });
