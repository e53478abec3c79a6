// `flowwatch ingest`: load files, directory trees or stdin into the store and report what could not be read.

import { createWriteStream, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_CONFIG, loadConfig } from '../config/config.js';
import { FormatError, SourceError } from '../core/errors.js';
import { builtinCatalog } from '../detect/catalog.js';
import { combineDerive, deriveRollups, ROLLUP_DDL } from '../detect/rollups.js';
import { ingest } from '../ingest/ingest.js';
import { Scratch } from '../ingest/scratch.js';
import { deriveDatapoints, type FilterMismatch, mismatchWarning } from '../metrics/datapoints.js';
import { checkKnownFields, parseFormat } from '../records/format.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, timeRange } from './context.js';
import { caret } from './input-lines.js';
import { humanBytes, progressBar, rate } from './progress.js';

interface IngestFlags {
  db?: string;
  format?: string;
  since?: string;
  until?: string;
  rejects?: string;
  json?: boolean;
  concurrency?: string;
  batchLines?: string;
  config?: string;
  replace?: boolean;
  baselineRollups?: boolean;
  allowUnknownFields?: boolean;
}

export function registerIngest(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('ingest')
    .description('load flow log files, S3-layout directory trees or stdin ("-") into the store')
    .argument('<paths...>', 'files, directories (walked recursively) or - for stdin')
    .option('--db <file>', 'store to load into (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option(
      '--format <format>',
      'format of header-less input, e.g. "${version} ${srcaddr} ..." (default: the default format)',
    )
    .option(
      '--since <time>',
      'skip files whose S3 key lies before this time (ISO-8601, unix seconds, or 2h/7d ago)',
    )
    .option('--until <time>', 'skip files whose S3 key lies after this time')
    .option('--rejects <file>', 'write every rejected line to this file as JSON lines')
    .option('--concurrency <n>', 'files loaded at once (default: number of cores, at most 4)')
    .option(
      '--batch-lines <n>',
      'most lines of small files loaded in one transaction (default 1000000); an interrupted ingest loads at most this many again per worker',
    )
    .option(
      '--replace',
      're-ingest files already in the store (same content or path): their old records, rejects and datapoints are replaced in the same transaction',
    )
    .option(
      '--allow-unknown-fields',
      'accept --format names flowwatch does not know (kept as text in the "extra" column) instead of refusing them as typos',
    )
    .option(
      '--baseline-rollups',
      'keep the baseline detections’ per-hour rollups while loading, so detect reads them instead of the records (costs ingest time: see BENCHMARKS.md)',
    )
    .option('--json', 'print the summary as one JSON object')
    .option('--config <file>', 'metric filters to apply (default: ./flowwatch.yaml when it exists)')
    .addHelpText(
      'after',
      `
Each file is loaded in one transaction: a killed ingest leaves no half file, and running the same
command again loads only what is missing. Files already in the store (same content) are skipped; --replace
loads them again. A file whose every line was rejected (e.g. read with the wrong --format) is not counted as
done: the next ingest retries it. To remove files from the store: flowwatch forget <path|glob>.
S3 text files declare their format in their header line; Parquet files by their column names.

Examples:
  flowwatch ingest ./AWSLogs --since 2024-05-20 --until 2024-05-21
  aws logs filter-log-events ... | jq -r '.events[].message' | flowwatch ingest - --format '\${version} \${srcaddr} ...'`,
    )
    .action(async (paths: string[], flags: IngestFlags) => {
      const range = timeRange(flags.since, flags.until);
      const format = flags.format === undefined ? undefined : parseFormat(flags.format);
      if (format && flags.format !== undefined && !flags.allowUnknownFields) {
        try {
          checkKnownFields(flags.format, format);
        } catch (err) {
          if (err instanceof FormatError)
            err.detail = caret(flags.format, err.position, err.position + format.unknown[0]!.length);
          throw err;
        }
      }
      const concurrency =
        flags.concurrency === undefined ? undefined : Math.max(1, Number(flags.concurrency) || 1);
      const batchLines =
        flags.batchLines === undefined ? undefined : Math.max(1, Number(flags.batchLines) || 1);
      const configPath = flags.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
      const loaded = configPath === undefined ? undefined : loadConfig(configPath, true);
      const filters = loaded?.filters ?? [];
      // With --baseline-rollups the baseline detections' rollups are kept as files load (src/detect/rollups.ts).
      const rollups =
        flags.baselineRollups === true ? deriveRollups(loaded?.detections ?? builtinCatalog()) : undefined;
      // A path that is not there is refused before the store is opened, so a typo leaves no empty store.
      for (const p of paths)
        if (p !== '-' && !existsSync(p))
          throw new SourceError(
            'NOT_FOUND',
            p,
            'no such file or directory',
            'give flow log files, folders of them (e.g. an AWSLogs tree) or "-" for stdin',
          );
      const store = await Store.open(dbPath(io, flags.db), { memoryLimit: '512MB' });
      if (rollups !== undefined) for (const ddl of ROLLUP_DDL) await store.query(ddl);
      // Ctrl-C or SIGTERM: remove the scratch copies and leave; the file being loaded is rolled back (its
      // transaction never commits) and every file committed so far stays.
      // Scratch copies live in a run folder under $TMPDIR/flowwatch-scratch-<uid>; folders left by killed runs
      // (kill -9) are removed here, at the start of the next run.
      const scratch = await Scratch.create();
      const interrupted = (signal: NodeJS.Signals) => {
        scratch.remove();
        io.err(
          `\nflowwatch: interrupted (${signal}); files loaded so far are kept, run the same command again to load the rest\n`,
        );
        process.exit(130);
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      try {
        const bar = progressBar(
          io,
          1,
          'ingest |{bar}| {percentage}% | {files} files | {bytes} | {rate} records/s | ETA {eta_formatted}',
          { files: '0', bytes: '0 B', rate: '0' },
        );
        const t0 = performance.now();
        const mismatches: FilterMismatch[] = [];
        const summary = await ingest(store, paths, {
          format,
          ...range,
          concurrency,
          ...(batchLines === undefined ? {} : { batch: { lines: batchLines } }),
          scratch: scratch.dir,
          replace: flags.replace === true,
          stdin: io.stdin,
          derive: combineDerive(
            // Files ingested here belong to no log group: a filter of a log group (put through the API) counts none.
            deriveDatapoints(
              filters.filter((f) => f.filter.logGroup === undefined),
              (m) => mismatches.push(m),
            ),
            rollups,
          ),
          onProgress: (p) => {
            const secs = (performance.now() - t0) / 1000;
            bar.update(p.bytesTotal === 0 ? 1 : p.bytesDone / p.bytesTotal, {
              files: `${p.filesDone}/${p.filesTotal}`,
              bytes: `${humanBytes(p.bytesDone)}/${humanBytes(p.bytesTotal)}`,
              rate: rate(secs > 0 ? p.records / secs : 0),
            });
          },
        });
        bar.stop();
        if (flags.rejects !== undefined) await writeRejects(store, summary.fileIds, flags.rejects);
        if (flags.json) {
          const { fileReports, fileIds: _ids, ...rest } = summary;
          io.out(
            `${JSON.stringify({
              db: store.path,
              ...rest,
              problems: fileReports.filter((r) => r.status !== 'loaded'),
              metricFilterMismatches: mismatches,
            })}\n`,
          );
        } else {
          io.out(describe(summary, flags.rejects, flags.format));
          if (filters.length > 0) {
            io.out(
              `Applied ${filters.length} metric filter${filters.length === 1 ? '' : 's'} from ${configPath}.\n`,
            );
          }
        }
        // Never a silent zero: a filter that cannot count some files' records says so, on stderr too.
        for (const m of mismatches) io.err(`flowwatch: warning: ${mismatchWarning(m)}\n`);
        const empty = summary.noRecords;
        if (empty.length > 0) {
          // "Ingested 1 file (1 loaded): 0 records" read as success; an empty download or pipe is the usual cause.
          const n = empty.length;
          io.err(
            `flowwatch: warning: ${n === 1 ? '1 file holds' : `${n} files hold`} no flow log record (${n === 1 ? 'it is' : 'they are'} empty, or a header line only), so nothing was loaded from ${n === 1 ? 'it' : 'them'}: ${empty.slice(0, 5).join(', ')}${n > 5 ? ', ...' : ''}\n` +
              `  check that the download, export or pipe that wrote ${n === 1 ? 'it' : 'them'} finished\n`,
          );
        }
        if (summary.failed > 0) setExit(3);
      } finally {
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
        scratch.remove();
        store.close();
      }
    });
}

async function writeRejects(store: Store, fileIds: readonly number[], path: string): Promise<void> {
  const out = createWriteStream(path);
  for (const id of fileIds) {
    for (const row of await store.rejectsOf(id)) out.write(`${JSON.stringify(row)}\n`);
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

/** A rejected line as shown on a terminal: control characters as "?", at most 160 characters. */
function printable(text: string): string {
  const clean = [...text].map((c) => (c < ' ' || c === '\x7f' ? '?' : c)).join('');
  return clean.length > 160 ? `${clean.slice(0, 157)}...` : clean;
}

function describe(
  s: Awaited<ReturnType<typeof ingest>>,
  rejectsFile: string | undefined,
  format: string | undefined,
): string {
  const lines: string[] = [];
  const parts = [`${s.loaded} loaded`];
  if (s.duplicates) parts.push(`${s.duplicates} already in the store`);
  if (s.replaced) parts.push(`${s.replaced} replaced`);
  if (s.retried) parts.push(`${s.retried} retried after every line was rejected before`);
  if (s.failed) parts.push(`${s.failed} failed`);
  lines.push(
    `Ingested ${s.files} file${s.files === 1 ? '' : 's'} (${parts.join(', ')}): ${s.records.toLocaleString('en-US')} records, ` +
      `${s.rejected.toLocaleString('en-US')} rejected lines, ${humanBytes(s.bytes)} in ${s.seconds.toFixed(1)} s ` +
      `(${rate(s.recordsPerSecond)} records/s).`,
  );
  if (s.pruned)
    lines.push(`Skipped ${s.pruned} files or folders outside --since/--until (judged by their S3 key).`);
  if (s.skippedByName > 0) {
    // Not a flow log by its name (AWS writes .log.gz and .parquet): said, never silently left out.
    const more =
      s.skippedByName > s.skippedExamples.length
        ? `, and ${s.skippedByName - s.skippedExamples.length} more`
        : '';
    lines.push(
      `${s.files === 0 ? 'Warning: nothing was read. ' : ''}Skipped ${s.skippedByName} file${s.skippedByName === 1 ? '' : 's'} in the folders given ` +
        `whose names do not end in .log, .gz or .parquet: ${s.skippedExamples.join(', ')}${more}. ` +
        'Name such a file itself on the command line to read it whatever its name.',
    );
  }
  for (const f of s.fileReports.filter((r) => r.status === 'failed')) lines.push(`Failed: ${f.message}`);
  if (s.firstRejects.length > 0) {
    lines.push(
      `Rejected lines${s.rejected > s.firstRejects.length ? ` (first ${s.firstRejects.length})` : ''}:`,
    );
    for (const r of s.firstRejects) {
      lines.push(`  ${r.file}:${r.line}: ${r.reason} [${r.code}]`);
      if (r.text) lines.push(`      ${printable(r.text)}`);
    }
    const allCount = s.fileReports.filter((r) => r.status === 'loaded' && r.records === 0 && r.rejected > 0);
    if (allCount.length > 0 && s.firstRejects.every((r) => r.code === 'FIELD_COUNT')) {
      lines.push(
        ...(format === undefined
          ? [
              'Hint: every line of some files was rejected for its field count. Files without a header line are read',
              'with the default format; give their real format with --format "${version} ${srcaddr} ...".',
            ]
          : [
              'Hint: every line of some files was rejected for its field count: their lines do not have the fields',
              'that --format names. Give the format the flow log was created with (aws ec2 describe-flow-logs shows',
              'it as LogFormat), with every field in its order.',
            ]),
      );
    }
  }
  if (s.allRejected.length > 0) {
    const n = s.allRejected.length;
    lines.push(
      `${n} file${n === 1 ? '' : 's'} had every line rejected and ${n === 1 ? 'is' : 'are'} not counted as done: the next ingest retries ${n === 1 ? 'it' : 'them'} (fix --format first): ${s.allRejected.slice(0, 5).join(', ')}${n > 5 ? ', ...' : ''}`,
    );
  }
  if (s.unknownFields.length > 0) {
    lines.push(
      `Fields not in the catalog, kept as text in the "extra" column: ${s.unknownFields.join(', ')}`,
    );
  }
  const n = (k: 'ingest' | 's3-key') => (s.timeSources[k] ?? 0).toLocaleString('en-US');
  if ((s.timeSources['s3-key'] ?? 0) > 0) {
    lines.push(
      `${n('s3-key')} records have no start field; their event time is their file's S3 key time (its 5-minute slot or folder).`,
    );
  }
  if ((s.timeSources.ingest ?? 0) > 0) {
    lines.push(
      `Warning: ${n('ingest')} records have no time of their own; their event time is the ingest time, so time ranges, metrics and alarms see them now.`,
      '  Add ${start} to the flow log format (or keep the S3 key names, or deliver through CloudWatch Logs, whose event timestamps are used).',
    );
  }
  if (rejectsFile !== undefined) lines.push(`Rejected lines written to ${rejectsFile}.`);
  return `${lines.join('\n')}\n`;
}
