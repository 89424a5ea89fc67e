/** What the dashboard's HTTP routes read (issue 16): a running node's views, and its live events. */

/** One event pushed to SSE clients: `type` is the SSE event name, `data` its JSON payload. */
export interface DashboardEvent {
  type: "task" | "counters" | "operator" | "peers";
  data: unknown;
}

/** One page of /dashboard/api/tasks: newest first, strictly older than `before` (a task's `seq`). */
export interface RecentTasksQuery {
  limit: number;
  before?: number;
}

export interface RecentTasksPage {
  items: unknown[];
  /** The `before` of the next (older) page; absent on the last page. */
  next?: number;
}

export interface DashboardData {
  /** Pool view: this node, its peers, operators and their stake, counters, recent tasks, a counts history. */
  pool(): Promise<unknown>;
  /** Operator view: this node's bids (won, lost, pending) with prices, earnings over time, UMP modules. */
  operator(): Promise<unknown>;
  /** Tasks this node has seen, newest first. */
  tasks(q: RecentTasksQuery): Promise<RecentTasksPage>;
  /** Everything about one task (id checked: lowercase 0x + 64 hex digits); undefined when unknown. */
  task(id: string): Promise<unknown>;
  /** Live events; returns the unsubscribe function. */
  subscribe(listener: (e: DashboardEvent) => void): () => void;
}
