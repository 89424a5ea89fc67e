import { readFile } from "node:fs/promises";
import { getAddress } from "ethers";
import { StakeError, StakeErrorCode } from "./errors.js";
import type { StakeSource } from "./interface.js";

/**
 * Genesis stake file (JSON):
 * ```json
 * { "version": 1, "stakes": { "0xAbC…": "1000000000000000000", … } }
 * ```
 * Stakes are decimal strings of wei (no floats: JSON numbers lose precision past 2^53).
 */
export interface GenesisStakeFile {
  version: 1;
  stakes: Record<string, string>;
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/** Parse and validate a genesis stake document; throws StakeError GENESIS_INVALID naming the bad field. */
export function parseGenesisStakes(json: unknown, source = "<inline>"): Map<string, bigint> {
  const invalid = (field: string, reason: string): StakeError =>
    new StakeError(
      { code: StakeErrorCode.GENESIS_INVALID, path: source, field, reason },
      `Genesis stake file ${source}: ${field} ${reason}`,
    );
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw invalid("(root)", "must be a JSON object");
  const doc = json as Record<string, unknown>;
  if (doc["version"] !== 1) throw invalid("version", "must be 1");
  const stakes = doc["stakes"];
  if (typeof stakes !== "object" || stakes === null || Array.isArray(stakes)) {
    throw invalid("stakes", 'must be an object mapping address to a decimal wei string, e.g. {"0x…": "1000"}');
  }
  const out = new Map<string, bigint>();
  for (const [addr, value] of Object.entries(stakes as Record<string, unknown>)) {
    let checksummed: string;
    try {
      checksummed = getAddress(addr);
    } catch {
      throw invalid(`stakes.${addr}`, "is not a valid Ethereum address (20 bytes hex; mixed case must be a correct EIP-55 checksum)");
    }
    if (out.has(checksummed)) throw invalid(`stakes.${addr}`, "appears twice (addresses compare case-insensitively)");
    if (typeof value !== "string" || !DECIMAL.test(value)) {
      throw invalid(`stakes.${addr}`, "must be a decimal string of wei without sign, fraction or leading zeros");
    }
    const stake = BigInt(value);
    if (stake >= 1n << 256n) throw invalid(`stakes.${addr}`, "exceeds uint256");
    if (stake > 0n) out.set(checksummed, stake);
  }
  return out;
}

/** A StakeSource with the same table at every snapshot, read from a genesis file. */
export class GenesisStakeSource implements StakeSource {
  private constructor(private readonly table: ReadonlyMap<string, bigint>) {}

  static fromTable(table: ReadonlyMap<string, bigint>): GenesisStakeSource {
    return new GenesisStakeSource(parseGenesisStakes({ version: 1, stakes: Object.fromEntries([...table].map(([a, s]) => [a, s.toString()])) }));
  }

  static async fromFile(path: string): Promise<GenesisStakeSource> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (cause) {
      throw new StakeError({ code: StakeErrorCode.GENESIS_UNREADABLE, path }, `Cannot read genesis stake file ${path}; check the path`, { cause });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new StakeError(
        { code: StakeErrorCode.GENESIS_INVALID, path, field: "(root)", reason: "is not valid JSON" },
        `Genesis stake file ${path} is not valid JSON`,
        { cause },
      );
    }
    return new GenesisStakeSource(parseGenesisStakes(json, path));
  }

  stakeOf(address: string, _snapshot: bigint): Promise<bigint> {
    let a: string;
    try {
      a = getAddress(address);
    } catch {
      return Promise.resolve(0n);
    }
    return Promise.resolve(this.table.get(a) ?? 0n);
  }

  stakeTable(_snapshot: bigint): Promise<ReadonlyMap<string, bigint>> {
    return Promise.resolve(this.table);
  }
}
