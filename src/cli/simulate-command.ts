// `flowwatch simulate`: write a seeded, realistic flow log corpus of a small VPC in AWS's S3 layout.

import type { Command } from 'commander';
import { parseTime } from '../core/time.js';
import { parseFormat } from '../records/format.js';
import { simulate } from '../simulate/simulate.js';
import { type Io, positiveInt } from './context.js';
import { progressBar, rate } from './progress.js';

interface SimulateFlags {
  out: string;
  records: string;
  seed: string;
  format?: string;
  start?: string;
  days: string;
}

export function registerSimulate(program: Command, io: Io): void {
  program
    .command('simulate')
    .description(
      'write simulated flow logs of a small VPC (web, database, SSH, and attacks) in the S3 layout',
    )
    .requiredOption('--out <dir>', 'directory to write AWSLogs/... into')
    .option('--records <n>', 'number of records', '100000')
    .option('--seed <n>', 'random seed: the same seed gives the same files', '1')
    .option('--format <format>', 'flow log format (default: every version 2-5 field)')
    .option('--start <time>', 'first hour (ISO-8601 or unix seconds; default: --days before now)')
    .option('--days <n>', 'days covered, one gzip file per hour', '1')
    .addHelpText(
      'after',
      `
The corpus holds normal web, application, database, S3 and SSH traffic plus an SSH brute force,
a port scan, ICMP denied by a network ACL and an exfiltration burst. manifest.json in --out records
what was written (counts per file and per scenario).

Example:
  flowwatch simulate --out ./sim --records 1000000 --days 2 && flowwatch ingest ./sim`,
    )
    .action(async (flags: SimulateFlags) => {
      const records = positiveInt(flags.records, '--records');
      const days = positiveInt(flags.days, '--days');
      const seed = Number.parseInt(flags.seed, 10);
      const bar = progressBar(
        io,
        records,
        'simulate |{bar}| {percentage}% | {value}/{total} records | {rate}/s | ETA {eta_formatted}',
        { rate: '0' },
      );
      const t0 = performance.now();
      const res = await simulate({
        out: flags.out,
        records,
        seed: Number.isFinite(seed) ? seed : 1,
        days,
        ...(flags.format === undefined ? {} : { format: parseFormat(flags.format) }),
        ...(flags.start === undefined ? {} : { start: parseTime(flags.start, '--start') }),
        onProgress: (done) => bar.update(done, { rate: rate(done / ((performance.now() - t0) / 1000 || 1)) }),
      });
      bar.stop();
      io.out(
        `Wrote ${res.records.toLocaleString('en-US')} records in ${res.files.length} files under ${flags.out} ` +
          `(${((performance.now() - t0) / 1000).toFixed(1)} s); ground truth in ${res.manifestPath}.\n`,
      );
    });
}
