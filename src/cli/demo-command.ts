// `flowwatch demo` (what `npm start` runs): simulate a small VPC, ingest it, print a traffic report.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { protocolName } from '../core/protocols.js';
import { ingest } from '../ingest/ingest.js';
import { simulate } from '../simulate/simulate.js';
import { Store } from '../storage/store.js';
import { type TopKind, top } from '../storage/top-queries.js';
import { type Io, positiveInt } from './context.js';
import { humanBytes, render } from './output.js';
import { progressBar, rate } from './progress.js';

const SECTIONS: { kind: TopKind; title: string }[] = [
  { kind: 'talkers', title: 'Top talkers (source addresses by bytes sent)' },
  { kind: 'rejected', title: 'Rejected traffic (sources by rejected flows)' },
  { kind: 'ports', title: 'Destination ports (by flows)' },
  { kind: 'protocols', title: 'Protocols (by bytes)' },
];

export function registerDemo(program: Command, io: Io): void {
  program
    .command('demo')
    .description(
      'simulate a small VPC, ingest its flow logs and print a traffic report (what npm start runs)',
    )
    .option(
      '--dir <dir>',
      'working directory for the simulated logs and the store (replaced on each run)',
      'flowwatch-demo',
    )
    .option('--records <n>', 'records to simulate', '200000')
    .option('--seed <n>', 'random seed', '1')
    .action(async (flags: { dir: string; records: string; seed: string }) => {
      const records = positiveInt(flags.records, '--records');
      await rm(flags.dir, { recursive: true, force: true });
      const logs = join(flags.dir, 'logs');
      const db = join(flags.dir, 'flowwatch.duckdb');
      io.out(
        `Simulating one day of flow logs for a demo VPC (${records.toLocaleString('en-US')} records)...\n`,
      );
      let bar = progressBar(io, records, 'simulate |{bar}| {percentage}% | ETA {eta_formatted}');
      const sim = await simulate({
        out: logs,
        records,
        seed: Number.parseInt(flags.seed, 10) || 1,
        days: 1,
        onProgress: (done) => bar.update(done, {}),
      });
      bar.stop();
      const store = await Store.open(db, { memoryLimit: '512MB' });
      try {
        bar = progressBar(io, 1, 'ingest   |{bar}| {percentage}% | ETA {eta_formatted}');
        const s = await ingest(store, [logs], {
          onProgress: (p) => bar.update(p.bytesDone / (p.bytesTotal || 1), {}),
        });
        bar.stop();
        io.out(
          `Ingested ${s.files} files from ${logs}: ${s.records.toLocaleString('en-US')} records, ${s.rejected} rejected lines, ` +
            `${humanBytes(s.bytes)} in ${s.seconds.toFixed(1)} s (${rate(s.recordsPerSecond)} records/s).\n`,
        );
        for (const section of SECTIONS) {
          const r = await top(store, section.kind, { limit: 8 });
          const rows = r.rows.map((row) =>
            'protocol' in row ? { ...row, protocol: protocolName(row['protocol'] as number | null) } : row,
          );
          io.out(`\n${section.title}\n${render({ columns: r.columns.map((c) => c.name), rows }, 'table')}`);
        }
        io.out(
          `\nThe simulated day holds an SSH brute force, a port scan, ICMP denied by a network ACL and an\n` +
            `exfiltration burst (ground truth: ${sim.manifestPath}). Explore the store yourself:\n` +
            `  npx flowwatch top rejected --db ${db}\n` +
            `  npx flowwatch sql --db ${db} "SELECT dstport, count(*) FROM flows WHERE action = 'REJECT' GROUP BY 1 ORDER BY 2 DESC LIMIT 10"\n` +
            `  npx flowwatch fields\n`,
        );
      } finally {
        store.close();
      }
    });
}
