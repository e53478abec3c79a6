// `flowwatch metric-filter put|list|delete|test|presets`: manage the metric filters of flowwatch.yaml.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, deleteFilter, loadConfig, putFilter, saveConfig } from '../config/config.js';
import { UsageError, UserError } from '../core/errors.js';
import { FilterPatternError } from '../filter/index.js';
import { knownFormats, storedFormats } from '../metrics/datapoints.js';
import { checkMetricFilter, type MetricFilter, metricMatcher, type Unit } from '../metrics/metric-filter.js';
import { fitFilter, fitRows } from '../metrics/pattern-rewrite.js';
import { patternValueProblems } from '../metrics/pattern-values.js';
import { presets } from '../metrics/presets.js';
import { DEFAULT, parseFormat } from '../records/format.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, positiveInt } from './context.js';
import { caret, inputLines } from './input-lines.js';
import { parseOutput, render } from './output.js';

interface PutFlags {
  name: string;
  pattern: string;
  namespace: string;
  metricName: string;
  value: string;
  defaultValue?: string;
  dimension: string[];
  unit?: string;
  config: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function filterFromFlags(f: PutFlags): MetricFilter {
  const dimensions: Record<string, string> = {};
  for (const d of f.dimension) {
    const eq = d.indexOf('=');
    if (eq < 1) throw new UsageError('BAD_DIMENSION', `--dimension "${d}" must be Name=$field`);
    dimensions[d.slice(0, eq)] = d.slice(eq + 1);
  }
  let defaultValue: number | undefined;
  if (f.defaultValue !== undefined) {
    defaultValue = Number(f.defaultValue);
    if (f.defaultValue.trim() === '' || !Number.isFinite(defaultValue)) {
      throw new UsageError('BAD_NUMBER', `--default-value "${f.defaultValue}" is not a number`);
    }
  }
  return {
    name: f.name,
    pattern: f.pattern,
    metricNamespace: f.namespace,
    metricName: f.metricName,
    metricValue: f.value,
    ...(defaultValue === undefined ? {} : { defaultValue }),
    ...(f.dimension.length > 0 ? { dimensions } : {}),
    ...(f.unit === undefined ? {} : { unit: f.unit as Unit }),
  };
}

export function registerMetricFilter(program: Command, io: Io): void {
  const cmd = program
    .command('metric-filter')
    .description('manage the metric filters of flowwatch.yaml (CloudWatch PutMetricFilter, locally)');

  cmd
    .command('put')
    .description('add a metric filter, or replace the one with the same name')
    .requiredOption('--name <name>', 'filter name')
    .requiredOption('--pattern <pattern>', 'CloudWatch filter pattern')
    .requiredOption('--namespace <ns>', 'metric namespace')
    .requiredOption('--metric-name <name>', 'metric name')
    .option('--value <value>', 'metric value: a number or a $field of the pattern', '1')
    .option('--default-value <n>', 'published for minutes with records but no match')
    .option('--dimension <name=$field>', 'a dimension (repeatable, at most 3)', collect, [])
    .option('--unit <unit>', 'CloudWatch unit, e.g. Count or Bytes')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .addHelpText(
      'after',
      `
Example:
  flowwatch metric-filter put --name rejected-ssh --namespace FlowLogs --metric-name RejectedSSH \\
    --pattern '[version, account, eni, src, dst, srcport, dstport = 22, protocol = 6, packets, bytes, start, end, action = REJECT, status]' \\
    --default-value 0 --unit Count`,
    )
    .action((flags: PutFlags) => {
      const filter = filterFromFlags(flags);
      try {
        // Saved as AWS would accept it, but a test no flow log line can pass is said at once: its metric would
        // stay at zero and its alarm never fire.
        const { pattern } = checkMetricFilter(filter);
        for (const p of patternValueProblems(pattern)) io.err(`warning: ${p.message}\n`);
        // `metric-filter list` says "cannot apply" for it; said here too, where the filter is written.
        if (pattern.kind === 'json')
          io.err(
            'warning: a JSON pattern ({ $.field ... }) never matches a flow log record (records are space-delimited), so this filter counts nothing; write a [...] pattern, e.g. [..., action = REJECT, log_status]\n',
          );
      } catch (err) {
        if (err instanceof FilterPatternError) err.detail = caret(filter.pattern, err.start, err.end);
        throw err;
      }
      const config = loadConfig(flags.config);
      const replaced = config.filters.some((f) => f.filter.name === filter.name);
      saveConfig(flags.config, putFilter(config, filter));
      io.out(`${replaced ? 'Replaced' : 'Added'} metric filter "${filter.name}" in ${flags.config}.\n`);
    });

  cmd
    .command('list')
    .description('list the metric filters, and how each applies to every known flow log format')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--db <file>', 'store whose file formats to check (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .addHelpText(
      'after',
      `
A [...] pattern is read as written for the default format (as the CDK construct reads it) and rewritten to
the positions of each format it meets: the default format, the formats of the configured sources and those
of the stored files. "cannot" means the filter would count nothing on that format, and says why.`,
    )
    .action(async (flags: { config: string; db?: string; output: string }) => {
      const output = parseOutput(flags.output);
      const config = loadConfig(flags.config);
      const { filters } = config;
      const path = dbPath(io, flags.db);
      let stored: { format: string; files: number }[] = [];
      if (existsSync(path)) {
        try {
          const store = await Store.open(path, { readOnly: true });
          try {
            stored = await storedFormats(store);
          } finally {
            store.close();
          }
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          io.err(`flowwatch: the store's formats are not shown: ${err.message}\n`);
        }
      }
      const formats = knownFormats(config.sources, stored);
      if (output === 'json') {
        io.out(
          `${JSON.stringify(
            filters.map((f) => ({ ...f.filter, formats: fitRows(f, formats) })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      const rows = filters.map((checked) => {
        const f = checked.filter;
        return {
          name: f.name,
          metric: `${f.metricNamespace}/${f.metricName}`,
          value: f.metricValue,
          default: f.defaultValue ?? '',
          dimensions: Object.entries(f.dimensions ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          unit: f.unit ?? '',
          pattern: f.pattern,
          formats: fitRows(checked, formats)
            .map((r) => `${r.origin} (${r.format.split(' ').length} fields): ${r.status}`)
            .join('; '),
        };
      });
      io.out(
        render(
          {
            columns: ['name', 'metric', 'value', 'default', 'dimensions', 'unit', 'pattern', 'formats'],
            rows,
          },
          output,
        ),
      );
      if (output === 'table') {
        for (const checked of filters) {
          for (const r of fitRows(checked, formats)) {
            if (r.status === 'rewritten') {
              io.out(`${checked.filter.name} on ${r.origin}: runs as ${r.pattern}\n`);
            } else if (r.status === 'cannot') {
              io.out(`${checked.filter.name} on ${r.origin}: CANNOT APPLY, counts nothing: ${r.reason}\n`);
            }
          }
        }
      }
    });

  cmd
    .command('delete')
    .description('remove a metric filter (its stored datapoints stay until "metrics backfill")')
    .argument('<name>', 'filter name')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .action((name: string, flags: { config: string }) => {
      const config = loadConfig(flags.config, true);
      const text = deleteFilter(config, name);
      if (text === undefined) {
        throw new UserError('NO_SUCH_FILTER', `${flags.config} has no metric filter named "${name}"`);
      }
      saveConfig(flags.config, text);
      io.out(`Deleted metric filter "${name}" from ${flags.config}.\n`);
    });

  cmd
    .command('test')
    .description('run a metric filter over log lines: which match, and the value each would emit')
    .argument('<name>', 'filter name')
    .option('--file <file>', 'read the log lines from this file (plain or gzip); default: stdin')
    .option(
      '--format <format>',
      "the lines' flow log format: the pattern is rewritten for it as ingest does (default: as written)",
    )
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action(
      async (name: string, flags: { file?: string; format?: string; config: string; output: string }) => {
        const output = parseOutput(flags.output);
        let checked = loadConfig(flags.config, true).filters.find((f) => f.filter.name === name);
        if (!checked)
          throw new UserError('NO_SUCH_FILTER', `${flags.config} has no metric filter named "${name}"`);
        if (flags.format !== undefined) {
          const fit = fitFilter(checked, parseFormat(flags.format));
          if (fit.status === 'cannot') throw new UserError(fit.code, fit.reason, fit.hint);
          if (fit.status === 'rewritten') io.err(`Pattern rewritten for the format: ${fit.pattern}\n`);
          checked = fit.checked;
        }
        const match = metricMatcher(checked);
        const rows: Record<string, unknown>[] = [];
        let n = 0;
        for await (const line of inputLines(io, flags.file)) {
          n++;
          const m = match(line);
          if (!m) continue;
          rows.push({
            eventNumber: n,
            eventMessage: line,
            value: m.value ?? null,
            dimensions: m.dimensions,
            extractedValues: { ...m.match.extractedValues },
          });
        }
        if (output === 'json') {
          io.out(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const table = rows.map((r) => ({
          event: r['eventNumber'],
          value: r['value'] === null ? '(not a number: no datapoint)' : r['value'],
          dimensions: Object.entries(r['dimensions'] as Record<string, string>)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          message: String(r['eventMessage']).slice(0, 100),
        }));
        io.out(render({ columns: ['event', 'value', 'dimensions', 'message'], rows: table }, output));
        io.err(`${rows.length} of ${n} events match.\n`);
      },
    );

  cmd
    .command('presets')
    .description('the preset metric filters, with their pattern for your flow log format')
    .option('--format <format>', 'your flow log format (default: the default format)')
    .option('--large-bytes <n>', 'threshold of the large-transfers preset', '10000000')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action((flags: { format?: string; largeBytes: string; output: string }) => {
      const output = parseOutput(flags.output);
      const format = flags.format === undefined ? DEFAULT : parseFormat(flags.format);
      const list = presets(format, { largeBytes: positiveInt(flags.largeBytes, '--large-bytes') });
      if (output === 'json') {
        io.out(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const rows = list.map((p) => ({
        preset: p.id,
        metric: p.available ? `${p.filter.metricNamespace}/${p.filter.metricName}` : '',
        value: p.available ? p.filter.metricValue : '',
        pattern: p.available ? p.filter.pattern : `unavailable: ${p.reason}`,
      }));
      io.out(render({ columns: ['preset', 'metric', 'value', 'pattern'], rows }, output));
    });
}
