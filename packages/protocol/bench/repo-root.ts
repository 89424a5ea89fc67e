/** The repository root (the directory holding lerna.json), found upward from this file: where vectors live. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "lerna.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("repository root (lerna.json) not found");
    dir = parent;
  }
  return dir;
}
