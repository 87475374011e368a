/**
 * Preloaded into the servers by `pnpm bench` with BENCH_TRACE_GC=1: sums this process's garbage-collection
 * pauses (perf_hooks "gc" entries; young = minor, full = everything else) and, on SIGUSR2, writes the
 * totals so far to BENCH_GC_FILE as `{ seq, youngMs, fullMs, maxPauseMs, loopDelayMaxMs }` (`seq` counts
 * the writes, so the reader knows the file is the answer to its signal). The two maxima are of the time
 * since the previous signal: the longest GC pause and the longest the event loop was kept from running
 * (a stall of the whole process, which delays every request in flight: what a p99 spike looks like from
 * inside). Read by gcTotals in lib.ts, before and after each window.
 */
import { writeFileSync } from 'node:fs';
import {
  constants,
  monitorEventLoopDelay,
  type NodeGCPerformanceDetail,
  type PerformanceEntry,
  PerformanceObserver,
} from 'node:perf_hooks';

const file = process.env.BENCH_GC_FILE;
if (file) {
  let youngMs = 0;
  let fullMs = 0;
  let seq = 0;
  let maxPauseMs = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const add = (entries: PerformanceEntry[]) => {
    for (const entry of entries) {
      // A "gc" entry's detail (Node's typings leave it off PerformanceEntry).
      const { detail } = entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) youngMs += entry.duration;
      else fullMs += entry.duration;
      maxPauseMs = Math.max(maxPauseMs, entry.duration);
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    // Entries not delivered to the callback yet belong to the window being closed.
    add(observer.takeRecords());
    seq += 1;
    // The histogram's values are ns, and include its own 5 ms sampling interval.
    const loopDelayMaxMs = Math.max(0, loopDelay.max / 1e6 - 5);
    writeFileSync(file, JSON.stringify({ seq, youngMs, fullMs, maxPauseMs, loopDelayMaxMs }));
    maxPauseMs = 0;
    loopDelay.reset();
  });
}
