export interface MetricsOptions {
  /** Prefix of every metric name. @default "zkpool_node_" */
  prefix?: string;
  /** Also collect Node.js process metrics (heap, event loop lag). @default false */
  collectDefault?: boolean;
}
