// `flowwatch top`: the everyday questions (talkers, rejected sources, ports, protocols, interfaces).

import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { protocolName } from '../core/protocols.js';
import { unknownNameHint } from '../core/suggest.js';
import { enricherOf } from '../enrich/load-enricher.js';
import { NO_SNAPSHOT_NAMES_NOTE, resourceNames } from '../network/resource-names.js';
import { flowViewNote } from '../storage/flow-views.js';
import { emptyRangeNote } from '../storage/range-note.js';
import { Store } from '../storage/store.js';
import { TOP_KINDS, type TopKind, type TopMeasure, top } from '../storage/top-queries.js';
import { dbPath, type Io, positiveInt, timeRange } from './context.js';
import { parseOutput, render } from './output.js';

interface TopFlags {
  db?: string;
  by?: string;
  limit: string;
  since?: string;
  last?: string;
  until?: string;
  output: string;
  perEni?: boolean;
  enrich: boolean;
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
    .option('--last <duration>', 'the last duration, e.g. 1h or 7d (same as --since 1h)')
    .option('--until <time>', 'only records whose event time is before this time')
    .option(
      '--per-eni',
      'count every record as each ENI logged it (default: each flow once, on the receiving ENI)',
    )
    .option('--no-enrich', 'leave out the AS, country and AWS service of each address (talkers, rejected)')
    .option('--db <file>', 'store to query (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .addHelpText(
      'after',
      `
  talkers     source addresses by bytes sent
  rejected    sources of rejected traffic by number of flows, with targets and ports tried
  ports       destination ports (with protocol) by flows, with rejected flows and sources
  protocols   protocols by bytes
  interfaces  network interfaces by bytes (always per ENI)

By default each flow is counted once: traffic between two ENIs whose logs are both in the store is
counted from the receiver's ingress record, and a NAT gateway's outer legs are left out
(docs/decisions/14-counting-each-flow-once.md). --per-eni counts every record. The view shown is printed after a table,
and on stderr for json and csv.`,
    )
    .action(async (what: string, flags: TopFlags) => {
      if (!TOP_KINDS.includes(what as TopKind)) {
        throw new UsageError(
          'BAD_TOP',
          `"${what}" is not one of ${TOP_KINDS.join(', ')}`,
          unknownNameHint(what.toLowerCase(), TOP_KINDS, 'see flowwatch top --help'),
        );
      }
      if (flags.last !== undefined && flags.since !== undefined)
        throw new UsageError('BAD_RANGE', 'give --last or --since, not both');
      const by = flags.by;
      if (by !== undefined && by !== 'bytes' && by !== 'packets' && by !== 'flows') {
        throw new UsageError('BAD_MEASURE', `--by "${by}" is not one of bytes, packets, flows`);
      }
      const output = parseOutput(flags.output);
      const limit = positiveInt(flags.limit, '--limit');
      const range = timeRange(flags.last ?? flags.since, flags.until);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        const r = await top(store, what as TopKind, {
          by: by as TopMeasure | undefined,
          limit,
          ...range,
          view: flags.perEni === true ? 'per-eni' : 'deduplicated',
        });
        let rows = r.rows.map((row) =>
          'protocol' in row ? { ...row, protocol: protocolName(row['protocol'] as number | null) } : row,
        );
        let columns = r.columns.map((c) => c.name);
        // Addresses gain their AS, country and AWS service (offline data): one column in a table, fields in json/csv.
        if (flags.enrich && columns.includes('source')) {
          const enricher = await enricherOf(store);
          if (output === 'table') {
            rows = rows.map((row) => ({
              ...row,
              'as · country · aws': enricher.label(row['source'] as string),
            }));
            columns = [...columns, 'as · country · aws'];
          } else {
            rows = rows.map((row) => ({ ...row, ...enricher.fields('', row['source'] as string) }));
            columns = [...columns, ...Object.keys(enricher.fields('', undefined))];
          }
        }
        // Names from the newest network snapshot (instance Name tag, subnet, security groups), when one is loaded.
        const named = columns.includes('source')
          ? 'source'
          : columns.includes('interface')
            ? 'interface'
            : undefined;
        let namesNote = '';
        if (named !== undefined) {
          const names = await resourceNames(store);
          // Only where naming is the point (the interfaces list): on every top list it would be noise for the
          // many who never load a network snapshot.
          if (names === undefined && rows.length > 0 && what === 'interfaces')
            namesNote = `\nnote: ${NO_SNAPSHOT_NAMES_NOTE}`;
          if (names !== undefined) {
            const col = output === 'table' ? 'name' : `${named}_name`;
            rows = rows.map((row) => ({ ...row, [col]: names.label(row[named] as string) ?? null }));
            columns = [...columns, col];
          }
        }
        io.out(render({ columns, rows }, output));
        const note =
          what === 'interfaces'
            ? 'view: per ENI (an interface’s bytes are what its own flow log recorded)'
            : flowViewNote(r.view);
        const undirected =
          r.undirected > 0
            ? `\nnote: ${r.undirected} records have no flow-direction (their format lacks it) and are counted as recorded; add \${flow-direction} to the flow log format to count each flow once`
            : '';
        const noAction =
          r.withoutAction > 0
            ? `\nwarning: ${r.withoutAction} records in range come from flow logs whose format has no action field, so their rejected traffic cannot be counted${rows.length === 0 ? ' (the empty list does not mean nothing was rejected)' : ''}; add \${action} to the flow log format (aws ec2 create-flow-logs ... --log-format '... \${action}')`
            : '';
        const empty = rows.length === 0 ? await emptyRangeNote(store, range) : undefined;
        const emptyNote =
          empty === undefined
            ? ''
            : `
note: ${empty}`;
        const notes = `${note}${undirected}${noAction}${namesNote}${emptyNote}
`;
        if (output === 'table') io.out(notes);
        else io.err(notes);
      } finally {
        store.close();
      }
    });
}
