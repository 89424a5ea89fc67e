/** Converts a stored value to and from bytes. */
export interface ValueCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** Buckets of the node database. Each bucket is a key prefix; keys are `bucket/part/part/...`. */
export type Bucket = "task" | "bid" | "vote" | "cert" | "proof" | "operator" | "open" | "meta";

/** A set of writes applied atomically (all or none). */
export interface WriteBatch {
  put(bucket: Bucket, id: readonly string[], value: Uint8Array): WriteBatch;
  del(bucket: Bucket, id: readonly string[]): WriteBatch;
  write(): Promise<void>;
}
