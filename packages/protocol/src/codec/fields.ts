/** Field converters wire <-> domain with the checks of SPEC §1.1. Every failure is a ProtocolError. */
import { bytesToUint, fromHex, isHex, toHex, uintToBytes, type Hex } from "../bytes.js";
import { PROOF_SYSTEMS, type MessageName, type ProofSystem } from "../constants.js";
import { ProtocolError } from "../errors.js";

export function fieldError(message: MessageName, field: string, why: string): ProtocolError {
  return new ProtocolError(
    { code: "FIELD_INVALID", message, field },
    `${message}.${field} is invalid: ${why}`,
  );
}

/* ---------- wire -> domain ---------- */

export function fixedOut(message: MessageName, field: string, bytes: Uint8Array, len: number): Hex {
  if (bytes.byteLength !== len) throw fieldError(message, field, `expected ${len} bytes, got ${bytes.byteLength}`);
  return toHex(bytes);
}

/** An optional fixed-size field: absent (empty) or exactly `len` bytes. */
export function optionalFixedOut(message: MessageName, field: string, bytes: Uint8Array, len: number): Hex | undefined {
  return bytes.byteLength === 0 ? undefined : fixedOut(message, field, bytes, len);
}

export function uint256Out(message: MessageName, field: string, bytes: Uint8Array): bigint {
  if (bytes.byteLength !== 32) throw fieldError(message, field, `uint256 must be 32 bytes, got ${bytes.byteLength}`);
  return bytesToUint(bytes);
}

export function proofSystemOut(message: MessageName, field: string, value: number): ProofSystem {
  if (!(PROOF_SYSTEMS as readonly number[]).includes(value)) throw fieldError(message, field, `unknown proof system ${value}`);
  return value as ProofSystem;
}

export function rangeOut(message: MessageName, field: string, value: bigint, min: bigint, max: bigint): bigint {
  if (value < min || value > max) throw fieldError(message, field, `${value} is outside [${min}, ${max}]`);
  return value;
}

export function numRangeOut(message: MessageName, field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw fieldError(message, field, `${value} is outside [${min}, ${max}]`);
  }
  return value;
}

/* ---------- domain -> wire ---------- */

export function fixedIn(message: MessageName, field: string, hex: unknown, len: number): Uint8Array<ArrayBuffer> {
  if (!isHex(hex, len)) throw fieldError(message, field, `expected 0x-prefixed hex of ${len} bytes`);
  return fromHex(hex);
}

export function optionalFixedIn(message: MessageName, field: string, hex: unknown, len: number): Uint8Array<ArrayBuffer> {
  return hex === undefined ? new Uint8Array(0) : fixedIn(message, field, hex, len);
}

export function uint256In(message: MessageName, field: string, value: unknown): Uint8Array<ArrayBuffer> {
  if (typeof value !== "bigint" || value < 0n || value >> 256n !== 0n) {
    throw fieldError(message, field, "expected a bigint in [0, 2^256)");
  }
  return uintToBytes(value, 32);
}

export function bigintIn(message: MessageName, field: string, value: unknown, min: bigint, max: bigint): bigint {
  if (typeof value !== "bigint") throw fieldError(message, field, "expected a bigint");
  return rangeOut(message, field, value, min, max);
}

export function numberIn(message: MessageName, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number") throw fieldError(message, field, "expected an integer");
  return numRangeOut(message, field, value, min, max);
}
