/** Regenerates src/generated/artifacts.ts from contracts/*.sol (run: npm run compile -w @zkpool/chain). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot, renderArtifacts } from "../compile.js";

const target = join(packageRoot(), "src", "generated", "artifacts.ts");
writeFileSync(target, renderArtifacts());
console.log(`wrote ${target}`);
