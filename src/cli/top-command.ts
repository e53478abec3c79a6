// `flowwatch top`: the everyday questions (talkers, rejected sources, ports, protocols, interfaces).

import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { protocolName } from '../core/protocols.js';
import { Store } from '../storage/store.js';
import { TOP_KINDS, type TopKind, type TopMeasure, top } from '../storage/top-queries.js';
import { dbPath, type Io, positiveInt, timeRange } from './context.js';
import { parseOutput, render } from './output.js';

interface TopFlags {
  db?: string;
  by?: string;
  limit: string;
  since?: string;
  until?: string;
  output: string;
}

export function registerTop(program: Command, io: Io): void {
  program
    .command('top')
    .description('top talkers, rejected sources, ports, protocols or interfaces')
    .argument('<what>', TOP_KINDS.join('|'))
    .option(
      '--by <measure>',
      'rank by bytes, packets or flows (default: flows for rejected and ports, else bytes)',
    )
    .option('--limit <n>', 'rows to show', '10')
    .option(
      '--since <time>',
      'only records whose event time is at or after this time (ISO-8601, unix seconds, or 2h/7d ago)',
    )
    .option('--until <time>', 'only records whose event time is before this time')
    .option('--db <file>', 'store to query (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .addHelpText(
      'after',
      `
  talkers     source addresses by bytes sent
  rejected    sources of rejected traffic by number of flows, with targets and ports tried
  ports       destination ports (with protocol) by flows, with rejected flows and sources
  protocols   protocols by bytes
  interfaces  network interfaces by bytes`,
    )
    .action(async (what: string, flags: TopFlags) => {
      if (!TOP_KINDS.includes(what as TopKind)) {
        throw new UsageError('BAD_TOP', `"${what}" is not one of ${TOP_KINDS.join(', ')}`);
      }
      const by = flags.by;
      if (by !== undefined && by !== 'bytes' && by !== 'packets' && by !== 'flows') {
        throw new UsageError('BAD_MEASURE', `--by "${by}" is not one of bytes, packets, flows`);
      }
      const output = parseOutput(flags.output);
      const limit = positiveInt(flags.limit, '--limit');
      const range = timeRange(flags.since, flags.until);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const r = await top(store, what as TopKind, { by: by as TopMeasure | undefined, limit, ...range });
        const rows = r.rows.map((row) =>
          'protocol' in row ? { ...row, protocol: protocolName(row['protocol'] as number | null) } : row,
        );
        io.out(render({ columns: r.columns.map((c) => c.name), rows }, output));
      } finally {
        store.close();
      }
    });
}
