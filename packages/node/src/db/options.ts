/** Current on-disk schema version. Bump on any incompatible change of keys or values. */
export const DB_SCHEMA_VERSION = 1;

export interface NodeDbOptions {
  /** Directory of the database (created if missing). */
  path: string;
}
