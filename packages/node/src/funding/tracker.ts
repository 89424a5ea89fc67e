/**
 * The requester funding rule on a node (SPEC §9.4): per requester, the accepted tasks that still count against
 * its escrow balance ("open for funding": not ended, `now <= finalDeadline + settleGrace`), and the check that
 * a task is funded among them. Pure rule: `isTaskFunded` in @zkpool/protocol; this class only keeps the index
 * and reads the balance.
 */
import { decodeTask, finalDeadline, isTaskFunded, type ChainParams, type FundingTask, type Hex, type Task } from "@zkpool/protocol";
import type { BalanceSource } from "../auction/balance.js";
import type { MessageRepositories } from "../db/messages.js";

interface Entry extends FundingTask {
  /** `finalDeadline + settleGrace`: after it the task no longer counts. */
  countsUntil: bigint;
}

export interface FundingVerdict {
  /** true: funded; false: UNFUNDED; undefined: the balance is unknown (RPC down), the rule is not applied. */
  funded: boolean | undefined;
  /** The requester's available balance read for the check (undefined when unknown). */
  available?: bigint;
}

const lc = (h: string): string => h.toLowerCase();

export class FundingTracker {
  private readonly byRequester = new Map<string, Map<string, Entry>>();
  private readonly ended = new Set<string>();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly balances: BalanceSource,
    private readonly params: Pick<ChainParams, "premiumBps" | "settleGrace">,
    private readonly repos: MessageRepositories,
    private readonly now: () => bigint,
  ) {}

  /** Count an accepted task against its requester (idempotent). */
  add(id: Hex, task: Task): void {
    const key = lc(id);
    if (this.ended.has(key)) return;
    const r = lc(task.requester);
    let m = this.byRequester.get(r);
    if (m === undefined) this.byRequester.set(r, (m = new Map<string, Entry>()));
    m.set(key, {
      taskId: key as Hex,
      bidDeadline: task.bidDeadline,
      maxReward: task.maxReward,
      penalty: task.penalty,
      countsUntil: finalDeadline(task) + this.params.settleGrace,
    });
  }

  /** The task ended (completed, invalid or failed): it no longer counts. */
  end(id: Hex, requester: Hex): void {
    const key = lc(id);
    this.ended.add(key);
    if (this.ended.size > 65_536) this.ended.delete(this.ended.values().next().value!);
    const m = this.byRequester.get(lc(requester));
    m?.delete(key);
    if (m?.size === 0) this.byRequester.delete(lc(requester));
  }

  /** The requester's tasks that count now (expired ones are dropped). */
  openTasks(requester: Hex): FundingTask[] {
    const m = this.byRequester.get(lc(requester));
    if (m === undefined) return [];
    const now = this.now();
    for (const [k, e] of m) if (now > e.countsUntil) m.delete(k);
    if (m.size === 0) this.byRequester.delete(lc(requester));
    return [...m.values()];
  }

  /**
   * Is `task` funded among its requester's open tasks (itself included, in `(bidDeadline, taskId)` order)?
   * Reads the requester's available balance (`balanceOf - pendingWithdrawal`, cached by the source).
   */
  async check(id: Hex, task: Task): Promise<FundingVerdict> {
    await this.load();
    const available = await this.balances.availableBalance(task.requester);
    if (available === undefined) return { funded: undefined };
    const self: FundingTask = { taskId: lc(id) as Hex, bidDeadline: task.bidDeadline, maxReward: task.maxReward, penalty: task.penalty };
    return { funded: isTaskFunded(self, available, this.openTasks(task.requester), this.params), available };
  }

  /** Index the open tasks already stored (once, at first use: a restarted node counts what it held). */
  private load(): Promise<void> {
    this.loaded ??= (async () => {
      for (const id of await this.repos.openTaskIds(this.now())) {
        const b = await this.repos.tasks.get([id]);
        if (b !== undefined) this.add(id as Hex, decodeTask(b));
      }
    })();
    return this.loaded;
  }
}
