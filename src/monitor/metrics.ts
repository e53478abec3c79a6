// The monitor's own metrics in Prometheus' text format (/metrics).

import type { AlarmsRunner } from './alarms-runner.js';
import type { SourceHealth } from './health.js';
import type { StoreSink } from './store-sink.js';

const esc = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

/** Renders the counters and gauges. */
export function prometheus(p: {
  sink: StoreSink;
  alarms: AlarmsRunner;
  sources: readonly SourceHealth[];
  started: number;
  dispatcherOutbox: string;
}): string {
  const out: string[] = [];
  const metric = (
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: [Record<string, string>, number][],
  ) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels)
        .map(([k, x]) => `${k}="${esc(x)}"`)
        .join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  const s = p.sink.stats;
  metric('flowwatch_records_stored_total', 'counter', 'Flow log records committed to the store.', [
    [{}, s.recordsStored],
  ]);
  metric(
    'flowwatch_records_rejected_total',
    'counter',
    'Lines that could not be read (see the rejects table).',
    [[{}, s.recordsRejected]],
  );
  metric(
    'flowwatch_records_ingest_timed_total',
    'counter',
    'Records stored with the ingest time as event time: no ${start} field and no event timestamp.',
    [[{}, s.recordsIngestTimed]],
  );
  metric('flowwatch_batches_stored_total', 'counter', 'Source batches committed.', [[{}, s.batchesStored]]);
  metric(
    'flowwatch_batches_duplicate_total',
    'counter',
    'Source batches already stored (retries), acknowledged again.',
    [[{}, s.batchesDuplicate]],
  );
  metric('flowwatch_commits_total', 'counter', 'Store transactions committed.', [[{}, s.commits]]);
  metric(
    'flowwatch_commit_errors_total',
    'counter',
    'Store transactions that failed (their batches were refused).',
    [[{}, s.commitErrors]],
  );
  metric('flowwatch_pending_records', 'gauge', 'Records waiting for the next commit.', [
    [{}, s.pendingRecords],
  ]);
  // Deferred rollups (decision record 70): live batches are committed first, their rollups written by a catch-up.
  metric(
    'flowwatch_rollup_pending_records',
    'gauge',
    'Records committed whose rollups (Overview, rejected traffic, views) are not written yet; readers count them from the records meanwhile.',
    [[{}, p.sink.rollupPendingRecords]],
  );
  metric('flowwatch_rollups_total', 'counter', 'Deferred-rollup catch-up transactions committed.', [
    [{}, s.rollups],
  ]);
  metric(
    'flowwatch_rollup_errors_total',
    'counter',
    'Deferred-rollup catch-ups that failed (their files stay pending and the next catch-up retries them).',
    [[{}, s.rollupErrors]],
  );
  // One series per configured source (push endpoints included), the same numbers as /healthz and /api/sources.
  const per = (f: (x: SourceHealth) => number | null): [Record<string, string>, number][] =>
    p.sources.flatMap((x) => {
      const v = f(x);
      return v === null ? [] : [[{ source: x.name, kind: x.kind }, v] as [Record<string, string>, number]];
    });
  const unix = (iso: string | null) => (iso === null ? 0 : Date.parse(iso) / 1000);
  metric(
    'flowwatch_source_batches_total',
    'counter',
    'Batches stored per source.',
    per((x) => x.batches),
  );
  metric(
    'flowwatch_source_records_total',
    'counter',
    'Flow log records stored per source.',
    per((x) => x.records),
  );
  metric(
    'flowwatch_source_rejects_total',
    'counter',
    'Lines rejected per source (see the rejects table).',
    per((x) => x.rejects),
  );
  metric(
    'flowwatch_source_errors_total',
    'counter',
    'Errors per source: failed polls (retried) or refused requests.',
    per((x) => x.errors),
  );
  metric(
    'flowwatch_source_lag_seconds',
    'gauge',
    'Seconds since the source last committed (absent before its first commit).',
    per((x) => x.lagSeconds),
  );
  metric(
    'flowwatch_source_last_batch_timestamp_seconds',
    'gauge',
    "Unix time of the source's last commit (0: none yet).",
    per((x) => unix(x.lastBatchAt)),
  );
  metric(
    'flowwatch_source_last_error_timestamp_seconds',
    'gauge',
    "Unix time of the source's last error (0: none).",
    per((x) => unix(x.lastErrorAt)),
  );
  metric('flowwatch_alarm_evaluations_total', 'counter', 'Metric alarm evaluations.', [
    [{}, p.alarms.evaluations],
  ]);
  metric('flowwatch_alarm_transitions_total', 'counter', 'Alarm state changes.', [
    [{}, p.alarms.transitions],
  ]);
  const states: [Record<string, string>, number][] = [];
  for (const name of p.alarms.machine.names()) {
    const v = p.alarms.machine.state(name).value;
    for (const state of ['OK', 'ALARM', 'INSUFFICIENT_DATA'])
      states.push([{ alarm: name, state }, v === state ? 1 : 0]);
  }
  metric('flowwatch_alarm_state', 'gauge', 'Current state of each alarm (1 for the state it is in).', states);
  metric('flowwatch_uptime_seconds', 'gauge', 'Seconds since the monitor started.', [
    [{}, Math.round((Date.now() - p.started) / 1000)],
  ]);
  return `${out.join('\n')}\n`;
}
