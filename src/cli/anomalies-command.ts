// `flowwatch anomalies`: each interface's activity per period scored by a Random Cut Forest of its own; periods
// past the threshold are stored as findings (detection rcf-interface-anomaly) with the dimensions that drove them.

import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { isoUtc, parseTime } from '../core/time.js';
import { episodes } from '../detect/episodes.js';
import { type FindingJson, findingJson, storeFindings } from '../detect/findings.js';
import {
  anomalyHits,
  DEFAULT_THRESHOLD,
  type InterfaceScores,
  RCF_DETECTION_ID,
  rcfDetection,
  scoreInterface,
} from '../detect/rcf/anomalies.js';
import { DEFAULT_SAMPLE_SIZE, DEFAULT_TREES } from '../detect/rcf/forest.js';
import { getFinding } from '../storage/findings.js';
import { interfaceFeatures } from '../storage/interface-features.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, timeRange } from './context.js';
import { parseOutput, render } from './output.js';

interface Flags {
  db?: string;
  since?: string;
  until?: string;
  last?: string;
  period: string;
  history: string;
  threshold: string;
  z: string;
  shingle: string;
  trees: string;
  sampleSize: string;
  seed: string;
  interface?: string;
  output: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A span such as 10m, 2h, 14d in seconds. */
export function parseSpan(text: string, what: string): number {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  if (m === null || Number(m[1]) === 0)
    throw new UsageError(
      'BAD_SPAN',
      `${what} "${text}" is not a span of time`,
      'write it like 10m, 2h or 14d',
    );
  return Number(m[1]) * UNITS[m[2]!]!;
}

function positive(text: string, what: string, integer: boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(
      'BAD_NUMBER',
      `${what} "${text}" must be a positive ${integer ? 'integer' : 'number'}`,
    );
  return n;
}

export function registerAnomalies(program: Command, io: Io): void {
  program
    .command('anomalies')
    .description(
      'score each interface against its own history (Random Cut Forest) and store the anomalies as findings',
    )
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--since <time>', 'report periods from this time (ISO 8601, unix seconds, or relative like 2h)')
    .option('--until <time>', 'report periods up to this time (exclusive)')
    .option('--last <span>', 'report the last span of time, e.g. 24h')
    .option('--period <span>', 'length of a period (one point per interface)', '10m')
    .option('--history <span>', 'how far before --since the forests learn from', '14d')
    .option('--threshold <score>', 'the least score that is an anomaly', String(DEFAULT_THRESHOLD.floor))
    .option(
      '--z <factor>',
      "also above the mean + z·σ of the interface's earlier scores",
      String(DEFAULT_THRESHOLD.zFactor),
    )
    .option('--shingle <n>', 'consecutive periods joined into one point', '1')
    .option('--trees <n>', 'trees per forest', String(DEFAULT_TREES))
    .option('--sample-size <n>', 'points each tree keeps', String(DEFAULT_SAMPLE_SIZE))
    .option('--seed <n>', 'seed of the forests (same seed, same scores)', '0')
    .option('--interface <eni>', 'only this interface')
    .option('-o, --output <format>', 'table or json', 'table')
    .addHelpText(
      'after',
      `
Each interface's records are counted per period: bytes, packets, flows, distinct peers, distinct destination
ports and rejected flows. Its periods (empty ones as zeros) go in time order through a Random Cut Forest of its
own (AWS's defaults: 50 trees, 256 points each, time decay 1/2560); the first 64 periods are only learnt. A
period whose score is above --threshold and above the mean + z·σ of the interface's earlier scores becomes a
finding (detection ${RCF_DETECTION_ID}), titled with the dimensions that drove it ("flows 40× usual").
Re-running over the same range updates those findings. See them with flowwatch findings list.

Examples:
  flowwatch anomalies --last 24h
  flowwatch anomalies --since 2024-05-20 --period 5m --threshold 4 -o json`,
    )
    .action(async (flags: Flags) => {
      const output = parseOutput(flags.output);
      if (output === 'csv') throw new UsageError('BAD_OUTPUT', '--output is table or json for anomalies');
      if (flags.last !== undefined && (flags.since !== undefined || flags.until !== undefined))
        throw new UsageError('BAD_RANGE', '--last cannot be combined with --since or --until');
      const now = Math.floor(Date.now() / 1000);
      const range =
        flags.last !== undefined
          ? { since: parseTime(flags.last, '--last'), until: now + 1 } // this second's records included
          : timeRange(flags.since, flags.until);
      const period = parseSpan(flags.period, '--period');
      const history = parseSpan(flags.history, '--history');
      const threshold = {
        ...DEFAULT_THRESHOLD,
        floor: positive(flags.threshold, '--threshold', false),
        zFactor: positive(flags.z, '--z', false),
      };
      const forest = {
        trees: positive(flags.trees, '--trees', true),
        sampleSize: positive(flags.sampleSize, '--sample-size', true),
        shingleSize: positive(flags.shingle, '--shingle', true),
        seed: Number(flags.seed),
      };
      if (!Number.isInteger(forest.seed))
        throw new UsageError('BAD_NUMBER', `--seed "${flags.seed}" must be an integer`);
      // Periods aligned to the clock: the first reported one is the period --since falls in.
      const reportFrom =
        range.since === undefined ? Number.NEGATIVE_INFINITY : Math.floor(range.since / period) * period;
      const learnFrom = range.since === undefined ? undefined : reportFrom - history;
      const store = await Store.open(dbPath(io, flags.db));
      try {
        const started = performance.now();
        const features = await interfaceFeatures(store, {
          period,
          since: learnFrom,
          until: range.until,
          interfaceId: flags.interface,
        });
        if (flags.interface !== undefined && features.size === 0)
          io.err(
            `warning: interface ${flags.interface} has no records with addresses in this range: nothing to score. Check the id (flowwatch top interfaces) or widen --since/--until.\n`,
          );
        if (features.size === 0 && flags.interface === undefined)
          io.err(
            `warning: the store has no records with an interface id and addresses${range.since !== undefined || range.until !== undefined ? ' in this range' : ''}: nothing to score. Ingest flow logs first (flowwatch ingest <path>), or widen --since/--until.\n`,
          );
        const results: InterfaceScores[] = [];
        for (const series of features.values())
          results.push(scoreInterface(series, forest, threshold, reportFrom));
        const scoreMs = performance.now() - started;
        const short = results.filter((r) => r.scored.length === 0 && r.periods < r.needs);
        for (const r of short)
          io.err(
            `${r.interfaceId}: needs ${r.needs} periods of ${flags.period} before its first score; ${r.periods} available: not scored. Ingest more history (--history), or use a shorter --period.\n`,
          );
        const d = rcfDetection(period, threshold.floor);
        const src = { engine: 'duckdb' as const };
        const run = async (sql: string) => (await store.query(sql)).rows;
        const lastPeriod = Math.max(
          0,
          ...results.flatMap((r) => (r.scored.length > 0 ? [r.scored.at(-1)!.period] : [])),
        );
        const horizon = Math.min(range.until ?? Number.POSITIVE_INFINITY, lastPeriod + period);
        let created = 0;
        let updated = 0;
        let unchanged = 0;
        const stored: (FindingJson & { explanation: string })[] = [];
        for (const r of results) {
          const found = episodes(d, anomalyHits(r, period));
          for (const f of found) {
            // The title carries the explanation of the episode's highest-scoring period.
            const peak = r.scored
              .filter((p) => p.anomalous && p.period >= f.windows[0]!.w && p.period <= f.windows.at(-1)!.w)
              .reduce((a, b) => (b.score > a.score ? b : a));
            const titled = { ...d, title: `Interface unlike its history: ${peak.explanation}` };
            const s = await storeFindings(
              store,
              [titled],
              [{ ...f, title: titled.title }],
              src,
              run,
              horizon,
              now,
            );
            created += s.created;
            updated += s.updated;
            unchanged += s.unchanged;
            const got = await getFinding(store, s.ids[0]!);
            if (got !== undefined) stored.push({ ...findingJson(got, now), explanation: peak.explanation });
          }
        }
        const ms = Math.round(performance.now() - started);
        const points = results.reduce((a, r) => a + r.periods, 0);
        if (output === 'json') {
          io.out(
            `${JSON.stringify({
              detection: RCF_DETECTION_ID,
              since: range.since ?? null,
              until: range.until ?? null,
              period,
              threshold,
              forest,
              interfaces: results.map((r) => ({
                interface: r.interfaceId,
                periods: r.periods,
                needs: r.needs,
                scored: r.scored.length,
                anomalous: r.scored.filter((p) => p.anomalous).length,
                maxScore: r.scored.length === 0 ? null : Math.max(...r.scored.map((p) => p.score)),
              })),
              notScored: short.map((r) => ({
                interface: r.interfaceId,
                needs: r.needs,
                available: r.periods,
              })),
              created,
              updated,
              unchanged,
              elapsedMs: ms,
              findings: stored,
            })}\n`,
          );
        } else {
          io.out(
            render(
              {
                columns: ['id', 'severity', 'interface', 'start', 'end', 'peak', 'explanation'],
                rows: stored.map((f) => ({
                  id: f.id,
                  severity: f.severity,
                  interface: f.entity,
                  start: isoUtc(f.start),
                  end: isoUtc(f.end),
                  peak: f.peak,
                  explanation: f.explanation,
                })),
              },
              'table',
            ),
          );
          io.err(
            `${results.length} interface${results.length === 1 ? '' : 's'} · ${points.toLocaleString('en-US')} periods (${Math.round(scoreMs).toLocaleString('en-US')} ms) · ${stored.length} finding${stored.length === 1 ? '' : 's'} (${created} new, ${updated} updated, ${unchanged} unchanged)${short.length > 0 ? ` · ${short.length} not scored (too little history)` : ''} · ${ms.toLocaleString('en-US')} ms\n`,
          );
        }
      } finally {
        store.close();
      }
    });
}
