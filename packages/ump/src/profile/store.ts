/**
 * A profile store: measured ModuleProfiles kept in one JSON file in a data directory
 * (`<dataDir>/ump-profiles.json`), keyed by module id, module version and proof system. A new module version
 * has no profile until it is benchmarked (its speed may have changed).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UmpError } from "../errors.js";
import type { ModuleProfile, ProofSystem } from "../interface.js";

export const PROFILE_FILE = "ump-profiles.json";

interface ProfileFile {
  version: 1;
  profiles: ModuleProfile[];
}

export function profileKey(moduleId: string, moduleVersion: string, proofSystem: ProofSystem): string {
  return `${moduleId}@${moduleVersion}/${proofSystem}`;
}

export class ProfileStore {
  readonly path: string;
  private readonly profiles = new Map<string, ModuleProfile>();
  private loaded = false;

  constructor(dataDir: string) {
    this.path = join(dataDir, PROFILE_FILE);
  }

  /** Read the file (a missing file is an empty store). Throws `INTERNAL` for a file that is not a profile store. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        this.loaded = true;
        return;
      }
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const file = parsed as Partial<ProfileFile> | undefined;
    if (!file || file.version !== 1 || !Array.isArray(file.profiles)) {
      throw new UmpError(
        { code: "INTERNAL", detail: this.path },
        `the profile store ${this.path} is not a ZKPool profile file: delete it and run the benchmark again`,
      );
    }
    this.profiles.clear();
    for (const p of file.profiles)
      this.profiles.set(profileKey(p.moduleId, p.moduleVersion, p.proofSystem), p);
    this.loaded = true;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  get(moduleId: string, moduleVersion: string, proofSystem: ProofSystem): ModuleProfile | undefined {
    return this.profiles.get(profileKey(moduleId, moduleVersion, proofSystem));
  }

  /** Every profile of one module version. */
  forModule(moduleId: string, moduleVersion: string): ModuleProfile[] {
    return [...this.profiles.values()].filter(
      (p) => p.moduleId === moduleId && p.moduleVersion === moduleVersion,
    );
  }

  all(): ModuleProfile[] {
    return [...this.profiles.values()];
  }

  set(profile: ModuleProfile): void {
    this.profiles.set(profileKey(profile.moduleId, profile.moduleVersion, profile.proofSystem), profile);
  }

  /** Write the file atomically (temp file + rename). */
  async save(): Promise<void> {
    const dir = join(this.path, "..");
    await mkdir(dir, { recursive: true });
    const body: ProfileFile = { version: 1, profiles: this.all() };
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(body, null, 2) + "\n");
    await rename(tmp, this.path);
  }
}
