// `flowwatch hunt`: a one-off retro hunt of stored records against a file of indicators (--ioc, not stored) or
// the stored feeds, grouped by indicator, matched address and peer; says what was searched when nothing matched.

import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time.js';
import { feedFormatFlag, printReport, readFeedFile } from '../enrich/read-feed.js';
import { plural } from '../metrics/alarms/format.js';
import {
  HUNT_CSV_COLUMNS,
  type HuntTotals,
  huntCsvText,
  huntGroupTable,
  huntJsonText,
  huntRows,
} from '../storage/hunt-groups.js';
import {
  type IntelRelations,
  indicatorCounts,
  loadTemporaryIntel,
  STORED_INTEL,
  searchedSpan,
} from '../storage/intel.js';
import { Store } from '../storage/store.js';
import { dbPath, type Io, timeRange } from './context.js';
import { parseOutput, render } from './output.js';

interface HuntFlags {
  ioc?: string;
  format: string;
  since?: string;
  until?: string;
  db?: string;
  output: string;
  limit?: string;
}

/** Groups a table shows unless --limit says otherwise (JSON and CSV write every group). */
export const TABLE_LIMIT = 100;

/** --limit: a count of groups, 0 for all (undefined). */
function limitFlag(v: string): number | undefined {
  if (!/^\d+$/.test(v))
    throw new UsageError('BAD_NUMBER', `--limit "${v}" must be a whole number of groups (0: all of them)`);
  return Number(v) === 0 ? undefined : Number(v);
}

const iso = isoUtc;

export function registerHunt(program: Command, io: Io): void {
  program
    .command('hunt')
    .description(
      'retro hunt: which stored flows touched the addresses of an indicator file (or the stored feeds)',
    )
    .option(
      '--ioc <file>',
      'indicators to hunt for (IP/CIDR list, DROP JSON, abuse.ch CSV, STIX 2.1); not stored',
    )
    .option('--format <format>', 'format of --ioc: auto, list, spamhaus-drop, abusech-csv or stix', 'auto')
    .option(
      '--since <time>',
      'only records whose event time is at or after this time (ISO-8601, unix seconds, or 2h/7d ago)',
    )
    .option('--until <time>', 'only records whose event time is before this time')
    .option('--db <file>', 'store to search (default: $FLOWWATCH_DB or ./flowwatch.duckdb)')
    .option('-o, --output <format>', 'table, json or csv', 'table')
    .option(
      '--limit <n>',
      `groups to print, most matching records first; 0: all (default: ${TABLE_LIMIT} in a table, all with -o json or csv)`,
    )
    .addHelpText(
      'after',
      `
A record matches when its source or destination (pkt-srcaddr/pkt-dstaddr when logged, else srcaddr/dstaddr)
lies in an indicator valid at the record's event time; the most specific indicator is reported. Without
--ioc the feeds loaded with "flowwatch intel add" are searched. Groups come most matching records first; a
table shows the first ${TABLE_LIMIT} and the totals (--limit 0, -o json or -o csv for every group).`,
    )
    .action(async (flags: HuntFlags) => {
      const output = parseOutput(flags.output);
      const range = timeRange(flags.since, flags.until);
      const feed =
        flags.ioc === undefined ? undefined : readFeedFile(flags.ioc, feedFormatFlag(flags.format));
      if (feed) printReport(feed.report, io.err);
      const store = await Store.open(dbPath(io, flags.db), { readOnly: true });
      try {
        let relations: IntelRelations = STORED_INTEL;
        if (feed)
          relations = await loadTemporaryIntel(store, 'ioc', feed.parsed.indicators, { segments: false });
        const counts = await indicatorCounts(store, relations);
        const against = `${plural(counts.v4 + counts.v6, 'indicator')} (${counts.v4} IPv4, ${counts.v6} IPv6)${feed ? ` from ${feed.path}` : ' from the stored feeds'}`;
        if (counts.v4 + counts.v6 === 0) {
          throw new UsageError(
            'NO_INTEL',
            'nothing to hunt for: the store has no threat-intelligence feeds',
            'give a file with --ioc <file>, or load feeds with flowwatch intel add <file>',
          );
        }
        const span = await searchedSpan(store, range);
        const when =
          span.first === null || span.last === null
            ? ''
            : ` with event times ${iso(span.first)} to ${iso(span.last)}`;
        const searched = `searched ${span.records.toLocaleString('en-US')} records${when} against ${against}`;
        const totals: HuntTotals =
          span.records === 0
            ? { groups: 0, sides: 0, controlChars: false }
            : await huntGroupTable(store, { ...range, relations });
        const limit =
          flags.limit === undefined ? (output === 'table' ? TABLE_LIMIT : undefined) : limitFlag(flags.limit);
        // JSON and CSV are written by DuckDB as text, chunk by chunk; a table needs only the groups it shows.
        if (output === 'json') for await (const t of huntJsonText(store, totals, limit)) io.out(t);
        else if (output === 'csv') for await (const t of huntCsvText(store, totals, limit)) io.out(t);
        else if (totals.groups > 0) {
          // the CSV's columns without the feed
          const columns = HUNT_CSV_COLUMNS.filter((c) => c !== 'feed');
          io.out(render({ columns, rows: await huntRows(store, limit) }, output));
          if (limit !== undefined && totals.groups > limit) {
            io.out(
              `(the first ${limit.toLocaleString('en-US')} of ${totals.groups.toLocaleString('en-US')} groups, most matching records first; --limit 0 shows every group, -o json or -o csv writes them all)\n`,
            );
          }
        }
        const say = output === 'table' ? io.out : io.err;
        if (span.stored === 0) {
          say(
            'no match: the store holds no flow records yet; ingest flow logs first (flowwatch ingest <path>)\n',
          );
        } else if (span.records === 0) {
          say(
            `no match: no stored record has an event time in the period asked for (${span.stored.toLocaleString('en-US')} records are stored); widen --since/--until\n`,
          );
        } else if (totals.groups === 0) {
          say(`no match: ${searched}\n`);
        } else {
          const { groups, sides } = totals;
          say(
            `${groups.toLocaleString('en-US')} group${groups === 1 ? '' : 's'}, ${sides.toLocaleString('en-US')} matching record side${sides === 1 ? '' : 's'}; ${searched}\n`,
          );
        }
      } finally {
        store.close();
      }
    });
}
