import { bytesCodec, jsonCodec, type NodeDb, type Repository } from "./db.js";
import type { WriteBatch } from "./interface.js";

/** An open task in the index: when it can be forgotten (final deadline + grace, unix seconds). */
export interface OpenTaskEntry {
  expiresAt: bigint;
}

/**
 * The node's message repositories. Every message is stored as its exact canonical wire bytes (so it can
 * be re-served by sync and re-validated by the receiver), keyed so that all of a task's messages are
 * one range scan:
 *   task/<taskId>                      open/<taskId> -> {expiresAt}
 *   bid/<taskId>/<c|r>/<prover>        vote/<taskId>/<round>/<kind>/<attester>
 *   cert/<taskId>/<round>/<kind>       proof/<taskId>/<round>/<prover>
 *   operator/<peerIdHex>
 * Ids are lowercase 0x-hex (as decoded by @zkpool/protocol) and decimal rounds.
 */
export class MessageRepositories {
  readonly tasks: Repository<Uint8Array>;
  readonly openTasks: Repository<OpenTaskEntry>;
  readonly bids: Repository<Uint8Array>;
  readonly votes: Repository<Uint8Array>;
  readonly certificates: Repository<Uint8Array>;
  readonly proofs: Repository<Uint8Array>;
  readonly operators: Repository<Uint8Array>;

  constructor(readonly db: NodeDb) {
    this.tasks = db.repository("task", bytesCodec);
    this.openTasks = db.repository("open", jsonCodec<OpenTaskEntry>());
    this.bids = db.repository("bid", bytesCodec);
    this.votes = db.repository("vote", bytesCodec);
    this.certificates = db.repository("cert", bytesCodec);
    this.proofs = db.repository("proof", bytesCodec);
    this.operators = db.repository("operator", bytesCodec);
  }

  /** Store a new task and mark it open, atomically. */
  async addTask(taskId: string, bytes: Uint8Array, expiresAt: bigint): Promise<void> {
    const batch: WriteBatch = this.db.batch();
    this.tasks.putInBatch(batch, [taskId], bytes);
    this.openTasks.putInBatch(batch, [taskId], { expiresAt });
    await batch.write();
  }

  /** Ids of tasks still open at `now` (unix seconds). */
  async openTaskIds(now: bigint): Promise<string[]> {
    return (await this.openTasks.entries()).filter((e) => e.value.expiresAt >= now).map((e) => e.id[0] as string);
  }

  /** Drop expired tasks from the open index (their messages stay for audit). */
  async closeExpired(now: bigint): Promise<number> {
    const batch = this.db.batch();
    let n = 0;
    for (const e of await this.openTasks.entries()) {
      if (e.value.expiresAt < now) {
        this.openTasks.delInBatch(batch, e.id);
        n++;
      }
    }
    if (n > 0) await batch.write();
    return n;
  }
}
