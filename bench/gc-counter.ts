/**
 * Preloaded into the servers by `pnpm bench` with BENCH_TRACE_GC=1: sums this process's garbage-collection
 * pauses (perf_hooks "gc" entries; young = minor, full = everything else) and, on SIGUSR2, writes the
 * totals so far to BENCH_GC_FILE as `{ seq, youngMs, fullMs }` (`seq` counts the writes, so the reader
 * knows the file is the answer to its signal). Read by gcTotals in lib.ts, before and after each window.
 */
import { writeFileSync } from 'node:fs';
import {
  constants,
  type NodeGCPerformanceDetail,
  type PerformanceEntry,
  PerformanceObserver,
} from 'node:perf_hooks';

const file = process.env.BENCH_GC_FILE;
if (file) {
  let youngMs = 0;
  let fullMs = 0;
  let seq = 0;
  const add = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      // A "gc" entry's detail (Node's typings leave it off PerformanceEntry).
      const { detail } = entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) youngMs += entry.duration;
      else fullMs += entry.duration;
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    // Entries not delivered to the callback yet belong to the window being closed.
    add(observer.takeRecords());
    seq += 1;
    writeFileSync(file, JSON.stringify({ seq, youngMs, fullMs }));
  });
}
