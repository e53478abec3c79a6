// `flowwatch hunt`: a one-off retro hunt of stored records against a file of indicators (--ioc, not stored) or
// the stored feeds, grouped by indicator, matched address and peer; says what was searched when nothing matched.

import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { isoUtc } from '../core/time.js';
import { feedFormatFlag, printReport, readFeedFile } from '../enrich/read-feed.js';
import { plural } from '../metrics/alarms/format.js';
import {
  huntGroups,
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
    .addHelpText(
      'after',
      `
A record matches when its source or destination (pkt-srcaddr/pkt-dstaddr when logged, else srcaddr/dstaddr)
lies in an indicator valid at the record's event time; the most specific indicator is reported. Without
--ioc the feeds loaded with "flowwatch intel add" are searched.`,
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
        const rows = span.records === 0 ? [] : await huntGroups(store, { ...range, relations });
        const columns = [
          'indicator',
          'address',
          'peer',
          'sides',
          'first_seen',
          'last_seen',
          'flows',
          'bytes',
          'rejected',
          'description',
        ];
        if (output !== 'table')
          io.out(render({ columns: [...columns.slice(0, 1), 'feed', ...columns.slice(1)], rows }, output));
        else if (rows.length > 0) io.out(render({ columns, rows }, output));
        const say = output === 'table' ? io.out : io.err;
        if (span.stored === 0) {
          say(
            'no match: the store holds no flow records yet; ingest flow logs first (flowwatch ingest <path>)\n',
          );
        } else if (span.records === 0) {
          say(
            `no match: no stored record has an event time in the period asked for (${span.stored.toLocaleString('en-US')} records are stored); widen --since/--until\n`,
          );
        } else if (rows.length === 0) {
          say(`no match: ${searched}\n`);
        } else {
          const flows = rows.reduce((s, r) => s + Number(r['flows']), 0);
          say(
            `${rows.length.toLocaleString('en-US')} group${rows.length === 1 ? '' : 's'}, ${flows.toLocaleString('en-US')} matching record side${flows === 1 ? '' : 's'}; ${searched}\n`,
          );
        }
      } finally {
        store.close();
      }
    });
}
