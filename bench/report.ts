/**
 * `tsx bench/report.ts [http.json] [dispatch.json]`: the latest results (bench/results/*.json by default)
 * as the Markdown tables docs/performance.md shows.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface HttpSummary {
  op: string;
  access: string;
  surface: string;
  calls_per_s: number;
  p99_ms: number;
  throughput_vs_floor: number;
  p99_vs_floor: number;
  server_us?: number;
  postgres_us?: number;
  gc_young_us?: number;
  gc_full_us?: number;
  non_2xx: number;
}
interface HttpRun {
  op: string;
  access: string;
  surface: string;
  calls_per_s: number;
}

const results = (name: string) => fileURLToPath(new URL(`./results/${name}`, import.meta.url));
const [httpFile = results('latest.json'), dispatchFile = results('dispatch-latest.json')] =
  process.argv.slice(2);
const read = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

const http = await read(httpFile).catch(() => undefined);
if (http) {
  const summary = http.summary as HttpSummary[];
  const runs = http.runs as HttpRun[];
  console.log(`HTTP (${http.commit}, ${http.at}):\n`);
  // With BENCH_TRACE_GC the servers' garbage-collection pauses per call are a further column.
  const traced = summary.some((s) => s.gc_young_us !== undefined);
  console.log(
    '| operation | access | surface | calls/s per round | p99 ms | throughput vs floor | p99 vs floor | server CPU µs/call | PostgreSQL CPU µs/call |' +
      (traced ? ' server GC µs/call: young / full |' : ''),
  );
  console.log(`| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |${traced ? ' ---: |' : ''}`);
  for (const s of summary) {
    const perRound = runs
      .filter((r) => r.op === s.op && r.access === s.access && r.surface === s.surface)
      .map((r) => r.calls_per_s)
      .join(' / ');
    const bold = (x: number, good: boolean) => (s.surface === 'floor' ? '1' : good ? `**${x}**` : String(x));
    console.log(
      `| ${s.op} | ${s.access} | ${s.surface} | ${perRound} | ${s.p99_ms} | ${bold(s.throughput_vs_floor, s.throughput_vs_floor >= 0.9)} | ${bold(s.p99_vs_floor, s.p99_vs_floor <= 1.5)} | ${s.server_us ?? '—'} | ${s.postgres_us ?? '—'} |` +
        (traced ? ` ${s.gc_young_us ?? '—'} / ${s.gc_full_us ?? '—'} |` : '') +
        (s.non_2xx ? ` non-2xx ${s.non_2xx}` : ''),
    );
  }
  console.log(`\nstatements per call: ${JSON.stringify(http.statements_per_call)}\n`);
}

const dispatch = await read(dispatchFile).catch(() => undefined);
if (dispatch) {
  console.log(`Dispatch (${dispatch.commit}, ${dispatch.at}):\n`);
  console.log(
    '| contender | processes | round | steps/s | PostgreSQL cores | machine busy | sampled waits |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of dispatch.runs as Array<Record<string, unknown>>) {
    const waits = Object.entries(r.waits as Record<string, number>)
      .map(([k, v]) => `${k} ${Math.round(v * 100)} %`)
      .join(', ');
    console.log(
      `| ${r.contender} | ${r.processes} | ${r.round} | ${r.steps_per_second} | ${r.postgres_cores} | ${r.machine_busy_pct} % | ${waits} |`,
    );
  }
  console.log('\n| processes | ours steps/s | graphile-worker steps/s | ratio | before steps/s |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const s of dispatch.summary as Array<Record<string, unknown>>)
    console.log(
      `| ${s.processes} | ${s.ours_steps_per_s} | ${s.graphile_worker_steps_per_s} | ${s.ratio} | ${s.before_steps_per_s ?? '—'} |`,
    );
  for (const s of (dispatch.steady ?? []) as Array<Record<string, unknown>>)
    console.log(
      `\nsteady ${s.steps_per_second} steps/s × ${s.seconds} s, ${s.processes} workers: fire delay p50 ${s.fire_delay_p50_ms} ms, p99 ${s.fire_delay_p99_ms} ms, max ${s.fire_delay_max_ms} ms`,
    );
  for (const s of (dispatch.scale ?? []) as Array<Record<string, unknown>>)
    console.log(
      `\nscale: ${s.campaigns_due} due among ${s.campaigns_scheduled_later} later: ${s.steps_per_second} steps/s (${s.seconds} s)\n` +
        `  ${(s.idle_probe_plan as string[]).join('\n  ')}\n  ${(s.claim_plan as string[]).join('\n  ')}`,
    );
}
