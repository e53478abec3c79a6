// `flowwatch metrics backfill|get`: recompute metric-filter datapoints over stored data, and read statistics.

import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError, UserError } from '../core/errors.js';
import { isoUtc } from '../core/time.js';
import { sourcesOfGroup } from '../ingest/sources/log-group.js';
import { canonicalDimensions, STATISTICS, type Statistic } from '../metrics/datapoint-sql.js';
import {
  backfill,
  dimensionSets,
  mismatchWarning,
  statistics,
  unknownMetricNote,
} from '../metrics/datapoints.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, positiveInt, timeRange } from './context.js';
import { parseOutput, render } from './output.js';

const collect = (v: string, prev: string[]) => [...prev, v];

interface GetFlags {
  stat: string;
  period: string;
  since?: string;
  until?: string;
  dimension: string[];
  output: string;
  db?: string;
}

export function registerMetrics(program: Command, io: Io): void {
  const cmd = program.command('metrics').description('metric-filter datapoints: back-fill and statistics');

  cmd
    .command('backfill')
    .description('recompute the datapoints of the metric filters over every stored record (one transaction)')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--filter <name>', 'only this metric filter (default: all; datapoints of removed filters go)')
    .action(async (flags: { config: string; db?: string; filter?: string }) => {
      const { filters, sources } = loadConfig(flags.config, true);
      const chosen =
        flags.filter === undefined ? filters : filters.filter((f) => f.filter.name === flags.filter);
      if (flags.filter !== undefined && chosen.length === 0) {
        throw new UserError('NO_SUCH_FILTER', `${flags.config} has no metric filter named "${flags.filter}"`);
      }
      const store = await Store.open(dbPath(io, flags.db), { memoryLimit: '512MB' });
      try {
        await backfill(
          store,
          chosen,
          flags.filter === undefined,
          (m) => io.err(`flowwatch: warning: ${mismatchWarning(m)}\n`),
          (group) => sourcesOfGroup(group, sources),
        );
        const n = await store.query(`SELECT count(*) AS n FROM metric_datapoints`);
        await store.checkpoint();
        io.out(
          `Back-filled ${chosen.length} metric filter${chosen.length === 1 ? '' : 's'}; the store holds ${Number(n.rows[0]?.['n'])} datapoint rows.\n`,
        );
      } finally {
        store.close();
      }
    });

  cmd
    .command('get')
    .description("one statistic of a metric per period (CloudWatch's GetMetricStatistics, locally)")
    .argument('<namespace>', 'metric namespace')
    .argument('<name>', 'metric name')
    .option('--stat <stat>', STATISTICS.join(', '), 'Sum')
    .option('--period <seconds>', 'period length, a multiple of 60', '60')
    .option('--since <time>', 'first period (ISO-8601, unix seconds, or 2h/7d ago)')
    .option('--until <time>', 'end of the last period (excluded)')
    .option('--dimension <name=value>', 'the dimension set of the metric (repeatable)', collect, [])
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .addHelpText(
      'after',
      `
As in CloudWatch, the dimensions select exactly one metric: without --dimension the metric without
dimensions, with them the metric with exactly that set. Periods are aligned to multiples of the period
since 1970-01-01T00:00:00Z.`,
    )
    .action(async (namespace: string, name: string, flags: GetFlags) => {
      const output = parseOutput(flags.output);
      if (!(STATISTICS as readonly string[]).includes(flags.stat)) {
        throw new UsageError('BAD_STAT', `--stat "${flags.stat}" is not one of ${STATISTICS.join(', ')}`);
      }
      const stat = flags.stat as Statistic;
      const period = positiveInt(flags.period, '--period');
      if (period % 60 !== 0) throw new UsageError('BAD_PERIOD', `--period ${period} is not a multiple of 60`);
      const dimensions: Record<string, string> = {};
      for (const d of flags.dimension) {
        const eq = d.indexOf('=');
        if (eq < 1) throw new UsageError('BAD_DIMENSION', `--dimension "${d}" must be Name=value`);
        dimensions[d.slice(0, eq)] = d.slice(eq + 1);
      }
      const range = timeRange(flags.since, flags.until);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const points = await statistics(store, {
          namespace,
          metric: name,
          stat,
          period,
          dimensions,
          ...range,
        });
        io.out(
          render(
            {
              columns: ['timestamp', stat],
              rows: points.map((p) => ({ timestamp: p.timestamp, [stat]: p.value })),
            },
            output,
          ),
        );
        if (points.length === 0) {
          const all = await dimensionSets(store, namespace, name);
          const sets = all.filter((s) => canonicalDimensions(s) !== canonicalDimensions(dimensions));
          if (all.length === 0) io.err(`${await unknownMetricNote(store, namespace, name)}\n`);
          else if (sets.length < all.length) {
            // The metric and these dimensions have datapoints, outside the range asked.
            const span = await store.query(
              'SELECT epoch(min(minute)) AS lo, epoch(max(minute)) AS hi FROM metric_datapoints WHERE namespace = $1 AND metric = $2 AND dimensions = $3',
              [namespace, name, canonicalDimensions(dimensions)],
            );
            const iso = (v: unknown) => isoUtc(Number(v));
            io.err(
              `No datapoints in this range; ${namespace}/${name} has datapoints from ${iso(span.rows[0]?.['lo'])} to ${iso(span.rows[0]?.['hi'])} (the minute each starts, UTC): move --since/--until into that span\n`,
            );
          }
          if (sets.length > 0) {
            io.err(
              `No datapoints for these dimensions; ${namespace}/${name} has: ${sets
                .slice(0, 10)
                .map(
                  (s) =>
                    Object.entries(s)
                      .map(([k, v]) => `--dimension ${k}=${v}`)
                      .join(' ') || '(no dimensions)',
                )
                .join('; ')}\n`,
            );
          }
        }
      } finally {
        store.close();
      }
    });
}
