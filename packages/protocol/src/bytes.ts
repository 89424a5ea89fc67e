/** Byte and hex helpers. Hex strings in this package are lowercase and 0x-prefixed. */

export type Hex = `0x${string}`;

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/;

export function isHex(value: unknown, byteLength?: number): value is Hex {
  return (
    typeof value === "string" &&
    HEX_RE.test(value) &&
    (byteLength === undefined || value.length === 2 + 2 * byteLength)
  );
}

export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** Hex to bytes. Throws TypeError on malformed hex (callers wrap it into their typed error). */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (!HEX_RE.test(hex)) throw new TypeError(`not a 0x-prefixed even-length hex string`);
  const buf = Buffer.from(hex.slice(2), "hex");
  const out = new Uint8Array(buf.byteLength);
  out.set(buf);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let len = 0;
  for (const p of parts) len += p.byteLength;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Unsigned integer to fixed-width big-endian bytes. Throws RangeError if it does not fit. */
export function uintToBytes(value: bigint, width: number): Uint8Array<ArrayBuffer> {
  if (value < 0n || value >> BigInt(8 * width) !== 0n) throw new RangeError(`value does not fit in ${width} bytes`);
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function bytesToUint(bytes: Uint8Array): bigint {
  if (bytes.byteLength === 0) return 0n;
  return BigInt(toHex(bytes));
}

/** 32-byte ABI word of an unsigned integer. */
export function word(value: bigint): Uint8Array<ArrayBuffer> {
  return uintToBytes(value, 32);
}

/** 32-byte ABI word of an address / bytesN (left-padded for addresses, as abi.encode does). */
export function wordOfBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(32);
  out.set(bytes, 32 - bytes.byteLength);
  return out;
}

const encoder = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
