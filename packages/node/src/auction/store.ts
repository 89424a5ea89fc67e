/**
 * The auction's own persistent state, in the node's level database under the `auction/` prefix (separate
 * from the message buckets, which hold only validated wire messages):
 *   auction/bid/<taskId>[/<a>]              our sealed bid of auction round a (none: 0): price and salt (written
 *                                           BEFORE the commit is sent)
 *   auction/vote/<taskId>/<round>/<slot>   our own signed vote per slot (a, cd, nr-<prover>) (written BEFORE it is sent)
 *   auction/task/<taskId>                   this node's view of the task: status and whether it was rated
 *   auction/rating/<prover>                 ratings from certified outcomes
 * Everything a restarted node needs to resume is here or in the message buckets.
 */
import { decodeVote, encodeVote, type Hex, type Vote } from "@zkpool/protocol";
import { slotName } from "../messages/votes.js";
import { jsonCodec, type NodeDb } from "../db/db.js";
import { emptyRating, type ProverRating } from "../ratings/book.js";
import { AuctionError, AuctionErrorCode } from "./errors.js";

export interface StoredBid {
  price: bigint;
  salt: Hex;
  commitment: Hex;
  revealed: boolean;
}

export type TaskStatus = "open" | "completed" | "invalid" | "failed" | "unfunded";

export interface StoredTaskState {
  status: TaskStatus;
  /** Round of the completion, or the last round tried. */
  round?: number;
  /**
   * Auction round this node has moved on to (SPEC §10.3): every earlier one had no eligible bid by this node's view
   * at its cut-off. It only grows, so the node never votes an assignment in an auction round it has left.
   */
  auction?: number;
  /** Why it failed: "NO_BIDS", "ALL_ROUNDS_DEFAULTED", "DEADLINE". */
  reason?: string;
  rated: boolean;
}

const PREFIX = "auction/";
const bidPath = (taskId: Hex, auctionRound: number): string => (auctionRound === 0 ? `bid/${taskId.toLowerCase()}` : `bid/${taskId.toLowerCase()}/${auctionRound}`);
const lc = (s: string): string => s.toLowerCase();

export class AuctionStore {
  private readonly json = jsonCodec<unknown>();
  constructor(private readonly db: NodeDb) {}

  private async getJson<T>(key: string): Promise<T | undefined> {
    const b = await this.db.raw.get(PREFIX + key);
    if (b === undefined) return undefined;
    try {
      return this.json.decode(b) as T;
    } catch (cause) {
      throw new AuctionError({ code: AuctionErrorCode.CORRUPT_STATE, key }, `Stored auction state ${key} cannot be read; the database may be corrupt`, { cause });
    }
  }

  private enc(v: unknown): Uint8Array {
    return this.json.encode(v);
  }

  /** Our sealed bid in auction round a of the task (SPEC §10.3). */
  bid(taskId: Hex, auctionRound = 0): Promise<StoredBid | undefined> {
    return this.getJson<StoredBid>(bidPath(taskId, auctionRound));
  }

  async putBid(taskId: Hex, bid: StoredBid, auctionRound = 0): Promise<void> {
    await this.db.raw.put(PREFIX + bidPath(taskId, auctionRound), this.enc(bid));
  }

  /** Our vote in a slot (`a`, `cd` or `nr-<prover>`: slotName). */
  async ownVote(taskId: Hex, round: number, slot: string): Promise<Vote | undefined> {
    const b = await this.db.raw.get(`${PREFIX}vote/${lc(taskId)}/${round}/${slot}`);
    return b === undefined ? undefined : decodeVote(b);
  }

  /** Persist our vote in its slot unless one is there already; returns the vote that holds the slot. */
  async claimVoteSlot(v: Vote): Promise<Vote> {
    const slot = slotName(v);
    const existing = await this.ownVote(v.taskId, v.round, slot);
    if (existing !== undefined) return existing;
    await this.db.raw.put(`${PREFIX}vote/${lc(v.taskId)}/${v.round}/${slot}`, encodeVote(v));
    return v;
  }

  taskState(taskId: Hex): Promise<StoredTaskState | undefined> {
    return this.getJson<StoredTaskState>(`task/${lc(taskId)}`);
  }

  async putTaskState(taskId: Hex, s: StoredTaskState): Promise<void> {
    await this.db.raw.put(`${PREFIX}task/${lc(taskId)}`, this.enc(s));
  }

  async rating(prover: string): Promise<ProverRating> {
    return (await this.getJson<ProverRating>(`rating/${lc(prover)}`)) ?? emptyRating(prover);
  }

  async ratings(): Promise<ProverRating[]> {
    const out: ProverRating[] = [];
    for await (const [, v] of this.db.raw.iterator({ gte: `${PREFIX}rating/`, lt: `${PREFIX}rating0` })) out.push(this.json.decode(v) as ProverRating);
    return out;
  }

  /** Close a task and apply its rating updates, atomically (so a restart never counts an outcome twice). */
  async finishTask(taskId: Hex, s: StoredTaskState, ratings: ProverRating[]): Promise<void> {
    const batch = this.db.raw.batch();
    batch.put(`${PREFIX}task/${lc(taskId)}`, this.enc({ ...s, rated: true }));
    for (const r of ratings) batch.put(`${PREFIX}rating/${lc(r.prover)}`, this.enc(r));
    await batch.write();
  }
}
