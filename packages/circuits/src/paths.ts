import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (this file is at <root>/dist/src/paths.js or <root>/src/paths.ts). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Circom sources. */
export const CIRCOM_DIR = join(PACKAGE_ROOT, "circom");

/** Committed artifacts (small circuits, the dev powers of tau). */
export const COMMITTED_DIR = join(PACKAGE_ROOT, "artifacts");

/** The committed dev powers of tau (2^12, phase 2 prepared, INSECURE). */
export const DEV_PTAU = { path: join(COMMITTED_DIR, "ptau", "pot12_dev.ptau"), power: 12 };

/**
 * Where setup writes what is not committed (larger circuits, local ptau files, compile outputs).
 * @default `<package>/.cache`, or `$ZKPOOL_CIRCUITS_CACHE`
 */
export function defaultCacheDir(): string {
  return process.env.ZKPOOL_CIRCUITS_CACHE ?? join(PACKAGE_ROOT, ".cache");
}

const require = createRequire(import.meta.url);

/** Directory of an installed package (the folder holding its package.json; works despite "exports"). */
export function packageDir(name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, "package.json"))) return dir;
  }
  throw new Error(`package ${name} is not installed`);
}

export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), "package.json"), "utf8")) as { version: string })
    .version;
}
