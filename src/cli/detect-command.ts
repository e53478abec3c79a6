// `flowwatch detect`: runs the detection catalog (flowwatch.yaml's effective one) over stored records with
// DuckDB, or over an Athena table with Trino SQL, and stores the findings (episodes merged, re-runs idempotent).

import { appendFileSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { UsageError } from '../core/errors.js';
import { unknownNameHint } from '../core/suggest.js';
import { parseTime } from '../core/time.js';
import { effectiveCatalog } from '../detect/catalog.js';
import type { Detection } from '../detect/definition.js';
import { type FindingJson, findingJson, SAMPLE_SIZE, storeFindings } from '../detect/findings.js';
import {
  bruteForceFlagsNote,
  homeNetOf,
  ipv6HomeNote,
  snapshotHomeNet,
  UNDIRECTED_IPV6_SQL,
  UNFLAGGED_TCP_SQL,
} from '../detect/home-net.js';
import { rangeCidrs } from '../detect/intel-index.js';
import { Locator } from '../detect/parse.js';
import { detectWithSql, type RunSql } from '../detect/run.js';
import { SamplePicks } from '../detect/sample-picks.js';
import type { IntelEntry, SqlSource } from '../detect/to-sql.js';
import { DEFAULT_FORMAT } from '../records/catalog.js';
import { parseFormat } from '../records/format.js';
import { getFindings, recordDetectionRun } from '../storage/findings.js';
import { CANDIDATES_TABLE, intelCandidates } from '../storage/intel.js';
import { emptyRangeNote } from '../storage/range-note.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, memoryLimitFlag, timeRange } from './context.js';
import { parseOutput, render } from './output.js';
import { progressBar } from './progress.js';

interface Flags {
  db?: string;
  config: string;
  since?: string;
  until?: string;
  last?: string;
  engine: string;
  only?: string;
  output: string;
  workgroup?: string;
  database?: string;
  table: string;
  format?: string;
  region?: string;
  endpoint?: string;
  outputLocation?: string;
  memoryLimit: string;
}

/**
 * DuckDB's memory for a detect run: past it, the beacon connection split and the other large queries spill to the
 * store's temporary folder (`<store>.tmp`) instead of growing the process (docs/decisions/46-detect-at-scale.md).
 */
export const DETECT_MEMORY_LIMIT = '1GB';

/** The detections `--only` names (each checked, with a did-you-mean), else every enabled one. */
export function selectDetections(catalog: readonly Detection[], only: string | undefined): Detection[] {
  if (only === undefined) return catalog.filter((d) => d.enabled);
  const ids = only
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return ids.map((id) => {
    const d = catalog.find((x) => x.id === id);
    if (d === undefined) {
      throw new UsageError(
        'UNKNOWN_DETECTION',
        `--only: there is no detection "${id}"`,
        unknownNameHint(
          id,
          catalog.map((x) => x.id),
          'see them with: flowwatch detections list',
        ),
      );
    }
    return { ...d, enabled: true };
  });
}

/**
 * What the `kind: intel` detections need: the stored indicators. With no feed loaded they are left out, saying
 * so loudly (not a silent zero); for Trino the indicators are read here and inlined.
 */
async function intelFor(
  store: Store,
  detections: readonly Detection[],
  io: Io,
): Promise<{ skip: string[]; entries: IntelEntry[]; error?: UsageError }> {
  const ids = detections.filter((d) => d.kind === 'intel').map((d) => d.id);
  if (ids.length === 0) return { skip: [], entries: [] };
  const r = await store.query(
    'SELECT lo::VARCHAR AS lo, hi::VARCHAR AS hi, family, valid_from, valid_until FROM intel_indicators ORDER BY id',
  );
  if (r.rows.length === 0) {
    const message = `${ids.join(', ')}: no threat-intelligence feed is loaded, so no address can be matched as known-bad`;
    const hint =
      'load one with: flowwatch intel add <file> (plain IP/CIDR list, Spamhaus DROP JSON, abuse.ch CSV or STIX 2.1)';
    io.err(`warning: ${message} (skipped).\n  ${hint}\n`);
    return { skip: ids, entries: [], error: new UsageError('NO_INTEL', message, hint) };
  }
  const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
  const entries = r.rows.map((x) => ({
    cidrs: rangeCidrs(BigInt(String(x['lo'])), BigInt(String(x['hi'])), Number(x['family']) === 6),
    validFrom: num(x['valid_from']),
    validUntil: num(x['valid_until']),
  }));
  return { skip: [], entries };
}

/**
 * With FLOWWATCH_DETECT_PROFILE naming a file, each store query of the run appends one JSON line there: the
 * detection running (or `findings`), wall and process CPU seconds (DuckDB's threads included), rows and the SQL's
 * start. For finding where a run's time goes; off (no cost) otherwise.
 */
function profiled(file: string | undefined, run: RunSql, current: () => string): RunSql {
  if (file === undefined || file === '') return run;
  return async (sql) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const rows = await run(sql);
    const c = process.cpuUsage(c0);
    const line = {
      detection: current(),
      wallS: Math.round(performance.now() - t0) / 1000,
      cpuS: Math.round((c.user + c.system) / 1000) / 1000,
      rows: rows.length,
      sql: sql.replace(/\s+/g, ' ').slice(0, 160),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    return rows;
  };
}

export function registerDetect(program: Command, io: Io): void {
  program
    .command('detect')
    .description('run the detections over stored flow records (or an Athena table) and store the findings')
    .option('--db <file>', 'store (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('--config <file>', 'configuration file (its detections: section)', DEFAULT_CONFIG)
    .option('--since <time>', 'from this time (ISO 8601, unix seconds, or relative like 2h)')
    .option('--until <time>', 'up to this time (exclusive)')
    .option('--last <span>', 'the last span of time, e.g. 15m, 24h, 7d')
    .option('--only <ids>', 'run only these detections (comma-separated ids; disabled ones too)')
    .option('--engine <engine>', 'duckdb (the local store) or athena (Amazon Athena, Trino SQL)', 'duckdb')
    .option('--workgroup <name>', 'Athena workgroup (with --engine athena)')
    .option('--database <name>', 'Athena database (with --engine athena)')
    .option('--table <name>', 'Athena table (with --engine athena)', 'vpc_flow_logs')
    .option('--format <format>', 'flow log format of the Athena table (default: the v2 default format)')
    .option('--region <region>', 'AWS region of Athena (default: $AWS_REGION or us-east-1)')
    .option('--endpoint <url>', "Athena endpoint URL (default: the region's)")
    .option('--output-location <s3uri>', "where Athena writes results (default: the workgroup's)")
    .option('-o, --output <format>', 'table or json', 'table')
    .option(
      '--memory-limit <size>',
      'DuckDB memory limit of the run, e.g. 2GB; larger queries spill to <store>.tmp',
      DETECT_MEMORY_LIMIT,
    )
    .addHelpText(
      'after',
      `
Each detection counts its records in tumbling windows (aligned to the clock); windows that reach a threshold
become one finding per episode: later windows within the detection's quiet period extend it, and running
detect again over the same (or an overlapping) range updates the findings instead of adding new ones.
Findings are stored in the store (also with --engine athena); see them with flowwatch findings list.

Examples:
  flowwatch detect --last 24h
  flowwatch detect --since 2024-05-20 --until 2024-05-21 --only vertical-port-scan,brute-force-login
  flowwatch detect --engine athena --database flowlogs --table vpc_flow_logs --last 1h -o json`,
    )
    .action(async (flags: Flags) => {
      const output = parseOutput(flags.output);
      if (output === 'csv') throw new UsageError('BAD_OUTPUT', '--output is table or json for detect');
      const engine = flags.engine;
      if (engine !== 'duckdb' && engine !== 'athena') {
        throw new UsageError('BAD_ENGINE', `--engine "${engine}" is not known`, 'use duckdb or athena');
      }
      if (flags.last !== undefined && (flags.since !== undefined || flags.until !== undefined)) {
        throw new UsageError('BAD_RANGE', '--last cannot be combined with --since or --until');
      }
      const now = Math.floor(Date.now() / 1000);
      const range =
        flags.last !== undefined
          ? { since: parseTime(flags.last, '--last'), until: now + 1 } // this second's records included
          : timeRange(flags.since, flags.until);
      const config = loadConfig(flags.config);
      const detections = selectDetections(config.detections, flags.only);
      if (detections.length === 0) {
        throw new UsageError(
          'NO_DETECTIONS',
          'every detection is disabled',
          `enable one in ${flags.config} (detections: <id>: { enabled: true }) or name it with --only`,
        );
      }
      const store = await Store.open(dbPath(io, flags.db), {
        memoryLimit: memoryLimitFlag(flags.memoryLimit) ?? DETECT_MEMORY_LIMIT,
      });
      try {
        // $home also holds the newest network snapshot's VPC blocks (docs/decisions/36-ipv6-home-net.md); not on
        // Athena, whose dialect tests IPv6 blocks of /16 or shorter only (a VPC's /56 would refuse the catalog)
        const snapHome = engine === 'duckdb' ? await snapshotHomeNet(store) : [];
        if (snapHome.length > 0) {
          const text = config.exists ? readFileSync(flags.config, 'utf8') : '';
          const withSnap = selectDetections(
            effectiveCatalog(config.doc, flags.config, text, snapHome),
            flags.only,
          );
          detections.splice(0, detections.length, ...withSnap);
        }
        const intel = await intelFor(store, detections, io);
        if (intel.skip.length > 0) {
          for (const id of intel.skip)
            detections.splice(
              detections.findIndex((d) => d.id === id),
              1,
            );
          if (detections.length === 0) throw intel.error!;
        }
        let src: SqlSource;
        let run: RunSql;
        let horizon: number;
        let current = 'start';
        if (engine === 'duckdb') {
          src = { engine: 'duckdb', rollups: true, shareScan: true };
          // kind: intel matches its indicators once per run (the store's address dictionary when it has one), not
          // once per query: the hits and the evidence samples read the candidates (docs/decisions/65-detect-intel-candidates.md).
          // From the start of the first window, so that the samples of the range's findings fall inside.
          const intelDs = detections.filter((d) => d.kind === 'intel');
          if (intelDs.length > 0) {
            const since =
              range.since === undefined
                ? undefined
                : Math.min(...intelDs.map((d) => Math.floor(range.since! / d.window) * d.window));
            const c = await intelCandidates(store, { since, until: range.until });
            src = {
              ...src,
              intelCandidates: { table: CANDIDATES_TABLE, oneEach: c.oneEach, since, until: range.until },
            };
          }
          run = profiled(
            io.env['FLOWWATCH_DETECT_PROFILE'],
            async (sql) => (await store.query(sql)).rows,
            () => current,
          );
          const r = await store.query(
            `SELECT count(*) AS n, max(event_time) AS t FROM flows WHERE (event_time >= $1::BIGINT OR $1::BIGINT IS NULL) AND (event_time < $2::BIGINT OR $2::BIGINT IS NULL)`,
            [range.since ?? null, range.until ?? null],
          );
          const n = Number(r.rows[0]?.['n'] ?? 0);
          if (n === 0) {
            io.err(
              `warning: the store has no records${range.since !== undefined || range.until !== undefined ? ' in this range' : ''}: nothing to detect. Ingest flow logs first (flowwatch ingest <path>), or widen --since/--until.\n`,
            );
          }
          horizon = Math.min(range.until ?? Number.POSITIVE_INFINITY, Number(r.rows[0]?.['t'] ?? 0) + 1);
        } else {
          const columns = parseFormat(flags.format ?? DEFAULT_FORMAT).fields.map(
            (f) => f.def?.column ?? f.key.replaceAll('-', '_'),
          );
          src = {
            engine: 'trino',
            table: flags.database === undefined ? flags.table : `${flags.database}.${flags.table}`,
            columns,
            ...(intel.entries.length > 0 ? { intel: intel.entries } : {}),
          };
          const { athenaClient, runRemote, withInterrupt } = await import('../athena/remote.js');
          const client = athenaClient(flags);
          run = async (sql) => {
            const r = await withInterrupt((signal) =>
              runRemote(client, sql, {
                workgroup: flags.workgroup,
                database: flags.database,
                outputLocation: flags.outputLocation,
                maxRows: 100_000,
                signal,
              }),
            );
            // Never a silent cut: baseline detections read every bin of the lookback, which can be many.
            if (r.truncated)
              io.err(
                'warning: an Athena result was cut at 100,000 rows: findings of this run may be missing; narrow --since/--until or run fewer detections with --only\n',
              );
            return r.rows;
          };
          horizon = range.until ?? now;
        }
        const bar = progressBar(io, detections.length, 'detect [{bar}] {value}/{total} {id}', { id: '' });
        const started = performance.now();
        const notes: { detection: string; message: string }[] = [];
        // the hits queries pick the findings' evidence samples as they go (DuckDB; storeFindings reads them)
        const picks = engine === 'duckdb' ? new SamplePicks(SAMPLE_SIZE) : undefined;
        const found = await detectWithSql(
          detections,
          src,
          range,
          run,
          (done, _total, id) => {
            current = id === '' ? 'findings' : id;
            bar.update(done, { id });
          },
          (detection, message) => notes.push({ detection, message }),
          picks,
        );
        bar.stop();
        // A baseline short of history says so (never a silent zero), in both output forms.
        for (const n of notes) io.err(`note: ${n.detection}: ${n.message}\n`);
        if (engine === 'duckdb') {
          const home = [
            ...homeNetOf(config.doc.get('homeNet', true), new Locator(flags.config, '')),
            ...snapHome,
          ];
          // Whether a one-row probe over [since, until) finds a record (UNDIRECTED_IPV6_SQL, UNFLAGGED_TCP_SQL).
          const anyIn = (sql: string) => async () =>
            (await store.query(sql, [range.since ?? null, range.until ?? null])).rows.length > 0;
          const v6 = await ipv6HomeNote(detections, home, anyIn(UNDIRECTED_IPV6_SQL));
          if (v6 !== undefined) io.err(`note: outbound-scan: ${v6}\n`);
          const flagsNote = await bruteForceFlagsNote(detections, anyIn(UNFLAGGED_TCP_SQL));
          if (flagsNote !== undefined) io.err(`note: ${flagsNote}\n`);
        }
        const summary = await storeFindings(store, detections, found, src, run, horizon, now, picks);
        if (src.intelCandidates !== undefined) await store.dropTempTable(src.intelCandidates.table);
        await recordDetectionRun(store, {
          detections: detections.map((d) => d.id),
          since: range.since ?? null,
          until: range.until ?? now,
          at: now,
          engine,
        });
        const ms = Math.round(performance.now() - started);
        const ids = [...new Set(summary.ids)];
        const byId = await getFindings(store, ids);
        const stored: FindingJson[] = ids.flatMap((id) => {
          const s = byId.get(id);
          return s === undefined ? [] : [findingJson(s, now)];
        });
        if (output === 'json') {
          io.out(
            `${JSON.stringify({
              detections: detections.map((d) => d.id),
              engine,
              since: range.since ?? null,
              until: range.until ?? null,
              created: summary.created,
              updated: summary.updated,
              unchanged: summary.unchanged,
              elapsedMs: ms,
              notes,
              findings: stored,
            })}\n`,
          );
        } else {
          io.out(
            render(
              {
                columns: ['id', 'severity', 'detection', 'entity', 'start', 'end', 'evidence'],
                rows: stored.map((f) => ({
                  id: f.id,
                  severity: f.severity,
                  detection: f.detection,
                  entity: f.entity,
                  start: new Date(f.start * 1000).toISOString(),
                  end: new Date(f.end * 1000).toISOString(),
                  evidence: f.evidence_count,
                })),
              },
              'table',
            ),
          );
          for (const f of stored) if (f.summary !== undefined) io.out(`${f.id}: ${f.summary}\n`);
          if (found.length === 0 && engine === 'duckdb') {
            const empty = await emptyRangeNote(store, range);
            if (empty !== undefined) io.err(`note: ${empty}\n`);
          }
          io.err(
            `${detections.length} detection${detections.length === 1 ? '' : 's'} · ${found.length} finding${found.length === 1 ? '' : 's'} (${summary.created} new, ${summary.updated} updated, ${summary.unchanged} unchanged) · ${ms.toLocaleString('en-US')} ms\n`,
          );
        }
      } finally {
        store.close();
      }
    });
}
