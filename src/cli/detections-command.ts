// `flowwatch detections list|show`: the detection catalog as flowwatch.yaml leaves it, with effective thresholds.

import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError } from '../core/errors.js';
import { unknownNameHint } from '../core/suggest.js';
import { builtinText } from '../detect/catalog.js';
import { type Detection, FIRST_SEEN_LOOKBACK_DAYS, SEVERITIES } from '../detect/definition.js';
import type { Io } from './context.js';
import { parseOutput, render } from './output.js';

const thresholds = (d: Detection) =>
  SEVERITIES.filter((s) => d.thresholds[s] !== undefined)
    .map((s) => `${s} ≥ ${d.thresholds[s]}`)
    .join(', ');

const metric = (d: Detection) =>
  d.kind === 'pair'
    ? 'matched replies'
    : d.kind === 'intel'
      ? 'most serious record: 1 rejected, 2 accepted inbound, 3 accepted outbound'
      : d.kind === 'beacon'
        ? 'beacon score (0-100)'
        : d.kind === 'silence'
          ? "records other interfaces logged from a silent interface's address"
          : d.kind === 'first-seen'
            ? `new ${d.value.as === undefined ? d.value.field : `${d.value.field} ${d.value.as}`} values first seen in the window`
            : d.metric.kind === 'count'
              ? 'records'
              : d.metric.kind === 'sum'
                ? `sum of ${d.metric.field}`
                : `distinct ${d.metric.fields.join('+')}`;

/** Baseline detections: how a bin is compared (thresholds are z-scores). */
const baselineText = (d: Detection) =>
  d.kind !== 'baseline'
    ? undefined
    : `per ${d.window === 3600 ? 'hour' : d.window === 86400 ? 'day' : 'minute'} against the entity's own hour-of-day/week baseline (z-score thresholds); at least ${d.baseline.minValue} and ${d.baseline.minRatio}× the baseline median; cold start ${d.baseline.coldStart === undefined ? 'reports nothing' : `reports ≥ ${d.baseline.coldStart}`}`;

/** The JSON of a definition as the CLI and the API show it. */
export function detectionJson(d: Detection) {
  return {
    id: d.id,
    title: d.title,
    kind: d.kind,
    enabled: d.enabled,
    origin: d.origin,
    description: d.description,
    attack: d.attack ?? null,
    window: d.window,
    quiet: d.quiet,
    groupBy: d.groupBy,
    entity: d.entity,
    peers: d.peers ?? null,
    metric: metric(d),
    thresholds: d.thresholds,
    filter: d.filter,
    ...(d.anyOf.length > 0 ? { filterAny: d.anyOf } : {}),
    allow: d.allow,
    ...(d.kind === 'pair' ? { request: d.request, reply: d.reply } : {}),
    ...(d.kind === 'baseline' ? { baseline: d.baseline } : {}),
    ...(d.kind === 'first-seen'
      ? { value: d.value, learningDays: d.learningDays, requestsOnly: d.requestsOnly }
      : {}),
    ...(d.kind === 'beacon'
      ? { minConnections: d.minConnections, gap: d.gap, prevalence: d.prevalence }
      : {}),
    ...(d.kind === 'silence' ? { lookback: d.lookback } : {}),
  };
}

export function registerDetections(program: Command, io: Io): void {
  const cmd = program
    .command('detections')
    .description('the detection catalog with effective thresholds: list, show');
  cmd
    .command('list')
    .description('every detection with its window, metric and effective thresholds')
    .option('--config <file>', 'configuration file (its detections: section)', DEFAULT_CONFIG)
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .action((flags: { config: string; output: string }) => {
      const output = parseOutput(flags.output);
      const catalog = loadConfig(flags.config).detections;
      if (output === 'json') {
        io.out(`${JSON.stringify(catalog.map(detectionJson))}\n`);
        return;
      }
      io.out(
        render(
          {
            columns: ['id', 'enabled', 'window', 'metric', 'thresholds', 'attack', 'origin'],
            rows: catalog.map((d) => ({
              id: d.id,
              enabled: d.enabled ? 'yes' : 'no',
              window: `${d.window} s`,
              metric: metric(d),
              thresholds: thresholds(d),
              attack: d.attack?.technique ?? '',
              origin: d.origin,
            })),
          },
          output,
        ),
      );
    });
  cmd
    .command('show')
    .description('one detection: its definition as in effect, or the built-in YAML to copy (--yaml)')
    .argument('<id>', 'detection id')
    .option('--config <file>', 'configuration file (its detections: section)', DEFAULT_CONFIG)
    .option('--yaml', 'print the built-in definition as YAML (to copy into flowwatch.yaml and change)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((id: string, flags: { config: string; yaml?: boolean; output: string }) => {
      const output = parseOutput(flags.output);
      const catalog = loadConfig(flags.config).detections;
      const d = catalog.find((x) => x.id === id);
      if (d === undefined) {
        throw new UsageError(
          'UNKNOWN_DETECTION',
          `there is no detection "${id}"`,
          unknownNameHint(
            id,
            catalog.map((x) => x.id),
            'see them with: flowwatch detections list',
          ),
        );
      }
      if (flags.yaml === true) {
        const text = builtinText(id);
        if (text === undefined) {
          throw new UsageError(
            'NOT_BUILTIN',
            `${id} is defined in ${d.origin}, not built in`,
            `see it there`,
          );
        }
        io.out(text);
        return;
      }
      if (output === 'json') {
        io.out(`${JSON.stringify(detectionJson(d))}\n`);
        return;
      }
      const lines = [
        `${d.id}  (${d.kind}${d.enabled ? '' : ', disabled'}; from ${d.origin})`,
        `  ${d.title}`,
        ...d.description.split('\n').map((l) => `  ${l}`),
        '',
        `  window      ${d.window} s (quiet period ${d.quiet} s)`,
        `  group by    ${d.groupBy.join(', ')} (entity ${d.entity.join(':')}${d.peers ? `, peers ${d.peers}` : ''})`,
        `  metric      ${metric(d)}`,
        `  thresholds  ${thresholds(d)}`,
        ...(d.kind === 'baseline' ? [`  baseline    ${baselineText(d)}`] : []),
        ...(d.kind === 'first-seen'
          ? [
              `  first seen  a value not used in the ${FIRST_SEEN_LOOKBACK_DAYS} days before, once ${d.learningDays} days of history are stored${d.requestsOnly ? '; connections the entity started only (source port above destination port)' : ''}`,
            ]
          : []),
        ...(d.kind === 'beacon'
          ? [
              `  beacon      ≥ ${d.minConnections} connections; a record within ${d.gap} s of its 5-tuple's last continues a connection; a destination > ${d.prevalence.percent}% of sources (and ≥ ${d.prevalence.minSources}) reach is shared`,
            ]
          : []),
        ...(d.attack
          ? [
              `  ATT&CK      ${d.attack.technique} ${d.attack.techniqueName} (${d.attack.tactic} ${d.attack.tacticName})`,
            ]
          : []),
        `  filter      ${d.filter.map((t) => `${t.field} ${JSON.stringify(t.cond)}`).join('; ') || '-'}`,
        `  allow       ${[...d.allow.cidrs.map((a) => `${a.field} in ${a.cidrs.join(' ')}`), ...d.allow.values.map((a) => `${a.field} = ${a.values.join(' ')}`)].join('; ') || '-'}`,
      ];
      io.out(`${lines.join('\n')}\n`);
    });
}
