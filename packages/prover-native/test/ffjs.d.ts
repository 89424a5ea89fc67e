// The parts of ffjavascript the tests use (it ships no types).
declare module "ffjavascript" {
  export interface Field {
    e(v: bigint | string | number): Uint8Array;
    mul(a: Uint8Array, b: Uint8Array): Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    sub(a: Uint8Array, b: Uint8Array): Uint8Array;
    inv(a: Uint8Array): Uint8Array;
    square(a: Uint8Array): Uint8Array;
    toObject(a: Uint8Array): bigint;
  }
  export interface Group {
    g: Uint8Array;
    zero: Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    double(a: Uint8Array): Uint8Array;
    timesScalar(a: Uint8Array, k: bigint): Uint8Array;
    toAffine(a: Uint8Array): Uint8Array;
    fromObject(o: unknown): Uint8Array;
    toObject(a: Uint8Array): unknown;
    isZero(a: Uint8Array): boolean;
  }
  export interface Curve {
    q: bigint;
    r: bigint;
    Fr: Field;
    F1: Field;
    F2: { mul(a: Uint8Array, b: Uint8Array): Uint8Array; inv(a: Uint8Array): Uint8Array; fromObject(o: bigint[]): Uint8Array; toObject(a: Uint8Array): bigint[] };
    G1: Group;
    G2: Group;
    terminate(): Promise<void>;
  }
  export function buildBn128(singleThread?: boolean): Promise<Curve>;
}
