import { mkdir } from "node:fs/promises";
import { Level } from "level";
import { DbError, DbErrorCode } from "./errors.js";
import type { Bucket, ValueCodec, WriteBatch } from "./interface.js";
import { DB_SCHEMA_VERSION, type NodeDbOptions } from "./options.js";

type Raw = Level<string, Uint8Array>;
const SEP = "/";
const SAFE_PART = /^[0-9A-Za-z_.:+-]{1,200}$/;

function key(bucket: Bucket, id: readonly string[]): string {
  for (const part of id) {
    if (!SAFE_PART.test(part)) throw new DbError({ code: DbErrorCode.INVALID_KEY, bucket, part }, `Invalid key part for ${bucket}`);
  }
  return [bucket, ...id].join(SEP);
}

function range(bucket: Bucket, prefix: readonly string[]): { gte: string; lt: string } {
  const base = key(bucket, prefix) + SEP;
  // "/" is 0x2f, so "0" (0x30) is the first string past every key under base.
  return { gte: base, lt: base.slice(0, -1) + "0" };
}

/** Typed view over one bucket. Ids are lists of key parts (hex ids, addresses, decimal rounds). */
export class Repository<T> {
  constructor(
    private readonly db: NodeDb,
    readonly bucket: Bucket,
    private readonly codec: ValueCodec<T>,
  ) {}

  async get(id: readonly string[]): Promise<T | undefined> {
    const bytes = await this.db.raw.get(key(this.bucket, id));
    if (bytes === undefined) return undefined;
    return this.decode(id, bytes);
  }

  async has(id: readonly string[]): Promise<boolean> {
    return (await this.db.raw.get(key(this.bucket, id))) !== undefined;
  }

  async put(id: readonly string[], value: T): Promise<void> {
    await this.db.raw.put(key(this.bucket, id), this.codec.encode(value));
  }

  async delete(id: readonly string[]): Promise<void> {
    await this.db.raw.del(key(this.bucket, id));
  }

  /** Add a put of this repository to an atomic batch. */
  putInBatch(batch: WriteBatch, id: readonly string[], value: T): WriteBatch {
    return batch.put(this.bucket, id, this.codec.encode(value));
  }

  delInBatch(batch: WriteBatch, id: readonly string[]): WriteBatch {
    return batch.del(this.bucket, id);
  }

  /** Entries whose id starts with `prefix`, in key order. */
  async entries(prefix: readonly string[] = []): Promise<Array<{ id: string[]; value: T }>> {
    const out: Array<{ id: string[]; value: T }> = [];
    const opts = prefix.length === 0 ? { gte: this.bucket + SEP, lt: this.bucket + "0" } : range(this.bucket, prefix);
    for await (const [k, v] of this.db.raw.iterator(opts)) {
      const id = k.split(SEP).slice(1);
      out.push({ id, value: this.decode(id, v) });
    }
    return out;
  }

  async values(prefix: readonly string[] = []): Promise<T[]> {
    return (await this.entries(prefix)).map((e) => e.value);
  }

  private decode(id: readonly string[], bytes: Uint8Array): T {
    try {
      return this.codec.decode(bytes);
    } catch (cause) {
      throw new DbError(
        { code: DbErrorCode.CORRUPT_VALUE, bucket: this.bucket, key: id.join(SEP) },
        `Stored ${this.bucket} value ${id.join(SEP)} cannot be decoded; the database may be corrupt`,
        { cause },
      );
    }
  }
}

class LevelWriteBatch implements WriteBatch {
  constructor(private readonly batch: ReturnType<Raw["batch"]>) {}
  put(bucket: Bucket, id: readonly string[], value: Uint8Array): WriteBatch {
    this.batch.put(key(bucket, id), value);
    return this;
  }
  del(bucket: Bucket, id: readonly string[]): WriteBatch {
    this.batch.del(key(bucket, id));
    return this;
  }
  async write(): Promise<void> {
    await this.batch.write();
  }
}

/** Raw bytes stored as is (wire messages are canonical, so their bytes are the message). */
export const bytesCodec: ValueCodec<Uint8Array> = { encode: (v) => v, decode: (b) => b };

/** JSON with bigint support (bigints stored as {"$big":"123"}). */
export function jsonCodec<T>(): ValueCodec<T> {
  return {
    encode: (v) =>
      new TextEncoder().encode(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? { $big: x.toString() } : x))),
    decode: (b) =>
      JSON.parse(new TextDecoder().decode(b), (_k, x: unknown) =>
        typeof x === "object" && x !== null && typeof (x as { $big?: unknown }).$big === "string"
          ? BigInt((x as { $big: string }).$big)
          : x,
      ) as T,
  };
}

/** The node's level database with its schema version check. */
export class NodeDb {
  private constructor(
    readonly raw: Raw,
    readonly path: string,
  ) {}

  /**
   * Open (creating if needed) the database at `path`. A new database is stamped with DB_SCHEMA_VERSION;
   * an existing one must carry exactly that version.
   */
  static async open(opts: NodeDbOptions): Promise<NodeDb> {
    const { path } = opts;
    await mkdir(path, { recursive: true });
    const raw: Raw = new Level<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view" });
    try {
      await raw.open();
    } catch (cause) {
      throw new DbError({ code: DbErrorCode.OPEN_FAILED, path }, `Cannot open database at ${path}; is another node using this data directory?`, { cause });
    }
    const db = new NodeDb(raw, path);
    try {
      await db.checkSchema();
    } catch (err) {
      await raw.close();
      throw err;
    }
    return db;
  }

  private async checkSchema(): Promise<void> {
    const stored = await this.raw.get(key("meta", ["schema"]));
    if (stored === undefined) {
      for await (const _k of this.raw.keys({ limit: 1 })) {
        throw new DbError({ code: DbErrorCode.SCHEMA_MISSING, path: this.path }, `Database at ${this.path} has data but no schema version; it was not written by this node`);
      }
      await this.raw.put(key("meta", ["schema"]), new TextEncoder().encode(String(DB_SCHEMA_VERSION)));
      return;
    }
    const found = Number(new TextDecoder().decode(stored));
    if (found !== DB_SCHEMA_VERSION) {
      throw new DbError(
        { code: DbErrorCode.SCHEMA_MISMATCH, path: this.path, found, expected: DB_SCHEMA_VERSION },
        `Database at ${this.path} has schema v${found}, this node needs v${DB_SCHEMA_VERSION}; migrate or use a fresh data directory`,
      );
    }
  }

  batch(): WriteBatch {
    return new LevelWriteBatch(this.raw.batch());
  }

  repository<T>(bucket: Bucket, codec: ValueCodec<T>): Repository<T> {
    return new Repository(this, bucket, codec);
  }

  async close(): Promise<void> {
    await this.raw.close();
  }
}
