/**
 * Resource sampling for the process tree (this process, its worker threads, and every descendant process such
 * as a native sidecar). Linux reads /proc; elsewhere only this process's RSS is known and threads are undefined.
 * Used by the self-benchmark (peak memory) and the compliance suite (declared resources honoured).
 */
import { readFileSync, readdirSync } from "node:fs";

export interface TreeStats {
  /** OS threads in this process and its descendants; undefined where /proc is missing. */
  threads: number | undefined;
  /** Descendant processes (sidecars, child processes); 0 where /proc is missing. */
  processes: number;
  /** Resident memory of this process and its descendants, bytes. */
  rssBytes: number;
}

const hasProc = (() => {
  try {
    readFileSync("/proc/self/status", "utf8");
    return true;
  } catch {
    return false;
  }
})();

function readStatus(pid: number | "self"): { threads: number; rssBytes: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string): number => {
      const m = new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text);
      return m ? Number(m[1]) : 0;
    };
    return { threads: field("Threads"), rssBytes: field("VmRSS") * 1024, ppid: field("PPid") };
  } catch {
    return undefined;
  }
}

export function processTreeStats(): TreeStats {
  if (!hasProc) return { threads: undefined, processes: 0, rssBytes: process.memoryUsage.rss() };
  const self = readStatus(process.pid);
  if (!self) return { threads: undefined, processes: 0, rssBytes: process.memoryUsage.rss() };
  let processes = 0;
  let threads = self.threads;
  let rssBytes = self.rssBytes;
  // Descendants: walk /proc once, then collect the subtree under our pid.
  const children = new Map<number, number[]>();
  const stats = new Map<number, { threads: number; rssBytes: number }>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const st = readStatus(pid);
    if (!st) continue;
    stats.set(pid, st);
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const st = stats.get(pid);
    if (st) {
      processes++;
      threads += st.threads;
      rssBytes += st.rssBytes;
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return { threads, processes, rssBytes };
}

export interface PeakSample {
  baseline: TreeStats;
  peakThreads: number | undefined;
  peakRssBytes: number;
}

/**
 * Sample the process tree every `intervalMs` until `stop()`; returns the baseline (taken at start) and peaks.
 * Sampling /proc for descendants is cheap but not free: keep the interval >= 10 ms.
 */
export function startPeakSampler(intervalMs = 20): { stop(): PeakSample } {
  const baseline = processTreeStats();
  let peakThreads = baseline.threads;
  let peakRssBytes = baseline.rssBytes;
  const sample = (): void => {
    const s = processTreeStats();
    if (s.threads !== undefined) peakThreads = Math.max(peakThreads ?? 0, s.threads);
    peakRssBytes = Math.max(peakRssBytes, s.rssBytes);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop(): PeakSample {
      clearInterval(timer);
      sample();
      return { baseline, peakThreads, peakRssBytes };
    },
  };
}
